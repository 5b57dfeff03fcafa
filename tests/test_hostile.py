"""Hostile and odd inputs (issue 7): every file yields its documented status and error,
within a time bound, never an invented number, and never disturbs the rest of a batch.

Every input is generated at test time in ``tmp_path``; nothing large is committed. Each
case states the status it must get ('ok' / 'partial' / 'failed'), the reason a failure
must name, and, where the file prints numbers, the exact values the tables must hold.
"""

from __future__ import annotations

import functools
import hashlib
import io
import random
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from gxsynth import documents as D
from gxsynth import random_spec, render
from gxsynth.compare import Cells, spec_cells, table_cells
from gxsynth.model import ReportSpec
from gxsynth.text import part_heading

import gxparse
from gxparse import template as T
from gxparse.parsing.parse import ReportTables, parse_bytes, parse_file

ROOT = Path(__file__).resolve().parents[1]

# Hang guards, not speed tests (speed is measured in benchmarks/): a reading that grows
# quadratically or backtracks takes hours on these inputs, far beyond these bounds, while a
# busy machine stays well within them.
HANG_SECONDS = 120
SEED = ROOT / "data" / "raw" / "004_8884def07ca5fc07.txt"


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def nothing_invented_nothing_lost(rt: ReportTables, s: ReportSpec) -> None:
    """No reported number differs from the spec, and every printed number of parts 二–四 is
    either in a cell or counted in n_unplaced."""
    want = spec_cells(s)
    got = table_cells(rt)
    wrong = {k: (want[k], v) for k, v in got.items() if v[0] == "reported" and v != want.get(k)}
    assert not wrong, f"key → (truth, got): {wrong}"
    printed = sum(st == "reported" for st, _ in want.values())
    placed = sum(st == "reported" for st, _ in got.values())
    assert placed + int(rt.reports["n_unplaced"].iloc[0]) >= printed


def spec(seed: int = 3, template: str = "2021") -> ReportSpec:
    return random_spec(random.Random(seed), template)


def text_of(s: ReportSpec, layout: str = "tab_rows") -> str:
    return render(s, layout)


def status(rt: ReportTables) -> str:
    return str(rt.reports["parse_status"].iloc[0])


def error(rt: ReportTables) -> str | None:
    e = rt.reports["error"].iloc[0]
    return None if pd.isna(e) else str(e)


def notes(rt: ReportTables) -> str:
    n = rt.reports["notes"].iloc[0]
    return "" if pd.isna(n) else str(n)


def split_parts(text: str) -> tuple[list[str], list[list[str]]]:
    """A tab_rows report (zh numbering) as (lines before part 一, the six parts' lines)."""
    lines = text.split("\n")
    starts = [lines.index(part_heading(n, "zh")) for n in range(1, 7)]
    head = lines[: starts[0]]
    parts = [lines[s : (starts[i + 1] if i < 5 else len(lines))] for i, s in enumerate(starts)]
    return head, parts


def with_cell(s: ReportSpec, table: str, key: tuple[str, str], printed: str) -> ReportSpec:
    getattr(s, table)[key] = printed
    return s


def rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip container with some members replaced or added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------
# Hostile file makers: each returns the file's bytes (or text, written as UTF-8)
# ---------------------------------------------------------------------------------------
@functools.cache
def _docx() -> bytes:
    return D.to_docx(spec())


@functools.cache
def _xlsx() -> bytes:
    return D.to_xlsx(spec())


def _empty_office(kind: str) -> bytes:
    """A Word document or workbook saved with nothing in it."""
    buf = io.BytesIO()
    if kind == "docx":
        import docx

        docx.Document().save(buf)
    else:
        import openpyxl

        openpyxl.Workbook().save(buf)
    return buf.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE lolz [\n'
    b' <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)


def zip_bomb_docx() -> bytes:
    """A real DOCX plus a 40 MB member of zeros: about 40 KB on disk, ratio ~1000:1."""
    data = _docx()
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/image1.bin", "w") as f:
            chunk = bytes(4 * 1024 * 1024)
            for _ in range(10):
                f.write(chunk)
    return buf.getvalue()


def lying_size_docx() -> bytes:
    """A small DOCX whose zip directory declares a 4 GB member (a bomb's header)."""
    data = bytearray(rezip(_docx(), {}, {"word/media/pad.bin": b"\0" * 1000}))
    name = b"word/media/pad.bin"
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    assert data[cd + 46 : cd + 46 + len(name)] == name
    data[cd + 24 : cd + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    return bytes(data)


def billion_laughs_docx() -> bytes:
    data = _docx()
    doc_xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    body = doc_xml[doc_xml.index(b"<w:document") :]
    return rezip(
        data, {"word/document.xml": BILLION_LAUGHS + body.replace(b"</w:t>", b"&lol9;</w:t>", 1)}
    )


def image_only_pdf() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig = plt.figure(figsize=(4, 3))
    fig.figimage(np.random.default_rng(0).random((60, 80)), 0, 0)
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    plt.close(fig)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF under the standard security handler (RC4, R2) whose user password is unknown:
    the /U entry does not match the empty password, so no reader can open it without one."""
    rng = random.Random(7)
    o = rng.randbytes(32).hex().upper()
    u = rng.randbytes(32).hex().upper()
    doc_id = rng.randbytes(16).hex().upper()
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        "<< /Length 8 >>\nstream\n\x8b\x13\x01\x7f\x99\x02\x10\x55\nendstream",
        f"<< /Filter /Standard /V 1 /R 2 /O <{o}> /U <{u}> /P -44 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Encrypt 5 0 R "
        f"/ID [<{doc_id}> <{doc_id}>] >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


NEWS = (
    "新华社北京3月5日电（记者 张三）今天上午，全国春季农业生产工作会议在京召开。\n\n"
    "会议指出，一、要抓好粮食生产；二、要稳定生猪产能。今年计划新建高标准农田4500万亩。\n\n"
    "（完）\n"
)


def parts_out_of_order() -> str:
    head, parts = split_parts(text_of(spec()))
    order = [0, 3, 2, 1, 4, 5]  # 一 四 三 二 五 六
    return "\n".join(head + [ln for k in order for ln in parts[k]])


def part_repeated() -> str:
    head, parts = split_parts(text_of(spec()))
    order = [0, 1, 2, 2, 3, 4, 5]  # part 三 printed twice (a web page pasted twice)
    return "\n".join(head + [ln for k in order for ln in parts[k]])


def cut_mid_table() -> str:
    """The report ends inside part 三, after （二）部分公开."""
    text = text_of(spec())
    lines = text.split("\n")
    end = next(i for i, ln in enumerate(lines) if "（二）部分公开" in ln)
    return "\n".join(lines[: end + 1])


def two_reports() -> str:
    return text_of(spec(3)) + "\n\n" + text_of(spec(4))


def gbk_html_declared_utf8() -> bytes:
    return D.to_html(spec(), charset="utf-8").encode("gbk")


def scripts_html() -> bytes:
    page = D.to_html(spec())
    noise = "<script>var s='一、总体情况 二、主动公开政府信息情况 规章 999';</script>" * 300
    styles = "<style>" + "td{color:red}" * 500 + "</style>"
    page = page.replace("<body>", "<body>" + noise + styles, 1)
    page = page.replace(
        "</tr>", "</tr><script>document.write('<tr><td>规章</td><td>77</td></tr>')</script>"
    )
    return page.encode()


def deep_html(depth: int = 5_000) -> bytes:
    return (
        "<html><body>" + "<div>" * depth + "年度报告" + "</div>" * depth + "</body></html>"
    ).encode()


def nul_in_prose() -> bytes:
    text = text_of(spec())
    return text.replace("我单位主动公开", "我单位\x00主动公开", 1).encode()


def surrogate_text() -> bytes:
    return (text_of(spec()) + "附\ud800注\n").encode("utf-8", "surrogatepass")


def ten_thousand_rows(in_part_three: bool = False) -> str:
    """A 10,000-row table: in part 五 (numbers outside parts 二–四 are not cells), or at the
    end of part 三 (each row's number is counted in n_unplaced)."""
    head, parts = split_parts(text_of(spec()))
    if in_part_three:
        p3 = parts[2]
        end = next(i for i, ln in enumerate(p3) if ln.startswith("四、结转"))
        rows = [f"\t备注第{i}项\t{i % 97}" for i in range(1, 10_001)]
        parts[2] = p3[: end + 1] + rows + p3[end + 1 :]
    else:
        rows = [f"{i}\t整改事项第{i}项\t已完成" for i in range(1, 10_001)]
        parts[4] = parts[4][:2] + rows + parts[4][2:]
    return "\n".join(head + [ln for p in parts for ln in p])


def subtotal_column() -> str:
    """Part 三 with a 法人或其他组织 subtotal column: 8 numbers a row."""
    s = spec(5)
    head, parts = split_parts(text_of(s))
    out = []
    for ln in parts[2]:
        cells_ = ln.split("\t")
        nums = [i for i, c in enumerate(cells_) if re.fullmatch(r"\d+", c)]
        if len(nums) == 7:
            values = [int(cells_[i]) for i in nums]
            cells_.insert(nums[1], str(sum(values[1:6])))
        elif "商业企业" in ln:
            cells_.insert(cells_.index("商业企业"), "小计")
        out.append("\t".join(cells_))
    parts[2] = out
    return "\n".join(head + [ln for p in parts for ln in p])


def subtotal_rows(groups: str = "三四五") -> str:
    """Part 三 with a subtotal row before each of the groups named (（三）–（六）)."""
    s = spec(5)
    head, parts = split_parts(text_of(s))
    out = []
    for ln in parts[2]:
        m = re.match(rf"^\t(（[{groups}]）[^\t]+)\t", ln)
        if m:
            group = m.group(1)
            code = {"三": "denied", "四": "unable", "五": "rejected", "六": "other"}[group[1]]
            rows = [r.code for r in T.application_rows(s.template) if r.code.startswith(code)]
            sums = [sum(int(s.applications[(r, a)] or 0) for r in rows) for a in T.APPLICANT_CODES]
            out.append("\t".join(["", group, "小计", *map(str, sums)]))
        out.append(ln)
    parts[2] = out
    return "\n".join(head + [ln for p in parts for ln in p])


def extra_header_rows() -> str:
    """Part 三 and 四 with a unit line and their header rows repeated mid-table (a page
    break in the Word original)."""
    s = spec(5)
    head, parts = split_parts(text_of(s))
    p3 = parts[2]
    header = [ln for ln in p3 if "自然人" in ln or "商业企业" in ln]
    mid = next(i for i, ln in enumerate(p3) if "（四）无法提供" in ln)
    parts[2] = [p3[0], "单位：件", *p3[1:mid], *header, *p3[mid:]]
    p4 = parts[3]
    first = next(i for i, ln in enumerate(p4) if ln.startswith("行政复议"))
    parts[3] = [*p4[:first], "单位：件", p4[first], *p4[first:]]
    return "\n".join(head + [ln for p in parts for ln in p])


# ---------------------------------------------------------------------------------------
# The battery
# ---------------------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    filename: str
    make: Callable[[], bytes | str]
    status: str
    error: str | None = None  # fragment the error must contain (failed cases)
    expect: Callable[[], Cells] | None = None  # exact cells (ok/partial cases)
    note: str | None = None  # fragment the report's notes must contain
    extra: Callable[[ReportTables], None] | None = None  # further assertions
    max_mb: float | None = None  # peak memory bound (tracemalloc) for guard cases


def _n_unplaced_is(rt: ReportTables, n: int) -> None:
    assert int(rt.reports["n_unplaced"].iloc[0]) == n
    unplaced = rt.findings[rt.findings["check"] == "unplaced_number"]
    assert len(unplaced) == n


def _spec_truth(seed: int = 3, template: str = "2021") -> Callable[[], Cells]:
    return lambda: spec_cells(spec(seed, template))


def _odd(printed: str, value: float | None, table: str, key: tuple[str, str]):
    """A case printing one cell in an odd way; every other cell as the spec has it."""

    def make() -> str:
        return text_of(with_cell(spec(), table, key, printed))

    def expect() -> Cells:
        t = spec_cells(spec())
        t[(table, *key)] = ("reported", value) if value is not None else ("blank", None)
        return t

    return make, expect


_APP = ("applications", ("received_new", "natural_person"))
_FEE = ("disclosure", ("fees", "fee_amount"))
_PEN = ("disclosure", ("penalty", "decisions"))
_REV = ("appeals", ("review", "upheld"))


def _odd_case(name: str, printed: str, value: float | None, where, status: str = "ok") -> Case:
    make, expect = _odd(printed, value, *where)
    return Case(name, f"{name}.txt", make, status, expect=expect)


CASES: list[Case] = [
    Case("empty", "empty.txt", lambda: b"", "failed", "empty file"),
    Case(
        "random_bytes",
        "random.txt",
        lambda: random.Random(0).randbytes(20_000),
        "failed",
        "not decodable as UTF-8, UTF-16 or GB18030 text",
    ),
    Case(
        "random_bytes_pdf_ext",
        "random.pdf",
        lambda: random.Random(1).randbytes(20_000),
        "failed",
        "not decodable",
    ),
    Case(
        "truncated_docx",
        "cut.docx",
        lambda: _docx()[: len(_docx()) // 2],
        "failed",
        "damaged or truncated zip container",
    ),
    Case(
        "truncated_xlsx",
        "cut.xlsx",
        lambda: _xlsx()[: len(_xlsx()) * 2 // 3],
        "failed",
        "damaged or truncated zip container",
    ),
    Case(
        "zip_bomb_docx",
        "bomb.docx",
        zip_bomb_docx,
        "failed",
        "zip bomb? compression ratio",
        max_mb=5,
    ),
    Case(
        "zip_bomb_declared_size",
        "bomb2.docx",
        lying_size_docx,
        "failed",
        "zip bomb? the container expands to",
        max_mb=5,
    ),
    Case(
        "billion_laughs",
        "laughs.docx",
        billion_laughs_docx,
        "failed",
        "XML with a DTD or entity declarations in word/document.xml",
        max_mb=5,
    ),
    Case(
        "docx_without_text",
        "blank.docx",
        lambda: _empty_office("docx"),
        "failed",
        "Word document without any text",
    ),
    Case(
        "xlsx_without_values",
        "blank.xlsx",
        lambda: _empty_office("xlsx"),
        "failed",
        "Excel workbook without any cell values",
    ),
    Case(
        "zip_not_office",
        "archive.docx",
        lambda: rezip(_docx(), {}, {}).replace(b"word/", b"wxyz/"),
        "failed",
        "zip archive that is neither a Word nor an Excel document",
    ),
    Case(
        "zip_many_members",
        "many.xlsx",
        lambda: rezip(_xlsx(), {}, {f"xl/media/m{i}.bin": b"" for i in range(5001)}),
        "failed",
        "members (limit 5000)",
    ),
    Case("html_scripts", "scripts.html", scripts_html, "ok", expect=_spec_truth()),
    Case("pdf_no_text_layer", "scan.pdf", image_only_pdf, "failed", "no text layer"),
    Case("pdf_encrypted", "locked.pdf", encrypted_pdf, "failed", "encrypted PDF"),
    Case(
        "pdf_truncated",
        "cut.pdf",
        lambda: image_only_pdf()[:300],
        "failed",
        "damaged or truncated PDF",
    ),
    Case(
        "docx_named_pdf",
        "word.pdf",
        _docx,
        "ok",
        expect=_spec_truth(),
        note="extension says pdf, content is docx",
    ),
    Case(
        "text_named_docx",
        "text.docx",
        lambda: text_of(spec()),
        "ok",
        expect=_spec_truth(),
        note="extension says docx, content is txt",
    ),
    Case(
        "xlsx_named_html",
        "sheet.html",
        _xlsx,
        "ok",
        expect=_spec_truth(),
        note="extension says html, content is xlsx",
    ),
    Case(
        "news_article",
        "news.txt",
        lambda: NEWS,
        "failed",
        "not a government information disclosure annual report",
    ),
    Case(
        "parts_out_of_order",
        "order.txt",
        parts_out_of_order,
        "partial",
        # Part 二's table is found by its header (it is no second report); part 三, printed
        # before it, is not looked for behind it.
        note="part 收到和处理政府信息公开申请情况 not found",
        extra=lambda rt: nothing_invented_nothing_lost(rt, spec()),
    ),
    Case("cut_mid_table", "cut.txt", cut_mid_table, "partial"),
    # The first report is read; the second's numbers are listed as unplaced (partial).
    Case("two_reports", "two.txt", two_reports, "partial", expect=_spec_truth(3)),
    Case("gbk_declared_utf8", "gbk.html", gbk_html_declared_utf8, "ok", expect=_spec_truth()),
    Case(
        "utf16le_no_bom",
        "u16le.txt",
        lambda: text_of(spec()).encode("utf-16-le"),
        "ok",
        expect=_spec_truth(),
    ),
    Case(
        "utf16be_no_bom",
        "u16be.txt",
        lambda: text_of(spec()).encode("utf-16-be"),
        "ok",
        expect=_spec_truth(),
    ),
    Case("nul_in_prose", "nul.txt", nul_in_prose, "ok", expect=_spec_truth()),
    Case(
        "lone_surrogate",
        "surrogate.txt",
        surrogate_text,
        "failed",
        "not decodable as UTF-8, UTF-16 or GB18030 text",
    ),
    Case("deep_html", "deep.html", deep_html, "failed", "nested too deeply"),
    Case("ten_thousand_rows", "rows.txt", ten_thousand_rows, "ok", expect=_spec_truth()),
    Case(
        "subtotal_column",
        "subcol.txt",
        subtotal_column,
        "ok",
        expect=_spec_truth(5),
        note="part 三: a 法人或其他组织 subtotal column was read and left out",
    ),
    Case(
        "subtotal_rows",
        "subrows.txt",
        lambda: subtotal_rows("三四五六"),
        "ok",
        expect=_spec_truth(5),
        note="part 三: subtotal row",
    ),
    Case(
        "ten_thousand_rows_in_part_three",
        "rows3.txt",
        lambda: ten_thousand_rows(in_part_three=True),
        "partial",
        expect=_spec_truth(),
        extra=lambda rt: _n_unplaced_is(rt, 10_000),
    ),
    Case("extra_header_rows", "headers.txt", extra_header_rows, "ok", expect=_spec_truth(5)),
    _odd_case("thousands_ascii", "1,234", 1234, _APP),
    _odd_case("thousands_fullwidth_comma", "2，345", 2345, _PEN),
    _odd_case("unit_jian", "12件", 12, _APP),
    _odd_case("unit_wanyuan", "3.5万元", 3.5, _FEE),
    _odd_case("unit_yuan", "120元", 120, _FEE),
    _odd_case("fullwidth_digits", "１２", 12, _REV),
    _odd_case("chinese_zero_ling", "零", 0, _APP),
    _odd_case("chinese_zero_circle", "〇", 0, _REV),
    _odd_case("negative_ascii", "-3", -3, _APP),
    _odd_case("fraction_in_disclosure_count", "2.5", 2.5, _PEN),
    _odd_case("blank_dash", "—", None, _APP),
    _odd_case("blank_wu", "无", None, _REV),
]


@pytest.fixture(scope="module")
def seed_alone() -> Cells:
    return table_cells(parse_file(SEED))


def _check(case: Case, rt: ReportTables) -> None:
    assert status(rt) == case.status, (status(rt), error(rt), notes(rt))
    if case.status == "failed":
        assert case.error is not None
        err = error(rt)
        assert err is not None and err.startswith(f"{case.filename}: "), err
        assert case.error in err, err
        for table in ("disclosure", "applications", "appeals", "narrative", "sections"):
            assert getattr(rt, table).empty, table
    else:
        assert error(rt) is None
    if case.note:
        assert case.note in notes(rt)
    if case.extra is not None:
        case.extra(rt)
    if case.expect is not None:
        got = table_cells(rt)
        want = case.expect()
        wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
        assert not wrong, f"key → (expected, got): {wrong}"
        extra = {k: v for k, v in got.items() if k not in want and v[0] != "missing"}
        assert not extra, f"cells the report does not print: {extra}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file(case: Case, tmp_path: Path, seed_alone: Cells) -> None:
    data = case.make()
    data = data.encode("utf-8") if isinstance(data, str) else data
    path = tmp_path / case.filename
    path.write_bytes(data)
    if case.max_mb is not None:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        rt = parse_file(path)
        elapsed = time.perf_counter() - start
        if case.max_mb is not None:
            peak = tracemalloc.get_traced_memory()[1] - len(data)
            assert peak < case.max_mb * 2**20, f"peak {peak / 2**20:.1f} MB"
    finally:
        if case.max_mb is not None:
            tracemalloc.stop()
    assert elapsed < HANG_SECONDS, elapsed
    _check(case, rt)
    # The same file in a batch with a seed: its own result unchanged, the seed untouched.
    shutil.copy(SEED, tmp_path / SEED.name)
    corpus = gxparse.read_reports(tmp_path)
    assert sorted(corpus.report_ids) == sorted([path.stem, SEED.stem])
    alone = corpus.reports.set_index("report_id")
    assert alone.loc[path.stem, "parse_status"] == case.status
    batch_error = alone.loc[path.stem, "error"]
    assert (None if pd.isna(batch_error) else batch_error) == error(rt)
    assert alone.loc[SEED.stem, "parse_status"] == "ok"
    assert table_cells(corpus, SEED.stem) == seed_alone
    if case.expect is not None:
        assert table_cells(corpus, path.stem) == table_cells(rt)


def test_battery_is_large_enough() -> None:
    assert len(CASES) >= 30


# ---------------------------------------------------------------------------------------
# Cases with more to say than the battery's columns
# ---------------------------------------------------------------------------------------
def test_cut_mid_table_keeps_what_is_printed_and_nothing_else() -> None:
    s = spec()
    rt = parse_bytes(cut_mid_table().encode(), "cut.txt")
    got = table_cells(rt)
    want = spec_cells(s)
    printed_rows = ("received_new", "carried_over", "granted", "partially_granted")
    for key, (st, value) in got.items():
        table, row, _ = key
        if table == "disclosure" or (table == "applications" and row in printed_rows):
            assert (st, value) == want[key], key
        elif st == "reported":
            pytest.fail(f"{key} reported {value} though the text ends before it")
        elif st == "derived":
            assert value == want[key][1], key
    assert "part 政府信息公开行政复议、行政诉讼情况 not found" in notes(rt)


def test_part_repeated_keeps_the_first_and_lists_the_second() -> None:
    rt = parse_bytes(part_repeated().encode(), "twice.txt")
    got = table_cells(rt)
    want = spec_cells(spec())
    assert {k: got[k] for k in want} == want
    # The second copy's numbers are not cells: they are counted as unplaced, not lost.
    n_app_numbers = sum(v is not None for v in spec().applications.values())
    assert status(rt) == "partial"
    assert int(rt.reports["n_unplaced"].iloc[0]) == n_app_numbers
    assert set(rt.findings["check"]) == {"unplaced_number"}


def test_nul_inside_a_label_never_shifts_a_value() -> None:
    text = text_of(spec()).replace("规章", "规\x00章", 1)
    rt = parse_bytes(text.encode(), "nul_label.txt")
    want = spec_cells(spec())
    for key, (st, value) in table_cells(rt).items():
        assert st in ("missing", want[key][0]), key
        if st == "reported":
            assert value == want[key][1], key


def test_two_reports_in_one_file_are_not_dropped_silently() -> None:
    rt = parse_bytes(two_reports().encode(), "two.txt")
    n_unplaced = int(rt.reports["n_unplaced"].iloc[0])
    assert status(rt) == "partial" or n_unplaced > 0 or "report" in notes(rt)


def test_subtotal_row_of_group_six_is_not_a_cell() -> None:
    """（六）其他处理 with numbers above its 2021 sub-rows is a subtotal, never the 2019
    undivided cell ``other``."""
    rt = parse_bytes(subtotal_rows("六").encode(), "subtotal6.txt")
    assert status(rt) == "ok"
    assert table_cells(rt) == spec_cells(spec(5))
    assert "subtotal row" in notes(rt) and "（六）其他处理" in notes(rt)


def test_a_report_with_numbers_left_unplaced_says_why_in_its_notes() -> None:
    """Numbers that cannot be placed without guessing are listed, and the report's own
    notes say which, where and why (one number for three columns; digits of three cells
    run together), not only how many."""
    text = text_of(spec())
    text = text.replace("规章\t0\t0\t0", "规章\t7", 1)
    text = text.replace("行政规范性文件\t4\t0\t16", "行政规范性文件4016", 1)
    rt = parse_bytes(text.encode(), "ambiguous.txt")
    lines = text.split("\n")
    regs = next(i for i, line in enumerate(lines, 1) if line.startswith("规章"))
    assert int(rt.reports["n_unplaced"].iloc[0]) == 2
    assert notes(rt) == (
        "2 number(s) in parts 二–四 could not be placed without guessing: "
        f"7 at line {regs} (part 二 regulations: 1 cells for 3 columns), "
        f"4016 at line {regs + 1} (part 二 normative_documents: digits of 3 cells run together)"
    )


def test_same_file_twice(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "a_copy.txt")
    shutil.copy(SEED, tmp_path / "b_copy.txt")
    corpus = gxparse.read_reports(tmp_path)
    assert corpus.reports["parse_status"].tolist() == ["ok", "ok"]
    assert table_cells(corpus, "a_copy") == table_cells(corpus, "b_copy")
    dup = corpus.findings[corpus.findings["check"] == "duplicate_file"]
    assert dup["report_id"].tolist() == ["b_copy"]
    assert dup["expected"].tolist() == ["a_copy"]


def test_100_mb_of_text_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    line = ("规章\t0\t0\t0\n" * 1000).encode()
    with path.open("wb") as f:
        while f.tell() < 100 * 1024 * 1024:
            f.write(line)
    start = time.perf_counter()
    rt = parse_file(path)
    elapsed = time.perf_counter() - start
    assert status(rt) == "failed"
    assert error(rt) is not None
    assert error(rt).startswith("huge.txt: file too large (")
    assert "100.0 MB; the limit is " in error(rt)
    assert elapsed < HANG_SECONDS


def test_100_mb_of_text_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: costs no disk
    tracemalloc.start()
    try:
        rt = parse_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status(rt) == "failed"
    assert peak < 20 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB to refuse a 100 MB file"


def test_extremely_long_single_line_does_not_hang(tmp_path: Path) -> None:
    path = tmp_path / "longline.txt"
    path.write_bytes(("字" * 100_000 + "\n" + text_of(spec())).encode())
    code = (
        "import sys; from gxparse.parsing.parse import parse_file; "
        "r = parse_file(sys.argv[1]).reports; print(r['parse_status'].iloc[0])"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"a 100,000-character line took more than {HANG_SECONDS} s")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_long_line_inside_a_part_does_not_hang() -> None:
    text = text_of(spec()).replace("主动公开政府信息", "主动公开政府信息" + "字" * 200_000, 1)
    start = time.perf_counter()
    rt = parse_bytes(text.encode(), "longprose.txt")
    assert time.perf_counter() - start < HANG_SECONDS
    assert status(rt) == "ok"
    assert table_cells(rt) == spec_cells(spec())


@pytest.mark.parametrize("where", [_APP, _REV], ids=["applications", "appeals"])
def test_fraction_where_a_count_is_due_is_kept_as_printed_and_listed(where) -> None:
    """Counts are Int64 in the data contract: a fraction cannot be a value. It is kept in
    ``raw``, the cell is missing, and the number is listed as unplaced."""
    table, key = where
    text = text_of(with_cell(spec(), table, key, "2.5"))
    rt = parse_bytes(text.encode(), "fraction.txt")  # must not raise
    assert table_cells(rt)[(table, *key)] == ("missing", None)
    df = getattr(rt, table)
    a, b = ("row", "applicant") if table == "applications" else ("proceeding", "result")
    assert df[(df[a] == key[0]) & (df[b] == key[1])]["raw"].iloc[0].strip() == "2.5"
    f = rt.findings[rt.findings["check"] == "unplaced_number"]
    assert f["actual"].tolist() == ["2.5"] and "小数" in f["message"].iloc[0]
    assert status(rt) == "partial"


@pytest.mark.parametrize(("printed", "value"), [("−3", -3), ("二", 2), ("12.", 12)])
def test_unreadable_count_never_shifts_the_row(printed: str, value: float) -> None:
    s = with_cell(spec(), *_APP, printed)
    rt = parse_bytes(text_of(s).encode(), "shift.txt")
    want = spec_cells(spec())
    want[("applications", *_APP[1])] = ("reported", value)
    wrong = {
        k: (want[k], v) for k, v in table_cells(rt).items() if v[0] == "reported" and v != want[k]
    }
    assert not wrong, f"key → (printed, got): {wrong}"


def test_minus_sign_in_part_four_is_read_as_printed() -> None:
    """U+2212 (−) is a minus sign: −3 is reported as -3, and nothing shifts."""
    rt = parse_bytes(text_of(with_cell(spec(), *_REV, "−3")).encode(), "minus.txt")
    want = spec_cells(spec())
    want[("appeals", *_REV[1])] = ("reported", -3.0)
    got = {k: v for k, v in table_cells(rt).items() if k[0] == "appeals"}
    assert got == {k: v for k, v in want.items() if k[0] == "appeals"}


def test_raw_files_are_only_read(tmp_path: Path) -> None:
    """Parsing a hostile batch leaves every file byte-for-byte and mtime unchanged."""
    cheap = {"empty", "random_bytes", "truncated_docx", "billion_laughs", "news_article"}
    for case in (c for c in CASES if c.name in cheap or c.name.startswith("unit_")):
        data = case.make()
        (tmp_path / case.filename).write_bytes(
            data.encode("utf-8") if isinstance(data, str) else data
        )
    before = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in tmp_path.iterdir()
    }
    gxparse.read_reports(tmp_path)
    after = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in tmp_path.iterdir()
    }
    assert after == before


def test_unit_in_an_aligned_row_never_splits_other_numbers() -> None:
    s = spec()
    printed = ["21", "0", "0", "0", "0", "3", "24"]
    for a, v in zip(T.APPLICANT_CODES, printed, strict=True):
        s.applications[("unable_unclear", a)] = v
    want = spec_cells(s)
    s.applications[("unable_unclear", "other_org")] = "3件"
    rt = parse_bytes(render(s, "space_rows").encode(), "aligned.txt")
    wrong = {
        k: (want[k], v) for k, v in table_cells(rt).items() if v[0] == "reported" and v != want[k]
    }
    assert not wrong, f"key → (printed, got): {wrong}"


@pytest.mark.parametrize("layout", ["tab_rows", "pipe_rows", "cell_per_line", "markdown_broken"])
def test_unit_in_a_delimited_row_is_read_as_printed(layout: str) -> None:
    s = spec()
    want = spec_cells(s)
    value = s.applications[("unable_unclear", "other_org")]
    s.applications[("unable_unclear", "other_org")] = f"{value}件"
    rt = parse_bytes(render(s, layout).encode(), "units.txt")
    assert status(rt) == "ok"
    assert table_cells(rt) == want
