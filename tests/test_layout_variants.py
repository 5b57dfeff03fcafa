"""The parser is not tuned to five files: random reports (both templates) rendered in every
text layout, with and without perturbations and empty cells, parse to exactly the values
and statuses the spec printed.

Two properties:

- exact (``test_layout_variant``): every printed cell ``reported`` with its value, every
  empty cell ``blank``, no other cell, the template and year right;
- safe (``test_never_a_wrong_number``, hypothesis): whatever the damage, a cell is never
  ``reported``/``derived`` with a number the report does not print, and an empty cell is
  never given a number. Falling back to ``missing`` is allowed there.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest
from gxsynth import (
    LAYOUTS,
    NUMBERING_STYLES,
    PERTURBATIONS,
    ReportSpec,
    perturb,
    random_spec,
    render,
)
from gxsynth.text import NUMBER_FORMATS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gxparse import template as T
from gxparse.parsing.parse import ReportTables, parse_bytes

TEMPLATES = ("2021", "2019")
N_SPECS = 4
Key = tuple[str, str, str]

# variant → (share of empty cells, perturbations)
VARIANTS: dict[str, tuple[float, tuple[str, ...]]] = {
    "clean": (0.0, ()),
    **{kind: (0.0, (kind,)) for kind in PERTURBATIONS},
    "all_perturbations": (0.0, PERTURBATIONS),
    "number_formats": (0.0, NUMBER_FORMATS),
    "blanks": (0.1, ()),
    "blanks_perturbed": (0.1, PERTURBATIONS),
    "blank_markers": (0.1, ()),  # empty cells printed as -, /, 无, — (see BLANK_MARKERS)
}
MARKERS = ("-", "/", "无", "—")

# Parser bugs found by these tests, as (layout, "template-variant" or variant) -> reason;
# each case is marked xfail(strict=True). Strict: when a fix makes a test pass, the marker
# fails, and the entry must go. None is known now.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _known(layout: str, template: str, variant: str) -> str | None:
    """The known parser bug a case runs into, if any (filled from the failures seen)."""
    return KNOWN_BUGS.get((layout, f"{template}-{variant}")) or KNOWN_BUGS.get((layout, variant))


def spec_for(seed: int, template: str, blanks: float) -> ReportSpec:
    rng = random.Random(seed * 7919 + (template == "2019"))
    spec = random_spec(rng, template)
    if blanks:
        for cells in (spec.disclosure, spec.applications, spec.appeals):
            for k in cells:
                if rng.random() < blanks:
                    cells[k] = None
    return spec


def truth(spec: ReportSpec) -> dict[Key, str | None]:
    out: dict[Key, str | None] = {}
    for name, cells in (
        ("disclosure", spec.disclosure),
        ("applications", spec.applications),
        ("appeals", spec.appeals),
    ):
        for (a, b), v in cells.items():
            out[(name, a, b)] = v
    return out


COLUMNS = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}


def parsed(tables: ReportTables) -> dict[Key, tuple[str, float | None]]:
    out: dict[Key, tuple[str, float | None]] = {}
    for name, (a, b) in COLUMNS.items():
        df = getattr(tables, name)
        for ka, kb, status, value in zip(df[a], df[b], df["status"], df["value"], strict=True):
            v = (
                None
                if value is None or value is _NA or (isinstance(value, float) and math.isnan(value))
                else float(value)
            )
            out[(name, ka, kb)] = (status, v)
    return out


try:
    import pandas as pd

    _NA = pd.NA
except ImportError:  # pragma: no cover
    _NA = None


def parse_text(text: str, name: str = "synthetic.txt") -> ReportTables:
    return parse_bytes(text.encode("utf-8"), name)


def exact_mismatches(spec: ReportSpec, tables: ReportTables) -> list[str]:
    """Every difference between what the spec printed and what was parsed."""
    want = truth(spec)
    got = parsed(tables)
    bad = []
    for key, v in want.items():
        expected = ("blank", None) if v is None else ("reported", float(Decimal(v)))
        if got.get(key) != expected:
            bad.append(f"{key}: want {expected}, got {got.get(key)}")
    bad += [f"{key}: not in the template, got {got[key]}" for key in got if key not in want]
    report = tables.reports.iloc[0]
    if report["template"] != spec.template:
        bad.append(f"template: want {spec.template}, got {report['template']}")
    if report["year"] != spec.year:
        bad.append(f"year: want {spec.year}, got {report['year']}")
    return bad


def wrong_numbers(spec: ReportSpec, tables: ReportTables) -> list[str]:
    """Cells given a number the report does not print (the one thing never allowed)."""
    want = truth(spec)
    bad = []
    for key, (status, value) in parsed(tables).items():
        if status not in ("reported", "derived"):
            continue
        if key not in want:
            bad.append(f"{key}: {status} {value} for a cell the template does not have")
        elif want[key] is None:
            bad.append(f"{key}: {status} {value} for an empty cell")
        elif value != float(Decimal(want[key])):
            bad.append(f"{key}: {status} {value}, printed {want[key]}")
    return bad


def _params() -> list:
    out = []
    for layout in sorted(LAYOUTS):
        for template in TEMPLATES:
            for variant in VARIANTS:
                marks = []
                reason = _known(layout, template, variant)
                if reason:
                    marks.append(pytest.mark.xfail(strict=True, reason=reason))
                out.append(
                    pytest.param(
                        layout, template, variant, marks=marks, id=f"{layout}-{template}-{variant}"
                    )
                )
    return out


@pytest.mark.parametrize(("layout", "template", "variant"), _params())
def test_layout_variant(layout: str, template: str, variant: str) -> None:
    blanks, kinds = VARIANTS[variant]
    failures = []
    for seed in range(N_SPECS):
        spec = spec_for(seed, template, blanks)
        numbering = NUMBERING_STYLES[seed % len(NUMBERING_STYLES)]
        marker = MARKERS[seed % len(MARKERS)] if variant == "blank_markers" else ""
        text = render(spec, layout, numbering, rng=random.Random(seed), blank=marker)
        if kinds:
            text = perturb(text, random.Random(seed), kinds)
        bad = exact_mismatches(spec, parse_text(text))
        if bad:
            failures.append(
                f"seed {seed} ({numbering}): {len(bad)} cells, e.g. " + "; ".join(bad[:3])
            )
    assert not failures, "\n".join(failures)


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=st.integers(0, 10**6),
    layout=st.sampled_from(sorted(LAYOUTS)),
    template=st.sampled_from(TEMPLATES),
    numbering=st.sampled_from(NUMBERING_STYLES),
    kinds=st.sets(st.sampled_from(PERTURBATIONS + NUMBER_FORMATS)),
    blanks=st.sampled_from([0.0, 0.05, 0.3]),
)
def test_never_a_wrong_number(
    seed: int, layout: str, template: str, numbering: str, kinds: set[str], blanks: float
) -> None:
    spec = spec_for(seed, template, blanks)
    text = perturb(
        render(spec, layout, numbering, rng=random.Random(seed)), random.Random(seed), sorted(kinds)
    )
    tables = parse_text(text)
    assert tables.reports.iloc[0]["parse_status"] != "failed", tables.reports.iloc[0]["error"]
    assert wrong_numbers(spec, tables) == []


def test_seed_like_rendering_parses_exactly() -> None:
    """A spec with seed 000's numbers, in seed 000's own layout, parses to those numbers."""
    spec = random_spec(random.Random(0), "2021", agency="承留镇人民政府")
    for key in spec.applications:
        spec.applications[key] = "0"
    for code, v in (
        ("received_new", 6),
        ("granted", 5),
        ("unable_not_held", 1),
        ("total_handled", 6),
    ):
        spec.applications[(code, "natural_person")] = str(v)
        spec.applications[(code, "total")] = str(v)
    assert T.APPLICATION_ROW_BY_CODE["received_new"].zh in render(spec, "tab_rows")
    assert exact_mismatches(spec, parse_text(render(spec, "tab_rows"))) == []


def test_no_number_derived_from_a_broken_identity() -> None:
    spec = random_spec(random.Random(7919), "2021")
    cell = ("total_handled", "research_institution")
    spec.applications[cell] = str(int(spec.applications[cell]) + 2)  # printed, and wrong
    text = render(spec, "markdown_broken", "arabic", rng=random.Random(1))
    assert wrong_numbers(spec, parse_text(text)) == []
