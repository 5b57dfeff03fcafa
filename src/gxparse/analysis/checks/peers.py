"""Peers: values far from those of bodies of the same level (and year).

Given the tables and their cells, :func:`check_peers` returns a ``peer_outlier`` finding
for each value whose robust z on the log scale (:func:`robust_outlier`,
:func:`outliers_among`) sets it far apart from its peers' median.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from gxparse import template as T
from gxparse.analysis.checks.cells import (
    CellTable,
    Finding,
    _cell_name,
    _fmt,
    _na,
    _opt_str,
    _src,
    col_label,
    row_name,
)
from gxparse.analysis.checks.config import CheckConfig
from gxparse.analysis.checks.prose import _approx, prose_label

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
    group = _peer_groups(tables["reports"], config)
    out = []
    prose_sources: dict[str, dict[str, tuple[float, str | None]]] = {}

    def source(table: str, row: str, col: str, rid: str) -> str | None:
        if table != "narrative":
            return _src(cells[table].report(rid), (row, col))
        if row not in prose_sources:
            prose_sources[row] = _narrative_values(tables["narrative"], row)
        return prose_sources[row][rid][1]

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
                peers = (level, len(rids) - 1, med)
                src = source(table, row, col, rid)
                out.append(_peer_finding(rid, metric, values[rid], z, peers, subjects, src))
    return out


def _peer_groups(reports: pd.DataFrame, config: CheckConfig) -> dict[str, tuple]:
    """Given reports, return {report_id: (level, year or None)}: the peers a report is
    compared with (year only when ``config.peer_same_year``); reports without a level
    have none."""
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
    return group


def _peer_metric_name(table: str, row: str, col: str) -> str:
    """The Chinese name of a peer metric (a cell, or a figure stated in prose)."""
    if table == "disclosure":
        return _cell_name(table, row, col)
    if table == "applications":
        return f"{row_name(row)}（{col_label(table, col)}）"
    return prose_label(row)


def _peer_finding(
    rid: str,
    metric: tuple[str, str, str],
    v: float,
    z: float,
    peers: tuple[str, int, float],
    subjects: Mapping[str, str],
    src: str | None,
) -> Finding:
    """Given a report's value of a metric, its robust z and its peers (level, how many,
    their median), return the ``peer_outlier`` finding."""
    table, row, col = metric
    level, n_peers, med = peers
    name = _peer_metric_name(table, row, col)
    direction = "偏高" if z > 0 else "偏低"
    return Finding(
        rid,
        "peer_outlier",
        table,
        row,
        col or None,
        _fmt(round(med, 1)),
        _fmt(v),
        f"{subjects.get(rid, rid)}“{name}”为{_fmt(v)}，同级（{T.label('level', level)}）"
        f"{n_peers}个可比机关的中位数为{_fmt(round(med, 1))}，明显{direction}"
        f"（稳健z值{z:.1f}）。",
        f"{table}:{row}:{col}" if col else f"{table}:{row}",
        src,
    )
