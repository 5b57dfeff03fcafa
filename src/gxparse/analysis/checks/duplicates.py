"""Duplicates: the same file twice, or two reports for one body and year.

Given reports, :func:`find_duplicates` returns {report_id: (check, the report kept)} for
every report but the first of a duplicate set, and :func:`check_duplicates` its findings.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from gxparse.analysis.checks.cells import Finding, _na
from gxparse.analysis.checks.years import body_keys


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
