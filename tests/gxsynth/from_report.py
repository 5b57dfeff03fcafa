"""A parsed report back into a :class:`ReportSpec`, so it can be re-printed in any layout."""

from __future__ import annotations

import pandas as pd

from gxsynth.model import ReportSpec

_KEYS = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}


def spec_from_tables(tables, report_id: str) -> ReportSpec:
    """The spec of one parsed report: printed cells keep their printed text (stripped),
    blank cells stay empty, and cells the report lost are printed with the value the
    template forces (derived) or left out of the spec (missing)."""
    rep = tables.reports.set_index("report_id").loc[report_id]
    spec = ReportSpec(
        agency=str(rep["agency"]),
        year=int(rep["year"]),
        template=str(rep["template"]),
        published=None if pd.isna(rep["published"]) else rep["published"].date(),
    )
    for table, (a, b) in _KEYS.items():
        df = getattr(tables, table)
        df = df[df["report_id"] == report_id]
        cells = getattr(spec, table)
        for _, r in df.iterrows():
            if r["status"] == "blank":
                cells[(r[a], r[b])] = None
            elif r["status"] in ("reported", "corrected"):
                cells[(r[a], r[b])] = str(r["raw"]).strip()
            elif r["status"] == "derived":
                cells[(r[a], r[b])] = (
                    str(int(r["value"])) if float(r["value"]).is_integer() else str(r["value"])
                )
    sections = tables.sections[tables.sections["report_id"] == report_id].set_index("section")[
        "text"
    ]
    spec.overview = str(sections.get("overview", ""))
    spec.problems = str(sections.get("problems", ""))
    spec.other = str(sections.get("other", ""))
    return spec
