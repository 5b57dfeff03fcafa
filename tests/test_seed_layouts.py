"""Each seed's tables re-printed in every other layout, clean and perturbed, parse back to
the same values and statuses: the parser is not tuned to the five files."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from gxsynth.from_report import spec_from_tables
from gxsynth.text import LAYOUTS, NUMBERING_STYLES, PERTURBATIONS, perturb

import gxparse
from gxparse.parsing.parse import parse_bytes
from gxparse.parsing.sections import heading_part

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
KEYS = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}


@pytest.fixture(scope="module")
def seeds() -> gxparse.Corpus:
    return gxparse.read_reports(RAW, checks=False)


def _expected(spec, table: str) -> dict:
    out = {}
    for k, v in getattr(spec, table).items():
        out[k] = ("blank", None) if v is None else ("reported", float(Decimal(v.replace(",", ""))))
    return out


def _actual(tables, table: str) -> dict:
    a, b = KEYS[table]
    df = getattr(tables, table)
    return {
        (r[a], r[b]): (r["status"], None if pd.isna(r["value"]) else float(r["value"]))
        for _, r in df.iterrows()
    }


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("perturbed", [False, True], ids=["clean", "perturbed"])
@pytest.mark.parametrize("report_id", sorted(p.stem for p in RAW.glob("*.txt")))
def test_seed_in_other_layouts(seeds, report_id: str, layout: str, perturbed: bool) -> None:
    spec = spec_from_tables(seeds, report_id)
    rng = random.Random(f"{report_id}-{layout}")
    text = LAYOUTS[layout](spec, rng.choice(NUMBERING_STYLES))
    if perturbed:
        text = perturb(text, rng, PERTURBATIONS)
    encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
    got = parse_bytes(text.encode(encoding), f"{report_id}.txt")
    # A cell the seed lost is not in the spec: it may come back blank or missing, never a number.
    assert got.reports["parse_status"].iloc[0] in ("ok", "partial")
    assert got.reports["n_unplaced"].iloc[0] == 0
    for table in KEYS:
        expected, actual = _expected(spec, table), _actual(got, table)
        wrong = {k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v}
        extra = {
            k: v
            for k, v in actual.items()
            if k not in expected and v[0] not in ("blank", "missing")
        }
        assert not extra, (
            f"{report_id} as {layout}: cells the seed does not print came back {extra}"
        )
        assert not wrong, f"{report_id} as {layout}: (expected, actual) {wrong}"
    assert got.reports["agency"].iloc[0] == spec.agency
    assert got.reports["year"].iloc[0] == spec.year
    assert got.reports["template"].iloc[0] == spec.template


def _names_part(line: str, code: str) -> bool:
    part = heading_part(line.strip("\t |"))
    return part is not None and part.code == code


@pytest.mark.parametrize(
    "lost", [("applications",), ("active_disclosure",), ("active_disclosure", "applications")]
)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("report_id", sorted(p.stem for p in RAW.glob("*.txt")))
def test_a_lost_table_heading_keeps_its_table(
    seeds, report_id: str, layout: str, lost: tuple[str, ...]
) -> None:
    """Part 二's or 三's heading line dropped (a cut extraction): its tables are found by
    their headers or first rows in the part before, read in full, and the report says so."""
    spec = spec_from_tables(seeds, report_id)
    rng = random.Random(f"{report_id}-{layout}-lost-heading")
    lines = LAYOUTS[layout](spec, rng.choice(NUMBERING_STYLES)).split("\n")
    kept = [line for line in lines if not any(_names_part(line, code) for code in lost)]
    assert len(kept) == len(lines) - len(lost)
    got = parse_bytes("\n".join(kept).encode(), f"{report_id}.txt")
    for table in KEYS:
        expected, actual = _expected(spec, table), _actual(got, table)
        assert {k: actual.get(k) for k in expected} == expected, f"{report_id} as {layout}"
        assert {v[0] for k, v in actual.items() if k not in expected} <= {"blank", "missing"}
    report = got.reports.iloc[0]
    assert report["parse_status"] == "partial"
    assert report["notes"].count("heading not in its place; table read from line") == len(lost)
    assert report["n_unplaced"] == 0


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("report_id", sorted(p.stem for p in RAW.glob("*.txt")))
def test_part_three_printed_after_part_four_is_read(seeds, report_id: str, layout: str) -> None:
    spec = spec_from_tables(seeds, report_id)
    rng = random.Random(f"{report_id}-{layout}-out-of-order")
    lines = LAYOUTS[layout](spec, rng.choice(NUMBERING_STYLES)).split("\n")
    three, four, five = (
        next(i for i, line in enumerate(lines) if _names_part(line, code))
        for code in ("applications", "appeals", "problems")
    )
    moved = lines[:three] + lines[four:five] + lines[three:four] + lines[five:]
    got = parse_bytes("\n".join(moved).encode(), f"{report_id}.txt")
    for table in KEYS:
        expected, actual = _expected(spec, table), _actual(got, table)
        assert {k: actual.get(k) for k in expected} == expected, f"{report_id} as {layout}"
    assert got.reports["n_unplaced"].iloc[0] == 0
