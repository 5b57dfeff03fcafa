"""Fuzz the text parser: N damaged reports, and how many numbers it got wrong.

Each report is either a seed from ``data/raw`` (truth: the seed parsed undamaged, which
tests/test_seeds.py checks cell by cell) or a synthetic :class:`gxsynth.ReportSpec`
rendered in a random text layout and numbering (truth: the spec). The text is then
damaged: the perturbations of :func:`gxsynth.perturb` (spaces inside cells, line
breaks inside labels, full-width digits, junk lines between rows, CRLF), the layout-only
transformations of :mod:`gxsynth.transforms` (blank lines between lines, indentation,
Unicode spaces, page chrome, the whole report on one line, tabs as spaces, …) and, for
some reports, a few dropped lines. A third of the synthetic reports also print some numbers in
the odd forms seen in the wild (thousands separators, units 件/万元, full-width digits,
零/〇): damage ``odd_numbers``; the truth is the plain number.

Prints, overall and per source / layout / damage:

* crashes: ``parse_bytes`` raised (target 0);
* wrong: cells ``reported`` with a number that differs from the truth, or reported where the
  truth has no number (target 0);
* missing: share of the truth's reported cells that are not reported (dropped to
  ``missing``, or ``derived``); allowed, but the smaller the better.

    .venv/bin/python benchmarks/fuzz.py [--n 2000] [--seed 0] [--examples 5]

It prints numbers and never asserts. An example of each failure is printed with the
arguments that regenerate it (``--replay SEED:INDEX`` writes the damaged text to stdout).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # gxsynth

from gxsynth import LAYOUTS, NUMBERING_STYLES, PERTURBATIONS, perturb, random_spec, render
from gxsynth.compare import CELL_KEYS, Cells, spec_cells, table_cells
from gxsynth.transforms import TRANSFORMS, combine

from gxparse.parsing.parse import parse_bytes

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@dataclass
class Sample:
    """One damaged report and the truth it must not contradict."""

    source: str  # "seed:<id>" or "synth:<template>"
    layout: str
    kinds: tuple[str, ...]
    dropped: int
    separator: bool  # a dropped line was a cell-per-line row separator
    text: str
    truth: Cells
    tags: list[str] = field(default_factory=list)


_SEEDS: list[tuple[str, str, Cells]] = []


def seeds() -> list[tuple[str, str, Cells]]:
    """(report_id, text, truth) of every seed, parsed once."""
    if not _SEEDS:
        for p in sorted(RAW.glob("*.txt")):
            data = p.read_bytes()
            _SEEDS.append(
                (p.stem, data.decode("utf-8-sig"), table_cells(parse_bytes(data, p.name)))
            )
    return _SEEDS


def is_row_separator(lines: list[str], i: int) -> bool:
    """The blank line that ends a cell-per-line row, between two such rows (dropping it
    merges the two rows; see tests/test_properties.py)."""
    return (
        not lines[i].strip()
        and 0 < i < len(lines) - 1
        and lines[i - 1].startswith("\t")
        and lines[i + 1].startswith("\t")
    )


def drop_lines(text: str, rng: random.Random, n: int) -> tuple[str, bool]:
    """Drop ``n`` random lines; also say whether one of them was a row separator."""
    lines = text.split("\n")
    separator = False
    for _ in range(min(n, max(0, len(lines) - 1))):
        i = rng.randrange(len(lines))
        separator = separator or is_row_separator(lines, i)
        del lines[i]
    return "\n".join(lines), separator


_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def odd_form(printed: str, rng: random.Random) -> str:
    """The same number printed as reports print it: thousands separators, a unit,
    full-width digits, a Chinese zero."""
    forms = [f"{printed}件", printed.translate(_FULLWIDTH), f"{printed} 件"]
    if "." not in printed:
        forms.append(f"{int(printed):,}")
        forms.append(f"{int(printed):,}".replace(",", "，"))
    else:
        forms.append(f"{printed}万元")
    if printed == "0":
        forms += ["零", "〇"]
    return rng.choice(forms)


def odd_forms(spec, rng: random.Random) -> bool:
    """In a third of the specs, print 5% of the cells in an odd form; say whether any was."""
    if rng.random() > 0.33:
        return False
    changed = False
    for table in CELL_KEYS:
        printed = getattr(spec, table)
        for key, value in printed.items():
            if value is not None and rng.random() < 0.05:
                printed[key] = odd_form(value, rng)
                changed = True
    return changed


def make_sample(seed: int, index: int) -> Sample:
    """The ``index``-th sample of a run with ``seed`` (deterministic)."""
    rng = random.Random(f"{seed}:{index}")
    odd = False
    if rng.random() < 0.25:
        rid, text, truth = rng.choice(seeds())
        source, layout = f"seed:{rid}", "seed"
    else:
        template = rng.choice(("2021", "2021", "2019"))
        spec = random_spec(rng, template)
        if rng.random() < 0.2:  # some empty cells, printed as the layout prints them
            for table in CELL_KEYS:
                cells_ = getattr(spec, table)
                for k in cells_:
                    if rng.random() < 0.1:
                        cells_[k] = None
        layout = rng.choice(sorted(LAYOUTS))
        truth = spec_cells(spec)
        # Own generator, so the samples stay the same with or without odd forms.
        odd = odd_forms(spec, random.Random(f"{seed}:{index}:odd"))
        text = render(spec, layout, rng.choice(NUMBERING_STYLES), rng=random.Random(rng.random()))
        source = f"synth:{template}"
    kinds = tuple(k for k in PERTURBATIONS if rng.random() < 0.5)
    text = perturb(text, rng, kinds)
    # Layout-only transformations of real pages (blank lines between cells, indentation,
    # chrome, one crawler line, …), on their own generator so the samples stay comparable.
    layout_rng = random.Random(f"{seed}:{index}:layout")
    changes = tuple(n for n in TRANSFORMS if layout_rng.random() < 0.12)
    text = combine(text, changes, layout_rng)
    kinds = (*kinds, *changes)
    if odd:
        kinds = (*kinds, "odd_numbers")
    dropped = rng.choice((0, 0, 0, 1, 2, 5))
    separator = False
    if dropped:
        text, separator = drop_lines(text, rng, dropped)
    return Sample(source, layout, kinds, dropped, separator, text, truth)


@dataclass
class Tally:
    reports: int = 0
    crashes: int = 0
    wrong: int = 0  # wrong cells
    extra: int = 0  # of which: cells the truth does not have (another row's or group's numbers)
    wrong_reports: int = 0
    truth_reported: int = 0
    not_reported: int = 0

    def add(self, other: Tally) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def row(self) -> str:
        share = self.not_reported / self.truth_reported if self.truth_reported else 0.0
        return (
            f"{self.reports:6d} {self.crashes:8d} {self.wrong:7d} {self.wrong_reports:9d}"
            f" {share:9.2%}"
        )


HEADER = f"{'':28s} {'files':>6s} {'crashes':>8s} {'wrong':>7s} {'wrong_rep':>9s} {'missing':>9s}"


def run_one(sample: Sample) -> tuple[Tally, str | None, list[str]]:
    t = Tally(reports=1)
    try:
        got = table_cells(parse_bytes(sample.text.encode("utf-8"), "fuzz.txt"))
    except Exception:  # the point of the script: count every crash
        t.crashes = 1
        return t, traceback.format_exc(limit=3), []
    wrong = []
    for key, (st, value) in got.items():
        want = sample.truth.get(key)
        if st == "reported" and (want is None or want != ("reported", value)):
            wrong.append(f"{'.'.join(key)}: got {value}, truth {want}")
    for key, (st, _) in sample.truth.items():
        if st == "reported":
            t.truth_reported += 1
            if got.get(key, ("missing", None))[0] != "reported":
                t.not_reported += 1
    t.wrong = len(wrong)
    t.extra = sum(sample.truth.get(k) is None for k, (st, _) in got.items() if st == "reported")
    t.wrong_reports = int(bool(wrong))
    return t, None, wrong


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="number of fuzzed reports")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--examples", type=int, default=5, help="failures to print in detail")
    ap.add_argument("--replay", help="SEED:INDEX: print that sample's damaged text and exit")
    args = ap.parse_args(argv)
    if args.replay:
        s, i = args.replay.split(":")
        sys.stdout.write(make_sample(int(s), int(i)).text)
        return 0

    start = time.perf_counter()
    total = Tally()
    groups: dict[str, Tally] = defaultdict(Tally)
    examples: list[str] = []
    kinds_seen: Counter[str] = Counter()
    known = Tally()  # reports that lost a row separator
    for i in range(args.n):
        sample = make_sample(args.seed, i)
        t, crash, wrong = run_one(sample)
        total.add(t)
        if sample.separator:
            known.add(t)
        keys = [
            sample.source.replace(":", " "),
            f"layout {sample.layout}",
            "dropped: none"
            if not sample.dropped
            else "dropped: a row separator"
            if sample.separator
            else "dropped: other lines",
            *(f"perturb {k}" for k in sample.kinds),
        ]
        kinds_seen.update(sample.kinds)
        for k in keys:
            groups[k].add(t)
        if (crash or wrong) and len(examples) < args.examples:
            what = crash or "\n    ".join(wrong[:6])
            examples.append(
                f"--replay {args.seed}:{i}  {sample.source} layout={sample.layout} "
                f"perturb={','.join(sample.kinds) or '-'} dropped={sample.dropped}"
                f"{' (a row separator)' if sample.separator else ''}\n    {what}"
            )
    elapsed = time.perf_counter() - start

    print(f"gxparse fuzz: {args.n} reports, seed {args.seed}, {elapsed:.1f} s")
    print(HEADER)
    print(f"{'all':28s} {total.row()}")
    for k in sorted(groups):
        print(f"{k:28s} {groups[k].row()}")
    print()
    print(f"crashes: {total.crashes} (target 0)")
    print(
        f"wrong reported numbers: {total.wrong} cells in {total.wrong_reports} reports (target 0)"
    )
    print(
        f"  of which cells the template does not have (e.g. `other` in a 2021 report): {total.extra}"
    )
    print(
        f"  of which in reports that lost a cell-per-line row separator: "
        f"{known.wrong} cells in {known.wrong_reports} reports"
    )
    share = total.not_reported / total.truth_reported if total.truth_reported else 0.0
    print(
        f"cells dropped to missing: {total.not_reported} of {total.truth_reported} "
        f"printed cells ({share:.2%})"
    )
    if examples:
        print("\nexamples (regenerate the text with: benchmarks/fuzz.py --replay SEED:INDEX):")
        for e in examples:
            print(e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
