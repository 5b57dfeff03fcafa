"""Run the checks the catalog names, and render the catalog.

Given the contract's tables and a :class:`CheckConfig`, :func:`run_checks` prepares the
inputs a check may ask for once (:func:`check_inputs`), calls each check function that
:data:`gxparse.analysis.catalog.CHECKS` names (``Check.function``, ``"module:function"`` in
this package) in catalog order, and returns the findings table. :func:`message_en` and
:func:`catalog_frame` render the catalog's descriptions.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from gxparse.analysis.catalog import CHECK_BY_CODE, CHECKS, SEVERITIES
from gxparse.analysis.checks.cells import (
    CELL_KEYS,
    CellTable,
    Finding,
    _na,
    _subject,
    _templates,
    ensure_columns,
    findings_frame,
)
from gxparse.analysis.checks.config import CheckConfig
from gxparse.analysis.checks.years import _by_body_year, body_keys


def check_functions() -> list[tuple[str, tuple[str, ...]]]:
    """Return each check function the catalog names ("module:function"), in the order it
    first appears there, with the codes it emits."""
    codes: dict[str, list[str]] = {}
    for check in CHECKS:
        if check.function is not None:
            codes.setdefault(check.function, []).append(check.code)
    return [(name, tuple(c)) for name, c in codes.items()]


def resolve(name: str) -> Callable[..., list[Finding]]:
    """Given "module:function", return that function of this package (imported now, so the
    catalog itself never loads the checks)."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def _cell_tables(t: Mapping[str, pd.DataFrame]) -> dict[str, CellTable]:
    """Given the tables, return each cell table's :class:`CellTable` over every report id of
    any table, sorted (a report's position in each)."""
    ids = set(map(str, t["reports"]["report_id"].dropna()))
    for name in CELL_KEYS:
        ids.update(map(str, t[name]["report_id"].dropna().unique()))
    index = pd.Index(sorted(ids), dtype=object)
    return {name: CellTable(t[name], name, index) for name in CELL_KEYS}


def check_inputs(tables: Mapping[str, pd.DataFrame], config: CheckConfig) -> dict[str, Any]:
    """Given the tables and the config, return every input a check function may take, by
    the parameter name the check functions give it."""
    t = ensure_columns(tables)
    reports = t["reports"]
    templates = _templates(reports, t["applications"])
    subjects = _subject(reports)
    cells = _cell_tables(t)
    keys = body_keys(reports)
    return {
        "tables": t,
        "reports": reports,
        "narrative": t["narrative"],
        "sections": t["sections"],
        "cells": cells,
        "cells_dis": cells["disclosure"],
        "cells_app": cells["applications"],
        "cells_appeals": cells["appeals"],
        "templates": templates,
        "subjects": subjects,
        "keys": keys,
        # {(body key, year): [report_id, ...]}
        "index": _by_body_year(reports, keys),
        "config": config,
    }


def _call(function: Callable[..., list[Finding]], inputs: Mapping[str, Any]) -> list[Finding]:
    """Call a check function with the inputs its parameters name (a parameter no input
    has is a KeyError: a check cannot silently miss its data)."""
    return function(**{p: inputs[p] for p in inspect.signature(function).parameters})


def _sorted_frame(found: list[Finding]) -> pd.DataFrame:
    """Given findings, return them as a table sorted by report, severity and check."""
    df = findings_frame(found)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    df = df.assign(_s=df["severity"].map(order)).sort_values(
        ["report_id", "_s", "check", "location"], kind="stable"
    )
    return df.drop(columns="_s").reset_index(drop=True)


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
    inputs = check_inputs(tables, config)
    on = config.enabled
    found: list[Finding] = []
    for name, codes in check_functions():
        if on is None or any(c in on for c in codes):
            found += _call(resolve(name), inputs)
    if on is not None:
        found = [f for f in found if f.check in on]
    return _sorted_frame(found)


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
