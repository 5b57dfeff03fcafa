"""Analyst decisions: corrections applied to cells before the checks, reviews applied to
findings after them, and malformed lines reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_checks import seed_corpus_tables

from gxparse.analysis import checks as C
from gxparse.analysis import review as R

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def cells() -> dict[str, pd.DataFrame]:
    """Part 三 of one tiny report (rows 一, 二, （七）, 四): 自然人 received 7 (as printed),
    handled 6, none carried: the balance breaks by 1."""
    rows = ["received_new", "carried_over", "total_handled", "carried_forward"]
    values = {"received_new": 7, "carried_over": 0, "total_handled": 6, "carried_forward": 0}
    recs = [
        {
            "report_id": "r1",
            "row": r,
            "applicant": a,
            "value": values[r],
            "status": "reported",
            "raw": str(values[r]),
            "source": f"line {10 + i}",
        }
        for i, r in enumerate(rows)
        for a in ("natural_person", "total")
    ]
    apps = pd.DataFrame(recs).astype({"value": "Int64"})
    reports = pd.DataFrame(
        {"report_id": ["r1"], "agency": ["甲镇人民政府"], "year": [2023], "template": ["2021"]}
    )
    return {"applications": apps, "reports": reports}


# ---------------------------------------------------------------------------------------
# Shipped templates
# ---------------------------------------------------------------------------------------
def test_shipped_files_are_empty_templates():
    assert (REPO / "data/reviews.csv").read_text(encoding="utf-8").strip() == ",".join(
        R.REVIEW_COLUMNS
    )
    assert (REPO / "data/corrections.csv").read_text(encoding="utf-8").strip() == ",".join(
        R.CORRECTION_COLUMNS
    )
    assert R.load_reviews(REPO / "data/reviews.csv").empty
    assert R.load_corrections(REPO / "data/corrections.csv").empty


def test_absent_file_reads_as_empty(tmp_path):
    assert R.load_reviews(tmp_path / "nope.csv").empty


# ---------------------------------------------------------------------------------------
# Corrections
# ---------------------------------------------------------------------------------------
def test_correction_replaces_value_keeps_raw_and_reason(tmp_path):
    p = write(
        tmp_path,
        "corrections.csv",
        "report_id,table,row,col,value,reason\n"
        "r1,applications,received_new,natural_person,6,原件核对：应为6\n"
        "r1,applications,received_new,total,6,原件核对：应为6\n"
        "other,applications,received_new,total,1,不在本次语料中\n",
    )
    corr = R.load_corrections(p)
    assert corr["line"].tolist() == [2, 3, 4]
    t = cells()
    out = R.apply_corrections(t, corr)
    a = out["applications"]
    fixed = a[a["row"] == "received_new"]
    assert fixed["value"].tolist() == [6, 6]
    assert fixed["status"].tolist() == ["corrected", "corrected"]
    assert fixed["raw"].tolist() == ["7", "7"]
    assert fixed["correction_reason"].tolist() == ["原件核对：应为6"] * 2
    assert a.loc[a["row"] == "total_handled", "correction_reason"].isna().all()
    assert str(a["value"].dtype) == "Int64"
    # input untouched (the copy is shallow: copy-on-write must keep it so)
    assert t["applications"]["value"].tolist() == [7, 7, 0, 0, 6, 6, 0, 0]
    assert set(t["applications"]["status"]) == {"reported"}
    assert "correction_reason" not in t["applications"].columns


def test_corrections_run_before_checks(tmp_path):
    t = cells()
    assert not C.run_checks(t, C.CheckConfig(enabled=frozenset({"identity_balance"}))).empty
    p = write(
        tmp_path,
        "c.csv",
        "report_id,table,row,col,value,reason\n"
        "r1,applications,received_new,natural_person,6,x\n"
        "r1,applications,received_new,total,6,x\n",
    )
    out = R.apply_corrections(t, R.load_corrections(p))
    f = C.run_checks(out, C.CheckConfig(enabled=frozenset({"identity_balance"})))
    assert f.empty


def test_correction_of_an_absent_cell_adds_it(tmp_path):
    p = write(
        tmp_path,
        "c.csv",
        "report_id,table,row,col,value,reason\nr1,applications,denied_state_secret,total,1,补录\n",
    )
    a = R.apply_corrections(cells(), R.load_corrections(p))["applications"]
    new = a[a["row"] == "denied_state_secret"]
    assert new["value"].tolist() == [1] and new["status"].tolist() == ["corrected"]
    assert new["source"].tolist() == ["corrections.csv line 2"]


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        pytest.param("r1,applications,received_new,total,6\n", 2, "expected 6 fields", id="short"),
        pytest.param("r1,applications,received_new,total,six,x\n", 2, "not a number", id="nan"),
        pytest.param("r1,applications,received_new,total,1.5,x\n", 2, "whole numbers", id="frac"),
        pytest.param("r1,tables,received_new,total,1,x\n", 2, "table must be", id="table"),
        pytest.param("r1,applications,bogus,total,1,x\n", 2, "unknown applications row", id="row"),
        pytest.param(
            "r1,appeals,review,natural_person,1,x\n", 2, "unknown appeals column", id="col"
        ),
        pytest.param("r1,applications,received_new,total,1,\n", 2, "empty reason", id="reason"),
        pytest.param(
            "r1,applications,received_new,total,1,x\n\nr1,applications,received_new,total,2,y\n",
            4,
            "already corrected on line 2",
            id="duplicate-after-blank-line",
        ),
    ],
)
def test_malformed_corrections_name_file_and_line(tmp_path, body, line, reason):
    p = write(tmp_path, "corrections.csv", "report_id,table,row,col,value,reason\n" + body)
    with pytest.raises(R.AnalystFileError) as e:
        R.load_corrections(p)
    assert e.value.line == line
    assert str(p) in str(e.value) and f"line {line}" in str(e.value) and reason in str(e.value)


def test_bad_header(tmp_path):
    p = write(tmp_path, "reviews.csv", "report_id,check,decision\n")
    with pytest.raises(R.AnalystFileError, match="line 1: header must be"):
        R.load_reviews(p)


def test_multiline_quoted_note_keeps_physical_line_numbers(tmp_path):
    p = write(
        tmp_path,
        "reviews.csv",
        'report_id,check,location,decision,note\nr1,carried_forward,a,confirmed,"两行\n备注"\n'
        "r1,carried_forward,b,maybe,x\n",
    )
    with pytest.raises(R.AnalystFileError) as e:
        R.load_reviews(p)
    assert e.value.line == 4


# ---------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------
def finding(rid: str, check: str, location: str) -> dict:
    return {
        "report_id": rid,
        "check": check,
        "severity": C.CHECK_BY_CODE[check].severity,
        "table": None,
        "row": None,
        "col": None,
        "expected": None,
        "actual": None,
        "message": "…",
        "location": location,
        "source": None,
        "decision": None,
        "note": None,
    }


REPORTS = pd.DataFrame(
    {
        "report_id": ["a2022", "a2023", "a2024", "b2023"],
        "agency": ["甲镇", "甲镇", "甲镇", "乙镇"],
        "year": [2022, 2023, 2024, 2023],
    }
)


def reviews(tmp_path: Path, *lines: str) -> pd.DataFrame:
    body = "".join(line + "\n" for line in lines)
    return R.load_reviews(
        write(tmp_path, "reviews.csv", "report_id,check,location,decision,note\n" + body)
    )


@pytest.mark.parametrize(
    ("lines", "rid", "check", "location", "expected"),
    [
        pytest.param(
            ["a2023,identity_balance,applications:balance:total,confirmed,已核实"],
            "a2023", "identity_balance", "applications:balance:total", ("confirmed", "已核实"),
            id="exact",
        ),
        pytest.param(
            ["a2023,identity_balance,applications:balance:total,confirmed,已核实"],
            "a2024", "identity_balance", "applications:balance:total", (None, None),
            id="identity-decisions-do-not-carry",
        ),
        pytest.param(
            ["a2022,peer_outlier,disclosure:penalty:decisions,dismissed,城管执法划入"],
            "a2024", "peer_outlier", "disclosure:penalty:decisions",
            ("dismissed", "城管执法划入（沿用2022年报告a2022的决定）"),
            id="dismissal-carries-to-later-years-of-the-body",
        ),
        pytest.param(
            ["a2023,peer_outlier,disclosure:penalty:decisions,dismissed,x"],
            "a2022", "peer_outlier", "disclosure:penalty:decisions", (None, None),
            id="never-backwards",
        ),
        pytest.param(
            ["a2023,peer_outlier,disclosure:penalty:decisions,dismissed,x"],
            "b2023", "peer_outlier", "disclosure:penalty:decisions", (None, None),
            id="never-to-another-body",
        ),
        pytest.param(
            [
                "a2022,peer_outlier,disclosure:penalty:decisions,dismissed,old",
                "a2024,peer_outlier,disclosure:penalty:decisions,confirmed,new look",
            ],
            "a2024", "peer_outlier", "disclosure:penalty:decisions", ("confirmed", "new look"),
            id="exact-beats-carried",
        ),
        pytest.param(
            ["*,timeliness,reports:published,dismissed,本省期限为4月底"],
            "b2023", "timeliness", "reports:published", ("dismissed", "本省期限为4月底"),
            id="wildcard-report",
        ),
        pytest.param(
            ["*,copied_text,*,dismissed,模板文字"],
            "b2023", "copied_text", "sections:overview:a2023", ("dismissed", "模板文字"),
            id="wildcard-location",
        ),
    ],
)  # fmt: skip
def test_apply_reviews(tmp_path, lines, rid, check, location, expected):
    f = pd.DataFrame([finding(rid, check, location)])
    out = R.apply_reviews(f, reviews(tmp_path, *lines), REPORTS)
    got = tuple(None if pd.isna(x) else x for x in (out.loc[0, "decision"], out.loc[0, "note"]))
    assert got == expected


def test_unknown_check_or_decision_is_malformed(tmp_path):
    with pytest.raises(R.AnalystFileError, match="line 2: unknown check 'nope'"):
        reviews(tmp_path, "r1,nope,x,dismissed,")
    with pytest.raises(R.AnalystFileError, match="line 3: decision must be one of"):
        reviews(tmp_path, "r1,timeliness,x,dismissed,", "r1,timeliness,x,ignore,")


def test_check_corpus_applies_files_and_keeps_parser_findings(tmp_path):
    corr = write(
        tmp_path,
        "corrections.csv",
        "report_id,table,row,col,value,reason\n"
        "r1,applications,received_new,natural_person,6,原件为6\n",
    )
    rev = write(
        tmp_path,
        "reviews.csv",
        "report_id,check,location,decision,note\n"
        "r1,identity_balance,applications:balance:total,confirmed,报告本身有误\n",
    )
    t = cells()
    t["findings"] = pd.DataFrame(
        [{"report_id": "r1", "check": "unplaced_number", "severity": "warning", "message": "17"}]
    )
    out = R.check_corpus(
        t,
        config=C.CheckConfig(enabled=frozenset({"identity_balance"})),
        corrections_path=corr,
        reviews_path=rev,
    )
    f = out["findings"]
    assert list(zip(f["check"], f["col"].fillna(""), f["decision"].fillna(""), strict=True)) == [
        ("unplaced_number", "", ""),
        ("identity_balance", "total", "confirmed"),
    ]
    assert out["applications"]["status"].tolist()[0] == "corrected"


def test_check_corpus_changes_nothing_when_a_file_is_malformed(tmp_path):
    bad = write(tmp_path, "reviews.csv", "report_id,check,location,decision,note\nr1\n")
    t = cells()
    with pytest.raises(R.AnalystFileError, match="line 2"):
        R.check_corpus(t, corrections_path=None, reviews_path=bad)
    assert t["applications"]["status"].tolist() == ["reported"] * 8


def test_check_corpus_on_the_seeds_with_the_shipped_files(seed_tables):
    out = R.check_corpus(
        seed_tables,
        corrections_path=REPO / "data/corrections.csv",
        reviews_path=REPO / "data/reviews.csv",
    )
    f = out["findings"]
    # 003's unplaced numbers are listed in its one finding, which replaces the parser's
    # per-line findings (one finding per fact).
    assert "unplaced_number" not in set(f["check"])
    assert "prose_breakdown" in set(f["check"])
    assert f["decision"].isna().all()
    summary = f[f["check"] == "unplaced_numbers"]["message"].item()
    assert summary == (
        "洺州镇人民政府2023年报告第二至第四部分有7个数字未能归入任何单元格："
        "第64行“0 0 0 0 0 0 0”（第三部分的行标签“理结”不是模板中的行）。"
    )


def test_dismissal_of_a_seed_finding(seed_tables, tmp_path):
    rev = write(
        tmp_path,
        "reviews.csv",
        "report_id,check,location,decision,note\n"
        "003_31cc482f1e5f2a44,old_template,reports:template,confirmed,已通知该镇\n"
        "*,blank_cells,applications:blank,dismissed,（六）3.其他空白视为0\n",
    )
    f = R.check_corpus(seed_tables, corrections_path=None, reviews_path=rev)["findings"]
    decided = f[f["decision"].notna()]
    assert set(zip(decided["report_id"], decided["check"], decided["decision"], strict=True)) == {
        ("003_31cc482f1e5f2a44", "old_template", "confirmed"),
        ("004_8884def07ca5fc07", "blank_cells", "dismissed"),
    }


@pytest.fixture
def seed_tables() -> dict[str, pd.DataFrame]:
    return seed_corpus_tables()


def test_corrected_cells_lists_every_corrected_cell_with_its_table() -> None:
    import pandas as pd

    from gxparse.analysis.review import corrected_cells

    cells = pd.DataFrame(
        {"report_id": ["a", "a"], "status": ["reported", "corrected"], "value": [1, 2]}
    )
    out = corrected_cells({"applications": cells, "appeals": cells.iloc[:1]})
    assert out[["table", "value"]].values.tolist() == [["applications", 2]]
