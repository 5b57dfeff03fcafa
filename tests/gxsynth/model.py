"""A report's content as plain data, independent of any layout."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from gxparse import template as T

# A printed cell: its text as printed, or None for an empty cell.
Printed = str | None


@dataclass
class ReportSpec:
    """Everything a renderer needs to print one report.

    Cell dictionaries map template codes to the printed text (None = empty cell).
    ``expected`` values for tests come from the same dictionaries, so a renderer can
    never disagree with the truth it is tested against."""

    agency: str
    year: int
    template: str = "2021"
    published: date | None = None
    disclosure: dict[tuple[str, str], Printed] = field(default_factory=dict)
    applications: dict[tuple[str, str], Printed] = field(default_factory=dict)
    appeals: dict[tuple[str, str], Printed] = field(default_factory=dict)
    overview: str = ""
    problems: str = ""
    other: str = ""

    def disclosure_cells(self) -> list[tuple[str, str]]:
        """(item, measure) pairs of the template, in printed order."""
        layout = T.DISCLOSURE_LAYOUT[self.template]
        return [(item, m) for item, measures in layout.items() for m in measures]

    def application_cells(self) -> list[tuple[str, str]]:
        return [(r.code, a) for r in T.application_rows(self.template) for a in T.APPLICANT_CODES]


def _spread(rng: random.Random, total: int, n: int) -> list[int]:
    """Split total into n non-negative parts, skewed (most requests come from persons)."""
    weights = [rng.random() ** 3 for _ in range(n)]
    weights[0] += 2.0
    s = sum(weights)
    parts = [int(total * w / s) for w in weights]
    parts[0] += total - sum(parts)
    return parts


def random_spec(
    rng: random.Random, template: str = "2021", agency: str | None = None
) -> ReportSpec:
    """A report with realistic values whose template identities all hold."""
    level = rng.choice(["镇人民政府", "街道办事处", "县人民政府", "区人民政府", "市教育局"])
    agency = agency or f"{rng.choice('东西南北中新安平和')}{rng.choice('山河湖城林阳')}{level}"
    year = (
        rng.choice([2020, 2021, 2022, 2023, 2024])
        if template == "2021"
        else rng.choice([2019, 2020])
    )
    spec = ReportSpec(
        agency=agency,
        year=year,
        template=template,
        published=date(year + 1, 1, rng.randint(10, 31)),
    )
    scale = rng.choice([0, 1, 5, 20, 200, 2000])
    for item, m in spec.disclosure_cells():
        if m in ("fee_amount", "procurement_amount"):
            v = f"{rng.random() * scale:.2f}" if scale and rng.random() < 0.3 else "0"
        else:
            v = str(int(rng.random() * scale) if rng.random() < 0.6 else 0)
        spec.disclosure[(item, m)] = v
    new = int(rng.random() * scale) if scale else 0
    carried = int(rng.random() * max(1, new // 5))
    forward = rng.randint(0, min(new + carried, 3))
    handled = new + carried - forward
    outcomes = T.OUTCOME_ROWS[template]
    by_outcome = dict(zip(outcomes, _spread(rng, handled, len(outcomes)), strict=True))
    totals = {
        "received_new": new,
        "carried_over": carried,
        "carried_forward": forward,
        "total_handled": handled,
        **by_outcome,
    }
    cols: dict[str, list[int]] = {}
    # Split each row over applicants consistently: split outcomes, then derive the rest.
    for row in (*outcomes, "carried_over", "carried_forward"):
        cols[row] = _spread(rng, totals[row], len(T.APPLICANT_PARTS))
    cols["total_handled"] = [
        sum(cols[r][i] for r in outcomes) for i in range(len(T.APPLICANT_PARTS))
    ]
    cols["received_new"] = [
        cols["total_handled"][i] + cols["carried_forward"][i] - cols["carried_over"][i]
        for i in range(len(T.APPLICANT_PARTS))
    ]
    # A negative "new" column can appear after splitting (more carried over than handled and
    # carried forward): take the difference off carried_over so that 一 + 二 = 三 + 四 holds.
    for i, v in enumerate(cols["received_new"]):
        if v < 0:
            cols["carried_over"][i] += v
            cols["received_new"][i] = 0
    for row, parts in cols.items():
        for a, v in zip(T.APPLICANT_PARTS, parts, strict=True):
            spec.applications[(row, a)] = str(v)
        spec.applications[(row, "total")] = str(sum(parts))
    for p in T.PROCEEDINGS:
        parts = [rng.choice([0, 0, 0, 1, 2]) for _ in range(4)]
        for r, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            spec.appeals[(p.code, r)] = str(v)
        spec.appeals[(p.code, "total")] = str(sum(parts))
    total_active = rng.randint(0, 3000)
    spec.overview = f"{year}年，我单位主动公开政府信息{total_active}条。"
    spec.problems = "存在的问题：公开内容不够全面。改进情况：加强培训。"
    spec.other = f"{year}年未收取信息处理费。"
    return spec
