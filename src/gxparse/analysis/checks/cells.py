"""Tables in, cells out: the store every check reads, the finding they return, and labels.

Given the contract's tables, :func:`ensure_columns` completes them, :class:`CellTable` holds
one cell table column-wise per report (:class:`ReportCells` is one report's view), and
:func:`_templates` / :func:`_subject` give each report's template and the subject its
messages start with. Out go :class:`Finding` (one row of the findings table),
:func:`findings_frame`, and the short Chinese names of rows, columns and cells that messages
use (:func:`row_label`, :func:`col_label`, :func:`describe_cells`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from gxparse import contract as K
from gxparse import template as T
from gxparse.analysis.catalog import CHECK_BY_CODE

# Columns of the findings table: the contract's, then gxparse's additions.
FINDING_COLUMNS: tuple[str, ...] = K.TABLES["findings"].names
KNOWN_STATUSES: tuple[str, ...] = K.VALUED_STATUSES
UNKNOWN_STATUSES: tuple[str, ...] = K.EMPTY_STATUSES

# Row/column key columns of each cell table.
CELL_KEYS: dict[str, tuple[str, str]] = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}

# Every column of the seven tables, as a corpus has them (gxparse.contract).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = K.columns()

# Cell table of each table part of the report.
PART_TABLE: dict[str, str] = dict(zip(T.TABLE_PARTS, CELL_KEYS, strict=True))
_APPEAL_PARTS = tuple(r.code for r in T.RESULTS if r.code != "total")
# 2021's three （六） sub-rows, which 2019 prints as one row (see :mod:`.crosswalk`).
_OTHER_2021 = T.SPLIT_OTHER.codes_2021
_DECIMAL_MEASURES = T.AMOUNT_MEASURES
_SIGNED_MEASURES = frozenset({"change"})


Key = tuple[str, str]


class CellValue(NamedTuple):
    """One cell as the checks see it. Built only for the cells a finding looks at: a
    corpus's millions of cells stay in the arrays of :class:`CellTable`."""

    value: float | None
    status: str
    raw: str | None = None
    source: str | None = None

    @property
    def known(self) -> bool:
        return self.status in KNOWN_STATUSES and self.value is not None


Cells = Mapping[Key, CellValue]


def _na(x: object) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _opt_str(x: object) -> str | None:
    return None if _na(x) else str(x)


def ensure_columns(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Given tables (some may be absent or lack optional columns), return all seven with
    every column of :data:`TABLE_COLUMNS` present (absent ones filled with NA)."""
    out: dict[str, pd.DataFrame] = {}
    for name, cols in TABLE_COLUMNS.items():
        df = tables.get(name)
        # Shallow: only columns are added, and copy-on-write keeps the caller's frames
        # intact; a deep copy would double the corpus's largest tables for nothing.
        df = pd.DataFrame(columns=list(cols)) if df is None else df.copy(deep=False)
        for c in cols:
            if c not in df.columns:
                df[c] = pd.NA
        out[name] = df
    for name, df in tables.items():
        out.setdefault(name, df.copy(deep=False))
    return out


def _codes(s: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """A column as int32 codes (-1 = NA; a new array the caller may change) and the text
    of each code (``str`` of the value, as the checks compare codes); categoricals reuse
    their codes."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int32), [str(c) for c in s.cat.categories]
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int32), [str(u) for u in uniques]


class CellTable:
    """One cell table (disclosure, applications or appeals) held as arrays, for checks over
    every report at once.

    A corpus of 10,000 reports has about two million cells: one Python object each would
    cost over a gigabyte. Here each cell is a slot of a grid (report × (row, col) code
    pair) pointing at its table row; values and statuses are arrays of the table's length.
    Checks filter whole columns of the grid (:meth:`known`, :meth:`status_count`), and
    read the cells of the few reports they flag through :meth:`report` (a
    ``{(row, col): CellValue}`` mapping made on demand).

    ``ids`` are the sorted report ids shared by every table of a run: a report's position
    is the same in all of them. When a report repeats a cell, its last row counts, as in a
    dict filled row by row.
    """

    def __init__(self, df: pd.DataFrame, table: str, ids: pd.Index) -> None:
        rk, ck = CELL_KEYS[table]
        self.table = table
        self.ids = ids
        self._pos_of = {rid: i for i, rid in enumerate(ids)}
        n_ids = len(ids)
        n = len(df)
        # Row numbers, positions and slots fit 32 bits below two billion: half the memory
        # of numpy's default int64, for arrays as long as the table.
        idx = np.int32 if max(n, n_ids) < 2**31 else np.int64
        rid_codes, rid_text = _codes(df["report_id"])
        where = ids.get_indexer(pd.Index(rid_text, dtype=object)) if rid_text else []
        # Ids outside ``ids`` and NA ids (code -1: the appended -1) belong to no report.
        pos = np.append(np.asarray(where, dtype=idx), -1).astype(idx)[rid_codes]
        del rid_codes
        valid = pos >= 0
        rows = np.arange(n, dtype=idx) if valid.all() else np.flatnonzero(valid).astype(idx)
        if len(rows) < n:
            pos = pos[rows]
        del valid
        r_codes, r_text = _codes(df[rk])
        c_codes, c_text = _codes(df[ck])
        # NA codes get their own slot (last): such a cell is a cell all the same.
        width = len(c_text) + 1
        r_codes[r_codes < 0] = len(r_text)
        c_codes[c_codes < 0] = len(c_text)
        pair = r_codes[rows] * width + c_codes[rows]
        del r_codes, c_codes
        # The (row, col) pairs in use, numbered in code order: a table of every possible
        # pair (a few hundred) instead of sorting millions of cells.
        seen = np.zeros((len(r_text) + 1) * width, dtype=bool)
        seen[pair] = True
        used = np.flatnonzero(seen)
        slot = (np.cumsum(seen) - 1).astype(np.int32)[pair]
        del pair
        texts_r, texts_c = [*r_text, None], [*c_text, None]
        self.keys: list[Key] = [(texts_r[u // width], texts_c[u % width]) for u in used.tolist()]  # type: ignore[misc]
        self._key_index = {k: j for j, k in enumerate(self.keys)}
        n_keys = len(self.keys)
        grid = np.int32 if n_ids * n_keys < 2**31 else np.int64
        flat = pos.astype(grid) * n_keys + slot
        del slot
        last = np.full(n_ids * n_keys, -1, dtype=idx)
        last[flat] = rows
        first = last
        if np.count_nonzero(last >= 0) < len(flat):
            # A repeated cell (fewer slots filled than rows): numpy leaves unspecified which
            # of the writes above stays, so the last row is chosen explicitly (its value
            # counts), and the first is kept for the order of the report's keys.
            np.maximum.at(last, flat, rows)
            first = np.full(n_ids * n_keys, n, dtype=idx)
            np.minimum.at(first, flat, rows)
            first[first == n] = -1
        del flat, rows
        self._row_of = last.reshape(n_ids, n_keys)
        self._first_row = first.reshape(n_ids, n_keys)
        self.has = np.zeros(n_ids, dtype=bool)
        self.has[pos] = True
        del pos
        self._value = pd.to_numeric(df["value"]).to_numpy(dtype="float64", na_value=np.nan)
        s_codes, s_text = _codes(df["status"])
        # A cell without a status is missing, as the parser says of a cell it did not find.
        self.statuses: list[str] = [*s_text, "missing"]
        s_codes[s_codes < 0] = len(s_text)
        self._status = s_codes.astype(np.int16)
        known_status = np.array([s in KNOWN_STATUSES for s in self.statuses])
        self._known = known_status[self._status] & ~np.isnan(self._value)
        self._df = df
        self._text_cache: dict[str, tuple[np.ndarray, list[str | None]]] = {}

    # --- whole columns of the grid, one entry per report --------------------------------
    def known(self, key: Key) -> np.ndarray:
        """The cell's value per report where known, else NaN."""
        rows = self._rows(key)
        if rows is None:
            return np.full(len(self.ids), np.nan)
        r = np.maximum(rows, 0)
        return np.where((rows >= 0) & self._known[r], self._value[r], np.nan)

    def status_count(self, statuses: Iterable[str]) -> np.ndarray:
        """Per report, how many of its cells have one of ``statuses``."""
        chosen = set(statuses)
        wanted = np.array([s in chosen for s in self.statuses])
        grid = self._row_of
        hit = (grid >= 0) & wanted[self._status[np.maximum(grid, 0)]]
        return hit.sum(axis=1)

    def _rows(self, key: Key) -> np.ndarray | None:
        j = self._key_index.get(key)
        return None if j is None else self._row_of[:, j]

    # --- one report ---------------------------------------------------------------------
    def position(self, rid: str) -> int | None:
        return self._pos_of.get(rid)

    def report(self, rid: str) -> ReportCells:
        """One report's cells, ``{(row, col): CellValue}`` (empty for an unknown id)."""
        return ReportCells(self, self._pos_of.get(rid, -1))

    def cell(self, p: int, key: Key) -> CellValue | None:
        """The cell ``key`` of the report at position ``p``, or None."""
        j = self._key_index.get(key)
        if j is None or p < 0:
            return None
        r = int(self._row_of[p, j])
        return None if r < 0 else self._cell(r)

    def known_at(self, p: int, key: Key) -> float | None:
        """The known value of cell ``key`` of the report at position ``p``, or None."""
        j = self._key_index.get(key)
        if j is None or p < 0:
            return None
        r = int(self._row_of[p, j])
        return float(self._value[r]) if r >= 0 and self._known[r] else None

    def text_at(self, p: int, key: Key, column: str) -> str | None:
        """Text column ``column`` of cell ``key`` of the report at position ``p``, or None."""
        j = self._key_index.get(key)
        if j is None or p < 0:
            return None
        r = int(self._row_of[p, j])
        return None if r < 0 else self._text(column, r)

    def _cell(self, r: int) -> CellValue:
        v = float(self._value[r])
        return CellValue(
            None if math.isnan(v) else v,
            self.statuses[self._status[r]],
            self._text("raw", r),
            self._text("source", r),
        )

    def _text(self, column: str, r: int) -> str | None:
        # Text columns are dictionary-encoded once, on first use: sources and printed
        # numbers repeat ("line 41"), so the codes cost 8 bytes a row, not a string each.
        if column not in self._text_cache:
            self._text_cache[column] = _codes(self._df[column])
        codes, text = self._text_cache[column]
        c = codes[r]
        return None if c < 0 else text[c]

    def _report_keys(self, p: int, status: str | None = None) -> list[Key]:
        """The report's cell keys in the order of their first row (only those whose cell
        has ``status``, when given)."""
        first = self._first_row[p]
        slots = np.flatnonzero(first >= 0)
        if status is not None:
            named = np.array([s == status for s in self.statuses])
            slots = slots[named[self._status[self._row_of[p, slots]]]]
        return [self.keys[j] for j in slots[np.argsort(first[slots])].tolist()]


class ReportCells(Mapping):
    """One report's cells as a read-only ``{(row, col): CellValue}`` mapping over a
    :class:`CellTable`: each cell is made when asked for, nothing is kept."""

    __slots__ = ("_p", "_t")

    def __init__(self, table: CellTable, p: int) -> None:
        self._t, self._p = table, p

    def __getitem__(self, key: Key) -> CellValue:
        c = self._t.cell(self._p, key)
        if c is None:
            raise KeyError(key)
        return c

    def get(self, key: Key, default: CellValue | None = None) -> CellValue | None:  # type: ignore[override]
        c = self._t.cell(self._p, key)
        return default if c is None else c

    def __contains__(self, key: object) -> bool:
        return self._t.cell(self._p, key) is not None  # type: ignore[arg-type]

    def known(self, key: Key) -> float | None:
        """The cell's value when known, else None (no texts read: the common question)."""
        return self._t.known_at(self._p, key)

    def source(self, key: Key) -> str | None:
        """The cell's source, or None without the cell."""
        return self._t.text_at(self._p, key, "source")

    def keys_with_status(self, status: str) -> list[Key]:
        """The keys of the cells with ``status``, in the order of their first row."""
        return self._t._report_keys(self._p, status) if self._p >= 0 else []

    def __iter__(self) -> Iterator[Key]:
        return iter(self._t._report_keys(self._p) if self._p >= 0 else [])

    def __len__(self) -> int:
        return len(self._t._report_keys(self._p)) if self._p >= 0 else 0

    def __bool__(self) -> bool:
        return self._p >= 0 and bool(self._t.has[self._p])


def _templates(reports: pd.DataFrame, applications: pd.DataFrame | None = None) -> dict[str, str]:
    """Given reports (and part 3 cells), return {report_id: template}, inferring it from
    the rows present when the reports table does not say."""
    out = {
        str(r): str(t)
        for r, t in zip(reports["report_id"], reports["template"], strict=True)
        if not _na(t)
    }
    if applications is not None and not applications.empty:
        only_2021 = set(_OTHER_2021)
        ids = applications["report_id"]
        # Only the rows of reports whose template is unknown are grouped (usually none).
        unknown = [r for r in ids.dropna().unique() if str(r) not in out]
        mine = applications[ids.isin(unknown)] if unknown else applications.iloc[:0]
        for rid, rows in mine.groupby("report_id")["row"]:
            if str(rid) not in out:
                out[str(rid)] = "2021" if only_2021 & set(rows) else "2019"
    return out


def _records(df: pd.DataFrame, columns: Iterable[str]) -> list[dict]:
    """The rows of ``df`` as dicts of only ``columns`` (those it has): a check reading three
    of the reports' eighteen columns does not convert the other fifteen."""
    return df[[c for c in columns if c in df.columns]].to_dict("records")


def _subject(reports: pd.DataFrame) -> dict[str, str]:
    """Given reports, return {report_id: "<agency><year>年报告"} for message prefixes."""
    out = {}
    for rec in _records(reports, ("report_id", "agency", "agency_raw", "year")):
        agency = rec.get("agency")
        agency = rec.get("agency_raw") if _na(agency) else agency
        year = rec.get("year")
        name = str(rec["report_id"]) if _na(agency) else str(agency)
        out[str(rec["report_id"])] = name + ("" if _na(year) else f"{int(year)}年") + "报告"
    return out


def _fmt(x: object) -> str:
    """Format a number without a spurious .0; NA as empty."""
    if x is None or _na(x):
        return ""
    if isinstance(x, float | int):
        f = float(x)
        if f.is_integer():
            return str(int(f))
        return f"{f:.4f}".rstrip("0").rstrip(".")
    return str(x)


def _join_sources(sources: Iterable[str | None]) -> str | None:
    """Given the sources of the cells involved, return one short string."""
    seen: list[str] = []
    for s in sources:
        if s and s not in seen:
            seen.append(s)
    if not seen:
        return None
    if len(seen) > 4:
        return f"{seen[0]} … {seen[-1]}"
    return "; ".join(seen)


_ROW_GROUPS = {
    "disclosure": T.DISCLOSURE_ITEMS,
    "applications": T.APPLICATION_ROWS,
    "appeals": T.PROCEEDINGS,
}
_COL_GROUPS = {
    "disclosure": T.DISCLOSURE_MEASURES,
    "applications": T.APPLICANTS,
    "appeals": T.RESULTS,
}


# The kind of label (see :data:`gxparse.template.LABEL_KINDS`) of each cell table's rows
# and columns: codes such as ``other`` mean different rows in different tables.
_ROW_KIND = {"disclosure": "item", "applications": "row", "appeals": "proceeding"}
_COL_KIND = {"disclosure": "measure", "applications": "applicant", "appeals": "result"}


def _short_or_code(kind: str, code: str) -> str:
    try:
        return T.label(kind, code, short=True)
    except KeyError:
        return code


@functools.cache
def row_label(table: str, code: str) -> str:
    """Given a cell table and a row code, return its short Chinese label."""
    if table == "applications":
        return row_name(code)
    return _short_or_code(_ROW_KIND[table], code)


@functools.cache
def col_label(table: str, code: str) -> str:
    """Given a cell table and a column code, return its short Chinese label."""
    return _short_or_code(_COL_KIND[table], code)


@functools.cache
def _cell_name(table: str, row: str, col: str) -> str:
    """Human label of one cell: its row and column labels, e.g. 行政处罚/本年处理决定数量."""
    return f"{row_label(table, row)}/{col_label(table, col)}"


@functools.cache
def row_name(code: str) -> str:
    """Given a part 3 row code, return a readable name: its group and its short label
    ("本年度办理结果：总计", "不予公开：属于国家秘密")."""
    row = T.APPLICATION_ROW_BY_CODE.get(code)
    groups = {g.code: g for g in T.APPLICATION_GROUPS}
    if row is None or row.parent not in groups:
        return _short_or_code("row", code)
    return f"{T.label('row', row.parent, short=True)}：{T.label('row', code, short=True)}"


@dataclass(frozen=True)
class Finding:
    """One row of the findings table (before analyst decisions)."""

    report_id: str
    check: str
    table: str | None
    row: str | None
    col: str | None
    expected: str | None
    actual: str | None
    message: str
    location: str
    source: str | None = None

    def record(self) -> dict[str, object]:
        return {
            "report_id": self.report_id,
            "check": self.check,
            "severity": CHECK_BY_CODE[self.check].severity,
            "table": self.table,
            "row": self.row,
            "col": self.col,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
            "location": self.location,
            "source": self.source,
            "decision": None,
            "note": None,
        }


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Given findings, return the findings table with :data:`FINDING_COLUMNS`, all strings."""
    df = pd.DataFrame([f.record() for f in findings], columns=list(FINDING_COLUMNS))
    return df.astype({c: "string" for c in FINDING_COLUMNS})


def _known(cells: Cells, key: tuple[str, str]) -> float | None:
    if isinstance(cells, ReportCells):
        return cells.known(key)
    c = cells.get(key)
    return c.value if c is not None and c.known else None


def _src(cells: Cells, key: tuple[str, str]) -> str | None:
    if isinstance(cells, ReportCells):
        return cells.source(key)
    c = cells.get(key)
    return c.source if c is not None else None


def describe_cells(table: str, keys: list[tuple[str, str]], limit: int = 3) -> str:
    """Given cell keys in printed order, return a short Chinese phrase naming them: whole
    rows once ("“行政复议”整行"), else row/column pairs; at most ``limit`` groups, then the
    count ("等21个单元格")."""
    all_cols = {e.code for e in _COL_GROUPS[table]}
    by_row: dict[str, list[str]] = {}
    for r, c in keys:
        by_row.setdefault(r, []).append(c)
    parts = []
    for r, cols in by_row.items():
        if len(cols) > 1 and set(cols) >= all_cols:
            parts.append(f"“{row_label(table, r)}”整行")
        else:
            parts.append("、".join(_cell_name(table, r, c) for c in cols))
    text = "、".join(parts[:limit])
    if len(parts) > limit:
        text += f"等{len(keys)}个单元格"
    elif len(keys) > 1:
        text += f"（共{len(keys)}个单元格）"
    return text


@functools.cache
def _printed_rank(table: str) -> tuple[dict[str, int], dict[str, int]]:
    """Printed position of each row code and column code of a cell table (first wins)."""
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    for i, e in enumerate(_ROW_GROUPS[table]):
        rows.setdefault(e.code, i)
    for i, e in enumerate(_COL_GROUPS[table]):
        cols.setdefault(e.code, i)
    return rows, cols


def _in_template_order(table: str, keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Given cell keys of one table, return them in printed order (rows, then columns)."""
    rows, cols = _printed_rank(table)
    n_rows, n_cols = len(_ROW_GROUPS[table]), len(_COL_GROUPS[table])
    return sorted(keys, key=lambda k: (rows.get(k[0], n_rows), cols.get(k[1], n_cols)))
