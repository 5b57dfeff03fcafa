"""Real reports at hand, read and judged by the template's own identities (no truth needed).

For every real report in ../shared (real-reports and wild-reports), prints:

* the agency and year found;
* the cells placed (reported / blank / derived) and missing, per part;
* the numbers left unplaced inside parts 二–四;
* the part 三 and 四 identities that hold and those that break (only over complete rows).

    .venv/bin/python benchmarks/real_world.py

It prints numbers and never asserts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxparse import template as T  # noqa: E402
from gxparse.parsing.parse import parse_file  # noqa: E402

SHARED = ROOT.parent / "shared"


def identities(tables) -> tuple[int, int]:
    """(holding, breaking) row-total identities of parts 三 and 四 over complete rows."""
    hold = broken = 0
    for table, (a, b), cols in (
        ("applications", ("row", "applicant"), T.APPLICANT_CODES),
        ("appeals", ("proceeding", "result"), tuple(r.code for r in T.RESULTS)),
    ):
        df = getattr(tables, table)
        for _, g in df.groupby(a, observed=True):
            vals = dict(
                zip(
                    g[b].astype(str),
                    zip(g["status"].astype(str), g["value"], strict=True),
                    strict=True,
                )
            )
            if all(vals.get(c, ("",))[0] in ("reported", "derived", "corrected") for c in cols):
                nums = [float(vals[c][1]) for c in cols]
                if abs(sum(nums[:-1]) - nums[-1]) < 1e-9:
                    hold += 1
                else:
                    broken += 1
    return hold, broken


def main() -> None:
    files = sorted((SHARED / "real-reports").glob("h*.*")) + sorted(
        (SHARED / "wild-reports").glob("0*.txt")
    )
    if not files:
        print("no real reports at hand (../shared absent)")
        return
    t0 = time.perf_counter()
    totals = dict(
        placed=0, missing=0, unplaced=0, hold=0, broken=0, disclosure_placed=0, disclosure_all=0
    )
    print(
        f"{'file':<34} {'agency':<26} {'year':>4} {'二 placed':>9} {'三 placed':>9} {'四 placed':>9} {'unplaced':>8} {'ids ok/broken':>13}"
    )
    for p in files:
        t = parse_file(p)
        rep = t.reports.iloc[0]
        cols = []
        for table in ("disclosure", "applications", "appeals"):
            st = getattr(t, table)["status"].astype(str)
            placed = int(st.isin(["reported", "blank", "derived", "corrected"]).sum())
            cols.append(f"{placed}/{len(st)}")
            totals["placed"] += placed
            totals["missing"] += int((st == "missing").sum())
            if table == "disclosure":
                totals["disclosure_placed"] += placed
                totals["disclosure_all"] += len(st)
        hold, broken = identities(t)
        totals["hold"] += hold
        totals["broken"] += broken
        totals["unplaced"] += int(rep["n_unplaced"] or 0)
        agency = str(rep["agency"])[:24]
        year = "" if rep["year"] is None or str(rep["year"]) == "<NA>" else str(rep["year"])
        print(
            f"{p.parent.name[:4] + '/' + p.name[:28]:<34} {agency:<26} {year:>4} {cols[0]:>9} {cols[1]:>9} {cols[2]:>9} {int(rep['n_unplaced'] or 0):>8} {hold:>6}/{broken:<6}"
        )
    print(f"elapsed {time.perf_counter() - t0:.1f} s")
    share = totals["disclosure_placed"] / max(totals["disclosure_all"], 1)
    print(
        f"{len(files)} reports: cells placed {totals['placed']}, missing {totals['missing']}, "
        f"part 二 placed {share:.1%}; unplaced numbers {totals['unplaced']}; "
        f"identities hold {totals['hold']}, break {totals['broken']}"
    )


if __name__ == "__main__":
    main()
