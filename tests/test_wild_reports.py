"""Real report pages as crawled from many bodies and provinces (../shared/wild-reports), read
as a person reads them. Each excerpt is cut at about 2,000 bytes: a cell cut off is
``missing``, never 0. Skipped when ../shared is absent (a user's fresh clone)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gxparse import template as T
from gxparse.parsing.parse import parse_file

WILD = Path(__file__).resolve().parents[2] / "shared" / "wild-reports"

pytestmark = pytest.mark.skipif(not WILD.is_dir(), reason="../shared/wild-reports absent")

# file stem → (agency as printed in the title or first sentence, report year)
TITLES = {
    "001_tuofenglu2020": ("驼峰路街道办事处", 2020),  # title without a year
    "002_xiashihaozhen2022": ("下湿壕镇政府", 2022),  # "…2022年信息公开工作年度报告"
    "003_xiaocunxiang2021": ("肖村乡人民政府", 2021),  # title on two lines
    "004_dalongxiang2020": ("湖口县大垅乡", 2020),
    "005_songjianghezhen2020": ("抚松县松江河镇人民政府", 2020),  # after 登录 | 注册
    "006_hebaozhen2020": ("河包镇", 2020),  # after a breadcrumb
    "007_faku_zrzyj2022": ("法库县自然资源局", 2022),  # first sentence only
    "008_guihuajiedao2019": ("荷塘区桂花街道办事处", 2019),  # first sentence, no headings
    "009_yanglinzhen2023": ("衡阳市衡东县杨林镇", 2023),  # after 当前页面 … 发布时间
    "010_wangcang_lyj2019": ("旺苍县林业局", 2019),
    "011_yongchuan_gxq2020": ("永川高新技术产业开发区管理委员会", 2020),
    "012_xilinguole_swj2021": ("锡盟商务局", 2021),  # after 【打印】 【字体
    "013_wenchanghu_lyj2020": ("文昌湖区旅游局", 2020),
    "014_yangling_wltj2020": ("杨陵区文化和旅游体育局", 2020),
    "015_shixing_tyjrswj2020": ("县退役军人事务局", 2020),
    "016_xuwangzhen2025": ("汉台区徐望镇人民政府", 2025),  # after the site's menu line
    "017_zhuhongzhen2025": ("竹泓镇", 2025),
    "018_tangjingjiedao2021": ("广州市白云区人民政府棠景街道办事处", 2021),
    "019_kaiyang_scjgj2020": ("开阳县市场监督管理局", 2020),  # first sentence only
    "020_yiyang_gxq_scjgj2020": ("益阳高新区市场监督管理局", 2020),  # "特向社会公布X…"
}

M = "missing"
# file stem → template, then part 二 cells per item in the template's measure order:
# a number (reported), None (blank) or M (missing: cut off, or printed ambiguously).
DISCLOSURE = {
    "001_tuofenglu2020": (  # one cell per paragraph, blank lines between
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (0, 0, 0),
            "other_external_services": (0, 0, 0),
            "penalty": (0, 0, 0),
            "coercion": (0, 0, 0),
            "fees": (0, 0),
            "procurement": (0, 0),
        },
    ),
    "002_xiashihaozhen2022": (  # "a | b |" rows
        "2021",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (0,),
            "penalty": (6,),
            "coercion": (0,),
            "fees": (0,),
        },
    ),
    "004_dalongxiang2020": (  # a lone "|" line before every row, "x |" cells
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (0, 0, 0),
            "other_external_services": (0, 0, 0),
            "penalty": (0, 0, 0),
            "coercion": (0, 0, 0),
            "fees": (0, 0),
            "procurement": (M, M),  # cut before 第（九）项
        },
    ),
    "005_songjianghezhen2020": (  # headers cut to "本年增/"; cut in the fees label
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (0, 0, 0),
            "other_external_services": (0, 0, 0),
            "penalty": (0, 0, 0),
            "coercion": (0, 0, 0),
            "fees": (M, M),
            "procurement": (M, M),
        },
    ),
    "007_faku_zrzyj2022": (
        "2021",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (1,),
            "penalty": (46,),
            "coercion": (0,),
            "fees": (0,),
        },
    ),
    "008_guihuajiedao2019": (  # no part heading at all; procurement printed empty
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (0, 0, 0),
            "other_external_services": (0, 0, 0),
            "penalty": (0, 0, 0),
            "coercion": (0, 0, 0),
            "fees": (0, 0),
            "procurement": (None, None),
        },
    ),
    "009_yanglinzhen2023": (  # the 2019 table in a 2023 report; rows of empty cells
        "2019",
        {
            "regulations": (1, 1, 1),
            "normative_documents": (22, 22, 22),
            "licensing": (None, None, None),
            "other_external_services": (None, None, None),
            "penalty": (None, None, None),
            "coercion": (None, None, None),
            "fees": (None, None),
            "procurement": (0, 0),
        },
    ),
    "010_wangcang_lyj2019": (  # "增1558", "减38", "2601.953875万"
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (5378, 1558, 6936),
            "other_external_services": (0, 0, 0),
            "penalty": (80, -38, 42),
            "coercion": (0, 0, 0),
            "fees": (M, M),  # one number for two columns
            "procurement": (13, 2601.953875),
        },
    ),
    "012_xilinguole_swj2021": (  # a value padded with ~29 spaces
        "2021",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (1, 0, 0),
            "licensing": (27,),
            "penalty": (0,),
            "coercion": (0,),
            "fees": (0,),
        },
    ),
    "015_shixing_tyjrswj2020": (  # headings without numbers; "未增未减"
        "2019",
        {
            "regulations": (6, 6, 6),
            "normative_documents": (1, 1, 1),
            "licensing": (0, 0, 0),
            "other_external_services": (0, 0, 0),
            "penalty": (0, 0, 0),
            "coercion": (0, 0, 0),
            "fees": (0, 0),
            "procurement": (26, 149.673874),
        },
    ),
    "016_xuwangzhen2025": (  # the 规章 label cell blank; item headers cut to "第二十条第"
        "2021",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (124,),
            "penalty": (0,),
            "coercion": (0,),
            "fees": (0,),
        },
    ),
    "019_kaiyang_scjgj2020": (  # "| a | b |" rows; cut in the 第（六）项 header
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (8, 0, 18000),
            "other_external_services": (25, 0, 1635),
            "penalty": (M, M, M),
            "coercion": (M, M, M),
            "fees": (M, M),
            "procurement": (M, M),
        },
    ),
    "020_yiyang_gxq_scjgj2020": (  # "x |" one cell per line; "-1942", "+43"
        "2019",
        {
            "regulations": (0, 0, 0),
            "normative_documents": (0, 0, 0),
            "licensing": (8249, -1942, 6307),
            "other_external_services": (0, 0, 0),
            "penalty": (9, 43, 52),
            "coercion": (M, M, M),  # cut at the label
            "fees": (M, M),
            "procurement": (M, M),
        },
    ),
}


@pytest.fixture(scope="module")
def parsed():
    cache = {}

    def get(stem: str):
        if stem not in cache:
            cache[stem] = parse_file(WILD / f"{stem}.txt")
        return cache[stem]

    return get


@pytest.mark.parametrize("stem", sorted(TITLES))
def test_agency_and_year_from_the_title_or_first_sentence(parsed, stem: str) -> None:
    rep = parsed(stem).reports.iloc[0]
    assert (rep["agency_raw"], rep["year"]) == TITLES[stem]


@pytest.mark.parametrize("stem", sorted(DISCLOSURE))
def test_part_two_cells(parsed, stem: str) -> None:
    template, items = DISCLOSURE[stem]
    got = parsed(stem)
    assert got.reports.iloc[0]["template"] == template
    d = got.disclosure
    actual = {
        (str(r.item), str(r.measure)): (str(r.status), None if pd.isna(r.value) else float(r.value))
        for r in d.itertuples()
    }
    expected = {}
    for item, values in items.items():
        for measure, v in zip(T.DISCLOSURE_LAYOUT[template][item], values, strict=True):
            if v is M:
                expected[(item, measure)] = ("missing", None)
            elif v is None:
                expected[(item, measure)] = ("blank", None)
            else:
                expected[(item, measure)] = ("reported", float(v))
    assert actual == expected


def test_amounts_keep_the_unit_they_were_printed_in(parsed) -> None:
    d = parsed("010_wangcang_lyj2019").disclosure
    row = d[(d["item"] == "procurement") & (d["measure"] == "procurement_amount")].iloc[0]
    assert (row["raw"], row["unit"]) == ("2601.953875万", "万元")


def test_part_three_read_where_printed(parsed) -> None:
    """016 prints rows 一, 二 and （一） of part 三 as zeros, one cell per paragraph, and is
    cut in （二）: the printed rows are reported, the rest only derived or missing."""
    a = parsed("016_xuwangzhen2025").applications
    printed = a[a["row"].isin(["received_new", "carried_over", "granted"])]
    assert set(printed["status"].astype(str)) == {"reported"}
    assert set(printed["value"]) == {0}
    rest = a[~a["row"].isin(["received_new", "carried_over", "granted"])]
    assert set(rest["status"].astype(str)) <= {"derived", "missing"}
