"""Suspicious placement: numbers that seem to sit in the wrong cell.

Given the part 2 cells per report, :func:`check_placement` returns numbers whose neighbours
say they belong in another column; given the part 3 and 4 cells,
:func:`check_split_numbers` returns numbers that seem split across two cells (joining them
restores the total).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

from gxparse import template as T
from gxparse.analysis.checks.cells import (
    _APPEAL_PARTS,
    CellTable,
    CellValue,
    Finding,
    _fmt,
    _join_sources,
    _known,
    _src,
    col_label,
    row_label,
)


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
