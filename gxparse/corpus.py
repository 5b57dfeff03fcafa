"""Many files → one set of tables (the corpus), with the checks run across reports."""

from __future__ import annotations

import glob as _glob
from collections.abc import Iterable
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from gxparse.parse import COLUMNS, TABLES, ReportTables, parse_file, typed

PathLike = str | Path


class Corpus(ReportTables):
    """The seven tables of many reports. Same attributes as a single report."""

    @property
    def report_ids(self) -> list[str]:
        return self.reports["report_id"].tolist()


def discover(source: PathLike | Iterable[PathLike]) -> list[Path]:
    """Files named by a folder (recursively, hidden files skipped), a glob, a file, or a list
    of any of these; sorted by name so every run sees the same order."""
    if isinstance(source, str | Path):
        p = Path(source)
        if p.is_dir():
            files = [
                f
                for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            ]
            return sorted(files)
        if p.is_file():
            return [p]
        matches = sorted(Path(m) for m in _glob.glob(str(source), recursive=True))
        if not matches and not any(ch in str(source) for ch in "*?["):
            raise FileNotFoundError(f"{source}: no such file or folder")
        return [m for m in matches if m.is_file()]
    out: list[Path] = []
    for s in source:
        out.extend(discover(s))
    return out


def concat(parts: list[ReportTables]) -> dict[str, pd.DataFrame]:
    """One DataFrame per table from the records of every report, declared dtypes kept."""
    out = {}
    for name in TABLES:
        records = [r for p in parts for r in p.records(name)]
        out[name] = typed(name, pd.DataFrame.from_records(records, columns=list(COLUMNS[name])))
    return out


def read_reports(
    source: PathLike | Iterable[PathLike],
    *,
    executor: Executor | None = None,
    jobs: int | None = 1,
    progress: bool = False,
    checks: bool = True,
) -> Corpus:
    """Parse every report named by ``source`` (folder, glob, file or list).

    A file that cannot be read becomes a ``failed`` row in ``reports`` with its reason; the
    rest of the batch goes on. ``executor`` (any ``concurrent.futures.Executor``) or
    ``jobs`` > 1 parse in parallel; results are identical to a serial run, in name order.
    """
    paths = discover(source)
    if executor is not None or (jobs is not None and jobs != 1):
        from gxparse.parallel import map_files

        parts = map_files(parse_file, paths, executor=executor, jobs=jobs, progress=progress)
    else:
        parts = [parse_file(p) for p in paths]
    tables = concat(parts)
    corpus = Corpus(frames=tables)
    if checks:
        corpus = run_corpus_checks(corpus)
    return corpus


def run_corpus_checks(corpus: Corpus) -> Corpus:
    """Append the findings of :mod:`gxparse.checks` (when available) to the parser's own."""
    try:
        from gxparse.checks import run_checks
    except ImportError:
        return corpus
    found = run_checks({n: getattr(corpus, n) for n in TABLES if n != "findings"})
    findings = (
        pd.concat([corpus.findings, found], ignore_index=True) if len(found) else corpus.findings
    )
    corpus.findings = findings.reset_index(drop=True)
    return corpus


def read_report(path: PathLike) -> Corpus:
    """Parse one file; the result has the same seven DataFrame attributes as a corpus."""
    tables = concat([parse_file(path)])
    return run_corpus_checks(Corpus(frames=tables))
