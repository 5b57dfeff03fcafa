"""Many files → one set of tables (the corpus), with the checks run across reports."""

from __future__ import annotations

import glob as _glob
import html
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from gxparse import contract as K
from gxparse.analysis import catalog
from gxparse.dtypes import concat_frames
from gxparse.parsing.parse import (
    COLUMNS,
    TABLES,
    ReportTables,
    empty_frame,
    failed,
    frame_of,
    parse_file,
    typed,
)

PathLike = str | Path
PARSE_STATUSES: tuple[str, ...] = K.PARSE_STATUSES
SEVERITIES: tuple[str, ...] = catalog.SEVERITIES
STATUS_ZH: dict[str, str] = {"ok": "完整", "partial": "部分", "failed": "失败"}
UNKNOWN_ZH = "不详"


class Corpus(ReportTables):
    """The seven tables of many reports. Same attributes as a single report.

    In a notebook a corpus shows as a short summary (:meth:`summary`): reports by parse
    status, years, templates and findings by severity."""

    @property
    def report_ids(self) -> list[str]:
        return self.reports["report_id"].tolist()

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts to recognise a corpus by: ``reports`` by parse status (ok, partial,
        failed), ``years`` and ``templates`` (reports each, "不详" where unknown) and
        ``findings`` by severity (error, warning, info); zero counts of the fixed codes
        are kept."""
        reports, findings = self.reports, self.findings

        def counts(series: pd.Series, order: Sequence[str] = ()) -> dict[str, int]:
            values = series.astype(object).where(series.notna(), UNKNOWN_ZH).astype(str)
            found = values.value_counts(sort=False).to_dict()
            keys = [*order, *sorted(k for k in found if k not in order)]
            return {k: int(found.get(k, 0)) for k in keys}

        years = reports["year"] if "year" in reports else pd.Series([], dtype=object)
        return {
            "reports": counts(reports["parse_status"], PARSE_STATUSES),
            "years": counts(years),
            "templates": counts(reports["template"]) if "template" in reports else {},
            "findings": counts(findings["severity"], SEVERITIES),
        }

    def _summary_lines(self) -> list[tuple[str, str]]:
        s = self.summary()

        def line(counts: Mapping[str, int], label: Callable[[str], str], unit: str) -> str:
            return "，".join(f"{label(k)} {v:,} {unit}" for k, v in counts.items()) or "无"

        def years(k: str) -> str:
            return k if k == UNKNOWN_ZH else f"{k} 年度"

        def templates(k: str) -> str:
            return k if k == UNKNOWN_ZH else f"{k} 版"

        return [
            ("解析状态", line(s["reports"], lambda k: STATUS_ZH.get(k, k), "份")),
            ("年度", line(s["years"], years, "份")),
            ("模板", line(s["templates"], templates, "份")),
            ("检查发现", line(s["findings"], lambda k: catalog.SEVERITY_LABELS.get(k, k), "条")),
        ]

    def __repr__(self) -> str:
        lines = [f"<gxparse Corpus：报告 {len(self.reports):,} 份>"]
        lines += [f"  {name}：{text}" for name, text in self._summary_lines()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        title = html.escape(f"gxparse Corpus：报告 {len(self.reports):,} 份")
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            f"<td style='text-align:left'>{html.escape(text)}</td></tr>"
            for name, text in self._summary_lines()
        )
        return f"<div><strong>{title}</strong><table>{body}</table></div>"


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


def report_ids(paths: Sequence[PathLike]) -> list[str]:
    """The ``report_id`` of each file: its name without the extension (the data contract).

    ``report_id`` joins every table, so it must be unique within a run. Files whose names
    would collide (``2022/index.html`` and ``2023/index.html``; ``a.txt`` and ``a.pdf``)
    are told apart by their folder below the folder they share (``2022/index``,
    ``2023/index``), then, where that is not enough, by their extension (``a.txt``,
    ``a.pdf``); the same file given twice gets ``~2``, ``~3`` after its id. Only
    colliding files are renamed: every other id stays its file's name."""
    files = [Path(p) for p in paths]
    ids = [f.stem for f in files]
    for group in _clashes(ids):
        # Below the deepest folder the clashing files share: the folders that tell them apart.
        root = os.path.commonpath([os.path.abspath(files[i].parent) for i in group])
        below = {i: Path(os.path.relpath(os.path.abspath(files[i]), root)) for i in group}
        for i in group:
            ids[i] = below[i].with_suffix("").as_posix()
        for same in _clashes([ids[i] for i in group]):
            for k in same:
                ids[group[k]] = below[group[k]].as_posix()
    for group in _clashes(ids):
        for n, i in enumerate(group[1:], start=2):
            ids[i] = f"{ids[i]}~{n}"
    return ids


def _clashes(ids: Sequence[str]) -> list[list[int]]:
    """The positions of each id that occurs more than once."""
    at: dict[str, list[int]] = {}
    for i, rid in enumerate(ids):
        at.setdefault(rid, []).append(i)
    return [g for g in at.values() if len(g) > 1]


def source_names(paths: Sequence[PathLike]) -> list[str]:
    """The ``source_file`` of each file: its path below the deepest folder that every file
    of the run shares (``2023/abc.pdf`` for ``data/raw/2023/abc.pdf`` in a run over
    ``data/raw``), so a file in a sub-folder can be found; its name alone when all files
    sit in one folder."""
    files = [os.path.abspath(p) for p in paths]
    if not files:
        return []
    root = os.path.commonpath([os.path.dirname(f) for f in files])
    return [Path(os.path.relpath(f, root)).as_posix() for f in files]


def _renamed(
    parts: Iterable[ReportTables],
    paths: Sequence[Path],
    ids: Sequence[str],
    names: Sequence[str],
) -> Iterator[ReportTables]:
    """Each file's tables under its run-wide id and source name (parsing names a report
    after its file's name alone)."""
    for part, path, rid, name in zip(parts, paths, ids, names, strict=True):
        if rid != path.stem or name != path.name:
            note = (
                f"report_id {rid}: another file of this run is also named {path.stem}"
                if rid != path.stem
                else None
            )
            part = part.with_report_id(rid, note, name)
        yield part


class TableBuilder:
    """Collects the tables of many reports as they arrive, compactly.

    Each report's columns are appended to one list per column; every ``chunk`` reports the
    lists become typed DataFrames (code columns one byte per row) and are released, so a
    run of 10,000 reports never holds every report's rows as Python objects at once.
    :meth:`frames` joins the chunks. Reports keep the order in which they were added."""

    def __init__(self, chunk: int = 1000) -> None:
        self.chunk = chunk
        self.count = 0
        self._lists: dict[str, list[list]] = {}
        self._pending = 0
        self._chunks: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
        self._reset()

    def _reset(self) -> None:
        self._lists = {name: [[] for _ in COLUMNS[name]] for name in TABLES}
        self._pending = 0

    def add(self, part: ReportTables) -> None:
        """Append one report's (or corpus's) tables."""
        framed = [n for n in TABLES if not part.has_columns(n)]
        if framed:
            # Already DataFrames (a corpus, a report whose frame was replaced): keep order.
            self._flush()
        for name in TABLES:
            if name in framed:
                self._chunks[name].append(typed(name, part.frame(name)))
                continue
            for target, values in zip(self._lists[name], part.columns(name), strict=True):
                target.extend(values)
        self.count += 1
        self._pending += 1
        if self._pending >= self.chunk:
            self._flush()

    def extend(self, parts: Iterable[ReportTables]) -> TableBuilder:
        for part in parts:
            self.add(part)
        return self

    def _flush(self) -> None:
        if not self._pending:
            return
        for name in TABLES:
            cols = self._lists[name]
            if cols[0]:
                self._chunks[name].append(frame_of(name, cols))
        self._reset()

    def frames(self) -> dict[str, pd.DataFrame]:
        """One DataFrame per table, in declared dtypes (empty tables included)."""
        self._flush()
        out = {}
        for name in TABLES:
            chunks, self._chunks[name] = self._chunks[name], []
            # One table's chunks at a time are alive next to their join: the peak stays
            # near the tables' own size instead of twice it.
            out[name] = concat_frames(chunks) if chunks else empty_frame(name)
            del chunks
        return out


def concat(parts: Iterable[ReportTables], *, chunk: int = 1000) -> dict[str, pd.DataFrame]:
    """One DataFrame per table from the tables of every report, declared dtypes kept.

    ``parts`` may be any iterable (e.g. :func:`gxparse.batch.parallel.imap_files`): each report is
    reduced to compact columns as it comes, so the parts need not all be held at once."""
    return TableBuilder(chunk).extend(parts).frames()


def _failed(failure) -> ReportTables:
    """A file whose worker timed out, ran out of memory or crashed: its failed row."""
    p = Path(failure.path)
    return failed(p.stem, p.name, failure.reason)


def _decision_files(
    source: PathLike | Iterable[PathLike], folder: PathLike | None
) -> tuple[Path | None, Path | None]:
    """corrections.csv and reviews.csv: in ``folder`` when given, else beside a raw folder
    (data/raw → data/corrections.csv); None when absent."""
    if folder is None:
        if not isinstance(source, str | Path) or not Path(source).is_dir():
            return None, None
        folder = Path(source).resolve().parent
    folder = Path(folder)
    found = [folder / n for n in ("corrections.csv", "reviews.csv")]
    return tuple(p if p.is_file() else None for p in found)  # type: ignore[return-value]


def read_reports(
    source: PathLike | Iterable[PathLike],
    *,
    executor: Executor | None = None,
    jobs: int | None = 1,
    progress: bool = False,
    checks: bool = True,
    cache: bool | PathLike = False,
    timeout: float | None = None,
    max_memory: int | None = None,
    decisions: PathLike | None = None,
) -> Corpus:
    """Parse every report named by ``source`` (folder, glob, file or list).

    A file that cannot be read becomes a ``failed`` row in ``reports`` with its reason; the
    rest of the batch goes on. ``executor`` (any ``concurrent.futures.Executor``, e.g.
    :func:`gxparse.batch.parallel.dask_executor`) or ``jobs`` (``None``/``0`` = every core) parse
    in parallel; results are identical to a serial run, in name order. ``timeout`` (s) and
    ``max_memory`` (bytes) bound each file. ``cache`` (``True`` = ``.cache/gxparse``, or a
    folder) keeps each file's result keyed by its content and the gxparse version, so a
    re-run parses only new or changed files. ``checks`` runs :mod:`gxparse.analysis.checks` after
    applying the analyst's ``corrections.csv`` and ``reviews.csv`` from ``decisions`` (a
    folder; default: beside a raw folder, e.g. ``data/`` for ``data/raw``).
    """
    from gxparse.batch.parallel import imap_files

    paths = discover(source)
    store = None
    if cache:
        from gxparse.batch.cache import Cache

        store = Cache() if cache is True else Cache(cache)
    serial = executor is None and jobs == 1 and timeout is None and max_memory is None
    if serial and store is None:
        parts: Iterable[ReportTables] = (parse_file(p) for p in paths)
    else:
        parts = imap_files(
            parse_file,
            paths,
            executor=executor,
            jobs=jobs,
            progress=progress,
            timeout=timeout,
            max_memory=max_memory,
            on_failure=_failed,
            cache=store,
        )
    corpus = Corpus(frames=concat(_renamed(parts, paths, report_ids(paths), source_names(paths))))
    corpus.reports = mark_duplicates(corpus.reports)
    if checks:
        corrections, reviews = _decision_files(source, decisions)
        corpus = run_corpus_checks(corpus, corrections, reviews)
    return corpus


def run_corpus_checks(
    corpus: Corpus, corrections: Path | None = None, reviews: Path | None = None
) -> Corpus:
    """Apply the analyst's corrections, run every check, apply the review decisions; the
    parser's own findings (unplaced numbers) are kept."""
    from gxparse.analysis.review import check_corpus

    tables = check_corpus(
        {n: getattr(corpus, n) for n in TABLES}, corrections_path=corrections, reviews_path=reviews
    )
    # Corrections and findings come back as text (the checks work on plain values): the
    # code columns get their categorical dtypes again, as every corpus has them.
    out = Corpus(frames={n: typed(n, tables[n]) for n in TABLES})
    for name, df in tables.items():
        if name not in TABLES:
            out.set_frame(name, df)
    return out


def mark_duplicates(reports: pd.DataFrame) -> pd.DataFrame:
    """``reports`` with ``duplicate_of`` set: the report_id of the earlier report (in path
    order) that each report repeats, as the same file or as the same body and year
    (:func:`gxparse.analysis.checks.find_duplicates`); NA for every report kept."""
    from gxparse.analysis.checks import find_duplicates

    found = find_duplicates(reports)
    first = [found[str(r)][1] if str(r) in found else None for r in reports["report_id"]]
    return reports.assign(duplicate_of=pd.array(first, dtype="string"))


# Columns of :func:`left_out`.
LEFT_OUT_COLUMNS: tuple[str, ...] = (
    "report_id",
    "source_file",
    "reason",
    "duplicate_of",
    "error",
    "note",
)


def left_out(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports left out of charts and metrics, in path order: files that could not be
    parsed (``reason`` ``failed``) and duplicates (``duplicate_file``: the same bytes as
    ``duplicate_of``; ``duplicate_report``: the same body and year). ``note`` says why in
    Chinese. Columns: :data:`LEFT_OUT_COLUMNS`."""
    from gxparse.failures import failure_zh

    # A table built by hand may lack columns a parsed one has: absent means unknown.
    wanted = ["report_id", "source_file", "sha256", "parse_status", "error", "duplicate_of"]
    reports = reports.reindex(columns=wanted)
    dup = reports["duplicate_of"].astype("string")
    failed_ = reports["parse_status"].astype("string").eq("failed").fillna(False)
    sha = dict(zip(reports["report_id"].astype(str), reports["sha256"], strict=True))
    source = dict(zip(reports["report_id"].astype(str), reports["source_file"], strict=True))
    rows = []
    for rec, is_failed, first in zip(reports.to_dict("records"), failed_, dup, strict=True):
        rid = str(rec["report_id"])
        if is_failed:
            reason = "failed"
            note = "无法解析：" + failure_zh(str(rec["error"]))
        elif not pd.isna(first):
            same_file = sha.get(str(first)) == rec["sha256"] and not pd.isna(rec["sha256"])
            reason = "duplicate_file" if same_file else "duplicate_report"
            whom = f"{first}（{source.get(str(first), first)}）"
            note = (
                f"与{whom}是同一文件"
                if same_file
                else f"与{whom}是同一机关同一年度的报告（只计入在前的一份）"
            )
        else:
            continue
        rows.append(
            (rid, rec["source_file"], reason, None if pd.isna(first) else first, rec["error"], note)
        )
    out = pd.DataFrame(rows, columns=list(LEFT_OUT_COLUMNS))
    return out.astype({c: "string" for c in LEFT_OUT_COLUMNS})


def read_report(path: PathLike) -> Corpus:
    """Parse one file; the result has the same seven DataFrame attributes as a corpus."""
    tables = concat([parse_file(path)])
    return run_corpus_checks(Corpus(frames=tables))


# The reports charts and metrics count (the notebooks and the workbook ask for them).
def _table(tables: object, name: str) -> pd.DataFrame:
    return tables[name] if isinstance(tables, dict) else getattr(tables, name)


def _corpus_of(tables: dict[str, pd.DataFrame]) -> object:
    try:
        return Corpus(**tables)
    except TypeError:
        from types import SimpleNamespace

        return SimpleNamespace(**tables)


def _keep_reports(tables: object, ids: set[str]) -> object:
    """The corpus of the reports ``ids`` (their rows in every table)."""
    out = {}
    for name in TABLES:
        df = _table(tables, name)
        out[name] = df[df["report_id"].isin(ids)].reset_index(drop=True)
    return _corpus_of(out)


def analysable(tables: object) -> object:
    """The corpus without the reports :func:`left_out` lists (files that
    could not be parsed, and duplicates of an earlier file or of an earlier report of the
    same body and year): what charts and metrics count."""
    reports = _table(tables, "reports")
    dropped = set(left_out(reports)["report_id"])
    if not dropped:
        return tables
    return _keep_reports(tables, set(reports["report_id"]) - dropped)
