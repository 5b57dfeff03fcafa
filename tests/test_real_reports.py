"""Real published reports against hand-transcribed ground truth.

The reports themselves stay outside the project, in ``../shared/real-reports/`` beside
the checkout; every test here skips when that folder (or one report) is absent. The
expected values live in ``tests/truth/<report_id>.json`` (see ``tests/truth/README.md``).

Per cell the parse must give the expected status, and a reported cell the true value
exactly. For crawler text whose table rows are glued into one digit run (h05, h06) the
expected status is the cell's ``parse_expect``: ``missing`` where the run no longer says
where one cell ends. There a ``derived`` cell (forced by the template's identities, as the
data contract allows) is accepted too, but only with the true value.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import gxparse

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real-reports"
TRUTH_DIR = Path(__file__).resolve().parent / "truth"
TRUTH_FILES = sorted(TRUTH_DIR.glob("*.json"))
STEMS = [p.stem for p in TRUTH_FILES]

# table attribute -> (truth key, the two key columns that name a cell)
TABLES = {
    "disclosure": ("disclosure", ("item", "measure")),
    "applications": ("applications", ("row", "applicant")),
    "appeals": ("appeals", ("proceeding", "result")),
}
# A 2021-form report that prints （六）其他处理 undivided: the printed row is kept in the
# truth as "other_undivided"; the contract's code for an undivided 其他处理 row is "other".
EXTRA_ROW_CODES = {"other": "other_undivided"}

pytestmark = pytest.mark.slow


def truth(stem: str) -> dict[str, Any]:
    return json.loads((TRUTH_DIR / f"{stem}.json").read_text(encoding="utf-8"))


def source_path(stem: str) -> Path:
    if not REAL_DIR.is_dir():
        pytest.skip(f"real reports not available: {REAL_DIR}")
    path = REAL_DIR / truth(stem)["file"]
    if not path.is_file():
        pytest.skip(f"real report not available: {path}")
    return path


@cache
def _parse(path: str) -> Any:
    return gxparse.read_report(path)


def parsed(stem: str) -> Any:
    return _parse(str(source_path(stem)))


def is_na(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def text_of(value: Any) -> str | None:
    """A field as text, None where NA (pandas NA cannot be compared with ==)."""
    return None if is_na(value) else str(value)


def same_value(actual: Any, expected: Any) -> bool:
    if is_na(actual) or expected is None:
        return False
    try:
        return float(actual) == float(expected)
    except (TypeError, ValueError):
        return False


def expected_status(cell: dict[str, Any]) -> str:
    return cell.get("parse_expect", cell["status"])


def describe(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "absent"
    parts = []
    for _, r in rows.iterrows():
        parts.append(f"status={r.get('status')!s} value={r.get('value')!s} raw={r.get('raw')!r}")
    return " | ".join(parts)


def cell_index(df: pd.DataFrame, keys: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Parsed rows grouped by "<key1>.<key2>"."""
    if df is None or df.empty:
        return {}
    names = df[keys[0]].astype(str) + "." + df[keys[1]].astype(str)
    return {name: group for name, group in df.groupby(names, sort=False)}


def compare_table(stem: str, attr: str) -> list[str]:
    """Every truth cell against the parse; one message per disagreeing cell."""
    key, cols = TABLES[attr]
    doc = truth(stem)
    got = cell_index(getattr(parsed(stem), attr), cols)
    problems = []
    for name, cell in doc[key].items():
        rows = got.get(name, pd.DataFrame())
        want = expected_status(cell)
        head = f"{attr} {name}: expected status={want}"
        if want == "reported":
            head += f" value={cell['value']}"
        if len(rows) != 1:
            problems.append(f"{head}; got {len(rows)} rows: {describe(rows)}")
            continue
        status, value = text_of(rows.iloc[0]["status"]), rows.iloc[0]["value"]
        if want == "reported":
            ok = status == "reported" and same_value(value, cell["value"])
        elif want == "missing" and status == "derived":
            # forced by the identities: acceptable only when it is the true value
            ok = cell["value"] is not None and same_value(value, cell["value"])
        else:
            ok = status == want and is_na(value)
        if not ok:
            problems.append(f"{head}; got {describe(rows)}")
    return problems


def fail_if(problems: list[str], stem: str, what: str) -> None:
    if problems:
        pytest.fail(
            f"{stem}: {len(problems)} {what} disagree with tests/truth/{stem}.json\n"
            + "\n".join(problems),
            pytrace=False,
        )


@pytest.mark.parametrize("stem", STEMS)
def test_report_metadata(stem: str) -> None:
    doc = truth(stem)
    reports = parsed(stem).reports
    assert len(reports) == 1, f"{stem}: expected one reports row, got {len(reports)}"
    row = reports.iloc[0]
    problems = []
    if text_of(row["report_id"]) != stem:
        problems.append(f"report_id: expected {stem!r}, got {row['report_id']!r}")
    if is_na(row["year"]) or int(row["year"]) != doc["year"]:
        problems.append(f"year: expected {doc['year']}, got {row['year']!r}")
    if text_of(row["template"]) != doc["template"]:
        problems.append(f"template: expected {doc['template']!r}, got {row['template']!r}")
    agency = row["agency"]
    if doc.get("agency_in_title", True):
        if is_na(agency) or "".join(str(agency).split()) != doc["agency"]:
            problems.append(f"agency: expected {doc['agency']!r}, got {agency!r}")
    elif not is_na(agency) and "".join(str(agency).split()) != doc["agency"]:
        # no title printed: NA is honest, but a name must be the right one
        problems.append(f"agency: expected NA or {doc['agency']!r}, got {agency!r}")
    fail_if(problems, stem, "report fields")


@pytest.mark.parametrize("stem", STEMS)
def test_disclosure_cells(stem: str) -> None:
    fail_if(compare_table(stem, "disclosure"), stem, "part 二 cells")


@pytest.mark.parametrize("stem", STEMS)
def test_application_cells(stem: str) -> None:
    fail_if(compare_table(stem, "applications"), stem, "part 三 cells")


@pytest.mark.parametrize("stem", STEMS)
def test_appeal_cells(stem: str) -> None:
    fail_if(compare_table(stem, "appeals"), stem, "part 四 cells")


@pytest.mark.parametrize("stem", STEMS)
def test_no_cell_reported_with_a_wrong_value(stem: str) -> None:
    """The strongest guarantee: whatever the parser states as a number is the true number.

    Covers cells the truth does not list too (a row the template version lacks) and cells
    whose true value nobody can know from the text (those must not be stated at all).
    """
    doc = truth(stem)
    report = parsed(stem)
    extra = doc.get("applications_extra", {})
    problems = []
    for attr, (key, cols) in TABLES.items():
        df = getattr(report, attr)
        if df is None or df.empty:
            continue
        stated = df[df["status"].isin(["reported", "derived"])]
        for _, r in stated.iterrows():
            name = f"{r[cols[0]]}.{r[cols[1]]}"
            cell = doc[key].get(name)
            if cell is None and attr == "applications" and r[cols[0]] in EXTRA_ROW_CODES:
                cell = extra.get(f"{EXTRA_ROW_CODES[r[cols[0]]]}.{r[cols[1]]}")
            got = f"status={r['status']} value={r['value']!s} raw={r.get('raw')!r}"
            if cell is None:
                problems.append(f"{attr} {name}: not a cell of this report; got {got}")
            elif cell["value"] is None:
                problems.append(f"{attr} {name}: true value not printed/knowable; got {got}")
            elif not same_value(r["value"], cell["value"]):
                problems.append(f"{attr} {name}: true value {cell['value']}; got {got}")
    fail_if(problems, stem, "stated numbers")


@pytest.mark.parametrize("stem", STEMS)
def test_narrative_figures(stem: str) -> None:
    doc = truth(stem)
    narrative = parsed(stem).narrative
    problems = []
    for metric, value in doc["narrative"].items():
        if value is None:
            continue
        rows = narrative[narrative["metric"] == metric] if not narrative.empty else narrative
        hits = rows[[same_value(v, value) for v in rows["value"]]] if not rows.empty else rows
        if hits.empty:
            found = list(rows["value"]) if not rows.empty else "absent"
            problems.append(f"narrative {metric}: expected {value}, got {found}")
            continue
        approximate = doc.get("narrative_detail", {}).get(metric, {}).get("approximate")
        if approximate is not None and not any(bool(a) == approximate for a in hits["approximate"]):
            problems.append(
                f"narrative {metric}: expected approximate={approximate}, "
                f"got {list(hits['approximate'])}"
            )
    fail_if(problems, stem, "prose figures")
