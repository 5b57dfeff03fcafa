"""XLSX reader: workbooks built with openpyxl (merged cells, borders, numbers as numbers)."""

from __future__ import annotations

import io
import random

import openpyxl
import pytest
from gxsynth import documents as D
from gxsynth.model import ReportSpec, random_spec

from gxparse.readers import read_bytes
from gxparse.readers.document import Para, ReadError, Row
from gxparse.readers.xlsx import format_value, read_xlsx


def specs() -> list[ReportSpec]:
    return [
        random_spec(random.Random(1), "2021"),
        random_spec(random.Random(2), "2019"),
        D.with_blanks(random_spec(random.Random(3), "2021"), 3),
        D.with_blanks(random_spec(random.Random(4), "2019"), 4),
    ]


@pytest.mark.parametrize("spec", specs(), ids=["2021", "2019", "2021-blanks", "2019-blanks"])
def test_official_layout_cells_exactly(spec: ReportSpec) -> None:
    doc = read_bytes(D.to_xlsx(spec), "report.xlsx")
    assert doc.source_format == "xlsx"
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        got = D.document_cells(doc, t)
        expected = D.expected_cells(grid)
        # Numbers come back as the spreadsheet shows them ("0.50" is keyed as 0.5).
        assert [
            [(c, t.rstrip("0").rstrip(".") if "." in t else t) for c, t in row] for row in got
        ] == [
            [(c, t.rstrip("0").rstrip(".") if "." in t else t) for c, t in row] for row in expected
        ]


def test_text_rows_are_paragraphs_and_sources() -> None:
    spec = random_spec(random.Random(5))
    doc = read_xlsx(D.to_xlsx(spec))
    assert doc.items[0] == Para(D.title(spec), "sheet 1 row 1")
    assert doc.items[1] == Para(D.heading(1), "sheet 1 row 2")
    row = next(i for i in doc.items if isinstance(i, Row))
    assert row.source == "sheet 1 row 5"
    assert [(c.text, c.source) for c in row.cells] == [
        ("第二十条第（一）项", "sheet 1 row 5 cell 1")
    ]
    assert [i.table for i in doc.items if isinstance(i, Row)][-1] == 2


def test_merged_ranges_and_blank_trailing_cells() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "信息内容"
    ws.merge_cells("A1:A2")
    ws["B1"] = "申请人情况"
    ws.merge_cells("B1:D1")
    ws["B2"], ws["C2"], ws["D2"] = "自然人", "商业企业", "总计"
    ws["A3"], ws["B3"] = "规章", 3
    ws["C3"] = 2.5
    ws["D3"].border = openpyxl.styles.Border(left=openpyxl.styles.Side(style="thin"))
    buf = io.BytesIO()
    wb.save(buf)
    rows = [[(c.text, c.source) for c in r.cells] for r in read_xlsx(buf.getvalue()).items]
    assert rows == [
        [("信息内容", "sheet 1 row 1 cell 1"), ("申请人情况", "sheet 1 row 1 cell 2")],
        [
            ("", "sheet 1 row 2 cell 1"),
            ("自然人", "sheet 1 row 2 cell 2"),
            ("商业企业", "sheet 1 row 2 cell 3"),
            ("总计", "sheet 1 row 2 cell 4"),
        ],
        [
            ("规章", "sheet 1 row 3 cell 1"),
            ("3", "sheet 1 row 3 cell 2"),
            ("2.5", "sheet 1 row 3 cell 3"),
            ("", "sheet 1 row 3 cell 4"),
        ],
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (3, "3"), (3.0, "3"), (0.1, "0.1"), (18651.06, "18651.06"), ("无", "无")],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


def test_several_sheets_in_order() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["行政许可", 1])
    wb.create_sheet("二").append(["行政处罚", 2])
    buf = io.BytesIO()
    wb.save(buf)
    doc = read_xlsx(buf.getvalue())
    assert [r.source for r in doc.items] == ["sheet 1 row 1", "sheet 2 row 1"]
    assert [r.table for r in doc.items] == [0, 1]


def test_truncated_xlsx_is_one_clear_error() -> None:
    data = D.to_xlsx(random_spec(random.Random(6)))
    with pytest.raises(ReadError, match="truncated"):
        read_bytes(data[:-200], "cut.xlsx")


def test_empty_workbook_is_one_clear_error() -> None:
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    with pytest.raises(ReadError, match="without any cell values"):
        read_bytes(buf.getvalue(), "empty.xlsx")


def test_formatting_beyond_the_content_is_trimmed() -> None:
    from openpyxl.styles import Border, Side

    border = Border(bottom=Side(style="thin"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["行政复议", "结果维持", "总计"])
    for row in range(2, 40):  # formatting run on far right and far below the table
        for col in range(1, 30):
            ws.cell(row, col).border = border
    ws["A5"] = "五、存在的主要问题及改进情况"
    buf = io.BytesIO()
    wb.save(buf)
    doc = read_xlsx(buf.getvalue())
    shapes = [(type(i).__name__, i.source, len(getattr(i, "cells", ()))) for i in doc.items]
    assert shapes == [
        ("Row", "sheet 1 row 1", 3),
        # A blank row of the table (followed by content): kept, as wide as the sheet.
        ("Row", "sheet 1 row 2", 3),
        ("Row", "sheet 1 row 3", 3),
        ("Row", "sheet 1 row 4", 3),
        ("Row", "sheet 1 row 5", 3),
    ]
    assert [c.text for c in doc.items[-1].cells] == ["五、存在的主要问题及改进情况", "", ""]
