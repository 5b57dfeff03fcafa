"""The 2019↔2021 template crosswalk, as the checks name it.

Given part 3 cells and reports, :func:`harmonize_applications` returns the cells summed onto
2019's rows, so that they compare across templates; :data:`CROSSWALK` and
:func:`comparable` are the template's (:mod:`gxparse.template`), named here too.
"""

from __future__ import annotations

import pandas as pd

from gxparse import template as T
from gxparse.analysis.checks.cells import _OTHER_2021, KNOWN_STATUSES, _templates

# Declared in the template; named here too for code that reads them from the checks.
Crosswalk = T.Crosswalk
CROSSWALK = T.CROSSWALK
comparable = T.comparable
(_OTHER_2019,) = T.SPLIT_OTHER.codes_2019


def harmonize_applications(applications: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Given part 3 cells, return them with 2021's three （六） sub-rows summed into ``other``.

    The result compares across templates (see :data:`CROSSWALK`). The summed cell is known
    only when all three sub-rows are known; otherwise its status is that of the first
    unknown sub-row and its value NA.
    """
    templates = _templates(reports, applications)
    is_sub = applications["row"].isin(_OTHER_2021)
    rest = applications[~is_sub]
    sub = applications[is_sub]
    if sub.empty:
        return applications.copy()
    rows = []
    for (rid, app), g in sub.groupby(["report_id", "applicant"], sort=False):
        if templates.get(rid, "2021") != "2021":
            continue
        known = g["status"].isin(KNOWN_STATUSES) & g["value"].notna()
        if known.all():
            value, status = g["value"].sum(), "derived"
        else:
            value, status = pd.NA, g.loc[~known, "status"].iloc[0]
        rows.append(
            {
                "report_id": rid,
                "row": _OTHER_2019,
                "applicant": app,
                "value": value,
                "status": status,
            }
        )
    out = pd.concat([rest, pd.DataFrame(rows)], ignore_index=True)
    out["value"] = out["value"].astype("Int64")
    return out
