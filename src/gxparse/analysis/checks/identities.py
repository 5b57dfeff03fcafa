"""Template identities and value ranges: each report's tables against their own sums.

Given the part 3 and part 4 cells per report (:class:`CellTable`), :func:`check_identities`
returns a finding for every identity the template declares that the cells break (or cannot
assess); given the tables, :func:`check_value_range` returns the values that are not
non-negative integers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gxparse import template as T
from gxparse.analysis.catalog import CHECK_BY_CODE
from gxparse.analysis.checks.cells import (
    _DECIMAL_MEASURES,
    _SIGNED_MEASURES,
    CELL_KEYS,
    KNOWN_STATUSES,
    Cells,
    CellTable,
    Finding,
    Key,
    _cell_name,
    _fmt,
    _in_template_order,
    _join_sources,
    _known,
    _opt_str,
    _src,
    col_label,
    describe_cells,
    row_label,
)


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
