"""Checks over the tidy tables: every finding an oversight analyst acts on.

Given the contract's tables (``reports``, ``disclosure``, ``applications``, ``appeals``,
``narrative``, ``sections``) as plain DataFrames, :func:`run_checks` returns the findings
table. Every check is declared once in :data:`CHECKS` with its code, severity, scope and
descriptions; findings carry the stable code. Template labels come from
:mod:`gxparse.template`; this module never spells one.

Conventions
-----------
* A cell is *known* when its status is ``reported``, ``derived`` or ``corrected`` and its
  value is not NA. ``blank`` and ``missing`` cells are unknown: an identity that needs one
  is "not assessable" (info), never a failure — unless the known cells alone already break
  it (unknown cells are non-negative), which is then a definite break.
* ``location`` is a stable, report-independent string (``table:row:col`` or
  ``table:check-specific key``) used to match analyst decisions (see :mod:`gxparse.analysis.review`).
* ``expected`` and ``actual`` are strings (numbers, dates or report ids), so the findings
  table has one type per column in Parquet. For a sum identity, ``expected`` is the sum of
  its left side (一＋二; （七）总计; a row's 总计) and ``actual`` of its right side; for
  prose checks, ``expected`` is the table's (or the stated total's) figure and ``actual``
  the prose's (or the items' sum); for corpus checks, ``expected`` names the other report
  or the deadline; counts of cells (missing, blank, derived) are in ``actual``.
* ``row``/``col`` name the cell concerned in the table's codes; for a per-column identity
  ``row`` holds the identity's code (``balance``, ``outcomes_sum``) and ``col`` the
  applicant column.
* Findings of the checks do not include the parser's own (``unplaced_number``);
  :func:`gxparse.analysis.review.check_corpus` joins both and applies analyst decisions.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from gxparse import contract as K
from gxparse import template as T
from gxparse.analysis.catalog import CHECK_BY_CODE, CHECKS, SEVERITIES, Check
from gxparse.analysis.catalog import RUN_CHECK_CODES as RUN_CHECK_CODES  # re-exported
from gxparse.analysis.catalog import SCOPES as SCOPES  # re-exported
from gxparse.failures import failure_zh
from gxparse.readers.document import source_zh

# Columns of the findings table: the contract's, then gxparse's additions.
FINDING_COLUMNS: tuple[str, ...] = K.TABLES["findings"].names

# ---------------------------------------------------------------------------------------
# Crosswalk between the 2019 and 2021 templates
# ---------------------------------------------------------------------------------------
# Declared in the template; named here too for code that reads them from the checks.
Crosswalk = T.Crosswalk
CROSSWALK = T.CROSSWALK
comparable = T.comparable
_OTHER_2021 = T.SPLIT_OTHER.codes_2021
(_OTHER_2019,) = T.SPLIT_OTHER.codes_2019


def harmonize_applications(applications: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Given part 3 cells, return them with 2021's three （六） sub-rows summed into ``other``.

    The result compares across templates (see :data:`CROSSWALK`). The summed cell is known
    only when all three sub-rows are known; otherwise its status is that of the first
    unknown sub-row and its value NA.
    """
    templates = _templates(reports, applications)
    is_sub = applications["row"].isin(_OTHER_2021)
    rest = applications[~is_sub]
    sub = applications[is_sub]
    if sub.empty:
        return applications.copy()
    rows = []
    for (rid, app), g in sub.groupby(["report_id", "applicant"], sort=False):
        if templates.get(rid, "2021") != "2021":
            continue
        known = g["status"].isin(KNOWN_STATUSES) & g["value"].notna()
        if known.all():
            value, status = g["value"].sum(), "derived"
        else:
            value, status = pd.NA, g.loc[~known, "status"].iloc[0]
        rows.append(
            {
                "report_id": rid,
                "row": _OTHER_2019,
                "applicant": app,
                "value": value,
                "status": status,
            }
        )
    out = pd.concat([rest, pd.DataFrame(rows)], ignore_index=True)
    out["value"] = out["value"].astype("Int64")
    return out


# ---------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckConfig:
    """Tunable thresholds. Defaults follow the Regulations and conservative statistics."""

    # Statutory deadline (month, day) in the year after the report year, per body level
    # (Regulations Art. 49: county-level-and-above departments by 31 Jan, governments by
    # 31 March). Local rules differ: override per level.
    deadlines: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: {"department": (1, 31)}
    )
    default_deadline: tuple[int, int] = (3, 31)
    grace_days: int = 0
    # Peers: at least this many other bodies of the same level, else no verdict.
    peer_min: int = 5
    peer_z: float = 3.5
    # Minimum distance from the peer median on the log1p scale (ln 10: ten times).
    peer_min_log_ratio: float = math.log(10)
    # Floor of the robust scale on the log1p scale (when most peers print the same value).
    peer_min_scale: float = 1.0
    peer_same_year: bool = True
    # Also flag values far *below* peers (off by default: 0 is a common, legitimate count).
    peer_low: bool = False
    # Copied text: Jaccard similarity of character n-gram sets at or above this threshold.
    copy_threshold: float = 0.85
    copy_ngram: int = 3
    copy_min_chars: int = 40
    copy_sections: tuple[str, ...] = ("overview", "problems")
    # Prose breakdowns summing to less than their total are flagged only with this many
    # items covering at least this share of the total (else a partial "其中" mention).
    breakdown_min_items: int = 2
    breakdown_min_share: float = 0.5
    # Checks to run (None: all).
    enabled: frozenset[str] | None = None

    def deadline(self, level: object, year: int) -> date:
        """Given a body level and report year, return the publication deadline."""
        month, day = self.deadlines.get(str(level), self.default_deadline)
        return date(year + 1, month, day)


# ---------------------------------------------------------------------------------------
# Tables in, cells out
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Template identities
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SumResult:
    """Outcome of one sum identity: 'ok', 'break' or 'not_assessable'."""

    outcome: str
    left: float
    right: float
    unknown: tuple[tuple[str, str], ...] = ()


def eval_sum(
    cells: Cells, left: Iterable[tuple[str, str]], right: Iterable[tuple[str, str]]
) -> SumResult:
    """Given cells and two lists of cell keys, evaluate sum(left) == sum(right).

    Unknown cells (absent, blank, missing) are non-negative: when the known cells of one
    side already exceed the fully known other side, the identity is broken for any value
    of the unknown cells; otherwise it is not assessable.
    """
    left, right = tuple(left), tuple(right)

    def side(keys: tuple[tuple[str, str], ...]) -> tuple[float, list[tuple[str, str]]]:
        total, unknown = 0.0, []
        for k in keys:
            v = _known(cells, k)
            if v is not None:
                total += v
            else:
                unknown.append(k)
        return total, unknown

    lv, lu = side(left)
    rv, ru = side(right)
    if not lu and not ru:
        return SumResult("ok" if abs(lv - rv) < 1e-9 else "break", lv, rv)
    definite = (not ru and lv > rv + 1e-9) or (not lu and rv > lv + 1e-9)
    return SumResult("break" if definite else "not_assessable", lv, rv, tuple(lu + ru))


def _identity_specs(template: str) -> list[tuple[str, str, str, str, list, list]]:
    """Given a template, return the part 3/4 identities as
    (check, table, row, col, left keys, right keys) per column or row."""
    specs = []
    for ident in T.identities(template):
        for at in ident.over:
            left, right = ident.keys(at)
            # A finding names a column identity by its code, one across a line by its row
            # and that line's total column.
            row, col = (ident.code, at) if ident.across == "rows" else (at, ident.left[0])
            specs.append(("identity_" + ident.code, ident.table, row, col, [*left], [*right]))
    return specs


def _spec_label(check: str, table: str, row: str, col: str, template: str) -> str:
    """A Chinese phrase naming what one identity spec covers."""
    if check == "identity_row_total":
        return f"第三部分“{row_label(table, row)}”行"
    if check == "identity_appeals_total":
        return f"第四部分“{row_label(table, row)}”"
    ident = next(i for i in T.identities(template) if "identity_" + i.code == check)
    return f"第三部分“{col_label(table, col)}”列（{ident.zh}）"


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


def _sum_text(cells: Cells, keys: list[tuple[str, str]]) -> str:
    parts = []
    for k in keys:
        v = _known(cells, k)
        parts.append(_fmt(v) if v is not None else "空")
    return "＋".join(parts) if len(parts) <= 6 else f"{len(parts)}项之和"


def _side_sums(table: CellTable, keys: list[Key], at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the reports at positions ``at``: the sum of the known cells among ``keys``
    (added in key order, as :func:`eval_sum` adds them) and how many are not known."""
    total = np.zeros(len(at))
    unknown = np.zeros(len(at), dtype=np.int64)
    for k in keys:
        v = table.known(k)[at]
        miss = np.isnan(v)
        total = total + np.where(miss, 0.0, v)
        unknown += miss
    return total, unknown


def _unbalanced(tables: Mapping[str, CellTable], specs: list[tuple], at: np.ndarray) -> np.ndarray:
    """For the reports at positions ``at`` (one template) and that template's identity
    specs: a (report × spec) mask of the identities not plainly holding (a break or not
    assessable). Every other pair is "ok" in :func:`eval_sum`; only the masked ones need
    a look, one report at a time."""
    out = np.zeros((len(at), len(specs)), dtype=bool)
    for j, (_check, table, _row, _col, left, right) in enumerate(specs):
        t = tables[table]
        lv, lu = _side_sums(t, left, at)
        rv, ru = _side_sums(t, right, at)
        holds = (lu == 0) & (ru == 0) & (np.abs(lv - rv) < 1e-9)
        # A report without cells in the table is skipped, as by the per-report loop.
        out[:, j] = t.has[at] & ~holds
    return out


def check_identities(
    cells_app: CellTable,
    cells_appeals: CellTable,
    templates: Mapping[str, str],
    subjects: Mapping[str, str],
) -> list[Finding]:
    """Given part 3 and part 4 cells, return identity breaks (error) and one 'not
    assessable' finding (info) per report and identity listing the blank/missing cells.

    The identities are summed for all reports of a template at once; the messages are
    written for the reports where one does not hold, from their cells alone."""
    tables = {"applications": cells_app, "appeals": cells_appeals}
    ids = cells_app.ids
    by_template: dict[str, list[int]] = defaultdict(list)
    for p in np.flatnonzero(cells_app.has | cells_appeals.has).tolist():
        by_template[templates.get(ids[p], "2021")].append(p)
    # Position (= sorted report id) → (template, specs, mask of specs to look at).
    flagged: dict[int, tuple[str, list[tuple], np.ndarray]] = {}
    for tpl, positions in by_template.items():
        specs = _identity_specs(tpl)
        at = np.array(positions)
        bad = _unbalanced(tables, specs, at)
        for i in np.flatnonzero(bad.any(axis=1)).tolist():
            flagged[int(at[i])] = (tpl, specs, bad[i])
    out: list[Finding] = []
    for p in sorted(flagged):
        rid = ids[p]
        tpl, specs, look = flagged[p]
        app, apl = cells_app.report(rid), cells_appeals.report(rid)
        na: dict[tuple[str, str], list[tuple[str, SumResult]]] = defaultdict(list)
        for (check, table, row, col, left, right), todo in zip(specs, look, strict=True):
            if not todo:
                continue
            cells = app if table == "applications" else apl
            res = eval_sum(cells, left, right)
            if res.outcome == "ok":
                continue
            if res.outcome == "not_assessable":
                per_row = check in ("identity_row_total", "identity_appeals_total")
                na[(check, table)].append((row if per_row else col, res))
                continue
            what = _spec_label(check, table, row, col, tpl)
            diff = res.left - res.right
            blanks = "（空白或缺失单元格按非负数计，仍不成立）" if res.unknown else ""
            msg = (
                f"{subjects.get(rid, rid)}{what}不平衡：{_fmt(res.left)}"
                f"（{_sum_text(cells, left)}）≠ {_fmt(res.right)}（{_sum_text(cells, right)}），"
                f"相差{_fmt(abs(diff))}{blanks}。"
            )
            src = _join_sources(_src(cells, k) for k in left + right)
            out.append(
                Finding(
                    rid,
                    check,
                    table,
                    row,
                    col,
                    _fmt(res.left),
                    _fmt(res.right),
                    msg,
                    f"{table}:{row}:{col}",
                    src,
                )
            )
        for (check, table), items in na.items():
            unknown = _in_template_order(table, {k for _, r in items for k in r.unknown})
            cells = app if table == "applications" else apl
            names = describe_cells(table, unknown)
            per_row = check in ("identity_row_total", "identity_appeals_total")
            label_of = row_label if per_row else col_label
            where = "、".join(f"“{label_of(table, x)}”" for x, _ in items[:7])
            desc = CHECK_BY_CODE[check].zh
            msg = f"{subjects.get(rid, rid)}{names}为空白或缺失，{where}无法核验：{desc}。"
            out.append(
                Finding(
                    rid,
                    "identity_not_assessable",
                    table,
                    None,
                    ",".join(x for x, _ in items),
                    None,
                    None,
                    msg,
                    f"{table}:{check}",
                    _join_sources(_src(cells, k) for k in unknown),
                )
            )
    return out


def check_value_range(
    tables: Mapping[str, pd.DataFrame], subjects: Mapping[str, str]
) -> list[Finding]:
    """Given the cell tables, return known values that are negative or not whole numbers
    (amounts in 万元 may be decimal; 本年增/减 may be negative)."""
    out: list[Finding] = []
    for table, (rk, ck) in CELL_KEYS.items():
        df = tables[table]
        if df.empty:
            continue
        # Masks over whole columns, then only the suspect rows as records: copying the
        # known rows first would duplicate a table of millions of cells.
        v = pd.to_numeric(df["value"]).to_numpy(dtype="float64", na_value=np.nan)
        known = df["status"].isin(KNOWN_STATUSES).to_numpy(dtype=bool) & ~np.isnan(v)
        with np.errstate(invalid="ignore"):
            suspect = known & ((v < 0) | (np.round(v) != v))
        for rec in df[suspect].to_dict("records"):
            v = float(rec["value"])
            col = str(rec[ck])
            neg_ok = table == "disclosure" and col in _SIGNED_MEASURES
            frac_ok = table == "disclosure" and col in _DECIMAL_MEASURES
            bad_neg = v < 0 and not neg_ok
            bad_frac = not v.is_integer() and not frac_ok
            if not (bad_neg or bad_frac):
                continue
            why = "为负数" if bad_neg else "不是整数"
            name = _cell_name(table, str(rec[rk]), col)
            out.append(
                Finding(
                    str(rec["report_id"]),
                    "non_negative_integer",
                    table,
                    str(rec[rk]),
                    col,
                    "非负整数",
                    _fmt(v),
                    f"{subjects.get(str(rec['report_id']), rec['report_id'])}"
                    f"“{name}”为{_fmt(v)}，{why}。",
                    f"{table}:{rec[rk]}:{col}",
                    _opt_str(rec.get("source")),
                )
            )
    return out


# ---------------------------------------------------------------------------------------
# Prose vs tables
# ---------------------------------------------------------------------------------------


def _narr(narrative: pd.DataFrame) -> dict[str, dict[str, list[dict]]]:
    """Given the narrative table, return {report_id: {metric: [records]}}."""
    out: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    figures = narrative[narrative["value"].notna().to_numpy(dtype=bool)]
    columns = ("report_id", "metric", "value", "approximate", "label", "parent", "unit", "source")
    for rec in _records(figures, columns):
        if _na(rec.get("value")):
            continue
        out[str(rec["report_id"])][str(rec["metric"])].append(rec)
    return out


def _approx(rec: Mapping) -> bool:
    a = rec.get("approximate")
    return False if _na(a) else bool(a)


def _known(cells: Cells, key: tuple[str, str]) -> float | None:
    if isinstance(cells, ReportCells):
        return cells.known(key)
    c = cells.get(key)
    return c.value if c is not None and c.known else None


def check_prose(
    narrative: pd.DataFrame,
    cells_app: CellTable,
    cells_dis: CellTable,
    templates: Mapping[str, str],
    subjects: Mapping[str, str],
    config: CheckConfig | None = None,
) -> list[Finding]:
    """Given prose figures and table cells, return where they disagree: request counts,
    breakdowns that do not add up, 'all settled' vs carried forward, fees."""
    config = config or CheckConfig()
    out: list[Finding] = []
    for rid, metrics in _narr(narrative).items():
        subj = subjects.get(rid, rid)
        app = cells_app.report(rid)
        new = _known(app, ("received_new", "total"))
        old = _known(app, ("carried_over", "total"))
        handled = _known(app, ("total_handled", "total"))
        fwd = _known(app, ("carried_forward", "total"))
        # Requests received: matches new, or new + carried over.
        for rec in metrics.get("applications_received", [])[:1]:
            v = float(rec["value"])
            options = [
                x for x in (new, None if new is None or old is None else new + old) if x is not None
            ]
            if options and not _matches(v, options, _approx(rec)):
                out.append(
                    _prose_finding(
                        rid, rec, "received_new", _fmt(new), v,
                        f"{subj}正文称收到申请{_fmt(v)}件，第三部分表格“{T.label('row', 'received_new', short=True)}”"
                        f"为{_fmt(new)}件"
                        + (f"（加“{T.label('row', 'carried_over', short=True)}”共{_fmt(new + old)}件）" if old else "")
                        + "。",
                    )
                )  # fmt: skip
        for rec in metrics.get("applications_handled", [])[:1]:
            v = float(rec["value"])
            if handled is not None and not _matches(v, [handled], _approx(rec)):
                out.append(
                    _prose_finding(
                        rid, rec, "total_handled", _fmt(handled), v,
                        f"{subj}正文称办理申请{_fmt(v)}件，第三部分表格"
                        f"“{row_name('total_handled')}”为{_fmt(handled)}件。",
                    )
                )  # fmt: skip
        for rec in metrics.get("applications_all_settled", [])[:1]:
            if float(rec["value"]) == 1 and fwd is not None and fwd > 0:
                out.append(
                    Finding(
                        rid,
                        "prose_settled",
                        "applications",
                        "carried_forward",
                        "total",
                        "0",
                        _fmt(fwd),
                        f"{subj}正文称申请均已办结，但表格“{T.label('row', 'carried_forward', short=True)}”"
                        f"为{_fmt(fwd)}件。",
                        "narrative:applications_all_settled",
                        _join_sources(
                            [_opt_str(rec.get("source")), _src(app, ("carried_forward", "total"))]
                        ),
                    )
                )
        out += _breakdowns(rid, subj, metrics, config)
        out += _fees(rid, subj, metrics, cells_dis.report(rid), templates.get(rid, "2021"))
    return out


def _src(cells: Cells, key: tuple[str, str]) -> str | None:
    if isinstance(cells, ReportCells):
        return cells.source(key)
    c = cells.get(key)
    return c.source if c is not None else None


def _matches(v: float, options: list[float], approximate: bool) -> bool:
    """A prose figure matches a table figure: equal, or for "N余" at least N."""
    if approximate:
        return any(o >= v for o in options)
    return any(abs(o - v) < 1e-9 for o in options)


def _prose_finding(rid: str, rec: Mapping, row: str, expected: str, v: float, msg: str) -> Finding:
    return Finding(
        rid,
        "prose_requests",
        "narrative",
        str(rec["metric"]),
        "total",
        expected,
        _fmt(v),
        msg,
        f"narrative:{rec['metric']}:{row}",
        _opt_str(rec.get("source")),
    )


@functools.cache
def prose_label(metric: str) -> str:
    """Given a narrative metric code, return its Chinese name from the template
    (``channel_website`` → the channel's name); the code itself when undeclared."""
    try:
        return T.label("metric", metric)
    except KeyError:
        return metric


def _metric_name(rec: Mapping) -> str:
    lab = rec.get("label")
    return prose_label(str(rec["metric"])) if _na(lab) else str(lab)


def _breakdown_ok(total: float, parts: float, total_approx: bool, parts_approx: bool) -> bool:
    """Whether items summing to ``parts`` are consistent with a stated ``total``: equal;
    "N余" totals need at least N; "N余" items may sum to less than the total; both
    approximate say nothing."""
    if total_approx and parts_approx:
        return True
    if total_approx:
        return parts >= total - 1e-9
    if parts_approx:
        return parts <= total + 1e-9
    return abs(parts - total) < 1e-9


def _breakdowns(
    rid: str, subj: str, metrics: Mapping[str, list[dict]], config: CheckConfig
) -> list[Finding]:
    """Given one report's prose figures, return breakdowns whose items do not sum to the
    figure they break down (the items' ``parent``)."""
    children: dict[str, list[dict]] = defaultdict(list)
    for recs in metrics.values():
        for rec in recs:
            if not _na(rec.get("parent")):
                children[str(rec["parent"])].append(rec)
    out = []
    for parent, kids in children.items():
        if parent not in metrics:
            continue
        prec = metrics[parent][0]
        total = float(prec["value"])
        s = sum(float(k["value"]) for k in kids)
        ok = _breakdown_ok(total, s, _approx(prec), any(_approx(k) for k in kids))
        # Items summing to less than the total are a breakdown that misses only when
        # they look like one: several items covering most of the total. One or two
        # figures after "其中" are a partial mention, not a breakdown.
        partial = s < total and (
            len(kids) < config.breakdown_min_items or s < config.breakdown_min_share * total
        )
        if ok or partial:
            continue
        unit = "" if _na(prec.get("unit")) else str(prec["unit"])
        parts = "（" + "＋".join(_fmt(k["value"]) for k in kids) + "）" if len(kids) <= 6 else ""
        out.append(
            Finding(
                rid,
                "prose_breakdown",
                "narrative",
                parent,
                None,
                _fmt(total),
                _fmt(s),
                f"{subj}正文所述“{_metric_name(prec)}”{_fmt(total)}{unit}，但其{len(kids)}个分项"
                f"{parts}合计{_fmt(s)}{unit}，相差{_fmt(abs(total - s))}{unit}。",
                f"narrative:{parent}",
                _join_sources(
                    [_opt_str(prec.get("source"))] + [_opt_str(k.get("source")) for k in kids]
                ),
            )
        )
    return out


def _fees(
    rid: str, subj: str, metrics: Mapping[str, list[dict]], dis: Cells, tpl: str
) -> list[Finding]:
    """Fees charged stated in part 6: an info finding when > 0, and a warning when they
    exceed part 2's 行政事业性收费 amount (2021 template only: 2019 counts items)."""
    out = []
    for rec in metrics.get("fees_charged", [])[:1]:
        yuan = float(rec["value"])
        if yuan <= 0:
            continue
        out.append(
            Finding(
                rid,
                "fees_charged",
                "narrative",
                "fees_charged",
                None,
                None,
                _fmt(yuan),
                f"{subj}称收取信息处理费{_fmt(yuan)}元。",
                "narrative:fees_charged",
                _opt_str(rec.get("source")),
            )
        )
        amount = _known(dis, ("fees", "fee_amount"))
        if tpl == "2021" and amount is not None and yuan > amount * 10000 + 50:
            out.append(
                Finding(
                    rid,
                    "prose_fees",
                    "disclosure",
                    "fees",
                    "fee_amount",
                    _fmt(yuan / 10000),
                    _fmt(amount),
                    f"{subj}第六部分称收取信息处理费{_fmt(yuan)}元，但第二部分"
                    f"“{_cell_name('disclosure', 'fees', 'fee_amount')}”仅为{_fmt(amount)}万元。",
                    "disclosure:fees:fee_amount",
                    _join_sources([_opt_str(rec.get("source")), _src(dis, ("fees", "fee_amount"))]),
                )
            )
    return out


# ---------------------------------------------------------------------------------------
# Requests carried into next year; across years
# ---------------------------------------------------------------------------------------


def check_carried_forward(cells_app: CellTable, subjects: Mapping[str, str]) -> list[Finding]:
    """Given part 3 cells, return an info finding per report carrying requests forward."""
    out = []
    carried = cells_app.known(("carried_forward", "total"))
    for p in np.flatnonzero(carried > 0).tolist():
        rid = cells_app.ids[p]
        app = cells_app.report(rid)
        fwd = _known(app, ("carried_forward", "total"))
        new = _known(app, ("received_new", "total"))
        old = _known(app, ("carried_over", "total"))
        handled = _known(app, ("total_handled", "total"))
        msg = (
            f"{subjects.get(rid, rid)}“{T.label('row', 'received_new', short=True)}”{_fmt(new) or '?'}件、"
            f"“{T.label('row', 'carried_over', short=True)}”{_fmt(old) or '?'}件，“{row_name('total_handled')}”"
            f"{_fmt(handled) or '?'}件，“{T.label('row', 'carried_forward', short=True)}”{_fmt(fwd)}件。"
        )
        out.append(
            Finding(
                rid,
                "carried_forward",
                "applications",
                "carried_forward",
                "total",
                None,
                _fmt(fwd),
                msg,
                "applications:carried_forward:total",
                _src(app, ("carried_forward", "total")),
            )
        )
    return out


# A shorter agency name links to a longer one only from this length on ("XX镇人民政府").
_MIN_LINKED_NAME = 6


def body_keys(reports: pd.DataFrame) -> dict[str, str]:
    """Given reports, return {report_id: body key} for reports with an agency.

    The key is the agency, except that a name printed without its prefix in some year
    ("洪泽区人民政府") is linked to the one longer name in the corpus that ends with it
    ("淮安市洪泽区人民政府") — only when that longer name is unique and the two do not
    name different counties or cities.
    """
    names: dict[str, str] = {}
    places: dict[str, set[str]] = defaultdict(set)

    def column(name: str) -> list:
        return reports[name].tolist() if name in reports.columns else [None] * len(reports)

    for rid, ag, county, city in zip(
        column("report_id"), column("agency"), column("county"), column("city"), strict=True
    ):
        if _na(ag):
            continue
        names[str(rid)] = str(ag)
        for col, place in (("county", county), ("city", city)):
            if not _na(place):
                places[str(ag)].add(f"{col}:{place}")
    distinct = set(names.values())
    # Every longer name under each of its proper suffixes (of a linkable length): finding
    # the names that end with a given one is then a look-up, not a scan of all names.
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for b in distinct:
        for i in range(1, len(b) - _MIN_LINKED_NAME + 1):
            by_suffix[b[i:]].append(b)

    def compatible(a: str, b: str) -> bool:
        pa_, pb = places.get(a, set()), places.get(b, set())
        for col in ("county", "city"):
            xa = {p for p in pa_ if p.startswith(col)}
            xb = {p for p in pb if p.startswith(col)}
            if xa and xb and not xa & xb:
                return False
        return True

    link = {}
    for a in distinct:
        if len(a) < _MIN_LINKED_NAME:
            continue
        longer = by_suffix.get(a, [])
        if len(longer) == 1 and compatible(a, longer[0]):
            link[a] = longer[0]

    def resolve(a: str) -> str:
        seen = {a}
        while a in link and link[a] not in seen:
            a = link[a]
            seen.add(a)
        return a

    return {rid: resolve(ag) for rid, ag in names.items()}


def _by_body_year(
    reports: pd.DataFrame, keys: Mapping[str, str] | None = None
) -> dict[tuple[str, int], list[str]]:
    """Given reports (and their :func:`body_keys`, when known), return
    {(body key, year): [report_id, ...]} (sorted ids)."""
    keys = body_keys(reports) if keys is None else keys
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    for rid, yr in zip(reports["report_id"], reports["year"], strict=True):
        rid = str(rid)
        if rid not in keys or _na(yr):
            continue
        out[(keys[rid], int(yr))].append(rid)
    return {k: sorted(v) for k, v in out.items()}


def check_next_year_chain(
    index: Mapping[tuple[str, int], list[str]], cells_app: CellTable, subjects: Mapping[str, str]
) -> list[Finding]:
    """Given reports by body and year (:func:`_by_body_year`) and part 3 cells, return one
    finding per pair of reports (same body, year and year + 1) where next year's 上年结转
    differs from this year's 结转下年度 in any applicant column, naming each such column.
    The finding sits on the next year's report, where the 上年结转 cells are; with one
    column, ``col``, ``expected`` and ``actual`` are that column's code and values, with
    several ``col`` is empty and ``actual`` the number of columns."""
    out = []
    for (agency, year), rids in index.items():
        for nxt in index.get((agency, year + 1), [])[:1]:
            this = rids[0]
            a, b = cells_app.report(this), cells_app.report(nxt)
            broken = []
            for app in T.APPLICANT_CODES:
                fwd = _known(a, ("carried_forward", app))
                old = _known(b, ("carried_over", app))
                if fwd is not None and old is not None and fwd != old:
                    broken.append((app, fwd, old))
            if not broken:
                continue
            one = len(broken) == 1
            cols = "；".join(
                f"“{col_label('applications', app)}”列{_fmt(old)}件，上年为{_fmt(fwd)}件"
                for app, fwd, old in broken
            )
            sources = [_src(b, ("carried_over", app)) for app, _f, _o in broken]
            sources += [_src(a, ("carried_forward", app)) for app, _f, _o in broken]
            out.append(
                Finding(
                    nxt,
                    "next_year_chain",
                    "applications",
                    "carried_over",
                    broken[0][0] if one else None,
                    _fmt(broken[0][1]) if one else this,
                    _fmt(broken[0][2]) if one else str(len(broken)),
                    f"{subjects.get(nxt, nxt)}“{T.label('row', 'carried_over', short=True)}”与{year}年报告（{this}）"
                    f"“{T.label('row', 'carried_forward', short=True)}”不一致：{cols}。",
                    "applications:carried_over",
                    _join_sources(sources),
                )
            )
    return out


def check_stock_flow(
    index: Mapping[tuple[str, int], list[str]],
    cells_dis: CellTable,
    templates: Mapping[str, str],
    subjects: Mapping[str, str],
) -> list[Finding]:
    """Given reports by body and year (:func:`_by_body_year`) and part 2 cells, return
    2021-template items whose 现行有效 this year ≠ last year's 现行有效 + 本年制发 − 本年废止
    (same body, consecutive years)."""
    out = []
    stock_items = T.ARTICLE20_GROUPS["一"]
    for (agency, year), rids in index.items():
        prev_ids = index.get((agency, year - 1))
        if not prev_ids:
            continue
        rid, prev = rids[0], prev_ids[0]
        if templates.get(rid) != "2021" or templates.get(prev) != "2021":
            continue
        cur, old = cells_dis.report(rid), cells_dis.report(prev)
        for item in stock_items:
            vals = [
                _known(old, (item, "in_force")),
                _known(cur, (item, "issued")),
                _known(cur, (item, "repealed")),
                _known(cur, (item, "in_force")),
            ]
            if any(v is None for v in vals):
                continue
            last, issued, repealed, now = vals
            expected = last + issued - repealed  # type: ignore[operator]
            if abs(expected - now) < 1e-9:  # type: ignore[operator]
                continue
            out.append(
                Finding(
                    rid,
                    "stock_flow",
                    "disclosure",
                    item,
                    "in_force",
                    _fmt(expected),
                    _fmt(now),
                    f"{subjects.get(rid, rid)}{row_label('disclosure', item)}"
                    f"“{T.label('measure', 'in_force', short=True)}”为{_fmt(now)}，而上年{_fmt(last)}"
                    f"＋“{T.label('measure', 'issued', short=True)}”{_fmt(issued)}－“{T.label('measure', 'repealed', short=True)}”{_fmt(repealed)}"
                    f"＝{_fmt(expected)}。",
                    f"disclosure:{item}:in_force",
                    _join_sources([_src(cur, (item, "in_force")), _src(old, (item, "in_force"))]),
                )
            )
    return out


def check_year_gap(index: Mapping[tuple[str, int], list[str]]) -> list[Finding]:
    """Given reports by body and year (:func:`_by_body_year`), return bodies with a year
    missing between two present years (one finding on the report after the gap)."""
    out = []
    years: dict[str, dict[int, str]] = defaultdict(dict)
    for (agency, year), rids in index.items():
        years[agency][year] = rids[0]
    for agency, by_year in years.items():
        ys = sorted(by_year)
        for a, b in itertools.pairwise(ys):
            if b - a <= 1:
                continue
            missing = list(range(a + 1, b))
            rid = by_year[b]
            out.append(
                Finding(
                    rid,
                    "year_gap",
                    "reports",
                    "year",
                    None,
                    ",".join(map(str, missing)),
                    None,
                    f"{agency}有{a}年和{b}年报告，缺少{'、'.join(f'{y}年' for y in missing)}报告。",
                    f"reports:year_gap:{a}-{b}",
                )
            )
    return out


def check_old_template(reports: pd.DataFrame, subjects: Mapping[str, str]) -> list[Finding]:
    """Given reports, return those whose template does not match the report year: the 2019
    format for a 2020-or-later year (or the 2021 format before 2020)."""
    out = []
    for rec in _records(reports, ("report_id", "template", "year")):
        tpl, year = rec.get("template"), rec.get("year")
        if _na(tpl) or _na(year):
            continue
        year, tpl = int(year), str(tpl)
        due = "2021" if year >= 2020 else "2019"
        if tpl == due:
            continue
        rid = str(rec["report_id"])
        out.append(
            Finding(
                rid,
                "old_template",
                "reports",
                "template",
                None,
                due,
                tpl,
                f"{subjects.get(rid, rid)}使用了{tpl}年版表格格式，{year}年度报告应使用{due}年版格式。",
                "reports:template",
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------

# (table, row, col) of the values compared with peers; comparable across templates.
PEER_METRICS: tuple[tuple[str, str, str], ...] = (
    *tuple(
        ("disclosure", item, "decisions")
        for item in T.ARTICLE20_GROUPS["五"] + T.ARTICLE20_GROUPS["六"]
        if "2021" in next(i for i in T.DISCLOSURE_ITEMS if i.code == item).templates
    ),
    ("applications", "received_new", "total"),
    ("applications", "total_handled", "total"),
    ("narrative", "active_disclosure_total", ""),
)


def _peer_values(
    tables: Mapping[str, pd.DataFrame], cells: Mapping[str, CellTable]
) -> dict[tuple[str, str, str], dict[str, float]]:
    """Given tables, return {metric: {report_id: value}} for known values."""
    out: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for metric in PEER_METRICS:
        table, row, col = metric
        if table == "narrative":
            for rid, (value, _src) in _narrative_values(tables["narrative"], row).items():
                out[metric][rid] = value
            continue
        t = cells[table]
        known = t.known((row, col))
        at = np.flatnonzero(~np.isnan(known))
        out[metric] = dict(zip(t.ids[at], known[at].tolist(), strict=True))
    return out


def _narrative_values(narrative: pd.DataFrame, metric: str) -> dict[str, tuple[float, str | None]]:
    """A prose figure per report (its first, when exact): {report_id: (value, source)}."""
    n = narrative[(narrative["metric"] == metric) & narrative["value"].notna()]
    out = {}
    for rec in n.drop_duplicates("report_id").to_dict("records"):
        if not _approx(rec):
            out[str(rec["report_id"])] = (float(rec["value"]), _opt_str(rec.get("source")))
    return out


def _median_sorted(get: Callable[[int], Any], n: int) -> Any:
    """The median of ``n`` sorted values read through ``get`` (as :func:`statistics.median`
    computes it); ``get`` may return a float or, for many sequences at once, an array."""
    if n % 2 == 1:
        return get(n // 2)
    i = n // 2
    return (get(i - 1) + get(i)) / 2


def _quartiles_sorted(get: Callable[[int], Any], n: int) -> tuple[Any, Any]:
    """The first and third quartiles of ``n`` ≥ 2 sorted values read through ``get`` (as
    :func:`statistics.quantiles` computes them with ``n=4``, its default method); floats
    or arrays, as ``get`` gives."""
    out = []
    for i in (1, 3):
        j = min(max(i * (n + 1) // 4, 1), n - 1)
        delta = i * (n + 1) - j * 4
        out.append((get(j - 1) * (4 - delta) + get(j) * delta) / 4)
    return out[0], out[1]


def _robust_verdict(
    x: float, med: float, mad: float, q1: float, q3: float, config: CheckConfig
) -> tuple[bool, float, float]:
    """(is_outlier, robust z, peer median) of a log value ``x`` given its peers' log
    median, median absolute deviation and quartiles; see :func:`robust_outlier`."""
    scale = max(mad * 1.4826, (q3 - q1) / 1.349, config.peer_min_scale)
    z = (x - med) / scale
    flag = abs(z) >= config.peer_z and abs(x - med) >= config.peer_min_log_ratio
    return flag, z, math.expm1(med)


def robust_outlier(
    value: float, peers: list[float], config: CheckConfig
) -> tuple[bool, float, float]:
    """Given a value and its peers' values (at least one), return (is_outlier, robust z,
    peer median).

    Works on log1p: counts span orders of magnitude. Scale = the larger of 1.4826·MAD and
    IQR/1.349 (MAD alone collapses when over half the peers print 0), floored at
    ``config.peer_min_scale``; an outlier needs |z| ≥ ``peer_z`` and a distance from the
    median of at least ``peer_min_log_ratio`` on the log scale.
    """
    if not peers:
        raise ValueError("robust_outlier needs at least one peer")
    logs = sorted(math.log1p(max(p, 0.0)) for p in peers)
    n = len(logs)
    med = _median_sorted(logs.__getitem__, n)
    devs = sorted(abs(x - med) for x in logs)
    mad = _median_sorted(devs.__getitem__, n)
    q1, q3 = _quartiles_sorted(logs.__getitem__, n) if n > 1 else (med, med)
    return _robust_verdict(math.log1p(max(value, 0.0)), med, mad, q1, q3, config)


def outliers_among(values: list[float], config: CheckConfig) -> list[tuple[bool, float, float]]:
    """Given the values of a peer group (at least two), return for each the verdict of
    :func:`robust_outlier` against all the others — the same numbers, for the whole group
    from one sort instead of one sort per member (a level has thousands of bodies a year).

    Leaving one value out of the sorted logs shifts the positions after it by one, so the
    order statistics of every member's peers are read from the same sorted array; their
    median takes at most three values across the group, and the deviations from each are
    sorted once. Only + − × ÷ run on arrays (exact as on Python floats); logs and the
    median's expm1 are taken with :mod:`math`, as :func:`robust_outlier` takes them."""
    if len(values) < 2:
        raise ValueError("outliers_among needs at least two values")
    logs = np.array([math.log1p(max(v, 0.0)) for v in values])
    s = np.sort(logs)
    n = len(s) - 1
    gap = np.searchsorted(s, logs, side="left")  # where each member's own log is left out

    def rest(j: int) -> np.ndarray:
        return s[np.where(j < gap, j, j + 1)]

    med = _median_sorted(rest, n)
    mad = np.empty(len(s))
    for m in np.unique(med).tolist():
        mine = med == m
        devs = np.sort(np.abs(s - m))
        skip = np.searchsorted(devs, np.abs(logs[mine] - m), side="left")

        def rest_devs(j: int, devs: np.ndarray = devs, skip: np.ndarray = skip) -> np.ndarray:
            return devs[np.where(j < skip, j, j + 1)]

        mad[mine] = _median_sorted(rest_devs, n)
    q1, q3 = _quartiles_sorted(rest, n) if n > 1 else (med, med)
    scale = np.maximum(np.maximum(mad * 1.4826, (q3 - q1) / 1.349), config.peer_min_scale)
    z = (logs - med) / scale
    flag = (np.abs(z) >= config.peer_z) & (np.abs(logs - med) >= config.peer_min_log_ratio)
    return [
        (f, zz, math.expm1(mm))
        for f, zz, mm in zip(flag.tolist(), z.tolist(), med.tolist(), strict=True)
    ]


def check_peers(
    tables: Mapping[str, pd.DataFrame],
    cells: Mapping[str, CellTable],
    config: CheckConfig,
    subjects: Mapping[str, str],
) -> list[Finding]:
    """Given tables, return values far from those of bodies of the same level (and year,
    by default). No verdict when fewer than ``config.peer_min`` peers (and none without
    a peer) have a value."""
    reports = tables["reports"]
    group: dict[str, tuple] = {}
    for rid, level, year in zip(
        reports["report_id"], reports["level"], reports["year"], strict=True
    ):
        if _na(level):
            continue
        group[str(rid)] = (
            str(level),
            None if _na(year) or not config.peer_same_year else int(year),
        )
    out = []
    prose_sources: dict[str, dict[str, tuple[float, str | None]]] = {}
    for metric, values in _peer_values(tables, cells).items():
        table, row, col = metric
        members: dict[tuple, list[str]] = defaultdict(list)
        for rid in values:
            if rid in group:
                members[group[rid]].append(rid)
        for (level, _year), rids in members.items():
            if len(rids) - 1 < max(config.peer_min, 1):
                continue
            verdicts = outliers_among([values[rid] for rid in rids], config)
            for rid, (flag, z, med) in zip(rids, verdicts, strict=True):
                if not flag or (z < 0 and not config.peer_low):
                    continue
                v = values[rid]
                if table == "disclosure":
                    name = _cell_name(table, row, col)
                elif table == "applications":
                    name = f"{row_name(row)}（{col_label(table, col)}）"
                else:
                    name = prose_label(row)
                if table == "narrative":
                    if row not in prose_sources:
                        prose_sources[row] = _narrative_values(tables["narrative"], row)
                    src = prose_sources[row][rid][1]
                else:
                    src = _src(cells[table].report(rid), (row, col))
                direction = "偏高" if z > 0 else "偏低"
                out.append(
                    Finding(
                        rid,
                        "peer_outlier",
                        table,
                        row,
                        col or None,
                        _fmt(round(med, 1)),
                        _fmt(v),
                        f"{subjects.get(rid, rid)}“{name}”为{_fmt(v)}，同级（{T.label('level', level)}）"
                        f"{len(rids) - 1}个可比机关的中位数为{_fmt(round(med, 1))}，明显{direction}"
                        f"（稳健z值{z:.1f}）。",
                        f"{table}:{row}:{col}" if col else f"{table}:{row}",
                        src,
                    )
                )
    return out


# ---------------------------------------------------------------------------------------
# Suspicious placement
# ---------------------------------------------------------------------------------------


def check_placement(
    cells_dis: CellTable,
    templates: Mapping[str, str],
    subjects: Mapping[str, str],
) -> list[Finding]:
    """Given part 2 cells, return 2019-template rows with 本年增/减 ≠ 0 while 上一年项目数量
    = 0 and 处理决定数量 = 0: the number probably belongs in another column."""
    out = []
    ids = cells_dis.ids
    old = cells_dis.has & np.array([templates.get(rid) == "2019" for rid in ids], dtype=bool)
    items = [
        item
        for item, measures in T.DISCLOSURE_LAYOUT["2019"].items()
        if {"previous_year_count", "change", "decisions"} <= set(measures)
    ]
    hits = []
    for item in items:
        chg = cells_dis.known((item, "change"))
        with np.errstate(invalid="ignore"):
            odd = (
                old
                & (cells_dis.known((item, "previous_year_count")) == 0)
                & (cells_dis.known((item, "decisions")) == 0)
                & ~np.isnan(chg)
                & (chg != 0)
            )
        hits += [(p, item, float(chg[p])) for p in np.flatnonzero(odd).tolist()]
    for p, item, chg in sorted(hits, key=lambda h: (h[0], items.index(h[1]))):
        rid = ids[p]
        out.append(
            Finding(
                rid,
                "suspicious_placement",
                "disclosure",
                item,
                "change",
                "0",
                _fmt(chg),
                f"{subjects.get(rid, rid)}{row_label('disclosure', item)}"
                f"“{T.label('measure', 'change', short=True)}”为{_fmt(chg)}，而“{T.label('measure', 'previous_year_count', short=True)}”和"
                f"“{col_label('disclosure', 'decisions')}”均为0，"
                f"该数字疑似应填在其他列。",
                f"disclosure:{item}:change",
                _src(cells_dis.report(rid), (item, "change")),
            )
        )
    return out


def find_split(parts: list[tuple[str, CellValue]], total: float) -> tuple[str, str, int] | None:
    """Given ordered (key, cell) parts and their printed total, return (key_a, key_b,
    joined) when joining two adjacent cells' digits makes the parts sum to the total."""
    vals = [c.value if c.known else None for _, c in parts]
    if any(v is None for v in vals):
        return None
    base = sum(vals)  # type: ignore[arg-type]
    if abs(base - total) < 1e-9:
        return None
    for i in range(len(parts) - 1):
        a, b = vals[i], vals[i + 1]
        if not (float(a).is_integer() and float(b).is_integer()) or a == 0:  # type: ignore[arg-type]
            continue
        if b < 0:  # type: ignore[operator]
            continue  # digits cannot follow a minus sign ("5" and "-3" join to no number)
        joined = int(f"{int(a)}{int(b)}")  # type: ignore[arg-type]
        if abs(base - a - b + joined - total) < 1e-9:  # type: ignore[operator]
            return parts[i][0], parts[i + 1][0], joined
    return None


def _unsummed_rows(
    cells: CellTable, rows: Iterable[str], part_cols: tuple[str, ...], at: np.ndarray
) -> list[tuple[int, str]]:
    """(position, row) of the reports at positions ``at`` whose row has a known total, all
    its part cells known, and parts not summing to the total: the only rows where
    :func:`find_split` can find a split."""
    out = []
    for row in rows:
        tot = cells.known((row, "total"))[at]
        base = np.zeros(len(at))
        ok = ~np.isnan(tot)
        for c in part_cols:
            v = cells.known((row, c))[at]
            ok &= ~np.isnan(v)
            base = base + v
        with np.errstate(invalid="ignore"):
            ok &= ~(np.abs(base - tot) < 1e-9)
        out += [(int(p), row) for p in at[ok]]
    return out


def check_split_numbers(
    cells_app: CellTable,
    cells_appeals: CellTable,
    templates: Mapping[str, str],
    subjects: Mapping[str, str],
) -> list[Finding]:
    """Given part 3 and 4 cells, return rows whose total is restored by joining two
    adjacent cells' digits (a number split across two cells)."""
    out = []
    ids = cells_app.ids
    by_template: dict[str, list[int]] = defaultdict(list)
    for p in np.flatnonzero(cells_app.has).tolist():
        by_template[templates.get(ids[p], "2021")].append(p)
    rows: list[tuple[str, int, str, tuple[str, ...]]] = []
    for tpl, positions in by_template.items():
        codes = [r.code for r in T.application_rows(tpl)]
        found = _unsummed_rows(cells_app, codes, T.APPLICANT_PARTS, np.array(positions))
        rows += [("applications", p, row, T.APPLICANT_PARTS) for p, row in found]
    at = np.flatnonzero(cells_appeals.has)
    found = _unsummed_rows(cells_appeals, [p.code for p in T.PROCEEDINGS], _APPEAL_PARTS, at)
    rows += [("appeals", p, row, _APPEAL_PARTS) for p, row in found]
    for table, p, row, part_cols in rows:
        rid = ids[p]
        cells = (cells_app if table == "applications" else cells_appeals).report(rid)
        tot = _known(cells, (row, "total"))
        if tot is None or any((row, c) not in cells for c in part_cols):
            continue
        hit = find_split([(c, cells[(row, c)]) for c in part_cols], tot)
        if hit is None:
            continue
        a, b, joined = hit
        va, vb = cells[(row, a)].value, cells[(row, b)].value
        out.append(
            Finding(
                rid,
                "split_number",
                table,
                row,
                a,
                str(joined),
                f"{_fmt(va)}|{_fmt(vb)}",
                f"{subjects.get(rid, rid)}“{row_label(table, row)}”行的{_fmt(va)}"
                f"（{col_label(table, a)}）和{_fmt(vb)}（{col_label(table, b)}）疑似为被拆开的"
                f"{joined}，合并后与{col_label(table, 'total')}{_fmt(tot)}一致。",
                f"{table}:{row}:{a}+{b}",
                _join_sources([cells[(row, a)].source, cells[(row, b)].source]),
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# Timeliness
# ---------------------------------------------------------------------------------------


def _as_date(x: object) -> date | None:
    if _na(x):
        return None
    try:
        return pd.Timestamp(x).date()  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


def check_timeliness(
    reports: pd.DataFrame, config: CheckConfig, subjects: Mapping[str, str]
) -> list[Finding]:
    """Given reports, return those published after their deadline (per level, see
    :class:`CheckConfig`) or dated before the report year ended."""
    out = []
    for rec in _records(reports, ("report_id", "published", "year", "level")):
        pub, year = _as_date(rec.get("published")), rec.get("year")
        if pub is None or _na(year):
            continue
        year = int(year)
        rid = str(rec["report_id"])
        deadline = config.deadline(rec.get("level"), year)
        late = (pub - deadline).days
        if late > config.grace_days:
            msg = f"{subjects.get(rid, rid)}发布于{pub.isoformat()}，晚于法定期限{deadline.isoformat()}{late}天。"
        elif pub < date(year, 12, 31):
            msg = (
                f"{subjects.get(rid, rid)}发布日期{pub.isoformat()}早于报告年度结束，日期可能有误。"
            )
        else:
            continue
        out.append(
            Finding(
                rid,
                "timeliness",
                "reports",
                "published",
                None,
                deadline.isoformat(),
                pub.isoformat(),
                msg,
                "reports:published",
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# Copied text
# ---------------------------------------------------------------------------------------
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Given prose, return its set of character n-grams (whitespace removed, digit runs
    replaced by one placeholder so that updated numbers do not hide copying)."""
    t = _DIGITS.sub("0", _SPACE.sub("", text))
    return frozenset(t[i : i + n] for i in range(max(len(t) - n + 1, 0)))


def jaccard(a: AbstractSet[object], b: AbstractSet[object]) -> float:
    """Given two shingle sets, return |a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similar_pairs(
    docs: Mapping[str, frozenset[str]], threshold: float
) -> list[tuple[str, str, float]]:
    """Given shingle sets by id, return every pair (a, b, similarity) with Jaccard ≥
    ``threshold``, sorted by id.

    Exact, by prefix filtering: under one global order of shingles (rarest first), two
    sets with Jaccard ≥ t share a shingle among each one's first |x| − ⌈t·|x|⌉ + 1, so only
    pairs sharing such a shingle are compared. Boilerplate shingles, being frequent, are
    never in a prefix; large corpora stay fast.
    """
    freq = Counter(g for s in docs.values() for g in s)
    # Each distinct shingle's place in the global order, ranked once: sorting a document's
    # shingles by a precomputed rank is several times faster than by (freq, text) tuples.
    rank = {g: i for i, g in enumerate(sorted(freq, key=lambda g: (freq[g], g)))}
    index: dict[str, list[str]] = defaultdict(list)
    out = []
    for d in sorted(docs, key=lambda k: (len(docs[k]), k)):
        toks = sorted(docs[d], key=rank.__getitem__)
        if not toks:
            continue
        p = len(toks) - math.ceil(threshold * len(toks)) + 1
        candidates = {c for g in toks[:p] for c in index[g]}
        for c in sorted(candidates):
            if len(docs[c]) < threshold * len(toks):
                continue
            sim = jaccard(docs[c], docs[d])
            if sim >= threshold:
                out.append((min(c, d), max(c, d), sim))
        for g in toks[:p]:
            index[g].append(d)
    return sorted(out)


def _shingle_codes(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct character n-grams (1 ≤ n ≤ 3) of each text, as :func:`shingles` makes
    them, as (text index, code) pairs sorted by text then code. A code packs the n-gram's
    code points in 21 bits each, so codes order as the strings do."""
    norm = [_DIGITS.sub("0", _SPACE.sub("", t)) for t in texts]
    lengths = np.array([len(t) for t in norm], dtype=np.int64)
    points = np.frombuffer("".join(norm).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    total = len(points)
    starts = np.cumsum(lengths) - lengths
    doc = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    # An n-gram starts at each position with n - 1 more characters of the same text.
    local = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
    at = np.flatnonzero(local <= np.repeat(lengths, lengths) - n)
    del local
    code = np.zeros(len(at), dtype=np.int64)
    for k in range(n):
        code = (code << 21) | points[at + k].astype(np.int64)
    doc = doc[at]
    del at
    order = np.lexsort((code, doc))
    doc, code = doc[order], code[order]
    del order
    keep = np.ones(len(doc), dtype=bool)
    keep[1:] = (doc[1:] != doc[:-1]) | (code[1:] != code[:-1])
    return doc[keep], code[keep]


def similar_texts(
    texts: Mapping[str, str], n: int, threshold: float
) -> list[tuple[str, str, float]]:
    """Given texts by id, return what :func:`similar_pairs` returns for their
    :func:`shingles` — every pair (a, b, similarity) with Jaccard ≥ ``threshold``, sorted
    by id — computed on arrays: a corpus's millions of shingles are numbered, counted and
    ranked by numpy instead of one Python operation each. The same prefix filtering picks
    the candidate pairs; their similarity is taken from sets of the two texts' codes only.
    n-grams longer than 3 characters take :func:`similar_pairs` itself."""
    ids = list(texts)
    if not 1 <= n <= 3:
        return similar_pairs({k: shingles(t, n) for k, t in texts.items()}, threshold)
    doc, code = _shingle_codes([texts[k] for k in ids], n)
    size = np.bincount(doc, minlength=len(ids))
    # Global order of shingles, rarest first, ties by text (= by code): each one's rank.
    uniq, inverse, freq = np.unique(code, return_inverse=True, return_counts=True)
    rank_of = np.empty(len(uniq), dtype=np.int64)
    rank_of[np.lexsort((uniq, freq))] = np.arange(len(uniq))
    rank = rank_of[inverse]
    del uniq, inverse, freq, rank_of
    by_rank = np.lexsort((rank, doc))  # each text's shingles, rarest first
    first = np.cumsum(size) - size
    # Texts in the order similar_pairs visits them; each one's prefix (Python's slice of
    # its sorted shingles, as there), as (rank, visit) pairs.
    visit_order = sorted(range(len(ids)), key=lambda i: (int(size[i]), ids[i]))
    visit = np.empty(len(ids), dtype=np.int64)
    visit[visit_order] = np.arange(len(ids))
    prefix_of = {m: len(range(m)[: m - math.ceil(threshold * m) + 1]) for m in set(size.tolist())}
    prefix = np.array([prefix_of[m] for m in size.tolist()], dtype=np.int64)
    place = np.arange(len(doc)) - np.repeat(first, size)  # rank order within each text
    head = by_rank[place < np.repeat(prefix, size)]
    tok, vis = rank[head], visit[doc[head]]
    del place, head
    out: list[tuple[str, str, float]] = []
    o = np.lexsort((vis, tok))
    tok, vis = tok[o], vis[o]
    # Texts sharing a prefix shingle: every (earlier, later) pair in visit order.
    pairs: set[tuple[int, int]] = set()
    bounds = np.flatnonzero(np.r_[True, tok[1:] != tok[:-1], True])
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if e - s > 1:
            group = vis[s:e].tolist()
            pairs.update(itertools.combinations(group, 2))
    sets: dict[int, frozenset[int]] = {}

    def codes_of(i: int) -> frozenset[int]:
        if i not in sets:
            sets[i] = frozenset(code[first[i] : first[i] + size[i]].tolist())
        return sets[i]

    for vc, vd in sorted(pairs):
        c, d = visit_order[vc], visit_order[vd]
        if int(size[c]) < threshold * int(size[d]):
            continue
        sim = jaccard(codes_of(c), codes_of(d))
        if sim >= threshold:
            a, b = ids[c], ids[d]
            out.append((min(a, b), max(a, b), sim))
    return sorted(out)


def _section_label(section: str) -> str:
    """The label of a part named in a copied-text finding."""
    # Known bug, kept (issue 21 changes no output): the old kindless label lookup read
    # part 六's code "other" as part 三's row （六）其他处理. Only reached when
    # ``copy_sections`` includes "other" (not the default).
    kind = "row" if section == "other" else "part"
    try:
        return T.label(kind, section)
    except KeyError:
        return section


def check_copied_text(
    reports: pd.DataFrame,
    sections: pd.DataFrame,
    config: CheckConfig,
    subjects: Mapping[str, str],
    keys: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Given reports (and their :func:`body_keys`, when known) and sections, return
    overview/problems texts nearly identical to the same body's earlier report or to
    another body's report. The finding sits on the later report (by year, then
    report_id)."""
    if sections.empty:
        return []
    keys = body_keys(reports) if keys is None else keys
    info = {
        str(rid): (keys.get(str(rid)), -1 if _na(year) else int(year))
        for rid, year in zip(reports["report_id"], reports["year"], strict=True)
    }
    out = []
    sec = sections[sections["section"].isin(config.copy_sections) & sections["text"].notna()]
    for section, g in sec.groupby("section", sort=False, observed=True):
        # A report's texts of the section joined in table order, by sorted report id (a
        # plain loop: a Python aggregation per group costs more than the joining).
        parts: dict[str, list[str]] = defaultdict(list)
        for rid, text in zip(g["report_id"].tolist(), g["text"].tolist(), strict=True):
            if not _na(rid):
                parts[rid].append(str(text))
        texts = {
            str(rid): t
            for rid, t in ((r, "\n".join(parts[r])) for r in sorted(parts))
            if len(_SPACE.sub("", t)) >= config.copy_min_chars
        }
        del parts
        for ra, rb, sim in similar_texts(texts, config.copy_ngram, config.copy_threshold):
            ka = (info.get(ra, (None, -1))[1], ra)
            kb = (info.get(rb, (None, -1))[1], rb)
            later, earlier = (ra, rb) if ka > kb else (rb, ra)
            ag_l, _ = info.get(later, (None, -1))
            ag_e, yr_e = info.get(earlier, (None, -1))
            same = ag_l is not None and ag_l == ag_e
            yr_l = info.get(later, (None, -1))[1]
            if same and yr_e == yr_l and yr_e >= 0:
                # Two reports of one body and year: not "last year's", the other one.
                whom = f"本机关同一年度的另一份报告（{earlier}）"
            elif same:
                whom = f"本机关{yr_e}年报告" if yr_e >= 0 else f"本机关另一份报告（{earlier}）"
            else:
                whom = f"{subjects.get(earlier, earlier)}（{earlier}）"
            out.append(
                Finding(
                    later,
                    "copied_text",
                    "sections",
                    str(section),
                    None,
                    earlier,
                    f"{sim:.2f}",
                    f"{subjects.get(later, later)}“{_section_label(str(section))}”部分与{whom}"
                    f"几乎相同（相似度{sim:.0%}）。",
                    f"sections:{section}:{'same_body' if same else earlier}",
                )
            )
    return out


# ---------------------------------------------------------------------------------------
# Duplicates and coverage
# ---------------------------------------------------------------------------------------


def find_duplicates(
    reports: pd.DataFrame, keys: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """Given reports in path order (and their :func:`body_keys`, when known), return
    {report_id: (check, first report_id)} for each report that repeats an earlier one: the
    same bytes (same sha256: ``duplicate_file``), else the same body and year
    (``duplicate_report``). The first in path order is the one kept; a report is never
    the duplicate of a duplicate."""
    keys = body_keys(reports) if keys is None else keys
    out: dict[str, tuple[str, str]] = {}
    first_file: dict[str, str] = {}
    first_report: dict[tuple[str, int], str] = {}
    for rid, sha, yr in zip(reports["report_id"], reports["sha256"], reports["year"], strict=True):
        rid = str(rid)
        if not _na(sha) and str(sha):
            if str(sha) in first_file:
                out[rid] = ("duplicate_file", first_file[str(sha)])
                continue
            first_file[str(sha)] = rid
        if rid in keys and not _na(yr):
            key = (keys[rid], int(yr))
            if key in first_report:
                out[rid] = ("duplicate_report", first_report[key])
            else:
                first_report[key] = rid
    return out


def check_duplicates(
    reports: pd.DataFrame,
    subjects: Mapping[str, str],
    keys: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Given reports in path order (and their :func:`body_keys`, when known), return files
    seen twice (same sha256) and bodies with two reports for one year
    (:func:`find_duplicates`). Each finding sits on the later report and names the first."""
    keys = body_keys(reports) if keys is None else keys
    years = dict(zip(map(str, reports["report_id"]), reports["year"], strict=True))
    out = []
    for rid, (check, first) in find_duplicates(reports, keys).items():
        if check == "duplicate_file":
            out.append(
                Finding(rid, "duplicate_file", "reports", "sha256", None, first, rid,
                        f"{subjects.get(rid, rid)}与{first}是同一文件（sha256相同）。",
                        "reports:sha256")
            )  # fmt: skip
        else:
            out.append(
                Finding(rid, "duplicate_report", "reports", "agency", None, first, rid,
                        f"{keys[rid]}{int(years[rid])}年有两份报告：{first}和{rid}。",
                        "reports:agency_year")
            )  # fmt: skip
    return out


def check_coverage(
    tables: Mapping[str, pd.DataFrame],
    cells: Mapping[str, CellTable],
    subjects: Mapping[str, str],
) -> list[Finding]:
    """Given tables and their cells per report, return per report: parse failures, parts
    2-4 absent (no section and no cell that is not missing), missing, blank and derived
    cells (one finding per part each), and numbers no cell took (``n_unplaced``)."""
    reports, sections = tables["reports"], tables["sections"]
    out = []
    present = set(
        zip(sections["report_id"].astype(str), sections["section"].astype(str), strict=True)
    )
    unplaced = _unplaced_numbers(tables.get("findings"))
    earlier = _earlier_unplaced(tables.get("findings"))
    files = (
        {
            str(r): str(f)
            for r, f in zip(reports["report_id"], reports["source_file"], strict=True)
            if not _na(f) and str(f)
        }
        if "source_file" in reports.columns
        else {}
    )
    # Per table and report: cells seen in the text (known or blank), and cells of each
    # status a finding lists; only reports with some are looked at cell by cell.
    seen_cells = {t: c.status_count((*KNOWN_STATUSES, "blank")) for t, c in cells.items()}
    with_status = {
        (t, status): c.status_count([status])
        for t, c in cells.items()
        for status, _check, _verb in _STATUS_FINDINGS
    }
    for rid, parse_status, error, n_un in zip(
        reports["report_id"].tolist(),
        reports["parse_status"].tolist(),
        reports["error"].tolist(),
        reports["n_unplaced"].tolist(),
        strict=True,
    ):
        rid = str(rid)
        subj = subjects.get(rid, rid)
        if parse_status == "failed":
            # Wholly in Chinese; the English reason stays in reports.error.
            file = files.get(rid)
            what = f"文件“{file}”" if file else f"报告“{rid}”"
            why = "" if _na(error) else f"：{failure_zh(str(error))}"
            out.append(
                Finding(rid, "parse_failed", "reports", "parse_status", None, "ok", "failed",
                        f"{what}无法解析{why}。", "reports:parse_status")
            )  # fmt: skip
            continue
        for part in T.TABLE_PARTS:
            table = PART_TABLE[part]
            p = cells[table].position(rid)
            seen = p is not None and seen_cells[table][p] > 0
            if (rid, part) not in present and not seen:
                n = T.PART_BY_CODE[part].number
                out.append(
                    Finding(rid, "part_absent", table, None, None, None, None,
                            f"{subj}缺少第{_zh_num(n)}部分“{T.label('part', part)}”。", f"{table}:absent")
                )  # fmt: skip
                continue
            for status, check, verb in _STATUS_FINDINGS:
                if p is not None and with_status[(table, status)][p] > 0:
                    mine = cells[table].report(rid)
                    out += _status_cells(rid, subj, part, mine, status, check, verb)
        if not _na(n_un) and int(n_un) > 0:
            lines = unplaced.get(rid, [])
            again = earlier.get(rid)
            if not lines and again is not None and again.actual == str(int(n_un)):
                # Checks run again on checked tables: the parser's lines are in the earlier
                # finding only (check_corpus dropped them), so it stands as it was.
                out.append(again)
            else:
                out.append(_unplaced_finding(rid, subj, int(n_un), lines))
    return out


def _earlier_unplaced(findings: pd.DataFrame | None) -> dict[str, Finding]:
    """Given findings of an earlier run of the checks, return their ``unplaced_numbers``
    findings by report id."""
    if findings is None or findings.empty or "check" not in findings.columns:
        return {}
    prev = findings[findings["check"] == "unplaced_numbers"]
    out = {}
    for rec in prev.to_dict("records"):
        rid = str(rec["report_id"])

        def get(c: str, rec: dict[str, Any] = rec) -> str | None:
            v = rec.get(c)
            return None if _na(v) else str(v)

        out[rid] = Finding(rid, "unplaced_numbers", get("table") or "reports", get("row"),
                           get("col"), get("expected"), get("actual"), get("message") or "",
                           get("location") or "reports:n_unplaced", get("source"))  # fmt: skip
    return out


def _unplaced_finding(rid: str, subj: str, n: int, lines: list[UnplacedLine]) -> Finding:
    """The one finding on a report's unplaced numbers: how many, and line by line (at most
    :data:`MAX_UNPLACED_LINES`) the numbers and why no cell took them."""
    listed = "；".join(
        f"{source_zh(u.source) if u.source else '位置不详'}“{u.numbers}”"
        + (f"（{u.reason}）" if u.reason else "")
        for u in lines[:MAX_UNPLACED_LINES]
    )
    if len(lines) > MAX_UNPLACED_LINES:
        listed += f"；另有{len(lines) - MAX_UNPLACED_LINES}行"
    tables = {u.table for u in lines if u.table}
    return Finding(
        rid,
        "unplaced_numbers",
        tables.pop() if len(tables) == 1 else "reports",
        "n_unplaced" if not lines else None,
        None,
        "0",
        str(n),
        f"{subj}第二至第四部分有{n}个数字未能归入任何单元格"
        + (f"：{listed}" if listed else "")
        + "。",
        "reports:n_unplaced",
        _join_sources(u.source for u in lines),
    )


_STATUS_FINDINGS: tuple[tuple[str, str, str], ...] = (
    ("missing", "missing_cells", "缺失"),
    ("blank", "blank_cells", "为空"),
    ("derived", "derived_cells", "在提取文本中缺失，已按勾稽关系和非负性推算"),
)


class UnplacedLine(NamedTuple):
    """One line's unplaced numbers, as the parser's ``unplaced_number`` finding gave them."""

    source: str | None
    numbers: str
    table: str | None
    reason: str | None


# The parser's message ends with the reason: "…未能对应到任何表格单元格：<reason>。"
_UNPLACED_REASON = re.compile(r"单元格：(.+?)。?$")
MAX_UNPLACED_LINES = 10


def _unplaced_numbers(findings: pd.DataFrame | None) -> dict[str, list[UnplacedLine]]:
    """Given the parser's findings, return {report_id: [UnplacedLine, ...]} in their order."""
    out: dict[str, list[UnplacedLine]] = defaultdict(list)
    if findings is None or findings.empty or "check" not in findings.columns:
        return out
    pf = findings[findings["check"] == "unplaced_number"]

    def column(name: str) -> list[object]:
        return pf[name].tolist() if name in pf.columns else [None] * len(pf)

    for rid, actual, source, table, message in zip(
        pf["report_id"].tolist(),
        column("actual"),
        column("source"),
        column("table"),
        column("message"),
        strict=True,
    ):
        if _na(actual):
            continue
        m = None if _na(message) else _UNPLACED_REASON.search(str(message))
        out[str(rid)].append(
            UnplacedLine(
                None if _na(source) else str(source),
                str(actual),
                None if _na(table) else str(table),
                m.group(1) if m else None,
            )
        )
    return out


def _zh_num(n: int) -> str:
    return "〇一二三四五六七八九"[n] if 0 <= n <= 9 else str(n)


def _status_cells(
    rid: str, subj: str, part: str, mine: ReportCells, status: str, check: str, verb: str
) -> list[Finding]:
    """One finding listing the cells of one report and part that have ``status``."""
    table = PART_TABLE[part]
    keys = _in_template_order(table, mine.keys_with_status(status))
    if not keys:
        return []
    names = describe_cells(table, keys)
    one = len(keys) == 1
    return [
        Finding(
            rid,
            check,
            table,
            keys[0][0] if one else None,
            keys[0][1] if one else None,
            None,
            str(len(keys)),
            f"{subj}第{_zh_num(T.PART_BY_CODE[part].number)}部分{names}{verb}。",
            f"{table}:{status}",
            _join_sources(_src(mine, k) for k in keys),
        )
    ]


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def run_checks(
    tables: Mapping[str, pd.DataFrame], config: CheckConfig | None = None
) -> pd.DataFrame:
    """Given the contract's tables (keys: reports, disclosure, applications, appeals,
    narrative, sections; absent ones count as empty; an optional ``findings`` table from
    the parser is used to list unplaced numbers), return the findings of every enabled
    check, sorted by report, severity and check.

    Analyst corrections are applied before (:func:`gxparse.analysis.review.apply_corrections`) and
    decisions after (:func:`gxparse.analysis.review.apply_reviews`); :func:`gxparse.analysis.review.check_corpus`
    does all three.
    """
    config = config or CheckConfig()
    t = ensure_columns(tables)
    reports = t["reports"]
    templates = _templates(reports, t["applications"])
    subjects = _subject(reports)
    # Every report id of any table, sorted: a report's position in each CellTable.
    ids = set(map(str, reports["report_id"].dropna()))
    for name in CELL_KEYS:
        ids.update(map(str, t[name]["report_id"].dropna().unique()))
    index = pd.Index(sorted(ids), dtype=object)
    cells = {name: CellTable(t[name], name, index) for name in CELL_KEYS}
    keys = body_keys(reports)
    by_body_year = _by_body_year(reports, keys)
    on = config.enabled

    def want(*codes: str) -> bool:
        return on is None or any(c in on for c in codes)

    found: list[Finding] = []
    if want("identity_balance", "identity_outcomes_sum", "identity_row_total", "identity_appeals_total", "identity_not_assessable"):  # fmt: skip
        found += check_identities(cells["applications"], cells["appeals"], templates, subjects)
    if want("non_negative_integer"):
        found += check_value_range(t, subjects)
    if want("prose_requests", "prose_breakdown", "prose_settled", "prose_fees", "fees_charged"):
        found += check_prose(
            t["narrative"], cells["applications"], cells["disclosure"], templates, subjects, config
        )
    if want("carried_forward"):
        found += check_carried_forward(cells["applications"], subjects)
    if want("next_year_chain"):
        found += check_next_year_chain(by_body_year, cells["applications"], subjects)
    if want("stock_flow"):
        found += check_stock_flow(by_body_year, cells["disclosure"], templates, subjects)
    if want("year_gap"):
        found += check_year_gap(by_body_year)
    if want("old_template"):
        found += check_old_template(reports, subjects)
    if want("peer_outlier"):
        found += check_peers(t, cells, config, subjects)
    if want("suspicious_placement"):
        found += check_placement(cells["disclosure"], templates, subjects)
    if want("split_number"):
        found += check_split_numbers(cells["applications"], cells["appeals"], templates, subjects)
    if want("timeliness"):
        found += check_timeliness(reports, config, subjects)
    if want("copied_text"):
        found += check_copied_text(reports, t["sections"], config, subjects, keys)
    if want("duplicate_file", "duplicate_report"):
        found += check_duplicates(reports, subjects, keys)
    if want("part_absent", "missing_cells", "blank_cells", "unplaced_numbers", "parse_failed"):
        found += check_coverage(t, cells, subjects)
    if on is not None:
        found = [f for f in found if f.check in on]
    df = findings_frame(found)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    df = df.assign(_s=df["severity"].map(order)).sort_values(
        ["report_id", "_s", "check", "location"], kind="stable"
    )
    return df.drop(columns="_s").reset_index(drop=True)


def message_en(findings: pd.DataFrame) -> pd.Series:
    """Given findings, return an English line per finding built from the catalog: the
    check's description, where, and expected/actual ("Part 3, every applicant column: ...
    [applications natural_person] expected 7, actual 6")."""

    def one(rec: Mapping) -> str:
        spec = CHECK_BY_CODE.get(str(rec["check"]))
        text = spec.en if spec is not None else str(rec["check"])
        where = " ".join(str(rec[c]) for c in ("table", "row", "col") if not _na(rec.get(c)))
        nums = ", ".join(f"{c} {rec[c]}" for c in ("expected", "actual") if not _na(rec.get(c)))
        return text + (f" [{where}]" if where else "") + (f": {nums}" if nums else "")

    return pd.Series(
        [one(r) for r in findings.to_dict("records")], index=findings.index, dtype="string"
    )


def catalog_frame(lang: str = "zh") -> pd.DataFrame:
    """Return :data:`CHECKS` as a table (code, severity, scope, description)."""
    return pd.DataFrame(
        [
            {
                "check": c.code,
                "severity": c.severity,
                "scope": c.scope,
                "description": c.zh if lang == "zh" else c.en,
                "decision_carries": c.decision_carries,
            }
            for c in CHECKS
        ]
    )


__all__ = [
    "CHECKS",
    "CHECK_BY_CODE",
    "CROSSWALK",
    "FINDING_COLUMNS",
    "Check",
    "CheckConfig",
    "Crosswalk",
    "body_keys",
    "catalog_frame",
    "comparable",
    "describe_cells",
    "find_duplicates",
    "harmonize_applications",
    "message_en",
    "run_checks",
]
