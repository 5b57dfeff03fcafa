"""Small table-driven tests, one group per pipeline step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gxparse import template as T
from gxparse.normalize import label_key, parse_number, strip_enumerators
from gxparse.parsing.derive import application_equations, derive
from gxparse.parsing.facts import (
    agency_in_prose,
    find_published,
    find_title,
    level_of,
    normalise_agency,
)
from gxparse.parsing.glued import segment, split_run
from gxparse.parsing.narrative import disclosure_figures, fee_figures, request_figures
from gxparse.parsing.rows import from_cells, from_para, resolve_values, table_rows
from gxparse.parsing.sections import heading_part, sectionize
from gxparse.parsing.stream import read_stream
from gxparse.parsing.tables import (
    SEGMENT_KEYS,
    CellValue,
    detect_template,
    map_appeals,
    map_applications,
    map_disclosure,
)
from gxparse.readers.decode import decode_bytes
from gxparse.readers.detect import detect_format
from gxparse.readers.document import Cell, Para, ReadError, Row
from gxparse.readers.text import text_to_document


# --- normalize --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("0", Decimal(0), id="zero"),
        pytest.param("13\xa0", Decimal(13), id="nbsp"),
        pytest.param("\n0", Decimal(0), id="broken-line"),
        pytest.param("１２３", Decimal(123), id="full-width"),
        pytest.param("0件", Decimal(0), id="unit-jian"),
        pytest.param("251000元", Decimal(251000), id="unit-yuan"),
        pytest.param("1,234", Decimal(1234), id="thousands"),
        pytest.param("18651.06", Decimal("18651.06"), id="decimal"),
        pytest.param("-3", Decimal(-3), id="negative"),
        pytest.param("〇", Decimal(0), id="cn-zero"),
        pytest.param("", None, id="empty"),
        pytest.param("—", None, id="dash"),
        pytest.param("1.属于国家秘密", None, id="label"),
        pytest.param("3960181行政", None, id="text-after"),
        pytest.param("12%", None, id="percent"),
    ],
)
def test_parse_number(text: str, expected: Decimal | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（三）4. 保护第三方合法权", "保护第三方合法权"),
        ("三、本年度办理结果", "本年度办理结果"),
        ("(七) 总计", "总计"),
        ("3.其他", "其他"),
        ("1、 总体情况", "总体情况"),
    ],
)
def test_strip_enumerators(text: str, expected: str) -> None:
    assert strip_enumerators(text) == expected


def test_normalisation_caches_hold_short_strings_only() -> None:
    """Labels and cells are cached across reports; whole documents must not be, or a run
    over 10,000 reports would keep every text in memory."""
    from gxparse import normalize
    from gxparse.parsing.sections import _heading_part

    long_text = "１２３" + "政府信息公开" * 100
    before = normalize._nfkc_short.cache_info().currsize, _heading_part.cache_info().currsize
    assert normalize.nfkc(long_text) == "123" + "政府信息公开" * 100
    assert heading_part(long_text) is None
    after = normalize._nfkc_short.cache_info().currsize, _heading_part.cache_info().currsize
    assert after == before
    assert normalize.nfkc("（三）１") == "(三)1"


@pytest.mark.parametrize("seed", range(4))
def test_long_text_nfkc_equals_unicodedata(seed: int) -> None:
    """Long text takes a per-character path when it holds only the characters reports
    print; it must give exactly what unicodedata gives, and fall back for anything else
    (combining marks, half-width Hangul whose jamo compose, compatibility ideographs)."""
    import random
    import unicodedata

    from gxparse import normalize

    rng = random.Random(seed)
    common = "政府信息公开（）：；，。、“”《》【】—…·０１２３４５６７８９ＡＢａｂ　 \t\n12ab%①⑴"
    rare = ["e\u0301", "\uffa1\uffc2", "\uf900", "\u2f00", "\u3038", "\u00a8", "\ufb01", "㈱"]
    for _ in range(200):
        chars = [rng.choice(common) for _ in range(rng.randint(257, 600))]
        if rng.random() < 0.5:
            chars.insert(rng.randrange(len(chars)), rng.choice(rare))
        text = "".join(chars)
        assert normalize.nfkc(text) == unicodedata.normalize("NFKC", text)
    assert normalize.nfkc("（一）" * 100) == "(一)" * 100
    assert normalize.nfkc("\uffa1\uffc2" * 200) == "가" * 200  # composed: not per character


def test_label_key_ignores_width_space_and_punctuation() -> None:
    assert label_key("（二）部分公开 (区分处理的，只计这一情形)") == label_key(
        "(二)部分公开（区分处理的,只计这一情形）"
    )


# --- decode -----------------------------------------------------------------------------
TEXT = "一、总体情况\n本年度共收到申请 6 件。郟县"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(TEXT.encode("utf-8"), "utf-8", id="utf8"),
        pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig", id="utf8-bom"),
        pytest.param(TEXT.encode("utf-16"), "utf-16", id="utf16-bom"),
        pytest.param(TEXT.encode("utf-16-le"), "utf-16-le", id="utf16le-no-bom"),
        pytest.param(TEXT.encode("gb18030"), "gb18030", id="gb18030"),
    ],
)
def test_decode_chain(data: bytes, encoding: str) -> None:
    assert decode_bytes(data) == (TEXT, encoding)


def test_decode_rejects_binary() -> None:
    with pytest.raises(ReadError, match="not decodable"):
        decode_bytes(bytes(range(256)) * 20)


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (b"%PDF-1.7 ...", "a.txt", "pdf"),
        (b"<!DOCTYPE html><html>", "a.txt", "html"),
        (b"\xef\xbb\xbf<html><body>", "a.htm", "html"),
        ("一、总体情况".encode(), "a.pdf", "txt"),
    ],
)
def test_detect_format_by_content(data: bytes, name: str, fmt: str) -> None:
    assert detect_format(data, name) == fmt


# --- text layouts -----------------------------------------------------------------------
def test_cell_per_line_rows_with_broken_cells() -> None:
    doc = text_to_document("标题\n\t商业\n企业\n\t科研\n\n\t0\n\t\n0\n\t \n")
    assert [type(i).__name__ for i in doc.items] == ["Para", "Row", "Row"]
    assert [c.text for c in doc.items[1].cells] == ["商业\n企业", "科研"]
    assert [(c.text, c.source) for c in doc.items[2].cells] == [
        ("0", "line 6"),
        ("\n0", "line 8"),
        ("", "line 9"),  # "\t " is an empty cell: the space is layout
    ]


def test_tab_and_pipe_rows() -> None:
    doc = text_to_document("行政处罚\t6\t\t\n| 行政许可 | 0 |\n|---|---|\n段落")
    assert [c.text for c in doc.items[0].cells] == ["行政处罚", "6", "", ""]
    assert [c.text.strip() for c in doc.items[1].cells] == ["行政许可", "0"]
    assert isinstance(doc.items[2], Para) and len(doc.items) == 3


# --- sections ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("一、总体情况", "overview"),
        ("1、 总体情况", "overview"),
        ("## 二、主动公开政府信息情况", "active_disclosure"),
        ("[bookmark: _GoBack]一、总体情况", "overview"),
        ("四、政府信息公开行政复议、行政诉讼情况", "appeals"),
        ("（五）存在的主要问题及改进情况", "problems"),
        ("6、 其他需要报告的事项", "other"),
        ("（一）主动公开情况", None),
        (
            "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等部分组成，现予公布。",
            None,
        ),
        ("四、结转下年度继续办理", None),
    ],
)
def test_heading_part(line: str, code: str | None) -> None:
    part = heading_part(line)
    assert (part.code if part else None) == code


def test_inline_headings_are_split() -> None:
    items = [
        Para(
            "一、总体情况 全年公开10条。二、主动公开政府信息情况规章000三、收到和处理政府信息公开申请情况申请",
            "line 1",
        )
    ]
    _items2, regions = sectionize(items)
    assert [r.part.code for r in regions] == ["overview", "active_disclosure", "applications"]


# --- rows -------------------------------------------------------------------------------
def _cells(*texts: str) -> tuple[Cell, ...]:
    return tuple(Cell(t, "line 1") for t in texts)


@pytest.mark.parametrize(
    ("texts", "n", "expected"),
    [
        pytest.param(
            ["6", "0", "0", "0", "0", "0", "6"], 7, ["6", "0", "0", "0", "0", "0", "6"], id="exact"
        ),
        pytest.param(
            ["", "6", "0", "0", "0", "0", "0", "6", ""],
            7,
            ["6", "0", "0", "0", "0", "0", "6"],
            id="trim-ends",
        ),
        pytest.param(["0", "", "", ""], 1, ["0"], id="part-two-trailing"),
        pytest.param(
            ["5", "", "0", "0", "0", "0", "0", "5"], 7, None, id="interior-empty-ambiguous"
        ),
        pytest.param(
            ["5", "", "0", "0", "0", "0", "5"],
            7,
            ["5", "", "0", "0", "0", "0", "5"],
            id="interior-blank-exact",
        ),
        pytest.param(["", "", "5", "0", "0", "0", "0", "5", ""], 7, None, id="ambiguous-six"),
        pytest.param(["", "", ""], 1, [""], id="all-empty-wider"),
    ],
)
def test_resolve_values(texts: list[str], n: int, expected: list[str] | None) -> None:
    out = resolve_values(_cells(*texts), n)
    assert (None if out is None else [c.text for c in out]) == expected


def test_row_label_and_glued_digits() -> None:
    r = from_cells(_cells("", "(三) 不予公开", "1.属于国家秘密", "0", "1"), "line 1")
    assert r.label == "(三) 不予公开 1.属于国家秘密" and [c.text for c in r.values] == ["0", "1"]
    g = from_para(Para("行政许可3960181", "line 9"))
    assert g.label == "行政许可" and g.glued is not None and g.glued.text == "3960181"
    s = from_para(Para("1. 本机关不掌握相关政府信息  1 0 0 0 0 0 1", "line 3"))
    assert s.label == "1. 本机关不掌握相关政府信息" and len(s.values) == 7


# --- tables -----------------------------------------------------------------------------
def _rows(*lines: str):
    return [from_para(Para(line, f"line {i}")) for i, line in enumerate(lines, 1)]


def test_a_unit_set_off_by_a_space_stays_with_its_number() -> None:
    other, total = _rows(
        "3.其他   5 件     0    1    0    0    0    6",
        "（七）总计   ８２   １２   １４件   １１   ２   ５   １２６ 件",
    )
    assert other.label == "3.其他"
    assert [c.text for c in other.values] == ["5 件", "0", "1", "0", "0", "0", "6"]
    assert total.label == "(七)总计"  # labels are NFKC-normalised
    assert [parse_number(c.text) for c in total.values] == [
        Decimal(n) for n in (82, 12, 14, 11, 2, 5, 126)
    ]


def test_disclosure_header_sets_columns() -> None:
    rows = _rows("信息内容 上一年项目数量 本年增/减 处理决定数量", "行政处罚 0 7 0")
    res = map_disclosure(rows, "2019")
    assert res.cells[("penalty", "change")] == CellValue("reported", Decimal(7), "7", "line 2")
    assert res.cells[("licensing", "decisions")].status == "missing"


def test_disclosure_glued_single_cell_is_read_but_multi_cell_is_missing() -> None:
    res = map_disclosure(_rows("行政许可4529", "规章6233440", "行政事业性收费18651.06"), "2021")
    assert res.cells[("licensing", "decisions")].value == Decimal(4529)
    assert res.cells[("fees", "fee_amount")].value == Decimal("18651.06")
    regs = {res.cells[("regulations", m)].status for m in ("issued", "repealed", "in_force")}
    assert regs == {"missing"}
    assert [u.text for u in res.unplaced] == ["6233440"]
    zeros = map_disclosure(_rows("规章000"), "2021")  # no other reading exists, even with blanks
    assert [zeros.cells[("regulations", m)].value for m in ("issued", "repealed", "in_force")] == [
        0,
        0,
        0,
    ]


_REGULATION_CELLS = [
    (item, m)
    for item in ("regulations", "normative_documents")
    for m in ("issued", "repealed", "in_force")
]


def test_disclosure_values_under_header_words_only_where_columns_line_up() -> None:
    # Laid out in columns (pdftotext -layout): 189 and 66 stand one above the other, under
    # 现行有效件数; 38 under 本年制发件数. Read by the header words' columns.
    laid_out = map_disclosure(
        _rows(
            "信息内容       本年制发件数  本年废止件数  现行有效件数",
            "规章" + " " * 39 + "189",
            "行政规范性文件   38" + " " * 24 + "66",
        ),
        "2021",
    )
    assert [laid_out.cells[k][:2] for k in _REGULATION_CELLS] == [
        ("blank", None),
        ("blank", None),
        ("reported", Decimal(189)),
        ("reported", Decimal(38)),
        ("blank", None),
        ("reported", Decimal(66)),
    ]
    # Tabs written as spaces, with a stray space: each row's numbers start where its label
    # ends, so 189 and 38 both stand under 本年制发件数 without lining up. That is no column:
    # which cells they are cannot be told (189 may be 现行有效件数's), so none is read.
    gaps = map_disclosure(
        _rows(
            "信息内容  本年制发件数  本年废止件数  现行有效件数",
            "规章       189",
            "行政规范性文件  38    66",
        ),
        "2021",
    )
    assert {gaps.cells[k].status for k in _REGULATION_CELLS} == {"missing"}
    assert [(u.text, u.source) for u in gaps.unplaced] == [
        ("189", "line 2"),
        ("38", "line 3"),
        ("66", "line 3"),
    ]


def _total(v: list[Decimal]) -> bool:
    return v[-1] == sum(v[:-1])


@pytest.mark.parametrize(
    ("run", "n", "with_identity", "expected"),
    [
        pytest.param(
            "7000007", 7, True, (["7", "0", "0", "0", "0", "0", "7"], False), id="one-digit-each"
        ),
        pytest.param(
            "710000071",
            7,
            True,
            (["71", "0", "0", "0", "0", "0", "71"], True),
            id="identity-decides",
        ),
        pytest.param(
            "230 000023", 7, True, (["23", "0", "0", "0", "0", "0", "23"], True), id="spaces-split"
        ),
        pytest.param(
            "21710000218",
            7,
            True,
            (["217", "1", "0", "0", "0", "0", "218"], True),
            id="three-digit",
        ),
        pytest.param("3960181", 3, False, None, id="no-identity-ambiguous"),
        pytest.param("000", 3, False, (["0", "0", "0"], False), id="zeros"),
        pytest.param("100", 3, False, None, id="blank-possible"),
        pytest.param("00", 3, True, None, id="too-short"),
    ],
)
def test_split_run(run: str, n: int, with_identity: bool, expected) -> None:
    assert split_run(run, ["count"] * n, _total if with_identity else None) == expected


def test_segment_crawler_line() -> None:
    text = "1.属于国家秘密40000042.其他法律行政法规禁止公开0000000"
    segs = segment(text, ["国家秘密", "其他法律行政法规"])
    assert [(s.label, s.run) for s in segs] == [
        ("国家秘密", "4000004"),
        ("其他法律行政法规禁止公开", "0000000"),
    ]


def test_applications_rows_by_label_not_position() -> None:
    rows = _rows(
        "四、结转下年度继续办理 1 0 0 0 0 0 1",
        "(三) 4. 保护第三方合法权 2 0 0 0 0 0 2",
        "理结 0 0 0 0 0 0 0",
        "3.其他 0 0 0 0 0 0 0",
    )
    res, _ = map_applications(rows, "2021")
    assert res.cells[("carried_forward", "total")].value == 1
    assert res.cells[("denied_third_party", "natural_person")].value == 2
    assert res.cells[("other_other", "total")].status == "reported"
    assert res.cells[("granted", "total")].status == "missing"
    assert len(res.unplaced) == 7


def _tab_rows(*lines: str) -> list:
    return [
        from_cells(tuple(Cell(t, f"line {i}") for t in line.split("\t")), f"line {i}")
        for i, line in enumerate(lines, start=1)
    ]


# A Word table saved as tab-separated text: sub-rows carry their values from the fourth
# cell; rows with a two-level label from the third, then a padding cell; a top-level row
# (一、) prints its label, the empty half of its merged label cell, then its values.
_SUB_ROW = "\t\t1.属于国家秘密\t0\t0\t0\t0\t0\t0\t0"
_TOTAL_ROW = "\t（七）总计\t10\t0\t0\t0\t2\t0\t12\t"


def test_a_row_with_empty_cells_at_both_ends_is_placed_by_rows_of_its_width() -> None:
    # Its value window could start at the 2nd or the 3rd cell: the 2nd would make a total
    # of 0 with parts of 11 (cannot be), the 3rd is where the total row starts its values.
    rows = _tab_rows(
        _SUB_ROW, _TOTAL_ROW, "一、本年新收政府信息公开申请数量\t\t11\t0\t0\t0\t\t0\t\t"
    )
    res, _ = map_applications(rows, "2019")
    got = [
        (res.cells[("received_new", a)].status, res.cells[("received_new", a)].value)
        for a in T.APPLICANT_CODES
    ]
    assert got == [
        ("reported", 11),
        ("reported", 0),
        ("reported", 0),
        ("reported", 0),
        ("blank", None),
        ("reported", 0),
        ("blank", None),
    ]


def test_a_row_two_windows_fit_stays_missing() -> None:
    # Blank first cell then six zeros and padding, or padding then six zeros and a blank
    # total: both add up, and no unambiguous row of this shape says which.
    rows = _tab_rows(_SUB_ROW, "二、上年结转政府信息公开申请数量\t\t\t0\t0\t0\t0\t0\t0\t")
    res, _ = map_applications(rows, "2019")
    assert {res.cells[("carried_over", a)].status for a in T.APPLICANT_CODES} == {"missing"}


@pytest.mark.parametrize(
    ("lines", "template", "kept", "lost"),
    [
        # "4.保 | 4 | 0 …" was lost: its label's tail ("护第三方合法 权", "益") must not be
        # joined to row 3 (which would then read as row 4, with row 3's numbers).
        (
            (
                "\t3.危及“三安全一稳\t2\t0\t0\t0\t0\t0\t2",
                "\t定”\t\t\t\t\t\t\t",
                "\t护第三方合法 权\t\t\t\t\t\t\t",
                "\t益\t\t\t\t\t\t\t",
                "\t5.属于三类内部事务信息\t10\t0\t0\t0\t0\t2\t12",
            ),
            "2021",
            ("denied_three_safeties", "2", "line 1"),
            "denied_third_party",
        ),
        # "由大量反复申" and row 5's own line were lost: the fragments left ("请", "认或",
        # "重新出具已获取信息") would make row 4's line name row 5.
        (
            (
                "\t3.要求提供公开出版物\t1\t0\t0\t0\t0\t0\t1",
                "\t4.无正当理\t0\t0\t0件\t0\t0\t0\t0",
                "\t请\t\t\t\t\t\t\t",
                "\t认或\t\t\t\t\t\t\t",
                "\t重新出具已获取信息\t\t\t\t\t\t\t",
                "\t（六）其他处理\t4\t0\t0\t0\t0\t0\t4",
            ),
            "2019",
            ("rejected_excessive", "0", "line 2"),
            "rejected_confirmation",
        ),
    ],
)
def test_wrapped_fragments_do_not_rename_the_row_above(
    lines: tuple[str, ...], template: str, kept: tuple[str, str, str], lost: str
) -> None:
    res, _ = map_applications(_tab_rows(*lines), template)
    row, total, source = kept
    assert res.cells[(row, "total")] == CellValue("reported", Decimal(total), total, source)
    # Missing, not blank: the empty cells beside the fragments are the tail of a label.
    assert {res.cells[(lost, a)].status for a in T.APPLICANT_CODES} == {"missing"}


def test_words_naming_the_next_row_are_not_the_tail_of_a_nameless_row_above() -> None:
    # A crawler's line, its labels' line breaks kept as spaces (and row 1 lost): the labels
    # are cut at the keys found, so "其他情形）" (which names no row) carries （二）'s
    # numbers, and the words after them, 其他法 律行政 法规, are row 2's label cut in two.
    # They name row 2 by themselves: never the end of the label above (which would give
    # row 2 the numbers of （二）); row 2's five numbers for seven cells stay unplaced.
    # "其他情形）" completes （二）'s own label (its enumeration kept with it), so （二）
    # takes its numbers.
    line = (
        "（二）部分公开（区分处理的，只计这一情 形，不计其他情形） 1 0 0 0 0 0 1 "
        "2.其他法 律行政 法规禁止公开 2 0 0 0 2 3.危及“三安全一稳定” 0 0 0 0 0 0 0"
    )
    rows = table_rows([Para(line, "line 1")], SEGMENT_KEYS["applications"])
    res, _ = map_applications(rows, "2021")
    assert {res.cells[("denied_law_prohibited", a)].status for a in T.APPLICANT_CODES} == {
        "missing"
    }
    assert [u.text for u in res.unplaced] == ["2 0 0 0 2"]
    assert [res.cells[("partially_granted", a)].value for a in T.APPLICANT_CODES] == [
        Decimal(1),
        0,
        0,
        0,
        0,
        0,
        1,
    ]


def test_a_row_keeps_its_own_number_when_a_crawler_line_is_cut_at_its_key() -> None:
    # A crawler's line whose label breaks fall after the numbers: "2.其他" then its numbers,
    # then the rest of its label. Cut at the key "其他", the "2." stays with it: the row is
    # not （六）3.其他 (whose number is 3). Which row it is, nothing here says (row 1's label
    # is broken too): its numbers stay unplaced.
    line = (
        "（三）不予公开 1.属于国 5 0 0 0 1 0 6 家秘密 2.其他 19 0 2 0 5 0 26 "
        "法律行政法规禁止公开 3.危及“三安全一稳定” 74 1 19 28 0 0 122"
    )
    rows = table_rows([Para(line, "line 1")], SEGMENT_KEYS["applications"])
    res, _ = map_applications(rows, "2021")
    assert {res.cells[("other_other", a)].status for a in T.APPLICANT_CODES} == {"missing"}
    assert [u.text for u in res.unplaced] == ["19 0 2 0 5 0 26"]


def test_the_stream_ends_at_part_five() -> None:
    # A crawler's line: part 四 lost two numbers, and the page's footer after parts 五 and
    # 六 prints numbers of its own. They are no cells of part 四: its thirteen numbers for
    # fifteen cells stay unplaced.
    line = (
        "## (四)政府信息公开行政复议、行政诉讼情况 | 行政复议 | 行政诉讼 | 结果维持 | 结果纠正 "
        "| 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 | 结果维持 | 结果纠正 "
        "| 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 "
        "| 0 | 0 | 0 | 0 | 0 | 0 | 0 | 4 | 1 | 0 | 0 | 0 | 1 | ## (五)存在的主要问题及改进情况 "
        "存在的问题:公开内容不够全面。改进情况:加强培训。 ## (六)其他需要报告的事项 "
        "未收取信息处理费。 公安机关备案号: 11010502000001 网站标识码: 1234000001"
    )
    appeals = read_stream([Para(line, "line 1")], "2021").parts["appeals"]
    assert {v.status for v in appeals.cells.values()} == {"missing"}
    assert [u.text for u in appeals.unplaced] == ["0"] * 7 + ["4", "1", "0", "0", "0", "1"]


@pytest.mark.parametrize("tabs", [True, False], ids=["tab-cells", "lines-of-text"])
def test_halves_of_a_label_beside_a_side_label_are_one_label(tabs: bool) -> None:
    # A Word table (and the same with its tabs turned into spaces): the group's side label
    # (（六）其他处理) and the row's label wrap in their own cells. The words below name
    # the row (不再处理) and, after the side label's piece, continue the row's label above.
    lines = (
        "（六）\t1.申请人无正当理由逾\t3\t0\t0\t0\t0\t0\t3",
        "其他处\t期不补 正、行政机关不再\t\t\t\t\t\t\t",
        "理\t处理其政府信息公开申请\t\t\t\t\t\t\t",
    )
    rows = _tab_rows(*lines) if tabs else _rows(*(ln.replace("\t", "  ") for ln in lines))
    res, _ = map_applications(rows, "2021")
    assert res.cells[("other_overdue_correction", "total")] == CellValue(
        "reported", Decimal(3), "3", "line 1"
    )


def _cell_rows(*cells: str) -> list:
    """One row of a Word export, one cell per line (two table rows merged when the blank
    line between them was lost)."""
    return table_rows([Row(tuple(Cell(t, f"line {i}") for i, t in enumerate(cells, 1)), "line 1")])


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        # Seven numbers: the row is complete, whatever the empty cell before 总计 is.
        (("19", "0", "0", "1", "4", "0", "24"), [19, 0, 0, 1, 4, 0, 24]),
        # Six: a number was lost too, and the empty cell may be 总计's group column as well
        # as this row's blank total: the row is not read.
        (("19", "0", "0", "1", "0", "24"), None),
    ],
)
def test_empty_cells_before_a_merged_rows_label_are_not_the_row_above(
    numbers: tuple[str, ...], expected: list[int] | None
) -> None:
    rows = _cell_rows(
        "", "（六）其他处理", *numbers, "", "（七）总计", "30", "1", "0", "0", "4", "0", "35"
    )
    res, _ = map_applications(rows, "2019")
    got = [res.cells[("other", a)] for a in T.APPLICANT_CODES]
    if expected is None:
        assert {c.status for c in got} == {"missing"}
        assert [u.text for u in res.unplaced] == list(numbers)
    else:
        assert [(c.status, c.value) for c in got] == [("reported", n) for n in expected]
    assert [res.cells[("total_handled", a)].value for a in T.APPLICANT_CODES] == [
        30,
        1,
        0,
        0,
        4,
        0,
        35,
    ]


def test_2021_report_with_undivided_other_row() -> None:
    res, _ = map_applications(_rows("(六) 其他处理 3 0 0 0 0 0 3"), "2021")
    assert res.cells[("other", "total")].value == 3
    assert res.cells[("other_other", "total")].status == "missing"


def test_appeals_one_row_or_per_proceeding() -> None:
    one = map_appeals(_rows(" ".join(str(i) for i in range(15))))
    assert one.cells[("litigation_after_review", "total")].value == 14
    per = map_appeals(
        _rows("行政复议 1 0 0 0 1", "未经复议直接起诉 0 0 0 2 2", "复议后起诉 0 0 0 0 0")
    )
    assert per.cells[("litigation_direct", "pending")].value == 2
    glued = map_appeals(_rows("结果维持21317000001324019"))
    # 17 digits for 15 cells: only one reading keeps every total equal to its parts.
    assert {c.status for c in glued.cells.values()} == {"derived"}
    assert [int(glued.cells[k].value) for k in T.APPEAL_CELLS] == [
        2,
        1,
        3,
        1,
        7,
        0,
        0,
        0,
        0,
        0,
        13,
        2,
        4,
        0,
        19,
    ]


@pytest.mark.parametrize(
    ("labels", "year", "expected"),
    [
        (["本年新制作数量", "上一年项目数量"], 2023, "2019"),
        (["本年制发件数", "逾期不补正"], 2019, "2021"),
        (["行政许可"], 2019, "2019"),
        (["行政许可"], 2022, "2021"),
    ],
)
def test_detect_template(labels: list[str], year: int, expected: str) -> None:
    assert detect_template(_rows(*labels), year) == expected


# --- derive -----------------------------------------------------------------------------
def _app(values: dict[tuple[str, str], int | None]) -> dict:
    cells = {}
    for r in T.application_rows("2021"):
        for a in T.APPLICANT_CODES:
            cells[(r.code, a)] = CellValue("missing")
    for k, v in values.items():
        cells[k] = CellValue("blank") if v is None else CellValue("reported", Decimal(v), str(v))
    return cells


def test_derive_zero_when_nothing_received() -> None:
    known = {(r, a): 0 for r in ("received_new", "carried_over") for a in T.APPLICANT_CODES}
    out = derive(_app(known), application_equations("2021", _app(known)))
    assert out[("rejected_duplicate", "natural_person")] == CellValue("derived", Decimal(0))
    assert all(
        c.status == "derived"
        for k, c in out.items()
        if k[0] not in ("received_new", "carried_over")
    )


def test_derive_single_unknown_and_never_guess() -> None:
    known = {
        ("received_new", "total"): 16,
        ("carried_over", "total"): 0,
        ("total_handled", "total"): 14,
    }
    out = derive(_app(known), application_equations("2021", _app(known)))
    assert out[("carried_forward", "total")] == CellValue("derived", Decimal(2))
    # Two unknown outcome rows with a positive total: not forced, stays missing.
    assert out[("granted", "total")].status == "missing"


def test_derive_skips_identities_with_a_blank() -> None:
    known = {
        ("received_new", "total"): 5,
        ("carried_over", "total"): None,
        ("total_handled", "total"): 5,
    }
    out = derive(_app(known), application_equations("2021", _app(known)))
    assert out[("carried_forward", "total")].status == "missing"


# --- facts ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lines", "agency", "year"),
    [
        (["承留镇人民政府 2023 年政府信息公开工作年度报 告"], "承留镇人民政府", 2023),
        (
            ["乌拉特中旗海流图镇人民政府2023年", "政府信息公开工作年度报告"],
            "乌拉特中旗海流图镇人民政府",
            2023,
        ),
        (["# 洺州镇人民政府", "## 2023 年政府信息公开工作年度报告"], "洺州镇人民政府", 2023),
        (["标题: 平潭综合实验区2024年度政府信息公开工作年度报告"], "平潭综合实验区", 2024),
        (["2022年淮安市教育局政府信息公开工作年度报告"], "淮安市教育局", 2022),
        (["XX县人民政府关于2021年度政府信息公开工作年度报告"], "XX县人民政府", 2021),
    ],
)
def test_find_title(lines: list[str], agency: str, year: int) -> None:
    got_agency, got_year, _ = find_title([(t, f"line {i}") for i, t in enumerate(lines, 1)])
    assert (got_agency, got_year) == (agency, year)


@pytest.mark.parametrize(
    ("opening", "agency"),
    [
        ("2024年，平潭综合实验区坚持以习近平新时代中国特色社会主义思想为指导", "平潭综合实验区"),
        ("2020年,大垅乡严格按照《中华人民共和国政府信息公开条例》", "大垅乡"),
        ("2020年,永川高新技术产业开发区管理委员会认真贯彻", "永川高新技术产业开发区管理委员会"),
        ("2020年,开阳县市场监督管理局根据新修订的《条例》", "开阳县市场监督管理局"),
        ("本报告根据条例编制。2022年，某某区人民政府办公室坚持依法公开", "某某区人民政府办公室"),
        # A pronoun or a clause as the subject names nobody.
        ("2023年,我镇紧密结合工作实际", None),
        ("2021年,在县委、县政府的正确领导下,根据《条例》", None),
        ("2023年，本局深入推进政务公开", None),
    ],
)
def test_agency_in_an_opening_sentence(opening: str, agency: str | None) -> None:
    """With no title printed anywhere, the body named as the first sentence's subject."""
    assert agency_in_prose([("本报告根据条例编制。", "line 1"), (opening, "line 2")]) == (
        (agency, "line 2") if agency else (None, None)
    )


def test_agency_variant_characters() -> None:
    assert normalise_agency("郟县 龙山街道办事处") == "郏县龙山街道办事处"


@pytest.mark.parametrize(
    ("agency", "level"),
    [
        ("承留镇人民政府", "township"),
        ("郏县龙山街道办事处", "street_office"),
        ("淮安市洪泽区人民政府", "county"),
        ("淮安市人民政府", "city"),
        ("淮安市教育局", "department"),
    ],
)
def test_level(agency: str, level: str) -> None:
    assert level_of(agency) == level


def test_published_dates() -> None:
    assert (
        str(find_published("……\n乌拉特中旗海流图镇人民政府\n2024年1月12日", 2023)) == "2024-01-12"
    )
    assert (
        str(find_published("发布时间: 2025-03-10 15:35\n正文 2024年1月1日", 2024)) == "2025-03-10"
    )
    assert find_published("统计期限为2023年1月1日至2023年12月31日。", 2023) is None


# --- narrative --------------------------------------------------------------------------
def test_narrative_figures() -> None:
    paras = [
        (
            "全年累计主动公开政府信息 130 余条。通过政府网站发布信息 80 条，其中概况信息 4 条，公告公示 34 条。",
            "line 3",
        )
    ]
    figs = {
        (f.metric, f.label): (f.value, f.approximate, f.parent) for f in disclosure_figures(paras)
    }
    assert figs[("active_disclosure_total", None)] == (130, True, None)
    assert figs[("channel_website", None)] == (80, False, "active_disclosure_total")
    assert figs[("active_disclosure_category", "公告公示")] == (34, False, "channel_website")
    req = {
        f.metric: f.value
        for f in request_figures([("2023年我镇共受理依申请公开16件，均已办结。", "line 8")])
    }
    assert req == {"applications_received": 16, "applications_all_settled": 1}
    assert fee_figures([("本年度共收取信息处理费 300 元。", "line 9")])[0].value == 300
    assert fee_figures([("2023 年未收取信息处理费。", "line 9")])[0].value == 0


def test_year_from_statistics_period() -> None:
    from gxparse.parsing.facts import year_from_period

    assert year_from_period("本报告所列数据统计期限为2024年1月1日至2024年12月31日。") == 2024
    assert year_from_period("统计期限自 2023 年 1 月 1 日起至 2023 年 12 月 31 日止") == 2023
    assert year_from_period("2023年1月1日至2024年12月31日") is None


def test_pdf_wrapped_lines_join_for_prose() -> None:
    from gxparse.parsing.parse import _paras

    items = [
        Para("2024 年，市政府网站主动公开各类政", "page 1 line 3"),
        Para("府信息 5500 余条。", "page 1 line 4"),
    ]
    figs = disclosure_figures(_paras(items, 0, 2))
    assert [(f.metric, f.value, f.approximate, f.source) for f in figs] == [
        ("active_disclosure_total", 5500, True, "page 1 line 3"),
        ("channel_website", 5500, True, "page 1 line 3"),
    ]


def test_legal_person_subtotal_column_is_left_out() -> None:
    rows = _rows(
        "一、本年新收政府信息公开申请数量 5 4 1 2 0 1 0 9",
        "（一）予以公开 3 2 1 1 0 0 0 5",
        "四、结转下年度继续办理 0 0 0 0 0 0 0 0",
    )
    res, _ = map_applications(rows, "2021")
    assert [int(res.cells[("received_new", a)].value) for a in T.APPLICANT_CODES] == [
        5,
        1,
        2,
        0,
        1,
        0,
        9,
    ]
    assert [int(res.cells[("granted", a)].value) for a in T.APPLICANT_CODES] == [
        3,
        1,
        1,
        0,
        0,
        0,
        5,
    ]
    assert not res.unplaced and "subtotal column" in res.notes[0]


def test_group_subtotal_rows_are_not_cells() -> None:
    rows = _rows("（三）不予公开 2 0 0 0 0 0 2", "1.属于国家秘密 2 0 0 0 0 0 2")
    res, _ = map_applications(rows, "2021")
    assert res.cells[("denied_state_secret", "total")].value == 2
    assert not res.unplaced and "subtotal row" in res.notes[0]


@pytest.mark.parametrize(
    ("code", "kind", "lang", "expected"),
    [
        ("other", "row", "zh", "（六）其他处理"),
        ("other", "result", "zh", "其他结果"),
        ("corrected", "status", "zh", "已更正"),
        ("corrected", "result", "en", "Corrected"),
        ("other", "part", "zh", "其他需要报告的事项"),
        ("natural_person", "applicant", "zh", "自然人"),
        ("other_handling", "row", "zh", "（六）其他处理"),
        ("channel_wechat", "metric", "en", "WeChat"),
    ],
)
def test_template_labels_by_kind(code: str, kind: str, lang: str, expected: str) -> None:
    assert T.label(kind, code, lang=lang) == expected


def test_template_label_without_a_kind_fails_loudly() -> None:
    with pytest.raises(KeyError):
        T.label("row", "natural_person")
    with pytest.raises(KeyError):
        T.label("group", "denied")


@pytest.mark.parametrize(
    ("reason", "zh"),
    [
        (
            ("unknown_label", {"part": "applications", "label": "理结"}),
            "第三部分的行标签“理结”不是模板中的行",
        ),
        (
            ("digits_run_together", {"part": "active_disclosure", "row": "licensing", "cells": 3}),
            "第二部分“行政许可”行3个单元格的数字连在一起，无法确定分界",
        ),
        (
            ("cells_for_columns", {"part": "appeals", "cells": 18, "columns": 15}),
            "第四部分有18个单元格而表格有15列，无法确定对应关系",
        ),
    ],
)
def test_unplaced_reasons_in_chinese(reason: tuple[str, dict], zh: str) -> None:
    from gxparse.reasons import Reason

    code, params = reason
    assert Reason.of(code, **params).text("zh") == zh


def test_a_parser_bug_fails_one_file_not_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    import gxparse.parsing.parse as P

    def boom(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(P, "map_disclosure", boom)
    rt = P.parse_bytes("一、总体情况\n二、主动公开政府信息情况\n行政处罚 6\n".encode(), "x.txt")
    assert rt.reports["parse_status"].iloc[0] == "failed"
    assert rt.reports["error"].iloc[0] == (
        "x.txt: internal error in gxparse (ValueError: boom); please report it with this file"
    )


def test_every_cell_on_its_own_row_keeps_its_label() -> None:
    """Word export whose lines end in a lone CR and padding: every cell becomes a row of its
    own. A number row without words belongs to the label above it, never the label below."""
    from pathlib import Path

    from gxparse.parsing.parse import parse_bytes

    raw = Path(__file__).resolve().parents[1] / "data" / "raw" / "004_8884def07ca5fc07.txt"
    damaged = "\r \xa0\n".join(raw.read_text(encoding="utf-8").split("\n"))
    d = parse_bytes(damaged.encode(), "d.txt").disclosure.set_index(["item", "measure"])
    assert (
        d.loc[("penalty", "decisions"), "status"],
        d.loc[("penalty", "decisions"), "value"],
    ) == ("reported", 2390)
    assert (
        d.loc[("coercion", "decisions"), "status"],
        d.loc[("coercion", "decisions"), "value"],
    ) == ("reported", 0)


def test_a_recurring_line_keeps_its_own_source() -> None:
    """Lines are split once per distinct text (rows of zeros recur across reports); each
    row still gets its own cells and sources, and long lines are not cached."""
    from gxparse.parsing import rows
    from gxparse.parsing.rows import table_rows
    from gxparse.readers.document import Row

    line = "1.属于国家秘密  0  0  3  0  0  0  3"
    a, b = from_para(Para(line, "line 5")), from_para(Para(line, "line 9"))
    assert (a.label, [c.text for c in a.numbers]) == (
        "1.属于国家秘密",
        ["0", "0", "3", "0", "0", "0", "3"],
    )
    assert {c.source for c in a.values} == {"line 5"} and {c.source for c in b.values} == {"line 9"}
    assert a.values[2] is not b.values[2] and a.positions == b.positions
    cells = ("行政许可", "5", "", "7")
    r1, r2 = table_rows(
        [
            Row(tuple(Cell(t, f"line 3 cell {i}") for i, t in enumerate(cells)), "line 3"),
            Row(tuple(Cell(t, f"line 8 cell {i}") for i, t in enumerate(cells)), "line 8"),
        ]
    )
    assert (r1.label, r1.source, r2.source) == ("行政许可", "line 3", "line 8")
    assert [c.source for c in r2.values] == ["line 8 cell 1", "line 8 cell 2", "line 8 cell 3"]
    assert r2.numbers == [r2.values[0], r2.values[2]] and r2.all_cells[0].source == "line 8 cell 0"
    # Digits run into a label keep the source of their own cell.
    (g,) = table_rows([Row((Cell("", "x 0"), Cell("行政处罚12", "x 1")), "x")])
    assert (g.label, g.glued) == ("行政处罚12", Cell("12", "x 1"))
    before = rows._para_shape.cache_info().currsize
    long_line = "说明" * 150 + "  1  2"
    assert [c.text for c in from_para(Para(long_line, "line 2")).values] == ["1", "2"]
    assert rows._para_shape.cache_info().currsize == before


def test_text_items_carry_their_own_line_numbers_when_read_on_threads(monkeypatch) -> None:
    """The shared "line N" sources are extended safely while files are read on threads."""
    import sys
    import threading

    from gxparse.readers import text as text_reader

    monkeypatch.setattr(text_reader, "_LINE_SOURCES", ["line 0"])
    errors: list[str] = []

    start = threading.Barrier(8)

    def read(n: int) -> None:
        start.wait()  # all at once: the shared list is extended by several threads
        lines = [f"段落{k}" if k % 3 else f"行{k}\t{k}" for k in range(1, n + 1)]
        doc = text_reader.text_to_document("\n".join(lines))
        for item in doc.items:
            first = item.text if isinstance(item, Para) else item.cells[0].text
            k = int(first.lstrip("段落行"))
            if item.source != f"line {k}":
                errors.append(f"{first!r} at {item.source}")

    threads = [threading.Thread(target=read, args=(3000 + 100 * i,)) for i in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert text_reader._LINE_SOURCES == [f"line {i}" for i in range(3701)]


def test_split_parts_gives_what_sectionize_and_find_restart_give() -> None:
    from gxparse.parsing.sections import find_restart, split_parts

    parts = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    parts += ["四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况"]
    lines = [*parts, "正文", "一、总体情况", "二、主动公开政府信息情况"]  # a second report
    items = text_to_document("\n".join(lines)).items
    got_items, regions, restart = split_parts(items)
    assert (got_items, regions) == sectionize(items)
    assert restart == find_restart(*sectionize(items)) == 6
    assert [r.part.number for r in regions] == [1, 2, 3, 4, 5]


def test_a_header_word_split_by_a_space_still_names_its_column() -> None:
    # "本年 增/减": neither half names a column, so without rejoining them the lone value
    # would sit under the only header found and take the wrong column.
    rows = _rows(
        "信息内容             上一年项目数量   本年 增/减",
        "行政事业性收费                        ０",
        "信息内容             上一 年项目数量  本年增/减   处理决定数量",
        "其他对外管理服务事项   ０                          ０",
    )
    res = map_disclosure(rows, "2019")
    assert res.cells[("fees", "previous_year_count")].status == "blank"
    assert res.cells[("fees", "change")] == CellValue("reported", Decimal(0), "０", "line 2")
    measures = ("previous_year_count", "change", "decisions")
    other = [res.cells[("other_external_services", m)] for m in measures]
    assert [c.status for c in other] == ["reported", "blank", "reported"]


def test_a_value_as_near_to_two_headers_is_not_placed() -> None:
    rows = _rows(
        "信息内容             上一年项目数量  本年增/减",
        # two columns (full-width counts two) past 上一年项目数量's end and before 本年增/减
        "行政事业性收费" + " " * 21 + "５",
    )
    res = map_disclosure(rows, "2019")
    assert {res.cells[("fees", m)].status for m in ("previous_year_count", "change")} == {"missing"}


@pytest.mark.parametrize(
    "numbers",
    [
        pytest.param(["12", "2", "0", "0", "0", "14"], id="a-value-line-lost-too"),
        pytest.param(
            ["", "12", "2", "0", "0", "0", "0", "14"], id="seven-numbers-and-an-empty-cell"
        ),
    ],
)
def test_numbers_whose_label_line_was_lost_are_not_given_to_the_blank_row_above(
    numbers: list[str],
) -> None:
    # Cell per line: "3.其他" prints its seven empty cells; the next row lost its label
    # line "（七）总计", so its numbers belong to no row that can be named.
    doc = text_to_document(
        "\t（六）其他处理\n\n\t\n\t\n\t3.其他\n"
        + "\t\xa0\n" * 7
        + "\n"
        + "".join(f"\t{n}\n" for n in numbers)
        + "\n\t4.无正当理由大量反复申请\n\n\t1\n\t0\n\t0\n\t0\n\t0\n\t0\n\t1\n"
    )
    rows = [from_cells(r.cells, r.source) for r in doc.items]
    res, _ = map_applications(rows, "2021")
    other = [res.cells[("other_other", a)] for a in T.APPLICANT_CODES]
    assert {c.status for c in other} == {"blank"}
    assert sorted(u.text for u in res.unplaced) == sorted(n for n in numbers if n)
    # A label on a line of its own still takes the numbers below it.
    assert res.cells[("rejected_excessive", "natural_person")] == CellValue(
        "reported", Decimal(1), "1", f"line {17 + len(numbers)}"
    )


_PART_FOUR_HEADER = "\t".join(["", *["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2])


@pytest.mark.parametrize(
    ("opener", "line", "opens"),
    [
        pytest.param("applications", "申请人情况 总计", True, id="3-header"),
        pytest.param("applications", "自然人 商业企业 科研机构 总计", True, id="3-applicants"),
        pytest.param(
            "applications", "一、本年新收政府信息公开申请数量 5 0 0 0 0 0 5", True, id="3-row1"
        ),
        pytest.param(
            "applications", "二、上年结转政府信息公开申请数量 1 0 0 0 0 0 1", True, id="3-row2"
        ),
        pytest.param(
            "applications", "本年新收政府信息公开申请5件。", False, id="3-sentence-number"
        ),
        pytest.param("applications", "受理自然人、法人或其他组织的申请。", False, id="3-sentence"),
        pytest.param("applications", "（一）予以公开 3 0 0 0 0 0 3", False, id="3-later-row"),
        pytest.param("applications", "行政许可 0 0 0", False, id="3-part-two-row"),
        pytest.param("applications", _PART_FOUR_HEADER, False, id="3-part-four-header"),
        pytest.param("disclosure", "第二十条第（一）项", True, id="2-clause"),
        pytest.param("disclosure", "（一）第二十条第(五)项", True, id="2-numbered-clause"),
        pytest.param("disclosure", "信息内容 本年新制作数量 本年新公开数量", True, id="2-measures"),
        pytest.param("disclosure", "第二十条规定，现将", False, id="2-wrapped-sentence"),
        pytest.param("disclosure", "根据条例第二十条第（一）项规定。", False, id="2-sentence"),
        pytest.param("disclosure", "规章 5 0 12", False, id="2-row"),
        pytest.param("disclosure", "信息内容", False, id="2-one-word"),
    ],
)
def test_what_opens_a_table_part(opener: str, line: str, opens: bool) -> None:
    from gxparse.parsing import tables

    if "\t" in line:
        row = from_cells(tuple(Cell(t, "line 1") for t in line.split("\t")), "line 1")
    else:
        row = from_para(Para(line, "line 1"))
    assert getattr(tables, f"opens_{opener}")(row) is opens


def test_recover_region_cuts_the_part_before_at_what_opens_the_lost_part() -> None:
    from gxparse.parsing.sections import recover_region

    items = text_to_document(
        "一、总体情况\n概述。\n二、主动公开政府信息情况\n行政许可\t0\t0\t0\n"
        "申请人情况\n一、本年新收政府信息公开申请数量\t5\n四、政府信息公开行政复议、行政诉讼情况\n"
    ).items
    _items, regions = sectionize(items)
    assert [r.part.code for r in regions] == ["overview", "active_disclosure", "appeals"]

    def opens(item) -> bool:
        return isinstance(item, Para) and item.text == "申请人情况"

    part = T.PART_BY_CODE["applications"]
    spans, found = recover_region(items, regions, part, opens)
    assert [(r.part.code, r.start, r.end) for r in spans] == [
        ("overview", 1, 2),
        ("active_disclosure", 3, 4),
        ("applications", 4, 6),
        ("appeals", 7, 7),
    ]
    assert (found.heading, found.source) == ("", "line 5")
    assert recover_region(items, spans, part, opens) is None  # found: nothing to recover
    assert recover_region(items, regions, part, lambda item: False) is None
