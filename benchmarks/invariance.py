"""Metamorphic benchmark: the same reports in other layouts must give the same cells.

Every text report at hand (the seeds in data/raw, the real and wild text reports in
../shared when present, and generated reports) is read clean, then after each layout-only
transformation of :mod:`gxsynth.transforms`, alone and combined. It prints:

* meaning-preserving transformations: the share of files whose every cell (status, value,
  raw after NFKC without whitespace) is unchanged, and the cells that changed (target:
  100% and 0);
* lossy transformations: numbers changed (target 0) and the share of the clean reading's
  `reported` cells still reported (target ≥ 95%).

    .venv/bin/python benchmarks/invariance.py [--generated 40] [--examples 3] [--only NAME]

It prints numbers and never asserts.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # gxsynth

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxsynth import LAYOUTS, NUMBERING_STYLES, random_spec, render  # noqa: E402
from gxsynth.compare import table_readings  # noqa: E402
from gxsynth.transforms import COMBINATIONS, LOSSY, PRESERVING, combine  # noqa: E402

from gxparse.parsing.parse import parse_bytes  # noqa: E402

SHARED = ROOT.parent / "shared"


def corpus(generated: int) -> list[tuple[str, str]]:
    """(name, text) of every text report at hand."""
    out = [
        (p.name, p.read_text(encoding="utf-8-sig"))
        for p in sorted((ROOT / "data/raw").glob("*.txt"))
    ]
    for folder in ("real-reports", "wild-reports"):
        for p in sorted((SHARED / folder).glob("*.txt")):
            out.append((f"{folder}/{p.name}", p.read_text(encoding="utf-8-sig")))
    rng = random.Random(0)
    layouts = sorted(LAYOUTS)
    for i in range(generated):
        spec = random_spec(rng, template=rng.choice(("2019", "2021")))
        layout = layouts[i % len(layouts)]
        out.append(
            (
                f"generated/{i:03d}_{layout}",
                render(spec, layout, numbering=rng.choice(NUMBERING_STYLES)),
            )
        )
    return out


def read(text: str, name: str):
    return table_readings(parse_bytes(text.encode("utf-8"), name.replace("/", "_") + ".txt"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generated", type=int, default=40)
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--only", default=None, help="one transformation (or a+b+c) only")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    files = corpus(args.generated)
    clean = {name: read(text, name) for name, text in files}
    runs: list[tuple[str, tuple[str, ...], bool]] = [(n, (n,), True) for n in PRESERVING]
    runs += [("+".join(c), c, True) for c in COMBINATIONS]
    runs += [(n, (n,), False) for n in LOSSY]
    if args.only:
        runs = [r for r in runs if r[0] == args.only] or [
            (
                args.only,
                tuple(args.only.split("+")),
                all(n in PRESERVING for n in args.only.split("+")),
            )
        ]
    print(f"{len(files)} files ({sum(1 for n, _ in files if n.startswith('generated'))} generated)")
    print(
        f"{'transformation':<62} {'kind':<9} {'files same':>10} {'cells changed':>13} {'numbers changed':>15} {'reported kept':>13}"
    )
    total_pres = [0, 0]
    lossy_kept = Counter()
    for label, names, preserving in runs:
        same = changed = numbers = kept = base = 0
        shown = 0
        for i, (name, text) in enumerate(files):
            rng = random.Random(f"{label}:{i}")
            try:
                got = read(combine(text, names, rng), name)
            except Exception as exc:  # a crash is a change of every cell
                got = {}
                if shown < args.examples:
                    print(f"  crash {label} {name}: {exc!r}")
                    shown += 1
            ref = clean[name]
            diff = [k for k in ref if got.get(k) != ref[k]]
            # A number changed: a cell reported with another number than the clean
            # reading's (a cell turned missing, or derived by the identities, is not).
            num = [
                k
                for k in ref
                if k in got
                and got[k][0] == "reported"
                and ref[k][0] in ("reported", "blank", "derived")
                and got[k][1] != ref[k][1]
            ]
            rep = [k for k in ref if ref[k][0] == "reported"]
            base += len(rep)
            kept += sum(
                1 for k in rep if got.get(k, ("",))[0] == "reported" and got[k][1] == ref[k][1]
            )
            same += not diff
            changed += len(diff)
            numbers += len(num)
            for k in (diff if preserving else num)[:1]:
                if shown < args.examples:
                    print(f"  {label} {name} {k}: {ref[k]} -> {got.get(k)}")
                    shown += 1
        share = kept / base if base else 1.0
        print(
            f"{label:<62} {'keeps' if preserving else 'lossy':<9} {same:>4}/{len(files):<5} {changed:>13} {numbers:>15} {share:>12.1%}"
        )
        if preserving:
            total_pres[0] += same
            total_pres[1] += len(files)
        else:
            lossy_kept[label] = share
    print(f"elapsed {time.perf_counter() - t0:.0f} s")
    worst = min(lossy_kept.values()) if lossy_kept else 1.0
    print(
        f"meaning-preserving: {total_pres[0]}/{total_pres[1]} file readings unchanged "
        f"({total_pres[0] / max(total_pres[1], 1):.1%}); lossy: worst reported kept {worst:.1%}"
    )


if __name__ == "__main__":
    main()
