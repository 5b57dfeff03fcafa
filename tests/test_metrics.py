"""Derived metrics on small constructed tables in the contract's columns."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gxparse import template
from gxparse.analysis import metrics

BLANK = None  # a blank cell: status "blank", value NA
MISSING = "missing"  # a missing cell: status "missing", value NA


def applications(
    report_id: str, tmpl: str, totals: dict[str, object], persons: dict[str, int] | None = None
) -> pd.DataFrame:
    """Part 三 of one report: every template row × applicant.

    ``totals`` gives the 总计 column (rows not named are 0); the 自然人 column holds
    ``persons`` where given, else the total; the other applicant columns are 0.
    """
    persons = persons or {}
    rows = []
    for r in template.application_rows(tmpl):
        total = totals.get(r.code, 0)
        for a in template.APPLICANT_CODES:
            if a == "total":
                v = total
            elif a == "natural_person":
                v = persons.get(r.code, total)
            elif a == "enterprise" and r.code in persons and isinstance(total, int):
                v = total - persons[r.code]
            else:
                v = 0
            if v is BLANK:
                status, value, raw = "blank", pd.NA, ""
            elif v == MISSING:
                status, value, raw = "missing", pd.NA, pd.NA
            else:
                status, value, raw = "reported", v, str(v)
            rows.append((report_id, r.code, a, value, status, raw, "line 1"))
    df = pd.DataFrame(
        rows, columns=["report_id", "row", "applicant", "value", "status", "raw", "source"]
    )
    df["value"] = df["value"].astype("Int64")
    return df


def reports(*rows: tuple[str, str, int, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(rid, agency, year, tmpl, "township") for rid, agency, year, tmpl in rows],
        columns=["report_id", "agency", "year", "template", "level"],
    ).astype({"year": "Int64"})


def disclosure(report_id: str, cells: dict[tuple[str, str], object]) -> pd.DataFrame:
    rows = []
    for (item, measure), v in cells.items():
        status = "blank" if v is BLANK else "reported"
        rows.append(
            (
                report_id,
                item,
                measure,
                pd.NA if v is BLANK else float(v),
                "件",
                status,
                "",
                "line 2",
            )
        )
    df = pd.DataFrame(
        rows, columns=["report_id", "item", "measure", "value", "unit", "status", "raw", "source"]
    )
    df["value"] = df["value"].astype("Float64")
    return df


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    a = applications(
        "a2023",
        "2021",
        {
            "received_new": 16,
            "carried_over": 0,
            "granted": 10,
            "partially_granted": 2,
            "denied_third_party": 1,
            "unable_not_held": 1,
            "other_overdue_correction": 0,
            "other_other": 0,
            "total_handled": 14,
            "carried_forward": 2,
        },
        persons={"received_new": 12},
    )
    b = applications(
        "b2019tmpl",
        "2019",
        {
            "received_new": 5,
            "carried_over": 1,
            "granted": 3,
            "other": 2,
            "total_handled": 6,
            "carried_forward": 0,
        },
    )
    c = applications(
        "c2023blank",
        "2021",
        {
            "received_new": 3,
            "granted": BLANK,
            "partially_granted": 1,
            "total_handled": 3,
            "carried_forward": MISSING,
        },
    )
    d = applications(
        "a2024",
        "2021",
        {
            "received_new": 20,
            "carried_over": 2,
            "granted": 18,
            "total_handled": 20,
            "carried_forward": 2,
        },
    )
    z = applications("z2023zero", "2021", {})
    rep = reports(
        ("a2023", "甲镇人民政府", 2023, "2021"),
        ("b2019tmpl", "乙镇人民政府", 2023, "2019"),
        ("c2023blank", "丙镇人民政府", 2023, "2021"),
        ("a2024", "甲镇人民政府", 2024, "2021"),
        ("z2023zero", "丁镇人民政府", 2023, "2021"),
    )
    dis = pd.concat(
        [
            disclosure("a2023", {("penalty", "decisions"): 6, ("licensing", "decisions"): 0}),
            disclosure(
                "b2019tmpl", {("penalty", "decisions"): 1200, ("licensing", "decisions"): BLANK}
            ),
        ],
        ignore_index=True,
    )
    return {
        "reports": rep,
        "applications": pd.concat([a, b, c, d, z], ignore_index=True),
        "disclosure": dis,
    }


def one(df: pd.DataFrame, report_id: str, metric: str, col: str = "value") -> object:
    key = "metric" if "metric" in df.columns else "group"
    sel = df[(df["report_id"] == report_id) & (df[key] == metric)]
    assert len(sel) == 1, sel
    return sel[col].iloc[0]


def test_catalog_has_written_definitions() -> None:
    cat = metrics.catalog()
    row = cat.set_index("metric").loc["substantive_disclosure_rate"]
    assert row["zh"] == "实质公开率"
    assert row["definition"] == "(予以公开 + 部分公开) / 总计"
    assert cat.set_index("metric").loc["carry_forward_rate", "definition"] == (
        "结转下年度继续办理 / (本年新收政府信息公开申请数量 + 上年结转政府信息公开申请数量)"
    )
    assert cat.set_index("metric").loc["denial_rate", "definition"] == "不予公开（8项之和） / 总计"
    assert cat["metric"].is_unique
    assert cat["definition"].str.len().gt(0).all()
    assert set(cat["kind"]) == {"rate", "count"}


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        pytest.param("partially_granted", "部分公开", id="note-stripped"),
        pytest.param("received_new", "本年新收政府信息公开申请数量", id="part-number"),
        pytest.param("denied_state_secret", "属于国家秘密", id="sub-number"),
        pytest.param("total_handled", "总计", id="seven"),
    ],
)
def test_short_label(label: str, expected: str) -> None:
    assert metrics.short_label(label) == expected


def test_short_label_of_another_column() -> None:
    assert metrics.short_label("natural_person", column="applicant") == "自然人"
    assert metrics.short_label("other", column="result") == "其他结果"


def test_rates_value_numerator_denominator(tables: dict[str, pd.DataFrame]) -> None:
    df = metrics.request_rates(tables)
    assert one(df, "a2023", "substantive_disclosure_rate") == pytest.approx(12 / 14)
    assert one(df, "a2023", "substantive_disclosure_rate", "numerator") == 12
    assert one(df, "a2023", "substantive_disclosure_rate", "denominator") == 14
    assert one(df, "a2023", "carry_forward_rate") == pytest.approx(2 / 16)
    assert one(df, "a2023", "denial_rate") == pytest.approx(1 / 14)
    assert one(df, "a2023", "grant_rate", "agency") == "甲镇人民政府"
    assert one(df, "a2023", "grant_rate", "year") == 2023


def test_blank_and_missing_are_not_zero(tables: dict[str, pd.DataFrame]) -> None:
    df = metrics.request_rates(tables)
    # 予以公开 is blank: 实质公开率 is unknown, not 1/3.
    assert pd.isna(one(df, "c2023blank", "substantive_disclosure_rate"))
    assert one(df, "c2023blank", "substantive_disclosure_rate", "na_reason") == "input_na"
    # 结转下年度 is missing: 结转率 unknown.
    assert pd.isna(one(df, "c2023blank", "carry_forward_rate"))
    # Untouched inputs still compute.
    assert one(df, "c2023blank", "completion_rate") == pytest.approx(1.0)


def test_zero_denominator_is_na(tables: dict[str, pd.DataFrame]) -> None:
    df = metrics.request_rates(tables)
    assert pd.isna(one(df, "z2023zero", "substantive_disclosure_rate"))
    assert one(df, "z2023zero", "substantive_disclosure_rate", "na_reason") == "zero_denominator"
    assert one(df, "z2023zero", "substantive_disclosure_rate", "numerator") == 0


def test_other_handling_compares_both_templates(tables: dict[str, pd.DataFrame]) -> None:
    g = metrics.outcome_groups(tables)
    # 2019 template: the undivided （六）其他处理 row.
    assert one(g, "b2019tmpl", "other_handling", "numerator") == 2
    assert one(g, "b2019tmpl", "other_handling") == pytest.approx(2 / 6)
    # 2021 template: three sub-rows summed.
    assert one(g, "a2023", "other_handling", "numerator") == 0
    assert list(g[g["report_id"] == "a2023"]["group"]) == list(metrics.OUTCOME_GROUPS)
    assert one(g, "a2023", "denied", "zh") == "不予公开"
    assert one(g, "a2023", "other_handling", "zh") == "其他处理"
    # Shares of a complete report sum to 1.
    shares = g[g["report_id"] == "a2023"]["value"].sum()
    assert shares == pytest.approx(1.0)


def test_outcome_groups_by_reason(tables: dict[str, pd.DataFrame]) -> None:
    g = metrics.outcome_groups(tables, by_reason=True)
    groups = list(g[g["report_id"] == "a2023"]["group"])
    assert "denied" not in groups
    assert groups[2] == "denied_state_secret"
    assert one(g, "a2023", "denied_third_party", "numerator") == 1
    assert one(g, "a2023", "denied_third_party", "zh") == "保护第三方合法权益"


def test_counts_and_flow(tables: dict[str, pd.DataFrame]) -> None:
    totals = metrics.report_totals(tables)
    assert one(totals, "b2019tmpl", "penalty_decisions") == 1200
    assert pd.isna(one(totals, "b2019tmpl", "licensing_decisions"))
    assert one(totals, "a2023", "licensing_decisions") == 0
    # No disclosure rows for this report at all: NA, not 0.
    assert pd.isna(one(totals, "c2023blank", "penalty_decisions"))
    flow = metrics.request_flow(tables).set_index("report_id")
    assert flow.loc[
        "a2023", ["received_new", "carried_over", "total_handled", "carried_forward"]
    ].tolist() == [16, 0, 14, 2]
    assert pd.isna(flow.loc["c2023blank", "carried_forward"])
    assert str(flow["received_new"].dtype) == "Int64"


def test_applicant_mix(tables: dict[str, pd.DataFrame]) -> None:
    mix = metrics.applicant_mix(tables)
    a = mix[mix["report_id"] == "a2023"].set_index("applicant")
    assert list(a.index) == list(template.APPLICANT_PARTS)
    assert a.loc["natural_person", "value"] == pytest.approx(12 / 16)
    assert a.loc["enterprise", "numerator"] == 4
    assert a.loc["natural_person", "zh"] == "自然人"
    assert a["value"].sum() == pytest.approx(1.0)
    z = mix[mix["report_id"] == "z2023zero"]
    assert z["value"].isna().all()


def test_year_over_year_in_percentage_points(tables: dict[str, pd.DataFrame]) -> None:
    m = metrics.compute(tables, ["substantive_disclosure_rate", "received_new"])
    yoy = metrics.year_over_year(m)
    rate = yoy[(yoy["agency"] == "甲镇人民政府") & (yoy["metric"] == "substantive_disclosure_rate")]
    assert len(rate) == 1
    r = rate.iloc[0]
    assert (r["year"], r["previous_year"]) == (2024, 2023)
    assert r["change_pp"] == pytest.approx((18 / 20 - 12 / 14) * 100)
    count = yoy[(yoy["agency"] == "甲镇人民政府") & (yoy["metric"] == "received_new")].iloc[0]
    assert count["change"] == 4
    assert pd.isna(count["change_pp"])
    # Bodies with one year have no change row.
    assert set(yoy["agency"]) == {"甲镇人民政府"}


def test_year_over_year_empty() -> None:
    out = metrics.year_over_year(pd.DataFrame())
    assert out.empty
    assert "change_pp" in out.columns


def test_compute_without_reports_table(tables: dict[str, pd.DataFrame]) -> None:
    df = metrics.compute({"applications": tables["applications"]}, ["grant_rate"])
    assert "agency" not in df.columns
    assert math.isclose(one(df, "a2023", "grant_rate"), 10 / 14)


def test_cell_status_worst_per_row(tables: dict[str, pd.DataFrame]) -> None:
    st = metrics.cell_status(tables)
    c = st[(st["report_id"] == "c2023blank") & (st["table"] == "applications")].set_index("key")
    assert c.loc["granted", "status"] == "blank"
    assert c.loc["granted", "n_blank"] == 2  # 自然人 and 总计
    assert c.loc["granted", "n_cells"] == 7
    assert c.loc["carried_forward", "status"] == "missing"
    assert c.loc["received_new", "status"] == "reported"
    assert c.loc["received_new", "n_not_reported"] == 0
    assert list(c.index[:2]) == ["received_new", "carried_over"]
    assert c.loc["carried_forward", "zh"] == "结转下年度继续办理"
    d = st[(st["report_id"] == "b2019tmpl") & (st["table"] == "disclosure")].set_index("key")
    assert d.loc["licensing", "status"] == "blank"
    assert d.loc["penalty", "status"] == "reported"


@pytest.mark.parametrize(
    ("column", "code", "expected"),
    [
        pytest.param("result", "other", "其他结果", id="result-other"),
        pytest.param("row", "other", "（六）其他处理", id="row-other"),
        pytest.param("status", "corrected", "已更正", id="status-corrected"),
        pytest.param("result", "corrected", "结果纠正", id="result-corrected"),
        pytest.param("section", "problems", "存在的主要问题及改进情况", id="section"),
    ],
)
def test_code_label_reads_the_column(column: str, code: str, expected: str) -> None:
    assert metrics.code_label(column, code) == expected


def test_term_label_of_appeal_cells() -> None:
    assert metrics.term_label("review.other") == "行政复议其他结果"
    assert metrics.term_label("penalty.decisions") == "行政处罚本年处理决定数量"


def test_peer_comparison(tables: dict[str, pd.DataFrame]) -> None:
    m = metrics.compute(tables, ["penalty_decisions", "received_new"])
    peers = metrics.peer_comparison(m, by=("level", "year"))
    p = peers[(peers["metric"] == "penalty_decisions") & (peers["year"] == 2023)].set_index(
        "report_id"
    )
    # Two 2023 township reports have a value (6 and 1200); the blank one is not a peer.
    assert p.loc["a2023", "n_peers"] == 2
    assert p.loc["a2023", "peer_median"] == pytest.approx(603)
    assert p.loc["b2019tmpl", "rank"] == 1
    assert p.loc["a2023", "rank"] == 2
    assert pd.isna(p.loc["c2023blank", "rank"])
    assert p.loc["b2019tmpl", "ratio_to_median"] == pytest.approx(1200 / 603)


def test_narrative_labels() -> None:
    assert metrics.narrative_label("channel_wechat") == "微信"
    assert metrics.narrative_label("active_disclosure_total", "en") == "Items actively disclosed"
    assert metrics.term_label("narrative.active_disclosure_total") == metrics.narrative_label(
        "active_disclosure_total"
    )
    assert metrics.narrative_label("not_a_metric") == "not_a_metric"


def test_template_order_follows_the_printed_template() -> None:
    from gxparse.analysis.metrics import template_order

    assert template_order(["total_handled", "granted", "nope"], "row") == ["总计", "予以公开"][::-1]
    assert template_order(["coercion", "regulations"], "item") == ["规章", "行政强制"]


# ---------------------------------------------------------------------------------------
# Aggregates (many reports: charts by level × year)
# ---------------------------------------------------------------------------------------
def test_pooled_rate_leaves_out_reports_without_a_rate(tables: dict[str, pd.DataFrame]) -> None:
    rates = metrics.compute(tables, ["substantive_disclosure_rate"])
    agg = metrics.aggregate(rates, how="pooled")
    assert list(agg["label"]) == ["乡镇 2023（4 份）", "乡镇 2024（1 份）"]
    first = agg.iloc[0]
    # a2023 12/14 and b2019tmpl (3 + 0)/6 pool; c2023blank (予以公开 blank) and z2023zero
    # (总计 0) have no rate of their own and count in neither sum.
    assert (first["numerator"], first["denominator"]) == (15, 20)
    assert first["value"] == pytest.approx(15 / 20)
    assert (first["n_reports"], first["n_used"]) == (4, 2)
    assert first["zh"] == "实质公开率"
    assert agg.iloc[1]["value"] == pytest.approx(18 / 20)


def test_groups_follow_the_template_levels_then_years() -> None:
    df = pd.DataFrame(
        {
            "report_id": ["r1", "r2", "r3", "r4", "r5"],
            "level": pd.Categorical(
                ["county", "township", None, "street_office", "township"],
                categories=[e.code for e in template.LEVELS],
            ),
            "year": pd.array([2023, 2024, 2023, 2023, pd.NA], dtype="Int64"),
            "metric": "penalty_decisions",
            "value": pd.array([5.0, 7.0, 1.0, None, 2.0], dtype="Float64"),
        }
    )
    agg = metrics.aggregate(df)
    assert list(agg["label"]) == [
        "街道 2023（1 份）",
        "乡镇 2024（1 份）",
        "乡镇 年度不详（1 份）",
        "县级政府 2023（1 份）",
        "层级不详 2023（1 份）",
    ]
    # The street office's value is blank: no median, not 0.
    assert agg.iloc[0]["n_used"] == 0
    assert pd.isna(agg.iloc[0]["value"])
    assert agg["value"].tolist()[1:] == [7.0, 2.0, 5.0, 1.0]


def test_median_total_and_max_of_counts() -> None:
    df = pd.DataFrame(
        {
            "report_id": ["a", "b", "c", "d", "a", "b", "c", "d"],
            "level": ["township"] * 8,
            "year": [2023] * 8,
            "metric": ["penalty_decisions"] * 4 + ["licensing_decisions"] * 4,
            "value": pd.array([6, 2390, 0, None, 1, 2, 3, 4], dtype="Float64"),
        }
    )
    agg = metrics.aggregate(df, ("level",)).set_index("metric")
    assert list(agg.index) == ["penalty_decisions", "licensing_decisions"]
    penalty = agg.loc["penalty_decisions"]
    assert (penalty["median"], penalty["total"], penalty["max"]) == (6, 2396, 2390)
    assert (penalty["n_reports"], penalty["n_used"]) == (4, 3)
    assert penalty["value"] == penalty["median"]
    assert pd.isna(penalty["numerator"])
    assert agg.loc["licensing_decisions", "median"] == 2.5
    assert penalty["label"] == "乡镇（4 份）"


def test_complete_mix_pools_reports_with_every_share(tables: dict[str, pd.DataFrame]) -> None:
    mix = metrics.applicant_mix(tables)
    mix = mix[mix["year"] == 2023]
    agg = metrics.aggregate(mix, ("level",), key="applicant", how="pooled", complete=True)
    people = agg.set_index("applicant")
    # a2023 (12 of 16), b2019tmpl (5 of 5), c2023blank (3 of 3); z2023zero has 总计 0.
    assert people.loc["natural_person", "numerator"] == 12 + 5 + 3
    assert people.loc["natural_person", "denominator"] == 16 + 5 + 3
    assert people.loc["enterprise", "value"] == pytest.approx(4 / 24)
    assert people["value"].sum() == pytest.approx(1.0)
    assert set(people["n_used"]) == {3}


def test_aggregate_rejects_an_unknown_summary() -> None:
    with pytest.raises(ValueError, match="median"):
        metrics.aggregate(pd.DataFrame({"report_id": [], "value": []}), how="mean")


def test_top_reports_skip_unknown_values_and_break_ties() -> None:
    df = pd.DataFrame(
        {
            "report_id": ["a", "b", "c", "d", "e"],
            "value": pd.array([0.0, None, 0.0, 0.5, 1.0], dtype="Float64"),
            "denominator": pd.array([1, 9, 40, 2, 3], dtype="Float64"),
        }
    )
    lowest = metrics.top_reports(df, 3, largest=False, tiebreak="denominator")
    assert lowest["report_id"].tolist() == ["c", "a", "d"]
    largest = metrics.top_reports(df, 10)
    assert largest["report_id"].tolist() == ["e", "d", "a", "c"]


def test_status_shares_per_table_row(tables: dict[str, pd.DataFrame]) -> None:
    shares = metrics.status_shares(metrics.cell_status(tables))
    granted = shares[(shares["table"] == "applications") & (shares["key"] == "granted")]
    # 5 reports have the row; in c2023blank its 总计 cell is blank.
    assert granted[["status", "n_reports", "n_rows"]].values.tolist() == [
        ["reported", 4, 5],
        ["blank", 1, 5],
    ]
    assert granted["share"].tolist() == [pytest.approx(0.8), pytest.approx(0.2)]
    assert granted["zh"].iloc[0] == "予以公开"
    keys = list(dict.fromkeys(shares.loc[shares["table"] == "applications", "key"]))
    assert keys[:3] == ["received_new", "carried_over", "granted"]
    assert shares.loc[shares["table"] == "disclosure", "key"].iloc[0] == "licensing"


def test_pooled_flow_sums_reports_with_all_four_rows(tables: dict[str, pd.DataFrame]) -> None:
    flow = metrics.pooled_flow(metrics.request_flow(tables))
    row = flow.iloc[0]
    # a2023, b2019tmpl and z2023zero; c2023blank's 结转下年度 is missing.
    assert [row[c] for c in metrics.FLOW_ROWS] == [16 + 5 + 0, 0 + 1 + 0, 14 + 6 + 0, 2 + 0 + 0]
    assert (row["n_reports"], row["n_used"]) == (4, 3)
    assert row["label"] == "乡镇 2023（3 份）"
    assert flow.iloc[1]["received_new"] == 20


def test_findings_per_group_and_report() -> None:
    reports = pd.DataFrame(
        {
            "report_id": ["a", "b", "c"],
            "level": ["township", "township", "county"],
            "year": pd.array([2023, 2023, 2023], dtype="Int64"),
        }
    )
    findings = pd.DataFrame(
        {
            "report_id": ["a", "a", "a", "c"],
            "severity": pd.Categorical(["error", "warning", "warning", "info"]),
        }
    )
    severities = ["error", "warning", "info"]
    per_report = metrics.findings_by_report(findings, ["a", "b", "c"], severities)
    assert per_report.values.tolist() == [[1, 2, 0], [0, 0, 0], [0, 0, 1]]
    summary = metrics.findings_summary(findings, reports, severities)
    town = summary[summary["level"] == "township"].set_index("severity")
    assert town.loc["warning", "n_findings"] == 2
    assert town.loc["warning", "n_flagged"] == 1
    assert town.loc["warning", "value"] == pytest.approx(1.0)  # 2 findings over 2 reports
    assert town.loc["info", "n_findings"] == 0
    assert summary["label"].tolist()[0] == "乡镇 2023（2 份）"


def test_narrative_counts_one_row_per_report_and_figure() -> None:
    reports = pd.DataFrame({"report_id": ["a", "b"], "year": [2023, 2023]})
    narrative = pd.DataFrame(
        {
            "report_id": ["a", "a", "a"],
            "metric": ["channel_website", "channel_wechat", "active_disclosure_total"],
            "value": [10.0, 3.0, 99.0],
        }
    )
    counts = metrics.narrative_counts({"reports": reports, "narrative": narrative})
    assert counts[["report_id", "metric"]].values.tolist() == [
        ["a", "channel_website"],
        ["b", "channel_website"],
        ["a", "channel_wechat"],
        ["b", "channel_wechat"],
    ]
    assert counts["value"].iloc[0] == 10
    assert pd.isna(counts["value"].iloc[1])  # b states no channel: NA, not 0
    assert counts["zh"].iloc[0] == metrics.narrative_label("channel_website")
    assert metrics.narrative_counts({"reports": reports, "narrative": narrative[:0]}).empty


def test_peer_median_leaves_the_body_out_and_needs_three_others() -> None:
    df = pd.DataFrame(
        {
            "metric": ["penalty_decisions"] * 6,
            "level": ["township"] * 4 + ["street_office", "township"],
            "year": [2023] * 6,
            "value": pd.array([1, 5, 3, None, 7, 10], dtype="Float64"),
        }
    )
    out = metrics.peer_comparison(df)
    # Townships 1, 5, 3, 10 (and one without a value): each set against the other three.
    assert out["n_others"].tolist() == [3, 3, 3, 4, 0, 3]
    assert out["others_median"].tolist()[:4] == [5.0, 3.0, 5.0, 4.0]
    assert out["others_median"].tolist()[5] == 3.0
    # The only 街道 has no peers: no median (its own value is not its yardstick).
    assert pd.isna(out.loc[4, "others_median"])
    assert out.loc[4, "peer_median"] == 7.0  # the old column still counts itself
    # Two others are not enough.
    two = metrics.peer_comparison(df.iloc[[0, 1, 2]])
    assert two["n_others"].tolist() == [2, 2, 2]
    assert two["others_median"].isna().all()
