"""``gxparse build``: data/raw → data/processed, every table as Parquet and CSV.

Each table is written once: ``<table>.parquet`` and ``<table>.csv`` (UTF-8 with BOM), or,
with ``partition_by="year"``, a Hive-style Parquet dataset per table::

    <out>/<table>/year=2023/part-0.parquet
    <out>/<table>/year=__HIVE_DEFAULT_PARTITION__/part-0.parquet   (year unknown)

Every table is partitioned by its report's year (``reports.year``, joined on
``report_id``), so one year of every table can be read alone. The files do not repeat the
``year`` column: it is in the folder name, as Hive, pyarrow, Dask, DuckDB and Spark expect
(``pd.read_parquet("<out>/applications")`` gives it as a column). :func:`read_tables` reads
either layout back with the corpus's exact dtypes.

The set of tables is published whole: it is written into a staging folder beside the
output folder, which is then swapped in (:func:`gxparse.batch.publish.staged`), so a reader, and
a build killed at any moment, sees the previous complete set or the new one. An output
folder that also holds files a build did not write is updated in place, each file written
to a temporary name and renamed (a partitioned table: a temporary folder, swapped in).
Files get the umask's permissions. In the CSV files, text a spreadsheet would run as a
formula starts with an apostrophe (:func:`csv_safe`); Parquet keeps the exact text."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from gxparse.batch.corpus import Corpus, read_reports
from gxparse.batch.publish import apply_umask, atomic_file, staged, swap_in
from gxparse.dtypes import concat_frames
from gxparse.parsing.parse import TABLES, empty_frame, typed

__all__ = [
    "FILE_MAX_MEMORY",
    "FILE_TIMEOUT",
    "PARTITION_KEYS",
    "UNKNOWN_PARTITION",
    "build",
    "csv_safe",
    "has_parsed",
    "has_tables",
    "read_tables",
    "summary_lines",
    "write_csv",
    "write_tables",
]

# Each file's limits in a build (``gxparse build`` and the build of ``gxparse run``) unless
# the caller sets its own; 0 turns one off. They are enforced from outside the file's code
# (:mod:`gxparse.batch.parallel`): a watchdog in the parent kills the worker of a file past its
# time, even inside a C library no Python signal reaches, and the kernel refuses the
# worker's memory beyond the limit (RLIMIT_AS). Such a file becomes a ``failed`` report.
FILE_TIMEOUT: float = 300.0
FILE_MAX_MEMORY: int = 4 * 2**30

PARTITION_KEYS: tuple[str, ...] = ("year",)
# Hive's name for a partition whose key is null (pyarrow and Spark read it back as NA).
UNKNOWN_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def _atomic_folder(path: Path, fill: Callable[[Path], object]) -> None:
    """Build a folder under a temporary name beside ``path``, then swap it in
    (:func:`gxparse.batch.publish.swap_in`); the previous folder is removed after."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        fill(tmp)
        apply_umask(tmp)
        swap_in(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _partitions(
    df: pd.DataFrame, years: dict[str, int | None], table: str
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each ``year=...`` folder name with its rows (the report's year; unknown last), the
    ``year`` column left out. A table without rows gives one empty part (its columns and
    dtypes are kept for the reader)."""
    data = df.drop(columns=list(PARTITION_KEYS), errors="ignore")
    if table == "reports":
        year = df["year"]
    else:
        year = df["report_id"].map(years)
    # One float per row (NaN = unknown): no per-row folder-name strings for millions of cells.
    keys = pd.to_numeric(year, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    unknown = np.isnan(keys)
    for y in np.unique(keys[~unknown]):
        yield f"year={int(y)}", data[keys == y]
    if unknown.any() or data.empty:
        yield f"year={UNKNOWN_PARTITION}", data[unknown]


def _is_partitioned_table(folder: Path) -> bool:
    """Whether ``folder`` is a table a partitioned build wrote (``year=...`` folders of
    Parquet files, at least one): the only kind of folder a build may replace, remove or
    read as a table."""
    if not folder.is_dir():
        return False
    found = False
    for child in folder.iterdir():
        if child.name.startswith("."):
            continue  # a temporary name of an interrupted build
        if not (child.is_dir() and child.name.startswith("year=")):
            return False
        if any(not (f.is_file() and f.suffix == ".parquet") for f in child.iterdir()):
            return False
        found = True
    return found


def _check_replaceable(folder: Path) -> None:
    if folder.is_dir() and any(folder.iterdir()) and not _is_partitioned_table(folder):
        raise FileExistsError(
            f"{folder} exists and is not a table written by gxparse build; "
            "choose another output folder"
        )


def _write_partitioned(
    df: pd.DataFrame, folder: Path, years: dict[str, int | None], table: str
) -> None:
    for name, part in _partitions(df, years, table):
        (folder / name).mkdir()
        part.reset_index(drop=True).to_parquet(folder / name / "part-0.parquet", index=False)


def write_tables(
    corpus: Corpus, out_dir: str | Path, *, partition_by: str | None = None
) -> list[Path]:
    """Write every table as ``<table>.parquet`` and ``<table>.csv`` (UTF-8 with BOM), or,
    with ``partition_by="year"``, as a Parquet folder ``<table>/year=YYYY/`` per table (and
    the same CSV). Returns the paths written (files, and folders for partitioned tables).
    The other layout's Parquet output of a table, left by an earlier build, is removed."""
    if partition_by is not None and partition_by not in PARTITION_KEYS:
        raise ValueError(f"partition_by must be one of {', '.join(PARTITION_KEYS)}")
    out = Path(out_dir)
    written = []
    years: dict[str, int | None] = {}
    if partition_by is not None:
        reports = corpus.reports
        years = {
            str(r): None if pd.isna(y) else int(y)
            for r, y in zip(reports["report_id"], reports["year"], strict=True)
        }
    if partition_by is not None:
        for name in TABLES:
            # Before anything is written: a folder of a table's name that a build did not
            # write (OUT_DIR = the project folder, with its reports/) is never replaced.
            _check_replaceable(out / name)
    with staged(out, _is_build_output) as folder:
        for name in TABLES:
            df: pd.DataFrame = getattr(corpus, name)
            if partition_by is None:
                atomic_file(
                    folder / f"{name}.parquet", lambda tmp, df=df: df.to_parquet(tmp, index=False)
                )
                if _is_partitioned_table(folder / name):  # an earlier partitioned build's
                    shutil.rmtree(folder / name)
                pq = out / f"{name}.parquet"
            else:
                _atomic_folder(
                    folder / name,
                    lambda tmp, df=df, name=name: _write_partitioned(df, tmp, years, name),
                )
                (folder / f"{name}.parquet").unlink(missing_ok=True)
                pq = out / name
            atomic_file(folder / f"{name}.csv", lambda tmp, df=df: write_csv(df, tmp))
            written += [pq, out / f"{name}.csv"]
    return written


def _is_build_output(entry: Path) -> bool:
    """Whether ``entry`` (in an output folder) is something a build writes: a table's
    Parquet or CSV file, a partitioned table, or a temporary name of a build."""
    name = entry.name
    if name.startswith("."):
        return any(name.startswith(f".{t}.") for t in TABLES) and name.endswith((".tmp", ".old"))
    if entry.is_dir():
        return name in TABLES and (_is_partitioned_table(entry) or not any(entry.iterdir()))
    return entry.is_file() and name in {f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")}


# A text cell a spreadsheet would run as a formula: one beginning with =, @, a tab or a
# carriage return, or with + or - not followed by a plain number (the data contract).
_FORMULA_FIRST = ("=", "@", "\t", "\r", "+", "-")
_SIGNED_NUMBER = r"[+-]\d+(?:\.\d+)?"


def _formula_like(text: pd.Series) -> pd.Series:
    """True where a text cell would start a spreadsheet formula (NA: False)."""
    first = text.str.slice(0, 1)
    risky = first.isin(_FORMULA_FIRST).fillna(False).astype(bool)
    if risky.any():
        signed = first.isin(("+", "-")).fillna(False).astype(bool)
        plain = text.str.fullmatch(_SIGNED_NUMBER).fillna(False).astype(bool)
        risky &= ~(signed & plain)
    return risky


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell a spreadsheet would read as a formula prefixed with an
    apostrophe (``'=HYPERLINK(...)``); "+43" and "-1942" stay as they are. Numbers, dates
    and every other cell are unchanged (the data contract's rule for the CSV files)."""
    out = df
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            # A code column: its few categories tell whether any cell needs looking at.
            cats = pd.Series(col.cat.categories.astype(str), dtype="string")
            if not _formula_like(cats).any():
                continue
        elif not (pd.api.types.is_string_dtype(col.dtype) or col.dtype == object):
            continue
        text = col.astype("string")
        risky = _formula_like(text)
        if risky.any():
            if out is df:
                out = df.copy()
            out[c] = text.where(~risky, "'" + text)
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write a table as CSV for spreadsheets: UTF-8 with BOM (Excel shows Chinese), no
    index, formula-like text prefixed with an apostrophe (:func:`csv_safe`), lines ended
    with CRLF as RFC 4180 has them (so a field holding a lone CR or LF is quoted)."""
    csv_safe(df).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def _partition_value(folder: str) -> int | None:
    key, _, value = folder.partition("=")
    if key != "year" or not value:
        raise ValueError(f"{folder}: not a year=YYYY partition")
    return None if value == UNKNOWN_PARTITION else int(value)


def _read_partitioned(folder: Path, table: str) -> pd.DataFrame:
    parts = []
    found = sorted(
        (d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")),
        # Years ascending, the unknown year last.
        key=lambda d: (_partition_value(d.name) is None, _partition_value(d.name) or 0),
    )
    for d in found:
        year = _partition_value(d.name)
        for f in sorted(d.glob("*.parquet")):
            df = pd.read_parquet(f)
            if table == "reports":
                df["year"] = pd.array([year] * len(df), dtype="Int64")
            parts.append(typed(table, df))
    return concat_frames(parts) if parts else empty_frame(table)


def read_tables(out_dir: str | Path, tables: Iterable[str] = TABLES) -> dict[str, pd.DataFrame]:
    """Read the tables a build wrote to ``out_dir``, in either layout (``<table>.parquet``
    or a ``<table>/year=YYYY/`` folder), with the corpus's dtypes: code columns as the
    declared categoricals, ``year`` as Int64. A partitioned table comes back grouped by
    year (ascending, unknown last), in build order within a year. Raises
    FileNotFoundError for a table written in neither layout."""
    out = Path(out_dir)
    result = {}
    for name in tables:
        if _is_partitioned_table(out / name):
            result[name] = _read_partitioned(out / name, name)
        elif (out / f"{name}.parquet").is_file():
            result[name] = typed(name, pd.read_parquet(out / f"{name}.parquet"))
        else:
            raise FileNotFoundError(f"{out}: no {name}.parquet or {name}/ written by gxparse build")
    return result


def has_tables(out_dir: str | Path) -> bool:
    """Whether ``out_dir`` holds every table, in either layout."""
    out = Path(out_dir)
    return all(_is_partitioned_table(out / n) or (out / f"{n}.parquet").is_file() for n in TABLES)


def build(
    raw_dir: str | Path = "data/raw",
    out_dir: str | Path = "data/processed",
    *,
    partition_by: str | None = None,
    timeout: float | None = None,
    max_memory: int | None = None,
    **kwargs: object,
) -> Corpus:
    """Parse ``raw_dir`` and write the tables to ``out_dir``; returns the corpus.
    ``partition_by="year"`` writes each table's Parquet partitioned by report year.
    ``timeout`` (seconds) and ``max_memory`` (bytes) bound each file (None: the defaults
    :data:`FILE_TIMEOUT` and :data:`FILE_MAX_MEMORY`; 0: no limit); the other keyword
    arguments go to :func:`gxparse.batch.corpus.read_reports`."""
    if partition_by is not None:  # refuse before parsing, not after
        for name in TABLES:
            _check_replaceable(Path(out_dir) / name)
    timeout = FILE_TIMEOUT if timeout is None else timeout or None
    max_memory = FILE_MAX_MEMORY if max_memory is None else max_memory or None
    corpus = read_reports(raw_dir, timeout=timeout, max_memory=max_memory, **kwargs)  # type: ignore[arg-type]
    write_tables(corpus, out_dir, partition_by=partition_by)
    return corpus


def has_parsed(corpus: object) -> bool:
    """Whether at least one report could be parsed (``parse_status`` ok or partial)."""
    reports: pd.DataFrame = corpus.reports  # type: ignore[attr-defined]
    return bool((reports["parse_status"].astype("string") != "failed").fillna(False).any())


def summary_lines(corpus: object, out_dir: str | Path, seconds: float) -> list[str]:
    """What a build did, in Chinese: one summary line (files read, distinct reports parsed
    by status, files that failed or repeat another, findings, where, how long), then one
    line per file that could not be read (its name and why) and per duplicate (which
    report it repeats)."""
    from gxparse.batch.corpus import left_out
    from gxparse.failures import UNKNOWN_FAILURE, failure_zh, split_error

    reports: pd.DataFrame = corpus.reports  # type: ignore[attr-defined]
    findings: pd.DataFrame = corpus.findings  # type: ignore[attr-defined]
    dropped = left_out(reports)
    used = reports[~reports["report_id"].isin(dropped["report_id"])]
    status = used["parse_status"].astype("string")
    n_failed = int((dropped["reason"] == "failed").sum())
    n_dup = len(dropped) - n_failed
    head = (
        f"gxparse：读取文件 {len(reports):,} 个，可分析的报告 {len(used):,} 份"
        f"（完整 {int((status == 'ok').sum()):,}，部分 {int((status == 'partial').sum()):,}）"
        f"；无法解析 {n_failed:,} 个，重复 {n_dup:,} 个；检查发现 {len(findings):,} 条"
        f" → {out_dir}，用时 {seconds:.1f} 秒"
    )
    lines = [head]
    for rec in dropped.to_dict("records"):
        if rec["reason"] == "failed":
            why = failure_zh(str(rec["error"]))
            if why == UNKNOWN_FAILURE:  # no column to look at here: the reason as given
                why = f"原因不明（{split_error(str(rec['error']))[1]}）"
            lines.append(f"  无法解析：{rec['source_file']}：{why}")
        else:
            lines.append(f"  重复：{rec['source_file']}：{rec['note']}")
    return lines
