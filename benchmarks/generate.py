"""Generate N synthetic annual reports across every text layout and both templates, with
realistic values and some faults, plus a truth file.

    python benchmarks/generate.py --n 1000 --out /tmp/gx-bench [--seed 0]

Writes ``<out>/<id>.txt`` and ``<out>/.truth.json`` (a list, one entry per file: layout,
numbering, template, year, encoding, faults, and every cell as printed — ``null`` for an
empty cell, ``"missing"`` for a cell the file no longer holds).

Faults (each in a few percent of the files): ``blanks`` (empty cells), ``cut_off`` (the text
ends inside part 三), ``identity_break`` (a printed total that disagrees with its parts),
``perturbed`` (spaces, full-width digits, wrapped labels, page junk, CRLF, units, 1,234). Encodings:
mostly UTF-8, some GB18030 and UTF-8 with BOM, as on government sites.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # gxsynth

from gxsynth import (
    LAYOUTS,
    NUMBER_FORMATS,
    NUMBERING_STYLES,
    PERTURBATIONS,
    ReportSpec,
    perturb,
    random_spec,
    render,
)

from gxparse import template as T

FAULT_RATES = {"blanks": 0.05, "cut_off": 0.03, "identity_break": 0.05, "perturbed": 0.2}
ENCODINGS = (("utf-8", 0.8), ("gb18030", 0.15), ("utf-8-sig", 0.05))


def _heavy_tail(rng: random.Random, spec: ReportSpec) -> None:
    """Penalty and licensing counts range from 0 to thousands between bodies."""
    for item in ("penalty", "licensing"):
        if (item, "decisions") in spec.disclosure and rng.random() < 0.3:
            spec.disclosure[(item, "decisions")] = str(int(rng.lognormvariate(3, 2)))


def _blank(rng: random.Random, spec: ReportSpec) -> None:
    for cells in (spec.disclosure, spec.applications, spec.appeals):
        keys = list(cells)
        for k in rng.sample(keys, k=max(1, len(keys) // 20)):
            cells[k] = None


def _break_identity(rng: random.Random, spec: ReportSpec) -> None:
    a = rng.choice(T.APPLICANT_CODES)
    value = spec.applications.get(("total_handled", a))
    if value is not None:
        spec.applications[("total_handled", a)] = str(int(value) + rng.randint(1, 3))


def _cells(spec: ReportSpec) -> dict[str, dict[str, str | None]]:
    return {
        "disclosure": {f"{a}|{b}": v for (a, b), v in spec.disclosure.items()},
        "applications": {f"{a}|{b}": v for (a, b), v in spec.applications.items()},
        "appeals": {f"{a}|{b}": v for (a, b), v in spec.appeals.items()},
    }


def _cut_off(
    rng: random.Random, spec: ReportSpec, text: str, cells: dict[str, dict[str, Any]]
) -> str:
    """End the text inside part 三, just before a row (its cells and all later ones become
    missing), as a truncated download or a lost PDF page does."""
    rows = T.application_rows(spec.template)
    grouped = [
        k
        for k in range(3, len(rows) - 1)
        if rows[k].parent not in (None, "outcomes") and rows[k + 1].parent == rows[k].parent
    ]
    k = rng.choice(grouped)
    here, nxt = (re.sub(r"^（[一二三四五六七八九十]）", "", rows[j].zh)[:6] for j in (k, k + 1))
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if T.PARTS[2].zh in ln)
    at = next(i for i in range(start, len(lines)) if here in lines[i])
    cut = next(i for i in range(at + 1, len(lines)) if nxt in lines[i])
    for row in rows[k + 1 :]:
        for a in T.APPLICANT_CODES:
            cells["applications"][f"{row.code}|{a}"] = "missing"
    for key in cells["appeals"]:
        cells["appeals"][key] = "missing"
    return "\n".join(lines[:cut]) + "\n"


def _choose(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def generate(n: int, out: Path, seed: int = 0) -> list[dict[str, Any]]:
    """Write n reports and .truth.json into ``out``; return the truth entries. (A dot
    file: ``gxparse build`` over the folder skips it instead of counting a failed report.)"""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    layouts = sorted(LAYOUTS)
    truth = []
    for i in range(n):
        template = "2021" if rng.random() < 0.75 else "2019"
        layout = layouts[i % len(layouts)]
        numbering = rng.choice(NUMBERING_STYLES)
        spec = random_spec(rng, template)
        _heavy_tail(rng, spec)
        faults = [f for f, p in FAULT_RATES.items() if rng.random() < p]
        if "blanks" in faults:
            _blank(rng, spec)
        if "identity_break" in faults:
            _break_identity(rng, spec)
        text = render(spec, layout, numbering, rng=random.Random(rng.random()))
        cells: dict[str, dict[str, Any]] = _cells(spec)
        if "cut_off" in faults:
            text = _cut_off(rng, spec, text, cells)
        if "perturbed" in faults:
            kinds = [k for k in PERTURBATIONS + NUMBER_FORMATS if rng.random() < 0.5] or ["spaces"]
            text = perturb(text, random.Random(rng.random()), kinds)
            faults[faults.index("perturbed")] = "perturbed:" + "+".join(kinds)
        encoding = _choose(rng, ENCODINGS)
        report_id = f"{i:06d}_{layout}_{template}"
        (out / f"{report_id}.txt").write_bytes(text.encode(encoding))
        truth.append(
            {
                "report_id": report_id,
                "file": f"{report_id}.txt",
                "layout": layout,
                "numbering": numbering,
                "template": template,
                "year": spec.year,
                "agency": spec.agency,
                "encoding": encoding,
                "faults": faults,
                "cells": cells,
            }
        )
    (out / TRUTH).write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


TRUTH = ".truth.json"


def read_truth(folder: Path) -> list[dict[str, Any]]:
    """The truth entries of a generated folder (``truth.json`` in folders made before
    the file became a dot file)."""
    path = folder / TRUTH if (folder / TRUTH).exists() else folder / "truth.json"
    return json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="number of reports (default 1000)")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    truth = generate(args.n, args.out, args.seed)
    faults: dict[str, int] = {}
    for t in truth:
        for f in t["faults"]:
            faults[f.split(":")[0]] = faults.get(f.split(":")[0], 0) + 1
    print(f"wrote {len(truth)} reports and {TRUTH} to {args.out}; faults: {faults}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
