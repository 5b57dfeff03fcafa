"""Every cell of the five seed reports, against values read from the reports by hand.

Each seed is described completely: the cells listed below, and every other cell of its
template reported as 0. The lists were typed from the files in data/raw, not from the
parser's output."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import gxparse
from gxparse import template as T

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"

# (table, key) → (status, value). key: "item.measure" / "row.applicant" / "proceeding.result".
SEEDS: dict[str, dict] = {
    "000_6f1ea477f42cf686": {
        "agency_raw": "承留镇人民政府",
        "agency": "承留镇人民政府",
        "year": 2023,
        "template": "2021",
        "published": None,
        "level": "township",
        "n_unplaced": 0,
        "cells": {
            "disclosure": {"normative_documents.in_force": 2, "penalty.decisions": 6},
            "applications": {
                "received_new.natural_person": 6,
                "received_new.total": 6,
                "granted.natural_person": 5,
                "granted.total": 5,
                "unable_not_held.natural_person": 1,
                "unable_not_held.total": 1,
                "total_handled.natural_person": 6,
                "total_handled.total": 6,
            },
            "appeals": {},
        },
        "narrative": {
            "active_disclosure_total": (1359, False),
            "channel_wechat": (553, False),
            "channel_website": (806, False),
            "applications_received": (6, False),
            "applications_all_settled": (1, False),
            "fees_charged": (0, False),
        },
    },
    "001_f8b21749840a51ab": {
        "agency_raw": "郟县龙山街道办事处",
        "agency": "郏县龙山街道办事处",
        "county": "郏县",
        "year": 2023,
        "template": "2021",
        "published": None,
        "level": "street_office",
        "n_unplaced": 0,
        "cells": {"disclosure": {}, "applications": {}, "appeals": {}},
        "narrative": {
            "active_disclosure_total": (130, True),
            "applications_received": (0, False),
            "fees_charged": (0, False),
        },
    },
    "002_ae0143d6a302d7a8": {
        "agency_raw": "乌拉特中旗海流图镇人民政府",
        "agency": "乌拉特中旗海流图镇人民政府",
        "province": "内蒙古自治区",
        "county": "乌拉特中旗",
        "year": 2023,
        "template": "2021",
        "published": "2024-01-12",
        "level": "township",
        "n_unplaced": 0,
        "cells": {
            "disclosure": {},
            "applications": {},
            "appeals": {"litigation_after_review.total": ("blank", None)},
        },
        "narrative": {
            "active_disclosure_total": (38, False),
            "applications_received": (0, False),
            "fees_charged": (0, False),
        },
    },
    "003_31cc482f1e5f2a44": {
        "agency_raw": "洺州镇人民政府",
        "agency": "洺州镇人民政府",
        "year": 2023,
        "template": "2019",
        "published": None,
        "level": "township",
        "n_unplaced": 7,  # the stray row of zeros between （二） and （三）
        "cells": {
            "disclosure": {
                "penalty.change": 7,
                "procurement.procurement_projects": ("missing", None),
                "procurement.procurement_amount": ("missing", None),
            },
            # Part 三 is cut off after （四）3; 一 + 二 = 0 in every column forces the rest to 0.
            "applications": {
                f"{row}.{a}": ("derived", 0)
                for row in (
                    "rejected_petition",
                    "rejected_duplicate",
                    "rejected_publication",
                    "rejected_excessive",
                    "rejected_confirmation",
                    "other",
                    "total_handled",
                    "carried_forward",
                )
                for a in T.APPLICANT_CODES
            },
            "appeals": {},
        },
        "narrative": {},
    },
    "004_8884def07ca5fc07": {
        "agency_raw": "北京市大兴区瀛海镇人民政府",
        "agency": "北京市大兴区瀛海镇人民政府",
        "province": "北京市",
        "county": "大兴区",
        "year": 2023,
        "template": "2021",
        "published": None,
        "level": "township",
        "n_unplaced": 0,
        "cells": {
            "disclosure": {"penalty.decisions": 2390},
            "applications": {
                "received_new.natural_person": 13,
                "received_new.enterprise": 3,
                "received_new.total": 16,
                "granted.natural_person": 5,
                "granted.enterprise": 2,
                "granted.total": 7,
                "partially_granted.natural_person": 5,
                "partially_granted.total": 5,
                "unable_not_held.natural_person": 2,
                "unable_not_held.total": 2,
                **{f"other_other.{a}": ("blank", None) for a in T.APPLICANT_CODES},
                "total_handled.natural_person": 12,
                "total_handled.enterprise": 2,
                "total_handled.total": 14,
                "carried_forward.natural_person": 1,
                "carried_forward.enterprise": 1,
                "carried_forward.total": 2,
            },
            "appeals": {},
        },
        "narrative": {
            "active_disclosure_total": (125, False),
            "applications_received": (16, False),
            "fees_charged": (0, False),
        },
    },
}

KEYS = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}


def expected_cells(seed: dict, table: str) -> dict[str, tuple[str, float | None]]:
    template = seed["template"]
    if table == "disclosure":
        keys = [f"{i}.{m}" for i, ms in T.DISCLOSURE_LAYOUT[template].items() for m in ms]
    elif table == "applications":
        keys = [f"{r.code}.{a}" for r in T.application_rows(template) for a in T.APPLICANT_CODES]
    else:
        keys = [f"{p}.{r}" for p, r in T.APPEAL_CELLS]
    out: dict[str, tuple[str, float | None]] = dict.fromkeys(keys, ("reported", 0))
    for k, v in seed["cells"][table].items():
        out[k] = v if isinstance(v, tuple) else ("reported", v)
    return out


@pytest.fixture(scope="module")
def corpus() -> gxparse.Corpus:
    return gxparse.read_reports(RAW)


@pytest.mark.parametrize("report_id", sorted(SEEDS))
@pytest.mark.parametrize("table", ["disclosure", "applications", "appeals"])
def test_every_cell(corpus: gxparse.Corpus, report_id: str, table: str) -> None:
    seed = SEEDS[report_id]
    df = getattr(corpus, table)
    df = df[df["report_id"] == report_id]
    a, b = KEYS[table]
    actual = {
        f"{r[a]}.{r[b]}": (r["status"], None if pd.isna(r["value"]) else float(r["value"]))
        for _, r in df.iterrows()
    }
    expected = {
        k: (s, None if v is None else float(v)) for k, (s, v) in expected_cells(seed, table).items()
    }
    wrong = {
        k: (expected.get(k), actual.get(k))
        for k in expected.keys() | actual.keys()
        if expected.get(k) != actual.get(k)
    }
    assert not wrong, f"{report_id} {table}: key → (expected, actual): {wrong}"


@pytest.mark.parametrize("report_id", sorted(SEEDS))
def test_report_facts(corpus: gxparse.Corpus, report_id: str) -> None:
    seed = SEEDS[report_id]
    row = corpus.reports.set_index("report_id").loc[report_id]
    for field in ("agency_raw", "agency", "year", "template", "level", "n_unplaced"):
        assert row[field] == seed[field], field
    for field in ("province", "city", "county"):
        expected = seed.get(
            field, "北京市" if field == "city" and seed.get("province") == "北京市" else None
        )
        assert (None if pd.isna(row[field]) else row[field]) == expected, field
    published = None if pd.isna(row["published"]) else row["published"].date().isoformat()
    assert published == seed["published"]
    assert row["source_file"] == f"{report_id}.txt"
    assert row["source_format"] == "txt"
    assert row["parse_status"] == ("partial" if report_id.startswith("003") else "ok")


@pytest.mark.parametrize("report_id", sorted(SEEDS))
def test_narrative(corpus: gxparse.Corpus, report_id: str) -> None:
    df = corpus.narrative[
        (corpus.narrative["report_id"] == report_id)
        & (corpus.narrative["metric"] != "active_disclosure_category")
    ]
    actual = {r["metric"]: (float(r["value"]), bool(r["approximate"])) for _, r in df.iterrows()}
    assert actual == {k: (float(v), a) for k, (v, a) in SEEDS[report_id]["narrative"].items()}


def test_breakdowns_keep_their_parent(corpus: gxparse.Corpus) -> None:
    n = corpus.narrative
    cats = n[
        (n["report_id"] == "000_6f1ea477f42cf686") & (n["metric"] == "active_disclosure_category")
    ]
    assert cats["label"].tolist()[:3] == ["政府信息公开制度信息", "概况信息", "公告公示"]
    assert set(cats["parent"]) == {"channel_website"}
    assert cats["value"].sum() == 771  # the report says 806: a breakdown that does not add up
    cats2 = n[
        (n["report_id"] == "002_ae0143d6a302d7a8") & (n["metric"] == "active_disclosure_category")
    ]
    assert cats2["value"].tolist() == [1, 2, 28, 1, 5, 1]
    assert set(cats2["parent"]) == {"active_disclosure_total"}


@pytest.mark.parametrize(
    ("table", "report_id", "key", "raw", "source"),
    [
        ("disclosure", "000_6f1ea477f42cf686", "penalty.decisions", "6", "line 40"),
        ("applications", "000_6f1ea477f42cf686", "total_handled.natural_person", "6", "line 74"),
        (
            "applications",
            "002_ae0143d6a302d7a8",
            "other_overdue_correction.total",
            "\n0",
            "line 307",
        ),
        (
            "applications",
            "004_8884def07ca5fc07",
            "received_new.natural_person",
            "13",  # printed "13\xa0": whitespace around a cell is layout, not text
            "line 81",
        ),
        ("applications", "004_8884def07ca5fc07", "granted.natural_person", "5", "line 100"),
        ("applications", "004_8884def07ca5fc07", "other_other.total", "", "line 325"),
        ("appeals", "003_31cc482f1e5f2a44", "review.upheld", "0", "line 88"),
        ("appeals", "002_ae0143d6a302d7a8", "litigation_after_review.total", "", "line 405"),
        ("disclosure", "003_31cc482f1e5f2a44", "penalty.change", "7", "line 38"),
    ],
)
def test_raw_and_source(
    corpus: gxparse.Corpus, table: str, report_id: str, key: str, raw: str, source: str
) -> None:
    df = getattr(corpus, table)
    a, b = KEYS[table]
    x, y = key.split(".")
    row = df[(df["report_id"] == report_id) & (df[a] == x) & (df[b] == y)].iloc[0]
    assert row["raw"] == raw
    assert row["source"] == source


def test_unplaced_numbers_are_listed(corpus: gxparse.Corpus) -> None:
    # One finding for the report's seven zeros (the parser's per-line finding merged in).
    assert corpus.findings["check"].eq("unplaced_number").sum() == 0
    f = corpus.findings[corpus.findings["check"] == "unplaced_numbers"]
    assert f["report_id"].tolist() == ["003_31cc482f1e5f2a44"]
    assert f["source"].tolist() == ["line 64"]
    assert f["actual"].tolist() == ["7"]
    assert f["table"].tolist() == ["applications"]
    assert "第64行“0 0 0 0 0 0 0”" in f["message"].iloc[0]
    assert "理结" in f["message"].iloc[0]


def test_sections(corpus: gxparse.Corpus) -> None:
    s = corpus.sections
    assert s[s["report_id"] == "000_6f1ea477f42cf686"]["section"].tolist() == [
        p.code for p in T.PARTS
    ]
    # 003 lost part 四's heading with the end of part 三.
    assert "appeals" not in s[s["report_id"] == "003_31cc482f1e5f2a44"]["section"].tolist()
    text = s[(s["report_id"] == "001_f8b21749840a51ab") & (s["section"] == "other")]["text"].iloc[0]
    assert text.endswith("本年度没有产生政府信息公开处理费。")


def test_tables_match_the_declared_schemas(corpus: gxparse.Corpus) -> None:
    from gxparse.schemas import validate

    validate(corpus.as_dict())
