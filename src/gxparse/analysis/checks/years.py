"""Requests carried into next year, and checks across one body's years.

Given reports, :func:`body_keys` returns one key per body (a renamed body stays one body);
given reports and cells by (body, year), the checks here return the carried-forward
requests, next year's carried-over count that disagrees, stock that does not flow, years
missing between two present ones, and reports in a template older than their year.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pandas as pd

from gxparse import template as T
from gxparse.analysis.checks.cells import (
    CellTable,
    Finding,
    _fmt,
    _join_sources,
    _known,
    _na,
    _records,
    _src,
    col_label,
    row_label,
    row_name,
)


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
    names, places = _agencies(reports)
    link = _suffix_links(set(names.values()), places)
    return {rid: _follow(link, ag) for rid, ag in names.items()}


def _agencies(reports: pd.DataFrame) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Given reports, return {report_id: agency} for reports with one, and each agency's
    places ({"county:…", "city:…"})."""
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
    return names, places


def _suffix_links(distinct: set[str], places: Mapping[str, set[str]]) -> dict[str, str]:
    """Given the distinct agency names and their places, return {name: the one longer name
    that ends with it}, for names of a linkable length whose places agree."""
    # Every longer name under each of its proper suffixes (of a linkable length): finding
    # the names that end with a given one is then a look-up, not a scan of all names.
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for b in distinct:
        for i in range(1, len(b) - _MIN_LINKED_NAME + 1):
            by_suffix[b[i:]].append(b)
    link = {}
    for a in distinct:
        if len(a) < _MIN_LINKED_NAME:
            continue
        longer = by_suffix.get(a, [])
        if len(longer) == 1 and _same_places(places.get(a, set()), places.get(longer[0], set())):
            link[a] = longer[0]
    return link


def _same_places(pa: set[str], pb: set[str]) -> bool:
    """Whether two names' places agree: no county (nor city) known for both that differs."""
    for col in ("county", "city"):
        xa = {p for p in pa if p.startswith(col)}
        xb = {p for p in pb if p.startswith(col)}
        if xa and xb and not xa & xb:
            return False
    return True


def _follow(link: Mapping[str, str], a: str) -> str:
    """Given links between names, return the name ``a`` links to in the end (a cycle stops
    at its first repeat)."""
    seen = {a}
    while a in link and link[a] not in seen:
        a = link[a]
        seen.add(a)
    return a


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
