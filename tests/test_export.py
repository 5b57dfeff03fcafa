"""The briefing workbook, opened back with openpyxl: exact cells, headers, styles, atomic write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from gxparse import export, metrics, template, xlsx

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
        "说明",
        "申请办理汇总",
        "处理决定汇总",
        "指标",
        "指标定义",
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
    assert header[:4] == ["报告编号", "检查代码", "严重程度代码", "严重程度"]
    assert [ws.cell(row=i, column=4).value for i in (2, 3, 4)] == ["错误", "警告", "提示"]
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
    assert wb.sheetnames[:4] == ["说明", "申请办理汇总", "处理决定汇总", "指标"]
    assert "依申请公开" not in wb.sheetnames  # 2 × 10 × 7 rows > 10
    assert ["主动公开", "主动公开_2", "复议诉讼"] == [
        n for n in wb.sheetnames if n.startswith(("主动", "复议"))
    ]
    assert rows(wb["主动公开_2"])[0][0] == "报告编号"  # each part has its header
    assert [r[0] for r in rows(wb["主动公开"])[1:] + rows(wb["主动公开_2"])[1:]] == list(
        tables["disclosure"]["report_id"]
    )
    about = {r[0]: r[1] for r in rows(wb["说明"]) if r[0]}
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
