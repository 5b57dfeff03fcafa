"""Text parsing speed on one core (and accuracy against the generator's truth).

    python benchmarks/bench_parse.py [--n 1000] [--dir FOLDER] [--seed 0]

Generates ``--n`` synthetic reports (every text layout, both templates, some faults) into a
temporary folder (or reads an existing ``--dir`` made by ``generate.py``), parses each file
serially with ``gxparse.parsing.parse.parse_file`` and prints reports/s overall and per layout, then
the share of cells right and the count of wrong numbers. Prints numbers; asserts nothing.
Target (issue 2): >= 500 reports/s on one core.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, read_truth

COLUMNS = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}


def score(tables: Any, truth: dict[str, Any]) -> dict[str, int]:
    """Cells right / wrong number / missing where printed / total, for one report."""
    out = {"cells": 0, "right": 0, "wrong_number": 0, "lost": 0}
    for name, (a, b) in COLUMNS.items():
        df = getattr(tables, name)
        got = {
            f"{x}|{y}": (
                s,
                None
                if v is None or v is _NA or (isinstance(v, float) and math.isnan(v))
                else float(v),
            )
            for x, y, s, v in zip(df[a], df[b], df["status"], df["value"], strict=True)
        }
        for key, printed in truth["cells"][name].items():
            out["cells"] += 1
            status, value = got.get(key, ("absent", None))
            if printed == "missing":
                right = status in ("missing", "derived")
            elif printed is None:
                right = status == "blank"
                out["wrong_number"] += status in ("reported", "derived")
            else:
                right = status in ("reported", "derived") and value == float(printed)
                out["wrong_number"] += status in ("reported", "derived") and value != float(printed)
                out["lost"] += status in ("missing", "absent")
            out["right"] += right
        out["wrong_number"] += sum(
            1
            for k, (s, _) in got.items()
            if k not in truth["cells"][name] and s in ("reported", "derived")
        )
    return out


try:
    import pandas as pd

    _NA = pd.NA
except ImportError:  # pragma: no cover
    _NA = None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--dir", type=Path, default=None, help="reuse a folder made by generate.py")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gxparse-bench-") as tmp:
        folder = args.dir or Path(tmp)
        if args.dir is None:
            t0 = time.perf_counter()
            generate(args.n, folder, args.seed)
            print(f"generated {args.n} reports in {time.perf_counter() - t0:.1f} s")
        truth = read_truth(folder)[: args.n]

        from gxparse.parsing.parse import parse_file

        parse_file(folder / truth[0]["file"])  # warm-up: imports, caches
        per_layout: dict[str, list[float]] = defaultdict(list)
        totals: dict[str, int] = defaultdict(int)
        by_layout_score: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        status_counts: dict[str, int] = defaultdict(int)
        elapsed = 0.0
        for t in truth:
            start = time.perf_counter()
            tables = parse_file(folder / t["file"])
            dt = time.perf_counter() - start
            elapsed += dt
            per_layout[t["layout"]].append(dt)
            status_counts[str(tables.reports["parse_status"].iloc[0])] += 1
            s = score(tables, t)
            for k, v in s.items():
                totals[k] += v
                by_layout_score[t["layout"]][k] += v

    n = len(truth)
    print(f"\ntext parsing, one core: {n} reports in {elapsed:.2f} s = {n / elapsed:,.0f} reports/s "
          f"({elapsed / n * 1000:.2f} ms/report; target >= 500/s)")  # fmt: skip
    print(f"parse_status: {dict(status_counts)}")
    print(
        f"\n{'layout':<18}{'reports':>8}{'reports/s':>11}{'cells right':>13}{'wrong numbers':>15}{'lost':>8}"
    )
    for layout in sorted(per_layout):
        times = per_layout[layout]
        sc = by_layout_score[layout]
        print(
            f"{layout:<18}{len(times):>8}{len(times) / sum(times):>11,.0f}"
            f"{sc['right'] / max(sc['cells'], 1):>13.2%}{sc['wrong_number']:>15}{sc['lost']:>8}"
        )
    print(
        f"{'all':<18}{n:>8}{n / elapsed:>11,.0f}{totals['right'] / max(totals['cells'], 1):>13.2%}"
        f"{totals['wrong_number']:>15}{totals['lost']:>8}"
    )
    print("\n(cells right: printed value reported, empty cell blank, lost cell missing/derived;"
          " wrong numbers: a number the file does not print; lost: printed but missing)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
