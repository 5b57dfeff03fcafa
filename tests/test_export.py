"""The briefing workbook, opened back with openpyxl: exact cells, headers, styles, atomic write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from gxparse import template
from gxparse.analysis import metrics
from gxparse.reporting import export, xlsx

APPLICANTS = template.APPLICANT_CODES


def _applications(report_id: str, totals: dict[str, object]) -> list[tuple]:
    rows = []
    for r in template.application_rows("2021"):
        v = totals.get(r.code, 0)
        for a in APPLICANTS:
            value = v if a in ("natural_person", "total") else 0
            if value is None:
                rows.append((report_id, r.code, a, pd.NA, "blank", "", "line 60"))
            else:
                rows.append((report_id, r.code, a, value, "reported", str(value), "line 60"))
    return rows


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    reports = pd.DataFrame(
        {
            "report_id": ["004_yinghai", "000_chengliu"],
            "source_file": ["004_yinghai.txt", "000_chengliu.txt"],
            "agency": ["北京市大兴区瀛海镇人民政府", "承留镇人民政府"],
            "year": pd.array([2023, 2023], dtype="Int64"),
            "template": ["2021", "2021"],
            "level": ["township", "township"],
            "parse_status": ["ok", "partial"],
            "published": [pd.Timestamp("2024-01-20"), pd.NaT],
        }
    )
    apps = pd.DataFrame(
        _applications(
            "004_yinghai",
            {"received_new": 16, "granted": 14, "total_handled": 14, "carried_forward": 2},
        )
        + _applications(
            "000_chengliu",
            {
                "received_new": 6,
                "granted": 5,
                "unable_not_held": 1,
                "total_handled": 6,
                "carried_over": None,
            },
        ),
        columns=["report_id", "row", "applicant", "value", "status", "raw", "source"],
    ).astype({"value": "Int64"})
    disclosure = pd.DataFrame(
        {
            "report_id": ["000_chengliu", "000_chengliu", "000_chengliu", "004_yinghai"],
            "item": ["penalty", "coercion", "fees", "penalty"],
            "measure": ["decisions", "decisions", "fee_amount", "decisions"],
            "value": pd.array([6.0, 0.0, 0.35, None], dtype="Float64"),
            "unit": ["件", "件", "万元", "件"],
            "status": ["reported", "reported", "reported", "blank"],
            "raw": ["6", "0", "0.35", "—"],
            "source": ["line 40", "line 41", "line 44", "line 45"],
        }
    )
    appeals = pd.DataFrame(
        {
            "report_id": ["004_yinghai"] * 2,
            "proceeding": ["review", "review"],
            "result": ["other", "total"],
            "value": pd.array([0, 1], dtype="Int64"),
            "status": ["reported", "corrected"],
            "raw": ["0", "0"],
            "source": ["line 80", "line 80"],
        }
    )
    findings = pd.DataFrame(
        {
            "report_id": ["004_yinghai", "000_chengliu", "000_chengliu"],
            "check": ["balance.total", "blank_due", "prose_vs_table"],
            "severity": ["error", "warning", "info"],
            "table": ["applications", "applications", "narrative"],
            "row": ["total_handled", "carried_over", pd.NA],
            "col": ["total", "total", pd.NA],
            "expected": [16.0, pd.NA, 6.0],
            "actual": [14.0, pd.NA, 6.0],
            "message": ["一＋二与三＋四不等", "上年结转为空白", "=正文与表格一致"],
        }
    )
    narrative = pd.DataFrame(
        {
            "report_id": ["000_chengliu"],
            "metric": ["active_disclosure_total"],
            "value": [1359.0],
            "approximate": [False],
            "quote": ["我镇依托公开载体全年共发布信息 1359 条。"],
        }
    )
    sections = pd.DataFrame(
        {
            "report_id": ["000_chengliu"],
            "section": ["other"],
            "title": ["六、其他需要报告的事项"],
            "text": ["2023 年未收取信息处理费。\x07"],
        }
    )
    return {
        "reports": reports,
        "applications": apps,
        "disclosure": disclosure,
        "appeals": appeals,
        "findings": findings,
        "narrative": narrative,
        "sections": sections,
    }


@pytest.fixture
def workbook(tables: dict[str, pd.DataFrame], tmp_path: Path) -> openpyxl.Workbook:
    path = export.write_workbook(
        tables, tmp_path / "out" / "briefing.xlsx", build_date=dt.date(2026, 11, 22)
    )
    assert path == tmp_path / "out" / "briefing.xlsx"
    # Nothing left behind but the workbook.
    assert [p.name for p in path.parent.iterdir()] == ["briefing.xlsx"]
    return openpyxl.load_workbook(path)


def rows(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_sheet_names(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "目录",
        "说明",
        "申请办理汇总",
        "处理决定汇总",
        "指标汇总",
        "指标",
        "指标定义",
        "检查发现汇总",
        "检查发现",
        "未计入的文件",
        "报告",
        "主动公开",
        "依申请公开",
        "复议诉讼",
        "正文数据",
        "章节正文",
    ]
    assert all(len(n) <= 31 for n in workbook.sheetnames)


def test_requests_sheet_exact(workbook: openpyxl.Workbook) -> None:
    ws = workbook["申请办理汇总"]
    assert rows(ws) == [
        (
            "报告编号",
            "机关",
            "年度",
            "本年新收政府信息公开申请数量",
            "上年结转政府信息公开申请数量",
            "本年度办理结果总计",
            "结转下年度继续办理",
        ),
        ("004_yinghai", "北京市大兴区瀛海镇人民政府", 2023, 16, 0, 14, 2),
        # A blank 上年结转 stays empty, not 0.
        ("000_chengliu", "承留镇人民政府", 2023, 6, None, 6, 0),
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    assert ws["D2"].number_format == export.INT_FORMAT
    assert ws["A1"].font.bold


def test_decisions_sheet_exact(workbook: openpyxl.Workbook) -> None:
    ws = workbook["处理决定汇总"]
    assert rows(ws)[0] == (
        "报告编号",
        "机关",
        "年度",
        "行政许可本年处理决定数量",
        "行政处罚本年处理决定数量",
        "行政强制本年处理决定数量",
    )
    assert rows(ws)[1:] == [
        ("004_yinghai", "北京市大兴区瀛海镇人民政府", 2023, None, None, None),
        ("000_chengliu", "承留镇人民政府", 2023, None, 6, 0),
    ]


def test_code_columns_get_chinese_labels(workbook: openpyxl.Workbook) -> None:
    ws = workbook["依申请公开"]
    header = rows(ws)[0]
    assert header == (
        "报告编号",
        "行代码",
        "行",
        "申请人代码",
        "申请人",
        "数值",
        "状态代码",
        "状态",
        "原文",
        "出处",
    )
    first = rows(ws)[1]
    assert first == (
        "004_yinghai",
        "received_new",
        "本年新收政府信息公开申请数量",
        "natural_person",
        "自然人",
        16,
        "reported",
        "已填报",
        "16",
        "line 60",
    )
    appeals = rows(workbook["复议诉讼"])
    assert appeals[1][3:5] == ("other", "其他结果")
    assert appeals[2][6:8] == ("corrected", "已更正")


def test_numbers_and_dates(workbook: openpyxl.Workbook) -> None:
    ws = workbook["主动公开"]
    values = {r[0].row: r for r in ws.iter_rows(min_row=2)}
    fee = values[4]
    assert fee[5].value == pytest.approx(0.35)
    assert fee[5].number_format == export.FLOAT_FORMAT
    assert values[2][5].value == 6
    assert values[2][5].number_format == export.INT_FORMAT
    assert values[5][5].value is None  # blank stays blank
    rep = workbook["报告"]
    assert rep["I1"].value == "发布日期"
    assert rep["I2"].value == dt.datetime(2024, 1, 20)
    assert rep["I2"].number_format == export.DATE_FORMAT
    assert rep["I3"].value is None


def test_metrics_sheet_formats_rates_as_percent(workbook: openpyxl.Workbook) -> None:
    ws = workbook["指标"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    found = {}
    for r in ws.iter_rows(min_row=2):
        if r[col["报告编号"]].value == "004_yinghai":
            found[r[col["指标代码"]].value] = r
    rate = found["substantive_disclosure_rate"]
    assert rate[col["中文名称"]].value == "实质公开率"
    assert rate[col["数值"]].value == pytest.approx(1.0)
    assert rate[col["数值"]].number_format == export.PERCENT_FORMAT
    assert rate[col["分子"]].value == 14
    assert rate[col["分母"]].value == 14
    count = found["received_new"]
    assert count[col["数值"]].value == 16
    assert count[col["数值"]].number_format == export.INT_FORMAT
    defs = {r[0]: r for r in rows(workbook["指标定义"])}
    assert defs["substantive_disclosure_rate"][4] == "(予以公开 + 部分公开) / 总计"


def test_findings_highlighted(workbook: openpyxl.Workbook) -> None:
    ws = workbook["检查发现"]
    header = [c.value for c in ws[1]]
    # The columns a reader needs come first (they are the ones printed).
    assert header[:5] == ["报告编号", "严重程度", "说明", "检查代码", "严重程度代码"]
    assert [ws.cell(row=i, column=2).value for i in (2, 3, 4)] == ["错误", "警告", "提示"]
    assert ws["A2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["A3"].fill.fgColor.rgb.endswith("FFEB9C")
    assert ws["A4"].fill.fgColor.rgb.endswith("EDEDED")
    # A message starting with "=" is text, not a formula.
    msg = next(c for c in ws[4] if isinstance(c.value, str) and "正文与表格" in c.value)
    assert msg.value == "=正文与表格一致"
    assert msg.data_type == "s"


def excel_width(characters: int) -> float:
    """The width Excel stores for a column of ``characters`` digits of its default font
    (7 pixels each, plus 5 pixels of padding, in 1/256ths), as Excel itself writes it."""
    return int((characters * 7 + 5) / 7 * 256) / 256


def test_widths_count_cjk_double(workbook: openpyxl.Workbook) -> None:
    ws = workbook["申请办理汇总"]
    # 北京市大兴区瀛海镇人民政府: 13 CJK characters = 26 columns, + 2 padding.
    assert ws.column_dimensions["B"].width == excel_width(28)
    assert export.display_width("瀛海镇16") == 8
    assert export.display_width("１２") == 4


def test_about_sheet(workbook: openpyxl.Workbook) -> None:
    ws = workbook["说明"]
    assert ws["A2"].value == "报告份数"
    assert ws["B2"].value == 2
    assert ws["B3"].value == "2023"
    assert ws["B4"].value == "2026-11-22"


def test_illegal_characters_are_dropped(workbook: openpyxl.Workbook) -> None:
    ws = workbook["章节正文"]
    assert rows(ws)[1][-1] == "2023 年未收取信息处理费。"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("依申请公开", "依申请公开", id="short"),
        pytest.param("a" * 40, "a" * 31, id="long"),
        pytest.param("a/b:c?", "a_b_c_", id="invalid"),
    ],
)
def test_sheet_name(name: str, expected: str) -> None:
    assert export.sheet_name(name) == expected


def test_sheet_name_unique() -> None:
    taken: set[str] = set()
    assert export.sheet_name("x" * 40, taken) == "x" * 31
    second = export.sheet_name("x" * 40, taken)
    assert second == "x" * 29 + "_2"
    assert len(second) == 31


def test_atomic_write_keeps_old_file_on_failure(
    tables: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "briefing.xlsx"
    path.write_bytes(b"old")

    def boom(self) -> None:
        raise OSError("disk full")

    # The sheets are streamed into the temporary file; writing the workbook parts fails.
    monkeypatch.setattr(xlsx.Workbook, "_write_parts", boom)
    with pytest.raises(OSError, match="disk full"):
        export.write_workbook(tables, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["briefing.xlsx"]


def test_narrative_metrics_get_labels(workbook: openpyxl.Workbook) -> None:
    ws = workbook["正文数据"]
    assert [c.value for c in ws[1]][:4] == ["报告编号", "指标代码", "指标", "数值"]
    assert ws["C2"].value == metrics.narrative_label("active_disclosure_total")
    assert ws["D2"].value == 1359


def test_long_sheets_continue_and_big_cell_tables_are_left_out(
    tables: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past Excel's row limit a sheet continues on another; a cell-level table longer than
    max_sheet_rows is left out and 说明 names its CSV and Parquet files."""
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 3)  # a header and two rows a sheet
    path = export.write_workbook(tables, tmp_path / "b.xlsx", max_sheet_rows=10)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:5] == ["目录", "说明", "申请办理汇总", "处理决定汇总", "指标汇总"]
    assert "依申请公开" not in wb.sheetnames  # 2 × 10 × 7 rows > 10
    assert ["主动公开", "主动公开_2", "复议诉讼"] == [
        n for n in wb.sheetnames if n.startswith(("主动", "复议"))
    ]
    assert rows(wb["主动公开_2"])[0][0] == "报告编号"  # each part has its header
    assert [r[0] for r in rows(wb["主动公开"])[1:] + rows(wb["主动公开_2"])[1:]] == list(
        tables["disclosure"]["report_id"]
    )
    about = {r[0]: r[1] for r in rows(wb["目录"]) if r[0]}
    assert about["主动公开_2"] == "（续）主动公开"
    n_apps = len(tables["applications"])
    assert about["依申请公开"] == (
        f"{n_apps:,} 行，多于 10 行，未写入本工作簿；"
        "见整理后的表格 applications.csv（Excel 可直接打开）或 applications.parquet"
    )


def test_xlsx_writer_values(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with xlsx.Workbook(path) as wb:
        pct = wb.style(xlsx.Style(number_format="0.0%"))
        date = wb.style(xlsx.Style(number_format="yyyy-mm-dd"))
        first = wb.add_sheet("first")  # the first tab, filled after the second
        sheet = wb.add_sheet("a&b", widths=[10, 20], freeze_header=True)
        sheet.append([("<x> & y", 0), (" padded ", 0), (True, 0)])
        sheet.append([(0.125, pct), (dt.date(2024, 1, 20), date), (6.0, 0)])
        sheet.append([(float("nan"), 0), (None, pct), (2**40, 0)])
        sheet.close(autofilter=True)
        first.append([("=1+1", 0)])
        first.close()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["first", "a&b"]
    ws = book["a&b"]
    assert rows(ws) == [
        ("<x> & y", " padded ", True),
        (0.125, dt.datetime(2024, 1, 20), 6),
        (None, None, 2**40),
    ]
    assert ws["A2"].number_format == "0.0%"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C3"
    assert ws.column_dimensions["B"].width == excel_width(20)
    assert book["first"]["A1"].value == "=1+1"
    assert book["first"]["A1"].data_type == "s"
    assert xlsx.column_letter(28) == "AB"


def test_severity_colours_for_charts_match_the_workbook_fills() -> None:
    assert export.SEVERITY_COLORS == {"error": "#9C0006", "warning": "#9C5700", "info": "#595959"}


# ---------------------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------------------
SUMMARY = (
    "目录",
    "说明",
    "申请办理汇总",
    "处理决定汇总",
    "指标汇总",
    "指标定义",
    "检查发现汇总",
    "检查发现",
)


def test_every_sheet_prints_landscape_a4_with_title_and_header_rows(
    workbook: openpyxl.Workbook,
) -> None:
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.oddHeader.center.text == "&A", ws.title  # the sheet's name
        assert ws.oddHeader.left.text == export.PRINT_TITLE, ws.title
        assert ws.oddHeader.right.text == "第 &P 页，共 &N 页", ws.title
        assert (ws.page_margins.left, ws.page_margins.right) == (0.5, 0.5), ws.title
        assert ws.page_margins.top == 0.75, ws.title
        if ws.title not in ("目录", "说明"):
            # The header row on every page.
            assert ws.print_title_rows == "$1:$1", ws.title


def test_summary_sheets_fit_the_page_width(workbook: openpyxl.Workbook) -> None:
    for title in SUMMARY:
        ws = workbook[title]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, title
        # One page wide: 1 is the file format's default, which the file leaves out.
        assert ws.page_setup.fitToWidth in (None, 1), title
        # A few rows: all on one page.
        assert ws.page_setup.fitToHeight in (None, 1), title  # 1: the default
    # The findings print the reader's columns: report, severity, message.
    assert workbook["检查发现"].print_area == "'检查发现'!$A$1:$C$4"


def test_cell_sheets_print_long_with_their_header_on_each_page(
    workbook: openpyxl.Workbook,
) -> None:
    ws = workbook["依申请公开"]
    assert ws.print_title_rows == "$1:$1"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0  # as many pages as needed
    assert ws.page_setup.fitToWidth in (None, 1)  # one page wide (the default)


def test_wide_cell_sheets_print_across_pages_with_the_first_column() -> None:
    """A cell-level sheet too wide to fit the page at MIN_CELL_SCALE prints on pages to the
    right, the report id repeated on each."""
    setup = export.print_setup("sections", "章节正文", [30, 60, 60, 60, 60], [15.0] * 10)
    assert not setup.fit_width
    assert setup.repeat_columns == 1
    assert setup.repeat_rows == 1
    narrow = export.print_setup("appeals", "复议诉讼", [20, 20, 20], [15.0] * 10)
    assert narrow.fit_width and narrow.fit_height == 0 and narrow.repeat_columns == 0


@pytest.mark.parametrize(
    ("rows", "fit_height"),
    [
        pytest.param(30, 1, id="one-page"),
        pytest.param(40, 1, id="squeezed-onto-one"),
        pytest.param(60, 2, id="two-pages"),
        pytest.param(400, 0, id="too-long-to-squeeze"),
    ],
)
def test_summary_sheets_fit_one_or_two_pages_while_readable(rows: int, fit_height: int) -> None:
    # 15-point rows; a page holds PAGE_HEIGHT_PT (487) points: 32 rows at full size.
    setup = export.print_setup("requests", "申请办理汇总", [20, 30], [15.0] * rows)
    assert setup.fit_width
    assert setup.fit_height == fit_height


def test_years_print_without_thousands_separator_and_counts_as_integers(
    workbook: openpyxl.Workbook,
) -> None:
    for title in ("申请办理汇总", "处理决定汇总", "报告"):
        ws = workbook[title]
        col = [c.value for c in ws[1]].index("年度")
        cell = ws.cell(row=2, column=col + 1)
        assert cell.value == 2023
        assert cell.number_format == export.YEAR_FORMAT == "0", title
    ws = workbook["处理决定汇总"]
    assert ws["E3"].value == 6
    assert ws["E3"].number_format == export.INT_FORMAT


def test_decisions_summary_counts_are_integers(tables: dict[str, pd.DataFrame]) -> None:
    out = export.decisions_summary(tables)
    assert str(out["penalty_decisions"].dtype) == "Int64"
    assert out["penalty_decisions"].tolist() == [pd.NA, 6]
    # A column holding a fraction stays a float.
    frac = export.as_counts(pd.DataFrame({"x": pd.array([1.5, 2.0], dtype="Float64")}), ["x"])
    assert str(frac["x"].dtype) == "Float64"


def test_wrapped_rows_are_as_tall_as_their_text(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    long = "本机关" + "依申请公开工作情况说明" * 30  # 333 characters, 666 columns wide
    tables["findings"].loc[1, "message"] = long
    wb = openpyxl.load_workbook(export.write_workbook(tables, tmp_path / "b.xlsx"))
    ws = wb["检查发现"]
    width = export.FINDINGS_MESSAGE_WIDTH
    assert ws.column_dimensions["C"].width == excel_width(width)
    lines = export.wrapped_lines(long, width)
    assert lines == 7  # 666 / 98 → 7 lines
    assert ws.row_dimensions[3].height == export.row_height(lines) == 15 * 7 + 3
    assert ws.row_dimensions[2].height is None  # one line: the default height
    assert ws["A3"].alignment.vertical == "top"
    assert export.wrapped_lines("一\n二\n三", 10) == 3


def test_contents_sheet_links_every_sheet(workbook: openpyxl.Workbook) -> None:
    ws = workbook["目录"]
    got = rows(ws)
    assert got[0][0] == export.PRINT_TITLE + " · 目录"
    assert got[1] == ("工作表", "内容", "行数")
    listed = {r[0]: r for r in got[2:]}
    assert list(listed) == workbook.sheetnames[1:]
    assert listed["申请办理汇总"][2] == 2
    assert listed["依申请公开"][2] == len(tables_rows := rows(workbook["依申请公开"])) - 1
    assert tables_rows[0][0] == "报告编号"
    assert ws["A4"].hyperlink.location == "'申请办理汇总'!A1"


def test_metrics_summary(tables: dict[str, pd.DataFrame]) -> None:
    out = export.metrics_summary(tables)
    row = out.set_index("metric").loc["received_new"]
    # Two reports: 16 and 6 new requests.
    assert (row["n_used"], row["n_reports"]) == (2, 2)
    assert (row["median"], row["total"], row["max"]) == (11.0, 22.0, 16.0)
    assert pd.isna(row["pooled"])
    rate = out.set_index("metric").loc["substantive_disclosure_rate"]
    # 004_yinghai: 14/14; 000_chengliu: 5/6 → pooled 19/20.
    assert rate["pooled"] == pytest.approx(19 / 20)
    assert pd.isna(rate["total"])
    assert out.set_index("metric").loc["total_handled", "zh"] == "本年度办理结果总计"


def test_findings_summary_sheet(workbook: openpyxl.Workbook) -> None:
    got = rows(workbook["检查发现汇总"])
    assert got[0] == ("检查代码", "检查", "严重程度代码", "严重程度", "发现条数", "有发现的报告数")
    # Errors first, then warnings, then notes (the fixture's codes are not in the catalog:
    # they stand for their own description).
    assert got[1:] == [
        ("balance.total", "balance.total", "error", "错误", 1, 1),
        ("blank_due", "blank_due", "warning", "警告", 1, 1),
        ("prose_vs_table", "prose_vs_table", "info", "提示", 1, 1),
    ]
    assert workbook["检查发现汇总"]["A2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_findings_summary_counts_findings_and_reports() -> None:
    from gxparse.analysis.checks import CHECK_BY_CODE

    f = pd.DataFrame(
        {
            "report_id": ["a", "a", "b", "c"],
            "check": ["blank_cells", "blank_cells", "blank_cells", "next_year_chain"],
            "severity": ["info", "info", "info", "warning"],
        }
    )
    out = export.findings_summary(f)
    assert out.values.tolist() == [
        ["next_year_chain", CHECK_BY_CODE["next_year_chain"].zh, "warning", 1, 1],
        ["blank_cells", CHECK_BY_CODE["blank_cells"].zh, "info", 3, 2],
    ]


def test_metrics_summary_sheet_formats_rates_as_percent(workbook: openpyxl.Workbook) -> None:
    ws = workbook["指标汇总"]
    header = [c.value for c in ws[1]]
    assert "类型" not in header  # the kind shows through the format
    col = {h: i for i, h in enumerate(header)}
    by_code = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    rate = by_code["substantive_disclosure_rate"]
    assert rate[col["总体比率"]].value == pytest.approx(19 / 20)
    for name in ("中位数", "总体比率", "最大值"):
        assert rate[col[name]].number_format == export.PERCENT_FORMAT, name
    count = by_code["received_new"]
    assert (count[col["合计"]].value, count[col["合计"]].number_format) == (22, export.INT_FORMAT)
