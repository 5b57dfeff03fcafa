"""Coverage: what the parse could not read, per report.

Given the tables (the parser's own findings included) and the cells per report,
:func:`check_coverage` returns parse failures, absent parts, missing, blank and derived
cells, and the numbers inside parts 2–4 that no cell took, each with why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from gxparse import template as T
from gxparse.analysis.checks.cells import (
    KNOWN_STATUSES,
    PART_TABLE,
    CellTable,
    Finding,
    ReportCells,
    _in_template_order,
    _join_sources,
    _na,
    _src,
    describe_cells,
)
from gxparse.failures import failure_zh
from gxparse.readers.document import source_zh


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
