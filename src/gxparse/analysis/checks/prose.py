"""Prose against tables: what the report's text states against what its tables print.

Given the narrative table (figures stated in prose) and the part 2 and part 3 cells,
:func:`check_prose` returns the request counts, breakdowns, "all settled" claims and fees
that disagree with the tables or with themselves (and whether fees were charged).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from gxparse import template as T
from gxparse.analysis.checks.cells import (
    Cells,
    CellTable,
    Finding,
    _cell_name,
    _fmt,
    _join_sources,
    _known,
    _na,
    _opt_str,
    _records,
    _src,
    row_name,
)
from gxparse.analysis.checks.config import CheckConfig


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
