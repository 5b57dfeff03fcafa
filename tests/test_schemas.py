"""Schemas of the seven tables: a valid corpus passes; each kind of contract breach fails
with a message naming the table and column."""

from __future__ import annotations

import pandas as pd
import pytest
from test_checks import frames, report, seed_corpus_tables

from gxparse import schemas as S
from gxparse.analysis import checks as C


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    t = frames(
        report(app={("other_other", "total"): None}),
        report("r2", template="2019", agency="乙镇人民政府"),
        report("r3", parse_status="failed", with_tables=False),
    )
    t["narrative"] = pd.DataFrame(
        {
            "report_id": ["r1"],
            "metric": ["active_disclosure_total"],
            "value": [130.0],
            "approximate": [True],
            "quote": ["全年累计主动公开政府信息130余条"],
        }
    )
    t["findings"] = C.run_checks(t)
    return t


def test_valid_tables_pass(tables):
    S.validate(tables)


def test_every_table_has_a_schema():
    assert set(S.SCHEMAS) == set(C.TABLE_COLUMNS)


def _set(t: dict[str, pd.DataFrame], table: str, col: str, value, row: int = 0) -> None:
    df = t[table]
    if col == "value" and table in ("applications", "appeals"):
        df[col] = df[col].astype(object)
    df.loc[row, col] = value


@pytest.mark.parametrize(
    ("table", "col", "value", "message"),
    [
        pytest.param("applications", "row", "bogus", "applications.row", id="unknown-row"),
        pytest.param("applications", "applicant", "人", "applications.applicant", id="unknown-applicant"),
        pytest.param("appeals", "result", "won", "appeals.result", id="unknown-result"),
        pytest.param("disclosure", "item", "taxes", "disclosure.item", id="unknown-item"),
        pytest.param("disclosure", "measure", "fee_amount", "item/measure pair", id="pair-not-in-any-layout"),
        pytest.param("applications", "status", "guessed", "applications.status", id="unknown-status"),
        pytest.param("applications", "status", "blank", "status/value", id="blank-with-a-value"),
        pytest.param("applications", "value", pd.NA, "status/value", id="reported-without-value"),
        pytest.param("reports", "template", "2020", "reports.template", id="unknown-template"),
        pytest.param("reports", "parse_status", "meh", "reports.parse_status", id="parse-status"),
        pytest.param("reports", "level", "village", "reports.level", id="unknown-level"),
        pytest.param("sections", "section", "preface", "sections.section", id="unknown-section"),
        pytest.param("findings", "severity", "fatal", "findings.severity", id="severity"),
        pytest.param("findings", "check", "made_up", "findings.check", id="check-not-in-catalog"),
    ],
)  # fmt: skip
def test_breaches_fail(tables, table, col, value, message):
    _set(tables, table, col, value)
    with pytest.raises(S.TableSchemaError, match=message.replace(".", r"\.")) as e:
        S.validate(tables)
    assert table in str(e.value)


def test_integer_dtype_required_for_part_3(tables):
    tables["applications"]["value"] = tables["applications"]["value"].astype("Float64")
    with pytest.raises(S.TableSchemaError, match=r"applications\.value: integer dtype"):
        S.validate(tables)


def test_duplicate_cell_fails(tables):
    a = tables["applications"]
    tables["applications"] = pd.concat([a, a.iloc[[0]]], ignore_index=True)
    with pytest.raises(S.TableSchemaError, match="duplicate report_id/row/applicant"):
        S.validate(tables)


def test_corrected_cells_pass(tables):
    _set(tables, "applications", "status", "corrected")
    tables["applications"]["correction_reason"] = pd.Series(
        ["原件核对"] + [None] * (len(tables["applications"]) - 1), dtype="string"
    )
    S.validate(tables)


def test_error_only_on_failed_reports(tables):
    _set(tables, "reports", "error", "boom")
    with pytest.raises(S.TableSchemaError, match="error set on a report that did not fail"):
        S.validate(tables)


def test_csv_round_trip_still_validates(tables, tmp_path):
    # Dates come back as ISO strings, all-NA columns as floats: still the contract.
    p = tmp_path / "reports.csv"
    tables["reports"].to_csv(p, index=False, encoding="utf-8-sig")
    back = pd.read_csv(p, encoding="utf-8-sig", dtype={"template": str})
    back["year"] = back["year"].astype("Int64")
    back["n_unplaced"] = back["n_unplaced"].astype("Int64")
    S.validate({"reports": back})


def test_seed_tables_validate(seed_tables):
    S.validate(seed_tables)


@pytest.fixture
def seed_tables() -> dict[str, pd.DataFrame]:
    return seed_corpus_tables()
