"""Compact tables (issue 6): code columns are categoricals with the template's codes as
fixed categories; a report's rows travel as columns; a corpus is reduced as it arrives."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import pandas as pd
import pytest

import gxparse
from gxparse import dtypes as D
from gxparse import template as T
from gxparse.analysis import checks as C
from gxparse.analysis import metrics
from gxparse.batch.corpus import TableBuilder, concat
from gxparse.parsing.parse import COLUMNS, TABLES, ReportTables, failed, parse_file, typed
from gxparse.schemas import TableSchemaError, validate

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
FILES = sorted(RAW.glob("*.txt"))
OLD_TEMPLATE = "003_31cc482f1e5f2a44"  # the one 2019-template seed


@pytest.fixture(scope="module")
def corpus() -> gxparse.Corpus:
    return gxparse.read_reports(RAW)


# ---------------------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------------------
EXPECTED_CATEGORIES = {
    ("reports", "template"): ["2021", "2019"],
    ("reports", "parse_status"): ["ok", "partial", "failed"],
    ("reports", "level"): ["street_office", "township", "department", "county", "city", "province"],
    ("disclosure", "item"): [e.code for e in T.DISCLOSURE_ITEMS],
    ("disclosure", "measure"): [e.code for e in T.DISCLOSURE_MEASURES],
    ("disclosure", "unit"): ["件", "万元", "项", "元"],  # 元: an amount printed in yuan,
    ("disclosure", "status"): ["reported", "blank", "missing", "derived", "corrected"],
    ("applications", "row"): [e.code for e in T.APPLICATION_ROWS],
    ("applications", "applicant"): [
        "natural_person",
        "enterprise",
        "research_institution",
        "public_interest_org",
        "legal_service_org",
        "other_org",
        "total",
    ],
    ("applications", "status"): ["reported", "blank", "missing", "derived", "corrected"],
    ("appeals", "proceeding"): ["review", "litigation_direct", "litigation_after_review"],
    ("appeals", "result"): ["upheld", "corrected", "other", "pending", "total"],
    ("appeals", "status"): ["reported", "blank", "missing", "derived", "corrected"],
    ("narrative", "metric"): [
        "active_disclosure_total",
        "active_disclosure_category",
        "applications_received",
        "applications_handled",
        "applications_all_settled",
        "fees_charged",
        "channel_website",
        "channel_wechat",
        "channel_weibo",
        "channel_app",
        "channel_new_media",
        "channel_bulletin_board",
        "channel_press",
    ],
    ("narrative", "unit"): ["条", "件", "元"],
    ("findings", "check"): [c.code for c in C.CHECKS],
    ("findings", "severity"): ["error", "warning", "info"],
    ("findings", "table"): list(TABLES),
    ("sections", "section"): [
        "overview",
        "active_disclosure",
        "applications",
        "appeals",
        "problems",
        "other",
    ],
}


def test_code_columns_are_categoricals_with_every_template_code_in_order(corpus) -> None:
    declared = {(t, c) for t, cols in D.CATEGORIES.items() for c in cols}
    assert declared == set(EXPECTED_CATEGORIES)
    for (table, col), cats in EXPECTED_CATEGORIES.items():
        dtype = getattr(corpus, table)[col].dtype
        assert isinstance(dtype, pd.CategoricalDtype), (table, col)
        assert dtype.categories.tolist() == cats, (table, col)
        assert not dtype.ordered
    # Codes the seeds never use are categories all the same (every corpus has the same set).
    assert "channel_press" not in set(corpus.narrative["metric"].astype(str))
    assert corpus.applications["row"].cat.categories[0] == "received_new"


def test_other_columns_keep_their_types(corpus) -> None:
    dtypes = {t: {c: str(d) for c, d in getattr(corpus, t).dtypes.items()} for t in TABLES}
    assert dtypes["applications"] == {
        "report_id": "str",
        "row": "category",
        "applicant": "category",
        "value": "Int64",
        "status": "category",
        "raw": "str",
        "source": "str",
        "correction_reason": "string",
    }
    assert dtypes["disclosure"]["value"] == "Float64"
    assert dtypes["narrative"]["approximate"] == "boolean"
    assert dtypes["reports"]["year"] == "Int64"
    assert dtypes["reports"]["published"].startswith("datetime64")
    assert dtypes["findings"]["message"] == "string"


def test_two_corpora_concatenate_keeping_the_categoricals() -> None:
    old = gxparse.read_reports(RAW / f"{OLD_TEMPLATE}.txt")
    new = gxparse.read_reports([f for f in FILES if f.stem != OLD_TEMPLATE])
    assert set(old.reports["template"].astype(str)) == {"2019"}
    assert set(new.reports["template"].astype(str)) == {"2021"}
    for table in TABLES:
        a, b = getattr(old, table), getattr(new, table)
        assert a.dtypes.to_dict() == b.dtypes.to_dict(), table
        both = pd.concat([a, b], ignore_index=True)
        assert both.dtypes.to_dict() == a.dtypes.to_dict(), table
    both = pd.concat([old.applications, new.applications], ignore_index=True)
    assert both["row"].astype(str).value_counts()["other"] == 7  # 2019's undivided （六）
    assert both["row"].isna().sum() == 0


def test_comparisons_sorting_and_groupby_follow_the_codes(corpus) -> None:
    apps = corpus.applications
    assert (apps["status"] == "reported").sum() == (apps["status"].astype(str) == "reported").sum()
    assert (apps["row"] == "no_such_row").sum() == 0  # a code outside the categories: no match
    first = apps[apps["report_id"] == FILES[0].stem].sort_values("row", kind="stable")
    assert first["row"].iloc[0] == "received_new"  # template order, not alphabetical
    assert first["row"].iloc[-1] == "carried_forward"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning about observed=
        counts = apps.groupby(["row", "status"], observed=True).size()
        by_status = apps.groupby("status").size()
    seen = set(apps["status"].astype(str))
    # Observed statuses only (pandas 3's default), in the template's order.
    assert by_status.index.tolist() == [s for s in T.STATUS_CODES if s in seen]
    assert by_status.index.tolist() == ["reported", "blank", "derived"]
    assert int(counts.sum()) == len(apps)


# ---------------------------------------------------------------------------------------
# A value outside the categories
# ---------------------------------------------------------------------------------------
def test_an_unknown_code_is_kept_as_an_extra_category_with_a_warning() -> None:
    dtype = D.category_dtype("applications", "status")
    with pytest.warns(D.UnknownCodeWarning, match=r"applications\.status: 'guessed'"):
        cat = D.categorical(["reported", "guessed", None, "blank"], dtype, "applications.status")
    assert cat.tolist()[:2] == ["reported", "guessed"]
    assert pd.isna(cat[2]) and cat[3] == "blank"
    assert cat.categories.tolist() == [*T.STATUS_CODES, "guessed"]


def test_a_known_code_or_na_raises_no_warning() -> None:
    dtype = D.category_dtype("appeals", "result")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cat = D.categorical(["total", None, float("nan"), pd.NA], dtype)
    assert cat.tolist()[0] == "total"
    assert cat.isna().tolist() == [False, True, True, True]


def test_unknown_codes_in_a_table_reach_the_schema_not_nan(corpus) -> None:
    apps = corpus.applications.astype({"row": object})
    apps.loc[0, "row"] = "brand_new_row"
    with pytest.warns(D.UnknownCodeWarning):
        again = typed("applications", apps)
    assert again.loc[0, "row"] == "brand_new_row"
    assert again["row"].isna().sum() == 0
    with pytest.raises(TableSchemaError, match=r"applications\.row: .*brand_new_row"):
        validate({"applications": again})


def test_frames_with_different_categories_concatenate_without_losing_values() -> None:
    a = pd.DataFrame({"status": D.column("disclosure", "status", ["reported"])})
    with pytest.warns(D.UnknownCodeWarning):
        b = pd.DataFrame({"status": D.column("disclosure", "status", ["odd"])})
    both = D.concat_frames([a, b])
    assert both["status"].tolist() == ["reported", "odd"]
    assert both["status"].cat.categories.tolist() == [*T.STATUS_CODES, "odd"]
    text = pd.DataFrame({"status": pd.array(["blank", "other", None], dtype="str")})
    mixed = D.concat_frames([a, text])
    assert mixed["status"].tolist()[:3] == ["reported", "blank", "other"]
    assert mixed["status"].isna().tolist() == [False, False, False, True]
    assert mixed["status"].cat.categories.tolist() == [*T.STATUS_CODES, "other"]


def test_schema_rejects_a_categorical_with_other_categories(corpus) -> None:
    apps = corpus.applications.copy()
    apps["status"] = apps["status"].cat.reorder_categories(list(reversed(T.STATUS_CODES)))
    with pytest.raises(
        TableSchemaError, match=r"applications\.status: categories differ from the codes"
    ):
        validate({"applications": apps})
    validate({"applications": corpus.applications})


# ---------------------------------------------------------------------------------------
# Columns per report; reducing as results arrive
# ---------------------------------------------------------------------------------------
def test_a_report_holds_columns_and_pickles_them_alone() -> None:
    part = parse_file(FILES[0])
    cols = part.columns("applications")
    assert len(cols) == len(COLUMNS["applications"])
    assert len(cols[0]) == len(part.applications) == 25 * 7  # 2021: 25 rows × 7 applicants
    part.frame("applications")  # built frames are not pickled: the columns rebuild them
    state = part.__getstate__()
    assert state["_frames"] == {} and set(state["_columns"]) == set(TABLES)
    back = pickle.loads(pickle.dumps(part, protocol=5))
    for name in TABLES:
        pd.testing.assert_frame_equal(back.frame(name), part.frame(name))
    record = part.records("applications")[0]
    assert list(record) == list(COLUMNS["applications"])
    assert record["report_id"] == FILES[0].stem and record["row"] == "received_new"


def test_records_in_and_records_out_agree() -> None:
    row = dict.fromkeys(COLUMNS["reports"])
    row.update(report_id="x", source_file="x.txt", parse_status="ok", n_unplaced=0, year=2023)
    part = ReportTables({"reports": [row]})
    assert part.records("reports") == [row]
    same = ReportTables.from_rows({"reports": [tuple(row[c] for c in COLUMNS["reports"])]})
    pd.testing.assert_frame_equal(same.reports, part.reports, check_exact=True)
    assert part.reports.loc[0, "year"] == 2023
    assert len(part.applications) == 0
    assert isinstance(part.applications["status"].dtype, pd.CategoricalDtype)


def test_a_cache_entry_pickled_as_dict_records_still_loads() -> None:
    row = dict.fromkeys(COLUMNS["reports"])
    row.update(report_id="x", source_file="x.txt", parse_status="failed", error="x.txt: bad")
    old = ReportTables.__new__(ReportTables)
    old.__setstate__({"_records": {"reports": [row]}, "_frames": {}})
    assert old.reports.loc[0, "error"] == "x.txt: bad"
    assert str(old.reports.loc[0, "parse_status"]) == "failed"


def test_chunked_reduction_equals_one_concatenation() -> None:
    parts = [parse_file(f) for f in FILES] + [failed("broken", "broken.txt", "unreadable")]
    whole = concat(parts)
    chunked = TableBuilder(chunk=2).extend(iter(parts)).frames()
    streamed = concat(parse_file(f) for f in FILES)
    for name in TABLES:
        pd.testing.assert_frame_equal(chunked[name], whole[name], check_exact=True)
        n = len(streamed[name])
        pd.testing.assert_frame_equal(streamed[name], whole[name].iloc[:n], check_exact=True)
    assert whole["reports"]["report_id"].tolist() == [f.stem for f in FILES] + ["broken"]
    assert str(whole["reports"]["parse_status"].iloc[-1]) == "failed"


def test_a_corpus_concatenates_with_reports(corpus) -> None:
    more = concat([corpus, parse_file(FILES[0])])
    assert len(more["applications"]) == len(corpus.applications) + 25 * 7
    assert more["applications"]["row"].dtype == corpus.applications["row"].dtype
    assert more["reports"]["report_id"].tolist()[-2:] == [FILES[-1].stem, FILES[0].stem]


def test_empty_corpus_has_the_declared_dtypes() -> None:
    empty = concat([])
    for table in TABLES:
        assert list(empty[table].columns) == list(COLUMNS[table])
        for col, cats in D.CATEGORIES[table].items():
            assert empty[table][col].cat.categories.tolist() == list(cats)


# ---------------------------------------------------------------------------------------
# Corrections and analysis code on categoricals
# ---------------------------------------------------------------------------------------
def test_a_correction_writes_into_the_categorical_status(tmp_path: Path) -> None:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    seed = "004_8884def07ca5fc07"
    (raw / f"{seed}.txt").write_bytes((RAW / f"{seed}.txt").read_bytes())
    (tmp_path / "data" / "corrections.csv").write_text(
        "report_id,table,row,col,value,reason\n"
        f"{seed},applications,granted,natural_person,5,核对原件\n"
        f"{seed},appeals,review,pending,1,核对原件\n",
        encoding="utf-8",
    )
    c = gxparse.read_reports(raw)
    apps = c.applications
    cell = apps[(apps["row"] == "granted") & (apps["applicant"] == "natural_person")].iloc[0]
    assert (cell["status"], cell["value"], cell["correction_reason"]) == (
        "corrected",
        5,
        "核对原件",
    )
    assert apps["status"].dtype == D.category_dtype("applications", "status")
    assert c.appeals["status"].dtype == D.category_dtype("appeals", "status")
    assert (c.appeals["status"] == "corrected").sum() == 1
    assert c.findings["check"].dtype == D.category_dtype("findings", "check")


def test_cell_status_lists_rows_in_template_order(corpus) -> None:
    status = metrics.cell_status(corpus)
    old = status[(status["report_id"] == OLD_TEMPLATE) & (status["table"] == "applications")]
    assert old["key"].astype(str).tolist()[-3:] == ["other", "total_handled", "carried_forward"]
    dis = status[(status["report_id"] == OLD_TEMPLATE) & (status["table"] == "disclosure")]
    assert dis["key"].astype(str).tolist() == [
        "regulations",
        "normative_documents",
        "licensing",
        "other_external_services",
        "penalty",
        "coercion",
        "fees",
        "procurement",
    ]


def test_a_correction_adding_a_cell_keeps_the_code_columns_categorical(corpus) -> None:
    from gxparse.analysis import review

    corrections = review._corrections_frame(
        [
            {
                "report_id": FILES[0].stem,
                "table": "applications",
                "row": "other",  # the 2019 row, absent from this 2021 report
                "col": "total",
                "value": 3.0,
                "reason": "原件另附",
                "line": 2,
            }
        ]
    )
    tables = {n: getattr(corpus, n) for n in TABLES}
    out = review.apply_corrections(tables, corrections)
    apps = out["applications"]
    assert len(apps) == len(corpus.applications) + 1
    added = apps.iloc[-1]
    assert (added["row"], added["applicant"], added["status"], added["value"]) == (
        "other",
        "total",
        "corrected",
        3,
    )
    for col in ("row", "applicant", "status"):
        assert apps[col].dtype == D.category_dtype("applications", col), col


@pytest.mark.parametrize(
    "values",
    [
        ("line 12", None, "第一"),
        ["x", float("nan"), None, ""],
        [1, "a", None],  # a number in a text column becomes its text
        [pd.NA, "a"],
        (),
    ],
)
def test_text_columns_read_through_arrow_equal_pandas_own_reading(values) -> None:
    import numpy as np

    fast = D.column("reports", "agency", values)
    slow = pd.array(np.asarray(values, dtype=object), dtype="str")
    assert fast.dtype == slow.dtype == pd.StringDtype("pyarrow", na_value=float("nan"))
    assert pd.Series(fast).equals(pd.Series(slow))
    assert list(fast.isna()) == [v is None or v is pd.NA or v != v for v in values]
