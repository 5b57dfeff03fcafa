"""Numbers as printed (data contract, "Numbers as printed"), stray control characters and
page chrome, on the seeds: exact values, each a case the parser got wrong before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from gxsynth.compare import table_readings

from gxparse.normalize import parse_number
from gxparse.parsing.facts import find_title
from gxparse.parsing.parse import parse_bytes
from gxparse.readers.layout import is_chrome

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEED = RAW / "000_6f1ea477f42cf686.txt"


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("增1558", Decimal(1558)),
        ("减38", Decimal(-38)),
        ("未增未减", Decimal(0)),
        ("无增减", Decimal(0)),
        ("+43", Decimal(43)),
        ("-1942", Decimal(-1942)),
        ("2601.953875万", Decimal("2601.953875")),
        ("592万元", Decimal(592)),
        ("152790元", Decimal(152790)),
        ("１,２３４", Decimal(1234)),
        ("-", None),
        ("无", None),
        ("增", None),
    ],
)
def test_numbers_as_printed(printed: str, value: Decimal | None) -> None:
    assert parse_number(printed) == value


def _with_fee(text: str, printed: str) -> str:
    at = text.index("行政事业性收费\t0")
    return text[:at] + text[at:].replace("行政事业性收费\t0", f"行政事业性收费\t{printed}", 1)


@pytest.mark.parametrize(
    ("printed", "unit"), [("592万元", "万元"), ("152790元", "元"), ("7", "万元")]
)
def test_an_amount_keeps_the_unit_it_was_printed_in(printed: str, unit: str) -> None:
    text = _with_fee(SEED.read_text(encoding="utf-8"), printed)
    d = parse_bytes(text.encode("utf-8"), "fees.txt").disclosure
    row = d[(d["item"] == "fees") & (d["measure"] == "fee_amount")].iloc[0]
    assert (row["status"], row["value"], row["unit"]) == (
        "reported",
        float(parse_number(printed)),
        unit,
    )


def test_a_few_nuls_in_utf8_text_are_noise() -> None:
    data = SEED.read_bytes()
    damaged = data.replace(b"\n", b"\x00\n", 5)
    got = parse_bytes(damaged, "nul.txt")
    assert got.reports.iloc[0]["parse_status"] != "failed"
    assert table_readings(got) == table_readings(parse_bytes(data, "clean.txt"))


def test_many_nuls_are_still_binary() -> None:
    got = parse_bytes(b"\x00\x01\x00\x02" * 500, "binary.txt")
    assert got.reports.iloc[0]["parse_status"] == "failed"


@pytest.mark.parametrize(
    "line",
    [
        "您当前所在位置: 首页 > 政务公开 > 政府信息公开年报",
        "首页/ 政府信息公开 / 政府信息公开年报 / 部门信息公开年报 / 正文",
        "【字体: 大 中 小】【打印】",
        "发布时间: 2021-01-20 来源: 本站 浏览次数: 1024",
        "关怀版 无障碍",
        "登录 |  注册",
        "字体:【 默认 超大",
        "• 信息来源:兴化市竹泓镇",
    ],
)
def test_page_chrome(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "/ 2 1 1 4 2 1 0 2 5 0 / 2 0 2",
        "河包镇2020年政府信息公开工作年度报告",
        "规章 | 0 | 0 | 0 |",
        "（二）加强市场主体注册登记信息公开",
        "做好经验分享和宣传工作",
    ],
)
def test_not_chrome(line: str) -> None:
    assert not is_chrome(line)


@pytest.mark.parametrize(
    ("lines", "agency", "year"),
    [
        (
            ["当前位置:街镇 > 河包镇 > 政务公开", "河包镇2020年政府信息公开工作年度报告"],
            "河包镇",
            2020,
        ),
        (["竹泓镇2025政府信息公开工作年度报告"], "竹泓镇", 2025),
        (["驼峰路街道办事处政府信息公开工作年度报告"], "驼峰路街道办事处", None),
        (
            [
                "根据《条例》(国办公开办函〔2021〕30号)要求,现公布法库县自然资源局2022年政府信息公开工作年度报告。"
            ],
            "法库县自然资源局",
            2022,
        ),
        (
            [
                "根据《条例》的要求,特向社会公布益阳高新区市场监督管理局2020年度政府信息公开工作年度报告。"
            ],
            "益阳高新区市场监督管理局",
            2020,
        ),
    ],
)
def test_title_after_chrome_without_year_or_in_the_first_sentence(lines, agency, year) -> None:
    found, found_year, _ = find_title([(t, f"line {i + 1}") for i, t in enumerate(lines)])
    assert (found, found_year) == (agency, year)
