"""Checks on small constructed tables: for every check, a case that fires (with its exact
code, cell and numbers) and a case that does not."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from gxparse import template as T
from gxparse.analysis import checks as C
from gxparse.analysis import review as R
from gxparse.analysis.checks import cells as CC
from gxparse.analysis.checks import prose as CP

Cell = int | float | None | str  # int/float: reported; None: blank; "missing"; ("derived", v)


# ---------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------
def _rec(rid: str, table: str, row: str, col: str, v: Any, line: int) -> dict:
    rk, ck = C.CELL_KEYS[table]
    status, value = "reported", v
    if v is None:
        status, value = "blank", None
    elif v == "missing":
        status, value = "missing", None
    elif isinstance(v, tuple):
        status, value = v
    rec = {
        "report_id": rid,
        rk: row,
        ck: col,
        "value": value,
        "status": status,
        "raw": None if status == "missing" else ("" if value is None else str(value)),
        "source": f"line {line}",
    }
    if table == "disclosure":
        rec["unit"] = T.measure(col).unit
    return rec


def base_applications(template: str = "2021") -> dict[tuple[str, str], Cell]:
    """Seed 000's part 三: 6 natural-person requests, 5 granted, 1 not held."""
    cells: dict[tuple[str, str], Cell] = {}
    for r in T.application_rows(template):
        for a in T.APPLICANT_CODES:
            cells[(r.code, a)] = 0
    for a in ("natural_person", "total"):
        cells[("received_new", a)] = 6
        cells[("granted", a)] = 5
        cells[("unable_not_held", a)] = 1
        cells[("total_handled", a)] = 6
    return cells


def report(
    rid: str = "r1",
    *,
    agency: str = "甲镇人民政府",
    year: int = 2023,
    template: str = "2021",
    level: str = "township",
    published: str | None = "2024-01-12",
    sha256: str | None = None,
    n_unplaced: int = 0,
    parse_status: str = "ok",
    app: dict[tuple[str, str], Cell] | None = None,
    appeals: dict[tuple[str, str], Cell] | None = None,
    dis: dict[tuple[str, str], Cell] | None = None,
    narrative: Iterable[dict] = (),
    sections: dict[str, str] | None = None,
    with_tables: bool = True,
) -> dict[str, list[dict]]:
    """Records of one report: the seed-000 shape by default, cells overridden by mapping."""
    out: dict[str, list[dict]] = {k: [] for k in C.TABLE_COLUMNS}
    out["reports"].append(
        {
            "report_id": rid,
            "source_file": f"{rid}.txt",
            "source_format": "txt",
            "sha256": sha256 or f"sha-{rid}",
            "agency_raw": agency,
            "agency": agency,
            "year": year,
            "template": template,
            "published": pd.Timestamp(published) if published else None,
            "parse_status": parse_status,
            "error": "empty file" if parse_status == "failed" else None,
            "n_unplaced": n_unplaced,
            "level": level,
        }
    )
    if not with_tables:
        return out
    line = iter(range(100, 10_000))
    d: dict[tuple[str, str], Cell] = {}
    for item, ms in T.DISCLOSURE_LAYOUT[template].items():
        for m in ms:
            d[(item, m)] = 0
    d.update(dis or {})
    out["disclosure"] = [_rec(rid, "disclosure", r, c, v, next(line)) for (r, c), v in d.items()]
    a = base_applications(template)
    a.update(app or {})
    out["applications"] = [
        _rec(rid, "applications", r, c, v, next(line)) for (r, c), v in a.items()
    ]
    p: dict[tuple[str, str], Cell] = dict.fromkeys(T.APPEAL_CELLS, 0)
    p.update(appeals or {})
    out["appeals"] = [_rec(rid, "appeals", r, c, v, next(line)) for (r, c), v in p.items()]
    for n in narrative:
        out["narrative"].append(
            {
                "report_id": rid,
                "approximate": False,
                "quote": "",
                "label": None,
                "parent": None,
                "unit": "条",
                "source": "line 9",
                **n,
            }
        )
    secs = {"overview": f"{rid} 概况", "active_disclosure": "", "applications": "", "appeals": ""}
    secs.update(sections or {})
    out["sections"] = [
        {"report_id": rid, "section": s, "title": T.label("part", s), "text": t}
        for s, t in secs.items()
    ]
    return out


def frames(*reports: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    out = {}
    for name, cols in C.TABLE_COLUMNS.items():
        recs = [r for rep in reports for r in rep.get(name, [])]
        df = pd.DataFrame(recs, columns=list(cols))
        if name in ("applications", "appeals"):
            df["value"] = df["value"].astype("Int64")
        if name in ("disclosure", "narrative"):
            df["value"] = df["value"].astype("Float64")
        out[name] = df
    return out


def run(*reports: dict[str, list[dict]], **config: Any) -> pd.DataFrame:
    return C.run_checks(frames(*reports), C.CheckConfig(**config))


def only(findings: pd.DataFrame, check: str) -> pd.DataFrame:
    return findings[findings["check"] == check].reset_index(drop=True)


def keys(findings: pd.DataFrame, check: str) -> list[tuple]:
    f = only(findings, check)
    return list(zip(f["report_id"], f["row"], f["col"], f["expected"], f["actual"], strict=True))


def both(row: str, v: Cell, app: str = "natural_person") -> dict[tuple[str, str], Cell]:
    return {(row, app): v, (row, "total"): v}


# ---------------------------------------------------------------------------------------
# Catalog and output shape
# ---------------------------------------------------------------------------------------
def test_catalog_declares_each_check_once_with_descriptions():
    codes = [c.code for c in C.CHECKS]
    assert len(codes) == len(set(codes))
    for c in C.CHECKS:
        assert c.severity in C.SEVERITIES and c.scope in C.SCOPES
        assert c.zh and c.en
    assert "unplaced_number" in codes


def test_clean_report_has_no_findings_and_exact_columns():
    f = run(report())
    assert list(f.columns) == list(C.FINDING_COLUMNS)
    assert f.empty


def test_enabled_limits_the_checks():
    f = run(report(app=both("received_new", 7)), enabled=frozenset({"carried_forward"}))
    assert f.empty


def test_emitted_codes_are_in_the_catalog():
    f = run(
        report(app=both("received_new", 7), dis={("penalty", "decisions"): -1}),
        report("r2", app=both("granted", None), template="2019", year=2023),
    )
    assert set(f["check"]) <= set(C.CHECK_BY_CODE)
    assert (f["severity"] == f["check"].map(lambda c: C.CHECK_BY_CODE[c].severity)).all()


# ---------------------------------------------------------------------------------------
# Template identities
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("app", "appeals", "expected"),
    [
        pytest.param(
            both("received_new", 7),
            None,
            {
                ("identity_balance", "balance", "natural_person", "7", "6"),
                ("identity_balance", "balance", "total", "7", "6"),
            },
            id="balance-breaks-in-one-column-and-total",
        ),
        pytest.param(
            both("granted", 4),
            None,
            {
                ("identity_outcomes_sum", "outcomes_sum", "natural_person", "6", "5"),
                ("identity_outcomes_sum", "outcomes_sum", "total", "6", "5"),
            },
            id="outcomes-sum",
        ),
        pytest.param(
            {("granted", "total"): 9},
            None,
            {
                ("identity_row_total", "granted", "total", "9", "5"),
                ("identity_outcomes_sum", "outcomes_sum", "total", "6", "10"),
            },
            id="row-total",
        ),
        pytest.param(
            None,
            {("review", "upheld"): 2, ("review", "total"): 1},
            {("identity_appeals_total", "review", "total", "1", "2")},
            id="appeals-total",
        ),
        pytest.param(None, None, set(), id="balanced-no-finding"),
        pytest.param(
            {("granted", "natural_person"): ("derived", 5)}, None, set(), id="derived-is-known"
        ),
    ],
)
def test_identities(app, appeals, expected):
    f = run(report(app=app, appeals=appeals))
    ident = f[f["check"].str.startswith("identity_")]
    got = set(
        zip(
            ident["check"],
            ident["row"],
            ident["col"],
            ident["expected"],
            ident["actual"],
            strict=True,
        )
    )
    assert got == expected
    assert (ident["severity"] == "error").all()


def test_identity_message_quotes_the_numbers():
    f = only(run(report(app=both("received_new", 7))), "identity_balance")
    msg = f.loc[f["col"] == "natural_person", "message"].item()
    assert msg.startswith("甲镇人民政府2023年报告")
    assert "7" in msg and "6" in msg and "相差1" in msg
    assert f.loc[0, "location"].startswith("applications:balance:")


def test_blank_cell_is_not_assessable_never_a_failure():
    # Seed 004: the （六）3.其他 row is blank throughout; every identity that needs it is
    # not assessable (info), none fails.
    app = {("other_other", a): None for a in T.APPLICANT_CODES}
    f = run(report(app=app))
    assert (f["severity"] != "error").all()
    na = only(f, "identity_not_assessable")
    assert set(na["location"]) == {
        "applications:identity_outcomes_sum",
        "applications:identity_row_total",
    }
    outcomes = na[na["location"] == "applications:identity_outcomes_sum"].iloc[0]
    assert outcomes["col"] == ",".join(T.APPLICANT_CODES)
    assert only(f, "blank_cells").loc[0, "actual"] == "7"


def test_blank_cell_cannot_hide_a_definite_break():
    # Outcome rows alone already exceed （七）总计 = 6: a blank (≥ 0) cannot restore it.
    app = {**both("granted", 7), ("partially_granted", "natural_person"): None}
    f = only(run(report(app=app)), "identity_outcomes_sum")
    assert set(zip(f["col"], f["expected"], f["actual"], strict=True)) == {
        ("natural_person", "6", "8"),
        ("total", "6", "8"),
    }
    assert "空白或缺失单元格按非负数计" in f.loc[0, "message"]


def test_missing_appeals_cell_seed_002():
    # Seed 002: part 四's last cell (复议后起诉 总计) is blank.
    f = run(report(appeals={("litigation_after_review", "total"): None}))
    na = only(f, "identity_not_assessable")
    assert list(na["location"]) == ["appeals:identity_appeals_total"]
    assert na.loc[0, "col"] == "litigation_after_review"
    blank = only(f, "blank_cells")
    assert list(zip(blank["table"], blank["row"], blank["col"], strict=True)) == [
        ("appeals", "litigation_after_review", "total")
    ]
    assert (f["severity"] != "error").all()


@pytest.mark.parametrize(
    ("dis", "expected"),
    [
        pytest.param(
            {("penalty", "decisions"): -1},
            [("r1", "penalty", "decisions", "非负整数", "-1")],
            id="negative",
        ),
        pytest.param({("fees", "fee_amount"): 0.35}, [], id="fee-amount-may-be-decimal"),
        pytest.param({("penalty", "decisions"): 6}, [], id="seed000-penalty-6"),
    ],
)
def test_non_negative_integer(dis, expected):
    assert keys(run(report(dis=dis)), "non_negative_integer") == expected


def test_fraction_in_applications_is_flagged():
    df = frames(report())
    df["applications"]["value"] = df["applications"]["value"].astype("Float64")
    mask = (df["applications"]["row"] == "received_new") & (
        df["applications"]["applicant"] == "enterprise"
    )
    df["applications"].loc[mask, "value"] = 0.5
    f = C.run_checks(df)
    assert keys(f, "non_negative_integer") == [
        ("r1", "received_new", "enterprise", "非负整数", "0.5")
    ]


def test_change_may_be_negative_in_2019_template():
    f = run(
        report(
            template="2019",
            year=2019,
            dis={("penalty", "change"): -3, ("penalty", "previous_year_count"): 5},
        )
    )
    assert only(f, "non_negative_integer").empty


# ---------------------------------------------------------------------------------------
# Prose vs tables
# ---------------------------------------------------------------------------------------
SEED_004_APP = {
    ("received_new", "natural_person"): 13,
    ("received_new", "enterprise"): 3,
    ("received_new", "total"): 16,
    ("granted", "natural_person"): 5,
    ("granted", "enterprise"): 2,
    ("granted", "total"): 7,
    ("partially_granted", "natural_person"): 5,
    ("partially_granted", "total"): 5,
    ("unable_not_held", "natural_person"): 2,
    ("unable_not_held", "total"): 2,
    ("total_handled", "natural_person"): 12,
    ("total_handled", "enterprise"): 2,
    ("total_handled", "total"): 14,
    ("carried_forward", "natural_person"): 1,
    ("carried_forward", "enterprise"): 1,
    ("carried_forward", "total"): 2,
}


@pytest.mark.parametrize(
    ("stated", "approximate", "fires"),
    [
        pytest.param(16, False, False, id="seed004-16-received-matches"),
        pytest.param(20, False, True, id="20-vs-16"),
        pytest.param(15, True, False, id="15余-covers-16"),
        pytest.param(18, True, True, id="18余-exceeds-16"),
    ],
)
def test_prose_requests(stated, approximate, fires):
    n = [{"metric": "applications_received", "value": stated, "approximate": approximate}]
    f = only(run(report(app=SEED_004_APP, narrative=n)), "prose_requests")
    assert len(f) == int(fires)
    if fires:
        assert (f.loc[0, "expected"], f.loc[0, "actual"]) == ("16", str(stated))
        assert "16" in f.loc[0, "message"] and str(stated) in f.loc[0, "message"]


def test_prose_requests_accepts_new_plus_carried_over():
    app = {**both("carried_over", 2), **both("received_new", 4)}
    n = [{"metric": "applications_received", "value": 6}]
    assert only(run(report(app=app, narrative=n)), "prose_requests").empty


def test_prose_handled():
    n = [{"metric": "applications_handled", "value": 15}]
    f = only(run(report(app=SEED_004_APP, narrative=n)), "prose_requests")
    assert list(zip(f["expected"], f["actual"], strict=True)) == [("14", "15")]


SEED_000_PROSE = [
    {"metric": "active_disclosure_total", "value": 1359, "label": "主动公开信息总数"},
    {"metric": "channel_wechat", "value": 553, "parent": "active_disclosure_total"},
    {
        "metric": "channel_website",
        "value": 806,
        "parent": "active_disclosure_total",
        "label": "政府网站",
    },
] + [
    {
        "metric": "active_disclosure_category",
        "value": v,
        "parent": "channel_website",
        "label": f"类{i}",
    }
    for i, v in enumerate((3, 4, 34, 6, 1, 2, 48, 1, 2, 2, 2, 19, 647))
]


def test_prose_breakdown_seed_000_website_categories():
    f = only(run(report(narrative=SEED_000_PROSE)), "prose_breakdown")
    assert list(zip(f["row"], f["expected"], f["actual"], strict=True)) == [
        ("channel_website", "806", "771")
    ]
    assert f.loc[0, "severity"] == "warning"
    msg = f.loc[0, "message"]
    assert (
        "806" in msg
        and "771" in msg
        and "相差35" in msg
        and "13个分项" in msg
        and "政府网站" in msg
    )


def test_prose_breakdown_that_adds_up():
    n = SEED_000_PROSE[:3]  # 553 + 806 = 1359
    assert only(run(report(narrative=n)), "prose_breakdown").empty


def test_prose_breakdown_approximate_total():
    # "130余条" with items summing to 135 is consistent; items summing to 120 are not.
    def n(*xs):
        return [{"metric": "active_disclosure_total", "value": 130, "approximate": True}] + [
            {"metric": f"channel_{i}", "value": x, "parent": "active_disclosure_total"}
            for i, x in enumerate(xs)
        ]

    assert only(run(report(narrative=n(70, 65))), "prose_breakdown").empty
    assert len(only(run(report(narrative=n(60, 60))), "prose_breakdown")) == 1


@pytest.mark.parametrize(
    ("total", "items", "fires"),
    [
        pytest.param(2599, [25], False, id="pingtan2019-one-item-after-其中"),
        pytest.param(2428, [7, 7], False, id="hongze2024-two-small-items"),
        pytest.param(100, [120], True, id="one-item-above-total"),
        pytest.param(100, [30, 30], True, id="two-items-most-of-total"),
    ],
)
def test_prose_breakdown_partial_mentions(total, items, fires):
    narrative = [{"metric": "active_disclosure_total", "value": total}] + [
        {"metric": f"channel_{i}", "value": x, "parent": "active_disclosure_total"}
        for i, x in enumerate(items)
    ]
    f = only(run(report(narrative=narrative)), "prose_breakdown")
    assert len(f) == int(fires)


@pytest.mark.parametrize(
    ("app", "fires"),
    [
        pytest.param(None, False, id="seed000-6-requests-all-settled"),
        pytest.param(SEED_004_APP, True, id="claims-settled-but-2-carried"),
    ],
)
def test_prose_settled(app, fires):
    n = [{"metric": "applications_all_settled", "value": 1}]
    f = only(run(report(app=app, narrative=n)), "prose_settled")
    assert len(f) == int(fires)
    if fires:
        assert f.loc[0, "actual"] == "2"


@pytest.mark.parametrize(
    ("yuan", "fee_amount", "checks"),
    [
        pytest.param(0, 0, set(), id="no-fees"),
        pytest.param(300, 0.03, {"fees_charged"}, id="fees-within-part-2"),
        pytest.param(5000, 0, {"fees_charged", "prose_fees"}, id="fees-exceed-part-2"),
    ],
)
def test_fees(yuan, fee_amount, checks):
    n = [{"metric": "fees_charged", "value": yuan, "unit": "元"}]
    f = run(report(narrative=n, dis={("fees", "fee_amount"): fee_amount}))
    assert set(f["check"]) & {"fees_charged", "prose_fees"} == checks


def test_fees_not_compared_across_template_2019():
    n = [{"metric": "fees_charged", "value": 5000}]
    f = run(report(template="2019", year=2019, narrative=n))
    assert only(f, "prose_fees").empty


# ---------------------------------------------------------------------------------------
# Carried into next year, across years
# ---------------------------------------------------------------------------------------
def test_carried_forward_seed_004():
    f = only(run(report(app=SEED_004_APP)), "carried_forward")
    assert len(f) == 1 and f.loc[0, "severity"] == "info"
    assert f.loc[0, "actual"] == "2"
    msg = f.loc[0, "message"]
    for n in ("16", "14", "2"):
        assert n in msg


def test_no_carried_forward():
    assert only(run(report()), "carried_forward").empty


def _next_year(old: dict[tuple[str, str], Cell]) -> dict[tuple[str, str], Cell]:
    """A balanced 2024 report whose 上年结转 is ``old``, all granted."""
    app = {}
    for a in T.APPLICANT_CODES:
        v = old.get(a, 0)
        app.update({("received_new", a): 0, ("carried_over", a): v, ("granted", a): v,
                    ("unable_not_held", a): 0, ("total_handled", a): v})  # fmt: skip
    return app


@pytest.mark.parametrize(
    ("carried_in", "expected"),
    [
        pytest.param({"natural_person": 1, "enterprise": 1, "total": 2}, [], id="chain-holds"),
        pytest.param(
            {"natural_person": 0, "enterprise": 1, "total": 1},
            # One finding for the pair of reports; with two columns, col is empty and
            # expected names the earlier report, actual the number of columns.
            [("r2", "carried_over", pd.NA, "r1", "2")],
            id="one-request-lost",
        ),
    ],
)
def test_next_year_chain(carried_in, expected):
    f = run(report(app=SEED_004_APP), report("r2", year=2024, app=_next_year(carried_in)))
    got = keys(f, "next_year_chain")
    assert len(got) == len(expected)
    assert all(_same(g, e) for g, e in zip(got, expected, strict=True))
    if expected:
        m = only(f, "next_year_chain")
        assert m["location"].tolist() == ["applications:carried_over"]
        assert m["message"].item() == (
            "甲镇人民政府2024年报告“上年结转政府信息公开申请数量”与2023年报告（r1）"
            "“结转下年度继续办理”不一致："
            "“自然人”列0件，上年为1件；“总计”列1件，上年为2件。"
        )


def test_next_year_chain_one_column():
    f = run(
        report(app=SEED_004_APP),
        report("r2", year=2024, app=_next_year({"natural_person": 1, "enterprise": 1, "total": 1})),
    )
    assert keys(f, "next_year_chain") == [("r2", "carried_over", "total", "2", "1")]


def test_next_year_chain_needs_same_body():
    f = run(
        report(app=SEED_004_APP),
        report("r2", agency="乙镇人民政府", year=2024, app=_next_year({})),
    )
    assert only(f, "next_year_chain").empty


def _stock(issued, repealed, in_force):
    return {
        ("regulations", "issued"): issued,
        ("regulations", "repealed"): repealed,
        ("regulations", "in_force"): in_force,
    }


@pytest.mark.parametrize(
    ("this_year", "expected"),
    [
        pytest.param(_stock(2, 1, 6), [], id="5+2-1=6"),
        pytest.param(_stock(2, 1, 9), [("r2", "regulations", "in_force", "6", "9")], id="9-not-6"),
    ],
)
def test_stock_flow(this_year, expected):
    f = run(report(dis=_stock(0, 0, 5), year=2022), report("r2", dis=this_year, year=2023))
    assert keys(f, "stock_flow") == expected


def test_stock_flow_not_across_templates():
    f = run(
        report(template="2019", year=2022),
        report("r2", dis=_stock(2, 1, 9), year=2023),
    )
    assert only(f, "stock_flow").empty


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        pytest.param((2021, 2022, 2023), [], id="consecutive"),
        pytest.param((2020, 2023), [("r2023", "year", None, "2021,2022", None)], id="two-missing"),
    ],
)
def test_year_gap(years, expected):
    f = run(*(report(f"r{y}", year=y, published=f"{y + 1}-01-10") for y in years))
    got = [(r, row, None if pd.isna(c) else c, e, None if pd.isna(a) else a)
           for r, row, c, e, a in keys(f, "year_gap")]  # fmt: skip
    assert got == expected


@pytest.mark.parametrize(
    ("template", "year", "fires"),
    [
        pytest.param("2019", 2023, True, id="seed003-2019-format-in-2023"),
        pytest.param("2021", 2023, False, id="2021-format-in-2023"),
        pytest.param("2019", 2019, False, id="2019-format-in-2019"),
    ],
)
def test_old_template(template, year, fires):
    f = only(
        run(report(template=template, year=year, published=f"{year + 1}-01-10")), "old_template"
    )
    assert len(f) == int(fires)
    if fires:
        assert (f.loc[0, "expected"], f.loc[0, "actual"]) == ("2021", "2019")


def test_crosswalk():
    assert C.comparable("disclosure", "decisions", "2019", "2021")
    assert not C.comparable("disclosure", "fee_amount", "2019", "2021")
    assert not C.comparable("disclosure", "previous_year_count", "2019", "2021")
    assert C.comparable("applications", "granted", "2019", "2021")
    assert C.comparable("disclosure", "fee_amount", "2021", "2021")
    apps = frames(
        report(app={("other_overdue_correction", "total"): 1, ("other_other", "total"): 2})
    )
    h = C.harmonize_applications(apps["applications"], apps["reports"])
    other = h[(h["row"] == "other") & (h["applicant"] == "total")]
    assert other["value"].tolist() == [3]
    assert not h["row"].isin(["other_overdue_correction", "other_unpaid_fee", "other_other"]).any()


# ---------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------
def _townships(penalties: list[int], level: str = "township") -> list[dict]:
    return [
        report(f"t{i}", agency=f"镇{i}", level=level, dis={("penalty", "decisions"): p})
        for i, p in enumerate(penalties)
    ]


def test_peer_outlier_seed_004_penalties():
    f = only(run(*_townships([6, 0, 0, 3, 5, 1, 2390])), "peer_outlier")
    assert list(zip(f["report_id"], f["row"], f["col"], f["actual"], strict=True)) == [
        ("t6", "penalty", "decisions", "2390")
    ]
    msg = f.loc[0, "message"]
    assert "2390" in msg and "6个可比机关" in msg and "乡镇" in msg


def test_peer_outlier_no_verdict_with_few_peers():
    # The five seeds hold four townships: three peers are too few for a verdict.
    assert only(run(*_townships([6, 0, 0, 2390])), "peer_outlier").empty
    f = only(run(*_townships([6, 0, 0, 2390]), peer_min=3), "peer_outlier")
    assert f["report_id"].tolist() == ["t3"]


def test_peer_outlier_only_same_level():
    reps = _townships([6, 0, 0, 3, 5, 1]) + _townships([2390], level="county")
    assert only(run(*reps), "peer_outlier").empty


def test_peer_outlier_ignores_moderate_spread():
    assert only(run(*_townships([6, 0, 0, 3, 5, 1, 40])), "peer_outlier").empty


# ---------------------------------------------------------------------------------------
# Suspicious placement
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prev", "change", "decisions", "fires"),
    [
        pytest.param(0, 7, 0, True, id="seed003-penalty-7-in-change"),
        pytest.param(3, 7, 0, False, id="previous-year-nonzero"),
        pytest.param(0, 7, 7, False, id="decisions-nonzero"),
        pytest.param(0, 0, 0, False, id="all-zero"),
    ],
)
def test_suspicious_placement(prev, change, decisions, fires):
    dis = {
        ("penalty", "previous_year_count"): prev,
        ("penalty", "change"): change,
        ("penalty", "decisions"): decisions,
    }
    f = only(run(report(template="2019", dis=dis)), "suspicious_placement")
    assert keys(f, "suspicious_placement") == (
        [("r1", "penalty", "change", "0", "7")] if fires else []
    )
    if fires:
        assert "7" in f.loc[0, "message"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param(
            {("review", "upheld"): 1, ("review", "corrected"): 2, ("review", "total"): 12},
            [("r1", "review", "upheld", "12", "1|2")],
            id="12-split-into-1-and-2",
        ),
        pytest.param(
            {("review", "upheld"): 1, ("review", "corrected"): 2, ("review", "total"): 3},
            [],
            id="sums",
        ),
        pytest.param(
            {("review", "upheld"): 1, ("review", "corrected"): 2, ("review", "total"): 5},
            [],
            id="plain-break",
        ),
    ],
)
def test_split_number(cells, expected):
    assert keys(run(report(appeals=cells)), "split_number") == expected


def test_a_negative_cell_is_flagged_not_joined():
    appeals = {("review", "upheld"): 5, ("review", "corrected"): -3, ("review", "total"): 10}
    f = run(report(appeals=appeals))
    assert keys(f, "split_number") == []
    assert keys(f, "non_negative_integer") == [("r1", "review", "corrected", "非负整数", "-3")]


def test_split_number_in_part_3_row():
    app = {
        ("received_new", "natural_person"): 1,
        ("received_new", "enterprise"): 6,
        ("received_new", "total"): 16,
    }
    f = run(report(app=app))
    assert keys(f, "split_number") == [("r1", "received_new", "natural_person", "16", "1|6")]


# ---------------------------------------------------------------------------------------
# Timeliness
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "published", "config", "expected"),
    [
        pytest.param("township", "2024-01-12", {}, None, id="seed002-on-time"),
        pytest.param(
            "township", "2024-04-15", {}, ("2024-03-31", "2024-04-15"), id="township-late"
        ),
        pytest.param(
            "department", "2024-02-10", {}, ("2024-01-31", "2024-02-10"), id="department-late"
        ),
        pytest.param(
            "department", "2024-02-10", {"deadlines": {}}, None, id="configured-local-deadline"
        ),
        pytest.param(
            "township", "2023-06-01", {}, ("2024-03-31", "2023-06-01"), id="before-year-end"
        ),
        pytest.param("township", None, {}, None, id="no-date-no-verdict"),
    ],
)
def test_timeliness(level, published, config, expected):
    f = only(run(report(level=level, published=published), **config), "timeliness")
    got = None if f.empty else (f.loc[0, "expected"], f.loc[0, "actual"])
    assert got == expected


def test_timeliness_message_counts_days():
    f = only(run(report(published="2024-04-15")), "timeliness")
    assert "15天" in f.loc[0, "message"]


# ---------------------------------------------------------------------------------------
# Copied text
# ---------------------------------------------------------------------------------------
OVERVIEW = (
    "2023年，我镇高度重视政府信息公开工作，认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开，"
    "不断提升政务公开的质量和实效，切实保障人民群众的知情权、参与权和监督权。"
)
OTHER = (
    "本街道围绕优化营商环境和基层治理，依托门户网站和微信公众号发布动态信息，"
    "组织专题培训两次，完善保密审查流程，规范依申请公开答复文书，群众满意度稳步提升。"
)


@pytest.mark.parametrize(
    ("second", "agency", "expected_loc"),
    [
        pytest.param(
            OVERVIEW.replace("2023", "2024"),
            "甲镇人民政府",
            "sections:overview:same_body",
            id="same-body-next-year",
        ),
        pytest.param(OVERVIEW, "乙镇人民政府", "sections:overview:r1", id="other-body"),
        pytest.param(OTHER, "乙镇人民政府", None, id="different-text"),
    ],
)
def test_copied_text(second, agency, expected_loc):
    f = run(
        report(sections={"overview": OVERVIEW}),
        report(
            "r2", agency=agency, year=2024, published="2025-01-10", sections={"overview": second}
        ),
    )
    c = only(f, "copied_text")
    if expected_loc is None:
        assert c.empty
    else:
        assert list(zip(c["report_id"], c["location"], c["expected"], strict=True)) == [
            ("r2", expected_loc, "r1")
        ]
        assert float(c.loc[0, "actual"]) >= 0.85


@pytest.mark.parametrize(
    ("year", "whom"),
    [
        pytest.param(2024, "本机关2023年报告", id="last-year"),
        pytest.param(2023, "本机关同一年度的另一份报告（r1）", id="same-year-duplicate"),
    ],
)
def test_copied_text_wording(year: int, whom: str) -> None:
    f = run(
        report(sections={"overview": OVERVIEW}),
        report("r2", year=year, published="2024-01-10", sections={"overview": OVERVIEW}),
    )
    c = only(f, "copied_text")
    assert c["message"].item() == (
        f"甲镇人民政府{year}年报告“{T.label('part', 'overview')}”部分与{whom}几乎相同（相似度100%）。"
    )


def test_copied_text_names_part_six_as_a_part() -> None:
    """Part 六's code "other" is also a part 三 row's: the finding names the part."""
    f = run(
        report(sections={"other": OVERVIEW}),
        report("r2", agency="乙镇人民政府", sections={"other": OVERVIEW}),
        copy_sections=("other",),
    )
    assert "“其他需要报告的事项”部分" in only(f, "copied_text")["message"].item()


def test_copied_text_threshold_configurable():
    half = OVERVIEW[: len(OVERVIEW) // 2] + OTHER
    reps = (
        report(sections={"overview": OVERVIEW}),
        report("r2", agency="乙镇人民政府", sections={"overview": half}),
    )
    assert only(run(*reps), "copied_text").empty
    assert len(only(run(*reps, copy_threshold=0.2), "copied_text")) == 1


def test_short_texts_are_not_compared():
    reps = (
        report(sections={"problems": "无。"}),
        report("r2", agency="乙", sections={"problems": "无。"}),
    )
    assert only(run(*reps), "copied_text").empty


# ---------------------------------------------------------------------------------------
# Duplicates
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("second", "expected"),
    [
        pytest.param({"sha256": "sha-r1"}, [("duplicate_file", "r2", "r1")], id="same-file"),
        pytest.param({}, [("duplicate_report", "r2", "r1")], id="same-body-and-year"),
        pytest.param({"year": 2022, "published": "2023-01-10"}, [], id="other-year"),
        pytest.param({"agency": "乙镇人民政府"}, [], id="other-body"),
    ],
)
def test_duplicates(second, expected):
    f = run(report(), report("r2", **second))
    d = f[f["check"].isin(["duplicate_file", "duplicate_report"])]
    assert list(zip(d["check"], d["report_id"], d["expected"], strict=True)) == expected


# ---------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------
def test_part_absent():
    t = report()
    t["appeals"] = []
    t["sections"] = [s for s in t["sections"] if s["section"] != "appeals"]
    f = only(run(t), "part_absent")
    assert list(zip(f["table"], f["location"], strict=True)) == [("appeals", "appeals:absent")]
    assert "第四部分" in f.loc[0, "message"]


def test_part_present_by_heading_only_is_not_absent():
    t = report()
    t["appeals"] = []
    assert only(run(t), "part_absent").empty


def test_missing_cells_seed_003_part_3_cut_off():
    # Seed 003: the end of part 三 is lost (from （四）3 on).
    rows = [r.code for r in T.application_rows("2019")]
    lost = rows[rows.index("unable_unclear") :]
    app = {(r, a): "missing" for r in lost for a in T.APPLICANT_CODES}
    app.update({(r, a): 0 for r in rows[: rows.index("unable_unclear")] for a in T.APPLICANT_CODES})
    f = run(report(template="2019", app=app))
    m = only(f, "missing_cells")
    assert list(zip(m["table"], m["actual"], strict=True)) == [("applications", str(len(lost) * 7))]
    assert (f["severity"] != "error").all()


def test_unplaced_numbers_lists_the_parser_rows():
    t = frames(report(n_unplaced=2))
    t["findings"] = pd.DataFrame(
        [
            {"report_id": "r1", "check": "unplaced_number", "actual": "17"},
            {"report_id": "r1", "check": "unplaced_number", "actual": "3"},
        ]
    )
    f = only(C.run_checks(t), "unplaced_numbers")
    assert f.loc[0, "actual"] == "2"
    assert f.loc[0, "message"] == (
        "甲镇人民政府2023年报告第二至第四部分有2个数字未能归入任何单元格："
        "位置不详“17”；位置不详“3”。"
    )


def test_unplaced_numbers_list_each_line_with_its_reason():
    t = frames(report(n_unplaced=3))
    t["findings"] = pd.DataFrame(
        [
            {"report_id": "r1", "check": "unplaced_number", "actual": "0 0", "source": "line 64",
             "table": "applications",
             "message": "第64行的2个数字“0 0”未能对应到任何表格单元格：第三部分的行标签“理结”不是模板中的行。"},
            {"report_id": "r1", "check": "unplaced_number", "actual": "5", "source": "line 70",
             "table": "applications", "message": "…"},
        ]
    )  # fmt: skip
    f = only(C.run_checks(t), "unplaced_numbers")
    assert f.loc[0, "message"] == (
        "甲镇人民政府2023年报告第二至第四部分有3个数字未能归入任何单元格："
        "第64行“0 0”（第三部分的行标签“理结”不是模板中的行）；第70行“5”。"
    )
    assert (f.loc[0, "table"], f.loc[0, "source"]) == ("applications", "line 64; line 70")
    # check_corpus keeps the one finding, not the per-line ones as well.
    out = R.check_corpus(t, corrections_path=None, reviews_path=None)["findings"]
    assert "unplaced_number" not in set(out["check"])
    assert out["check"].tolist().count("unplaced_numbers") == 1
    assert only(run(report()), "unplaced_numbers").empty


def test_parse_failed():
    f = run(report(parse_status="failed", with_tables=False))
    assert f["check"].tolist() == ["parse_failed"]
    # Wholly in Chinese (the English reason stays in reports.error).
    assert f.loc[0, "message"] == "文件“r1.txt”无法解析：文件为空。"


def test_derived_cells_are_known_but_listed():
    # Seed 003: part 三 cut off after （四）2; with 一 + 二 = 0 the parser derives 0s.
    rows = [r.code for r in T.application_rows("2019")]
    lost = rows[rows.index("unable_unclear") :]
    app = {(r, a): 0 for r in rows for a in T.APPLICANT_CODES}
    app.update({(r, a): ("derived", 0) for r in lost for a in T.APPLICANT_CODES})
    f = run(report(template="2019", year=2019, published="2020-01-10", app=app))
    assert f["check"].tolist() == ["derived_cells"]
    assert f.loc[0, "actual"] == str(len(lost) * 7) and f.loc[0, "severity"] == "info"


def test_enabling_one_code_runs_the_function_that_emits_it():
    # The catalog binds derived_cells to check_coverage; enabled alone, it is still found.
    rows = [r.code for r in T.application_rows("2019")]
    lost = rows[rows.index("unable_unclear") :]
    app = {(r, a): 0 for r in rows for a in T.APPLICANT_CODES}
    app.update({(r, a): ("derived", 0) for r in lost for a in T.APPLICANT_CODES})
    r = report(template="2019", year=2019, published="2020-01-10", app=app)
    f = run(r, enabled=frozenset({"derived_cells"}))
    assert f["check"].tolist() == ["derived_cells"]


def test_the_catalog_names_the_function_of_every_check_it_runs():
    from gxparse.analysis.checks.run import check_functions, resolve

    for c in C.CHECKS:
        # run_checks emits exactly the codes bound to a function; the rest, nothing here.
        assert (c.function is not None) == (c.code in C.RUN_CHECK_CODES), c.code
    functions = check_functions()
    # Each function runs once, at its first place in the catalog.
    assert [n for n, _ in functions] == list(
        dict.fromkeys(c.function for c in C.CHECKS if c.function)
    )
    for name, _codes in functions:
        assert callable(resolve(name)), name


# ---------------------------------------------------------------------------------------
# The five seed reports, end to end through the parser
# ---------------------------------------------------------------------------------------
SEEDS = {
    "000": "000_6f1ea477f42cf686",
    "001": "001_f8b21749840a51ab",
    "002": "002_ae0143d6a302d7a8",
    "003": "003_31cc482f1e5f2a44",
    "004": "004_8884def07ca5fc07",
}


@functools.cache
def _read_seeds() -> dict[str, pd.DataFrame] | None:
    gx = importlib.import_module("gxparse")
    if not hasattr(gx, "read_reports"):
        return None
    corpus = gx.read_reports(Path(__file__).resolve().parents[1] / "data" / "raw")
    return {n: getattr(corpus, n) for n in C.TABLE_COLUMNS}


def seed_corpus_tables() -> dict[str, pd.DataFrame]:
    """The parser's seven tables for the five seeds (skips the test without a parser)."""
    tables = _read_seeds()
    if tables is None:
        pytest.skip("parser not available")
    return {n: df.copy() for n, df in tables.items()}


@pytest.fixture
def seed_tables() -> dict[str, pd.DataFrame]:
    return seed_corpus_tables()


def _seed_findings(tables: dict[str, pd.DataFrame], **config: Any) -> pd.DataFrame:
    t = dict(tables)
    t["findings"] = t["findings"][~t["findings"]["check"].isin(C.RUN_CHECK_CODES)]
    return C.run_checks(t, C.CheckConfig(**config))


def test_seed_findings_an_analyst_expects(seed_tables):
    f = _seed_findings(seed_tables)
    got = set(
        zip(f["report_id"], f["check"], f["row"], f["col"], f["expected"], f["actual"], strict=True)
    )
    expected = {
        # 000: website 806 items, but its 13 categories sum to 771.
        (SEEDS["000"], "prose_breakdown", "channel_website", pd.NA, "806", "771"),
        # 002: part 四's last cell (复议后起诉 总计) is blank.
        (SEEDS["002"], "blank_cells", "litigation_after_review", "total", pd.NA, "1"),
        # 003: 2019 format in 2023; 本年增/减 = 7 for 行政处罚 with 上一年 = 0 and 处理决定 = 0.
        (SEEDS["003"], "old_template", "template", pd.NA, "2021", "2019"),
        (SEEDS["003"], "suspicious_placement", "penalty", "change", "0", "7"),
        # 004: 16 received, 14 handled, 2 carried into next year.
        (SEEDS["004"], "carried_forward", "carried_forward", "total", pd.NA, "2"),
    }
    missing = {e for e in expected if not any(_same(e, g) for g in got)}
    assert not missing
    # No seed breaks an identity: the template's own oracle holds on all five.
    assert not (f["severity"] == "error").any(), f[f["severity"] == "error"]["message"].tolist()
    # 001 (street office, no requests, "130余条") needs no analyst attention.
    assert not (f["report_id"] == SEEDS["001"]).any()
    # 004: prose 受理16件 agrees with 本年新收 16.
    assert only(f, "prose_requests").empty
    # 000: 6 requests, "均已及时办结", none carried: consistent.
    assert only(f, "prose_settled").empty
    assert only(f, "carried_forward")["report_id"].tolist() == [SEEDS["004"]]
    # 004's messages quote its numbers.
    msg = f[(f["report_id"] == SEEDS["004"]) & (f["check"] == "carried_forward")]["message"].item()
    assert all(n in msg for n in ("16", "14", "2"))
    # 002 and 004: the blank cells make an identity not assessable, never a failure.
    na = only(f, "identity_not_assessable")
    assert {SEEDS["002"], SEEDS["004"]} <= set(na["report_id"])
    # 003: part 三 is cut off — its lost cells are listed (derived or missing).
    cut = f[(f["report_id"] == SEEDS["003"]) & f["check"].isin(["derived_cells", "missing_cells"])]
    assert "applications" in set(cut["table"])


def test_seed_penalty_outlier_needs_enough_peers(seed_tables):
    # Four townships among the seeds: three peers are too few for a verdict by default ...
    assert only(_seed_findings(seed_tables), "peer_outlier").empty
    # ... and with the bar lowered, 瀛海镇's 2390 penalty decisions stand out.
    f = only(_seed_findings(seed_tables, peer_min=3), "peer_outlier")
    assert list(zip(f["report_id"], f["row"], f["col"], f["actual"], strict=True)) == [
        (SEEDS["004"], "penalty", "decisions", "2390")
    ]
    assert "3个可比机关" in f.loc[0, "message"]


def _same(a: tuple, b: tuple) -> bool:
    return all(
        (pd.isna(x) and pd.isna(y)) if pd.isna(x) else x == y for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize(
    ("total", "parts", "total_approx", "parts_approx", "ok"),
    [
        pytest.param(1359, 1359, False, False, True, id="equal"),
        pytest.param(806, 771, False, False, False, id="seed000-website"),
        pytest.param(130, 135, True, False, True, id="130余-items-135"),
        pytest.param(130, 120, True, False, False, id="130余-items-120"),
        pytest.param(130, 120, False, True, True, id="items-approximate-below"),
        pytest.param(130, 150, False, True, False, id="items-approximate-above"),
        pytest.param(130, 10, True, True, True, id="both-approximate-no-verdict"),
    ],
)
def test_breakdown_ok(total, parts, total_approx, parts_approx, ok):
    assert CP._breakdown_ok(total, parts, total_approx, parts_approx) is ok


@functools.cache
def _recall_bench() -> Any:
    """benchmarks/checks_recall.py as a module (its corpus generator)."""
    spec = importlib.util.spec_from_file_location(
        "checks_recall", Path(__file__).resolve().parents[1] / "benchmarks" / "checks_recall.py"
    )
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    return bench


def test_benchmark_covers_every_check_and_finds_every_fault():
    bench = _recall_bench()
    corpus, expected = bench.faulty_corpus(bodies=30, seed=3)
    assert {e[0] for e in expected} == set(C.RUN_CHECK_CODES)
    found = C.run_checks(corpus.frames())
    got = set(zip(found["check"], found["report_id"], found["location"], strict=True))
    assert [e for e in expected if e not in got] == []
    clean = C.run_checks(bench.clean_corpus(bodies=30, seed=3).frames())
    assert not (clean["severity"] == "error").any()


@pytest.mark.parametrize(
    ("value", "peers", "flag"),
    [
        pytest.param(2390, [6, 0, 0, 3, 5, 1], True, id="2390-vs-single-digits"),
        pytest.param(20, [6, 0, 0, 3, 5, 1], False, id="20-vs-single-digits"),
        pytest.param(150, [0] * 6 + [50, 80, 120, 200], False, id="mostly-zero-peers-wide-spread"),
        pytest.param(0, [100, 120, 90, 150, 110], True, id="far-below"),
    ],
)
def test_robust_outlier(value, peers, flag):
    got, z, _median = C.robust_outlier(value, peers, C.CheckConfig())
    assert got is flag
    assert (z < 0) == (value < 5)


def test_low_peer_outliers_only_on_request():
    reps = _townships([100, 120, 90, 150, 110, 0])
    assert only(run(*reps), "peer_outlier").empty
    f = only(run(*reps, peer_low=True), "peer_outlier")
    assert list(zip(f["report_id"], f["actual"], strict=True)) == [("t5", "0")]
    assert "偏低" in f.loc[0, "message"]


@pytest.mark.parametrize(
    ("agencies", "expected"),
    [
        pytest.param(
            {"a": "洪泽区人民政府", "b": "淮安市洪泽区人民政府"},
            {"a": "淮安市洪泽区人民政府", "b": "淮安市洪泽区人民政府"},
            id="hongze-prefix-dropped-one-year",
        ),
        pytest.param(
            {"a": "城关镇人民政府", "b": "甲县城关镇人民政府", "c": "乙县城关镇人民政府"},
            {"a": "城关镇人民政府", "b": "甲县城关镇人民政府", "c": "乙县城关镇人民政府"},
            id="ambiguous-short-name-stays",
        ),
        pytest.param(
            {"a": "人民政府", "b": "淮安市人民政府"},
            {"a": "人民政府", "b": "淮安市人民政府"},
            id="too-short-to-link",
        ),
    ],
)
def test_body_keys(agencies, expected):
    reports = pd.DataFrame({"report_id": list(agencies), "agency": list(agencies.values())})
    assert C.body_keys(reports) == expected


def test_body_keys_respect_different_counties():
    reports = pd.DataFrame(
        {
            "report_id": ["a", "b"],
            "agency": ["城关镇人民政府", "甲县城关镇人民政府"],
            "county": ["乙县", "甲县"],
        }
    )
    assert C.body_keys(reports) == {"a": "城关镇人民政府", "b": "甲县城关镇人民政府"}


def test_next_year_chain_across_a_renamed_body():
    # Real case: 洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024).
    f = run(
        report(agency="洪泽区人民政府", app=SEED_004_APP),
        report("r2", agency="淮安市洪泽区人民政府", year=2024, app=_next_year({"total": 2})),
    )
    m = only(f, "next_year_chain")
    assert m["report_id"].tolist() == ["r2"]
    assert m["actual"].tolist() == ["2"]  # two columns: 自然人 and 商业企业
    assert "“自然人”列0件，上年为1件" in m["message"].item()


@pytest.mark.parametrize(
    ("table", "keys_", "text"),
    [
        pytest.param(
            "appeals",
            [("litigation_after_review", "total")],
            "行政诉讼：复议后起诉/总计",
            id="one-cell",
        ),
        pytest.param(
            "applications",
            [("other_other", a) for a in T.APPLICANT_CODES],
            "“其他处理：其他”整行（共7个单元格）",
            id="seed004-whole-row",
        ),
        pytest.param(
            "disclosure",
            [("procurement", "procurement_projects"), ("procurement", "procurement_amount")],
            "政府集中采购/采购项目数量、政府集中采购/采购总金额（共2个单元格）",
            id="seed003-procurement",
        ),
    ],
)
def test_describe_cells(table, keys_, text):
    assert C.describe_cells(table, keys_) == text


def test_message_en_from_the_catalog():
    f = only(run(report(app=both("received_new", 7))), "identity_balance")
    en = C.message_en(f)
    assert en.iloc[0].startswith(C.CHECK_BY_CODE["identity_balance"].en)
    assert "expected 7, actual 6" in en.iloc[0]


# ---------------------------------------------------------------------------------------
# Scale: cells held column-wise, peers compared in one sort
# ---------------------------------------------------------------------------------------
def test_cell_table_reads_a_report_like_a_dict_filled_row_by_row():
    df = pd.DataFrame(
        {
            "report_id": ["b", "a", "b", None, "b"],
            "row": ["x", "x", "y", "x", "x"],
            "applicant": ["total"] * 5,
            "value": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "status": ["reported", "blank", None, "reported", "corrected"],
            "raw": ["1", "", "3", "4", "5"],
            "source": ["l1", "l2", "l3", "l4", "l5"],
        }
    )
    t = C.CellTable(df, "applications", pd.Index(["a", "b", "c"], dtype=object))
    b = t.report("b")
    # Keys in the order of their first row; a repeated cell's last row counts.
    assert list(b) == [("x", "total"), ("y", "total")]
    assert b[("x", "total")] == C.CellValue(5.0, "corrected", "5", "l5")
    # A cell without a status is missing: not known, whatever its value.
    assert b[("y", "total")].status == "missing" and not b[("y", "total")].known
    assert t.report("a")[("x", "total")] == C.CellValue(None, "blank", "", "l2")
    assert not t.report("c") and len(t.report("c")) == 0 and ("x", "total") not in t.report("c")
    assert not t.report("not-an-id")  # the row without a report id belongs to none
    known = t.known(("x", "total"))  # per report id, NaN where not known
    assert known[1] == 5.0 and pd.isna(known[[0, 2]]).all()
    assert t.status_count(["missing"]).tolist() == [0, 1, 0]
    assert b.keys_with_status("corrected") == [("x", "total")]


def test_a_repeated_cell_is_checked_with_its_last_value():
    broken = report(app=both("received_new", 7))
    again = [
        {**r, "value": 6}
        for r in broken["applications"]
        if r["row"] == "received_new" and r["applicant"] in ("natural_person", "total")
    ]
    fixed = {**broken, "applications": broken["applications"] + again}
    assert not only(run(broken), "identity_balance").empty
    assert only(run(fixed), "identity_balance").empty


def test_categorical_and_plain_tables_give_the_same_findings():
    from gxparse.parsing.parse import TABLES, typed

    corpus, _expected = _recall_bench().faulty_corpus(bodies=30, seed=3)
    plain = corpus.frames()
    coded = {n: typed(n, df) for n, df in plain.items() if n in TABLES}
    assert isinstance(coded["applications"]["row"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(C.run_checks(coded), C.run_checks(plain))


def _outlier_as_first_written(
    value: float, peers: list[float], config: C.CheckConfig
) -> tuple[bool, float, float]:
    """robust_outlier with the statistics module, as first written: the numbers both the
    per-value and the one-sort versions must give exactly."""
    import math
    import statistics

    logs = [math.log1p(max(p, 0.0)) for p in peers]
    med = statistics.median(logs)
    mad = statistics.median(abs(x - med) for x in logs) * 1.4826
    q1, _, q3 = statistics.quantiles(logs, n=4) if len(logs) > 1 else (med, med, med)
    scale = max(mad, (q3 - q1) / 1.349, config.peer_min_scale)
    x = math.log1p(max(value, 0.0))
    z = (x - med) / scale
    flag = abs(z) >= config.peer_z and abs(x - med) >= config.peer_min_log_ratio
    return flag, z, math.expm1(med)


@pytest.mark.parametrize("seed", range(6))
def test_outliers_among_equals_robust_outlier_against_the_rest(seed):
    import random

    rng = random.Random(seed)
    config = C.CheckConfig()
    for size in [2, 3, 4, 5, 6, 7, 8, 11, 40, 41, 200]:
        draw = [
            lambda: 0.0,
            lambda: float(rng.randrange(5)),  # ties
            lambda: float(rng.randrange(10 ** rng.randrange(1, 6))),
            lambda: rng.uniform(-3, 50),  # decimals, negatives
        ]
        values = [rng.choice(draw)() for _ in range(size)]
        got = C.outliers_among(values, config)
        for i, v in enumerate(values):
            rest = values[:i] + values[i + 1 :]
            expected = _outlier_as_first_written(v, rest, config)
            assert got[i] == expected
            assert C.robust_outlier(v, rest, config) == expected


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("threshold", [0.5, 0.85, 1.0])
def test_similar_texts_equals_similar_pairs_of_their_shingles(n, threshold):
    import random

    rng = random.Random(n * 10 + int(threshold * 100))
    pool = "公开政府信息申请办理依法及时主动年度报告工作情况存在问题改进措施"
    base = ["".join(rng.choice(pool) for _ in range(rng.randrange(0, 90))) for _ in range(12)]
    texts = {}
    for i in range(60):
        t = rng.choice(base)
        # Near copies: a few characters changed, numbers (updated figures), spaces.
        for _ in range(rng.randrange(0, 4)):
            j = rng.randrange(len(t) + 1)
            t = t[:j] + rng.choice(pool + " 0123456789\n") + t[j:]
        texts[f"r{rng.randrange(1000):03d}-{i}"] = t + rng.choice(["", "𠀋", "2023年"])
    expected = C.similar_pairs({k: C.shingles(t, n) for k, t in texts.items()}, threshold)
    assert C.similar_texts(texts, n, threshold) == expected
    assert expected or threshold == 1.0


# ---------------------------------------------------------------------------------------
# The template is the one place a label or an identity is declared
# ---------------------------------------------------------------------------------------
_LABEL_CACHES = (C.row_label, C.col_label, CC._cell_name, C.row_name, C.prose_label)


@pytest.fixture
def relabelled_received_new():
    """Part 三's first row relabelled in the template, as an edit of template.py would."""
    entry = T.APPLICATION_ROW_BY_CODE["received_new"]
    old = entry.zh
    # Entries are frozen: the edit is made on the declared entry itself and undone after.
    object.__setattr__(entry, "zh", "一、本年新收申请件数（测试）")
    for f in _LABEL_CACHES:
        f.cache_clear()
    yield
    object.__setattr__(entry, "zh", old)
    for f in _LABEL_CACHES:
        f.cache_clear()


def test_a_label_edited_in_the_template_shows_everywhere(relabelled_received_new):
    from gxparse.analysis import metrics
    from gxparse.reporting import plotting

    assert T.label("row", "received_new", short=True) == "本年新收申请件数"
    f = only(run(report(app={("received_new", "total"): 9})), "identity_row_total")
    assert f["message"].item().startswith("甲镇人民政府2023年报告第三部分“本年新收申请件数”行")
    assert metrics.term_label("received_new") == "本年新收申请件数"
    assert metrics.short_label("received_new", numbered=True) == "一、本年新收申请件数"
    assert plotting.flow_labels()["received_new"] == "本年新收申请件数"


@pytest.fixture
def balance_without_carried_forward(monkeypatch):
    """The balance identity edited in the template: new + carried over = handled."""
    from dataclasses import replace

    from gxparse.parsing import derive as D

    declared = T.application_identities

    def edited(template: str) -> tuple[T.Identity, ...]:
        balance, *rest = declared(template)
        return (replace(balance, zh="一＋二＝三（测试）", right=("total_handled",)), *rest)

    monkeypatch.setattr(T, "application_identities", edited)
    D._application_equations.cache_clear()
    yield
    D._application_equations.cache_clear()


def _derived_total_handled() -> object:
    from decimal import Decimal

    from gxparse.parsing.derive import application_equations, derive
    from gxparse.parsing.tables import CellValue

    cells = {
        (r.code, a): CellValue("missing")
        for r in T.application_rows("2021")
        for a in T.APPLICANT_CODES
    }
    for row, v in (("received_new", 5), ("carried_over", 2), ("carried_forward", 1)):
        cells[(row, "natural_person")] = CellValue("reported", Decimal(v), str(v))
    out = derive(cells, application_equations("2021", cells))
    return out[("total_handled", "natural_person")].value


def test_derive_reads_the_balance_from_the_template():
    assert _derived_total_handled() == 6  # 5 + 2 = handled + 1


def test_an_identity_edited_in_the_template_shows_everywhere(balance_without_carried_forward):
    assert _derived_total_handled() == 7  # 5 + 2 = handled
    app = {**both("carried_over", 1), **both("carried_forward", 1)}
    f = only(run(report(app=app)), "identity_balance")
    assert list(zip(f["col"], f["expected"], f["actual"], strict=True)) == [
        ("natural_person", "7", "6"),
        ("total", "7", "6"),
    ]
    assert "第三部分“自然人”列（一＋二＝三（测试））不平衡" in f["message"].iloc[0]


def test_the_unedited_balance_holds_on_the_same_report():
    app = {**both("carried_over", 1), **both("carried_forward", 1)}
    assert only(run(report(app=app)), "identity_balance").empty
