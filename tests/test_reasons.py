"""Unplaced reasons and file failures: codes with parameters, worded only in the catalog."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from string import Formatter

import pytest

from gxparse import reasons
from gxparse.failures import failure_zh
from gxparse.parsing import parse
from gxparse.readers.document import ReadError
from gxparse.reasons import FAILURES, UNPLACED, Message, Reason

RAW = Path(__file__).resolve().parents[1] / "data" / "raw" / "003_31cc482f1e5f2a44.txt"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(template: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in Formatter().parse(template) if f}


def _damaged_report() -> bytes:
    """A seed report with five kinds of numbers no cell can take."""
    text = RAW.read_text(encoding="utf-8")
    for old, new in (
        ("规范性文件\t0\t0\t0", "规范性文件\t0\t0\t0\t5"),
        ("行政强制\t0\t0\t0", "行政强制\t0\t0\t0\n未知事项\t1\t2\t3\n行政许可\t4\t4\t4"),
        ("申请数量\t0\t0\t0\t0\t0\t0\t0", "申请数量\t0\t0.5\t0\t0\t0\t0\t0"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def _unplaced_messages(data: bytes) -> list[str]:
    findings = parse.parse_bytes(data, "x.txt").frame("findings")
    return findings.loc[findings["check"] == "unplaced_number", "message"].tolist()


def test_every_code_has_a_chinese_and_an_english_template() -> None:
    for catalog in (UNPLACED, FAILURES):
        codes = [m.code for m in catalog]
        assert len(codes) == len(set(codes))
        for m in catalog:
            assert CJK.search(m.zh), m.code
            assert m.en and not CJK.search(m.en.replace("一–六", "")), m.code
    for m in UNPLACED:
        # Every field the Chinese message says is one the reason carries (``at``: its row).
        assert _fields(m.zh) <= _fields(m.en) | {"at"}, m.code
        params: dict[str, object] = {f: 3 for f in _fields(m.en) - {"at"}}
        params.update(part="appeals", row="review" if _fields(m.en) & {"at", "row"} else None)
        params.update({"label": "理结"} if "label" in params else {})
        reason = Reason.of(m.code, **params)
        assert CJK.search(reason.text("zh")) and "{" not in reason.text("zh") + reason.text("en")
    for m in FAILURES:
        assert _fields(m.zh) == set(), m.code  # one phrase, the detail stays in reports.error


@pytest.mark.parametrize(
    ("reason", "zh", "en"),
    [
        (
            Reason.of("unknown_label", part="applications", label="理结"),
            "第三部分的行标签“理结”不是模板中的行",
            "part 三: unknown row label '理结'",
        ),
        (
            Reason.of("digits_run_together", part="active_disclosure", row="licensing", cells=3),
            "第二部分“行政许可”行3个单元格的数字连在一起，无法确定分界",
            "part 二 licensing: digits of 3 cells run together",
        ),
        (
            Reason.of("cells_for_columns", part="appeals", cells=18, columns=15),
            "第四部分有18个单元格而表格有15列，无法确定对应关系",
            "part 四: 18 cells for 15 columns",
        ),
        # Part 四 printed as one glued run: this message used to stay in English.
        (
            Reason.of("digits_run_together", part="appeals", cells=15),
            "第四部分15个单元格的数字连在一起，无法确定分界",
            "part 四: digits of 15 cells run together",
        ),
    ],
)
def test_reasons_render_in_both_languages(reason: Reason, zh: str, en: str) -> None:
    assert (reason.text("zh"), reason.text("en")) == (zh, en)


def test_an_unknown_code_fails_where_the_reason_is_made() -> None:
    with pytest.raises(KeyError):
        Reason.of("no_such_reason", part="appeals")
    with pytest.raises(KeyError):
        ReadError("no_such_failure")


def test_findings_say_the_catalog_s_words() -> None:
    assert _unplaced_messages(_damaged_report()) == [
        "第27行的4个数字“0 0 0 5”未能对应到任何表格单元格：第二部分“行政规范性文件”行有4个单元格而表格有3列，无法确定对应关系。",
        "第40行的3个数字“1 2 3”未能对应到任何表格单元格：第二部分的行标签“未知事项”不是模板中的行。",
        "第41行的3个数字“4 4 4”未能对应到任何表格单元格：第二部分“行政许可”行重复出现。",
        "第60行的1个数字“0.5”未能对应到任何表格单元格：第三部分“一、本年新收政府信息公开申请数量”行的件数为小数。",
        "第66行的7个数字“0 0 0 0 0 0 0”未能对应到任何表格单元格：第三部分的行标签“理结”不是模板中的行。",
    ]  # fmt: skip


def test_rewording_a_template_rewords_the_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    reworded = tuple(
        dataclasses.replace(m, zh="第{part}部分“{label}”不是模板里的行标签")
        if m.code == "unknown_label"
        else m
        for m in UNPLACED
    )
    monkeypatch.setattr(reasons, "UNPLACED", reworded)
    assert _unplaced_messages(RAW.read_bytes()) == [
        "第64行的7个数字“0 0 0 0 0 0 0”未能对应到任何表格单元格：第三部分“理结”不是模板里的行标签。"
    ]


def test_rewording_a_failure_rewords_the_error_and_its_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reworded = tuple(
        Message(m.code, "空文件", "zero bytes") if m.code == "empty_file" else m for m in FAILURES
    )
    monkeypatch.setattr(reasons, "FAILURES", reworded)
    error = parse.parse_bytes(b"", "a.txt").frame("reports")["error"].item()
    assert (error, failure_zh(error)) == ("a.txt: zero bytes", "空文件")


def test_no_reason_reaches_a_message_but_from_the_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every template replaced by its code, every message shows a code: no reason was
    worded outside the catalog."""
    monkeypatch.setattr(
        reasons, "UNPLACED", tuple(Message(m.code, f"<{m.code}>", f"<{m.code}>") for m in UNPLACED)
    )
    monkeypatch.setattr(
        reasons, "FAILURES", tuple(Message(m.code, f"<{m.code}>", f"<{m.code}>") for m in FAILURES)
    )
    said = [re.sub(r"^.*单元格：(.*)。$", r"\1", m) for m in _unplaced_messages(_damaged_report())]
    assert said == [
        "<cells_for_columns>",
        "<unknown_label>",
        "<printed_twice>",
        "<fraction_count>",
        "<unknown_label>",
    ]
    for data, name in ((b"", "a.txt"), (b"PK\x03\x04broken", "a.docx"), (b"%PDF-1.4\nx", "a.pdf")):
        error = parse.parse_bytes(data, name).frame("reports")["error"].item()
        assert re.fullmatch(rf"{re.escape(name)}: <\w+>", error), error
        assert re.fullmatch(r"<\w+>", failure_zh(error)), error
    text = "你好，世界。".encode()
    error = parse.parse_bytes(text, "b.txt").frame("reports")["error"].item()
    assert (error, failure_zh(error)) == ("b.txt: <not_a_report>", "<not_a_report>")
