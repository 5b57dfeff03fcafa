"""Timeliness: reports published after their statutory deadline.

Given reports (publication date, level, year) and the config's deadlines,
:func:`check_timeliness` returns the reports published late, or before their year ended.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from gxparse.analysis.checks.cells import Finding, _na, _records
from gxparse.analysis.checks.config import CheckConfig


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
