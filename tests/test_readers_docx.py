"""DOCX reader: real Word files built with python-docx, read back cell by cell."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from gxsynth import documents as D
from gxsynth.model import ReportSpec, random_spec

from gxparse.readers import read_bytes
from gxparse.readers.document import Para, ReadError, Row
from gxparse.readers.docx import read_docx


def specs() -> list[ReportSpec]:
    return [
        random_spec(random.Random(1), "2021"),
        random_spec(random.Random(2), "2019"),
        D.with_blanks(random_spec(random.Random(3), "2021"), 3),
        D.with_blanks(random_spec(random.Random(4), "2019"), 4),
    ]


@pytest.mark.parametrize("spec", specs(), ids=["2021", "2019", "2021-blanks", "2019-blanks"])
def test_official_layout_cells_exactly(spec: ReportSpec) -> None:
    doc = read_bytes(D.to_docx(spec), "report.docx")
    assert doc.source_format == "docx"
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        assert D.document_cells(doc, t) == D.expected_cells(grid)


def test_official_layout_structure_and_sources() -> None:
    spec = D.with_blanks(random_spec(random.Random(3), "2021"), 3)
    spec.applications[("granted", "natural_person")] = None
    spec.applications[("granted", "total")] = "17"
    doc = read_docx(D.to_docx(spec))
    paras = [i for i in doc.items if isinstance(i, Para)]
    assert paras[0] == Para(D.title(spec), "paragraph 1")
    assert [p.text for p in paras if p.text in {D.heading(n) for n in range(1, 7)}] == [
        D.heading(n) for n in range(1, 7)
    ]
    assert paras[-1].text == D.published_line(spec)
    rows = [i for i in doc.items if isinstance(i, Row)]
    # Part 三: the header's merged cells appear once, vertical continuations are empty.
    head = [r for r in rows if r.table == 1][:3]
    assert [c.text for c in head[1].cells] == ["", "自然人", "法人或其他组织", "总计"]
    assert [c.source for c in head[1].cells] == [
        "table 2 row 2 cell 1",
        "table 2 row 2 cell 4",
        "table 2 row 2 cell 5",
        "table 2 row 2 cell 10",
    ]
    granted = next(r for r in rows if "（一）予以公开" in [c.text for c in r.cells])
    assert granted.source == "table 2 row 6"
    assert [c.text for c in granted.cells][:3] == ["三、本年度办理结果", "（一）予以公开", ""]
    assert granted.cells[2].source == "table 2 row 6 cell 4"
    assert granted.cells[-1].text == "17"
    secret = next(r for r in rows if "1.属于国家秘密" in [c.text for c in r.cells])
    assert [c.text for c in secret.cells[:3]] == ["", "（三）不予公开", "1.属于国家秘密"]
    third = rows[rows.index(secret) + 1]
    assert [c.text for c in third.cells[:3]] == ["", "", "2.其他法律行政法规禁止公开"]
    assert len(third.cells) == 10
    # Document.text: paragraphs and rows (cells joined by tabs), one per line.
    assert "\t自然人\t法人或其他组织\t总计" in doc.text
    assert doc.text.splitlines()[0] == D.title(spec)


def _doc_bytes(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_merged_header_is_not_repeated() -> None:
    """The python-docx trap: row.cells repeats a merged cell; the reader must not."""
    document = docx.Document()
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "信息内容"
    table.cell(0, 1).merge(table.cell(0, 3)).text = "申请人情况"
    for c, label in enumerate(["自然人", "商业企业", "总计"], start=1):
        table.cell(1, c).text = label
    for c, value in enumerate(["规章", "1", "", "3"]):
        table.cell(2, c).text = value
    data = _doc_bytes(document)
    assert [c.text for c in docx.Document(io.BytesIO(data)).tables[0].rows[0].cells] == [
        "信息内容",
        "申请人情况",
        "申请人情况",
        "申请人情况",
    ]
    rows = [i for i in read_docx(data).items if isinstance(i, Row)]
    assert [[(c.text, c.source) for c in r.cells] for r in rows] == [
        [("信息内容", "table 1 row 1 cell 1"), ("申请人情况", "table 1 row 1 cell 2")],
        [
            ("", "table 1 row 2 cell 1"),
            ("自然人", "table 1 row 2 cell 2"),
            ("商业企业", "table 1 row 2 cell 3"),
            ("总计", "table 1 row 2 cell 4"),
        ],
        [
            ("规章", "table 1 row 3 cell 1"),
            ("1", "table 1 row 3 cell 2"),
            ("", "table 1 row 3 cell 3"),
            ("3", "table 1 row 3 cell 4"),
        ],
    ]
    assert all(r.table == 0 for r in rows)


def test_paragraphs_and_tables_in_document_order_with_nested_tables() -> None:
    document = docx.Document()
    document.add_paragraph("标题")
    document.add_paragraph("")  # counted, not emitted
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "外层"
    inner_cell = outer.cell(0, 1)
    inner_cell.text = "说明"
    inner = inner_cell.add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "行政许可"
    inner.cell(0, 1).text = "5"
    document.add_paragraph("第一行\n第二行")
    doc = read_docx(_doc_bytes(document))
    got = [
        (type(i).__name__, i.source, i.text if isinstance(i, Para) else [c.text for c in i.cells])
        for i in doc.items
    ]
    assert got == [
        ("Para", "paragraph 1", "标题"),
        ("Row", "table 1 row 1", ["外层", "说明"]),
        ("Row", "table 2 row 1", ["行政许可", "5"]),
        ("Para", "paragraph 3", "第一行\n第二行"),
    ]


def test_layout_frame_table_is_read_as_running_text() -> None:
    document = docx.Document()
    frame = document.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.text = "一、总体情况"
    cell.add_paragraph("本年主动公开政府信息12条。")
    data_table = cell.add_table(rows=1, cols=2)
    data_table.cell(0, 0).text = "行政处罚"
    data_table.cell(0, 1).text = "6"
    doc = read_docx(_doc_bytes(document))
    assert [type(i).__name__ for i in doc.items] == ["Para", "Para", "Row"]
    assert doc.items[0] == Para("一、总体情况", "table 1 row 1 paragraph 1")
    assert doc.items[1].source == "table 1 row 1 paragraph 2"
    assert [c.text for c in doc.items[2].cells] == ["行政处罚", "6"]
    assert doc.items[2].source == "table 2 row 1"


def test_cell_paragraphs_join_with_newline() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "商业"
    table.cell(0, 0).add_paragraph("企业")
    table.cell(0, 1).text = "0"
    row = next(i for i in read_docx(_doc_bytes(document)).items if isinstance(i, Row))
    assert [c.text for c in row.cells] == ["商业\n企业", "0"]


def test_truncated_docx_is_one_clear_error() -> None:
    data = D.to_docx(random_spec(random.Random(5)))
    with pytest.raises(ReadError, match="truncated"):
        read_bytes(data[: len(data) // 2], "cut.docx")


def test_zip_without_main_part_is_not_word() -> None:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/other.xml", "<x/>")
    with pytest.raises(ReadError, match="Word"):
        read_bytes(buf.getvalue(), "x.docx")


def test_word_file_holding_only_an_image_is_one_clear_error(tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("RGB", (200, 300), "white").save(image)
    document = docx.Document()
    document.add_picture(str(image))
    with pytest.raises(ReadError, match="only images"):
        read_bytes(_doc_bytes(document), "scan.docx")


def test_legacy_horizontal_merge_is_read_like_grid_span() -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    for c, (text, merge) in enumerate(
        [("行政复议", "restart"), ("", "continue"), ("行政诉讼", None)]
    ):
        cell = table.cell(0, c)
        cell.text = text
        if merge:
            h = OxmlElement("w:hMerge")
            if merge == "restart":
                h.set(qn("w:val"), "restart")
            cell._tc.get_or_add_tcPr().append(h)
    row = next(i for i in read_docx(_doc_bytes(document)).items if isinstance(i, Row))
    assert [(c.text, c.source) for c in row.cells] == [
        ("行政复议", "table 1 row 1 cell 1"),
        ("行政诉讼", "table 1 row 1 cell 3"),
    ]


def _rewritten(data: bytes, edit: Callable[[str, bytes], tuple[str, bytes] | None]) -> bytes:
    """A copy of a zip package, each member passed through ``edit(name, bytes)`` (which
    returns the new name and bytes, or None to leave the member out)."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = edit(info.filename, src.read(info.filename))
            if member is not None:
                dst.writestr(*member)
    return buf.getvalue()


def test_macro_enabled_document_is_read() -> None:
    """A .docm (or a template) holds the same body as a .docx: its text is read, not
    refused as damaged."""
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    macro = b"application/vnd.ms-word.document.macroEnabled.main+xml"

    def edit(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "[Content_Types].xml":
            assert main in data
            data = data.replace(main, macro)
        return name, data

    spec = random_spec(random.Random(6))
    doc = read_bytes(_rewritten(D.to_docx(spec), edit), "report.docm")
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        assert D.document_cells(doc, t) == D.expected_cells(grid)


def test_main_part_is_found_through_the_package_relationships() -> None:
    """The main part need not be word/document.xml: _rels/.rels names it."""

    def rename(name: str, data: bytes) -> tuple[str, bytes]:
        if name in ("_rels/.rels", "[Content_Types].xml"):
            data = data.replace(b"/word/document.xml", b"/word/main.xml")
            data = data.replace(b'Target="word/document.xml"', b'Target="word/main.xml"')
        renamed = {"word/document.xml": "word/main.xml"}
        renamed["word/_rels/document.xml.rels"] = "word/_rels/main.xml.rels"
        return renamed.get(name, name), data

    spec = random_spec(random.Random(7))
    data = _rewritten(D.to_docx(spec), rename)
    doc = read_bytes(data, "report.docx")
    assert D.document_cells(doc, 1) == D.expected_cells(D.applications_grid(spec))
    without = _rewritten(data, lambda name, b: None if name == "word/main.xml" else (name, b))
    with pytest.raises(ReadError, match=r"missing part word/main\.xml"):
        read_docx(without)
