"""An Excel workbook an official can open: one sheet per table, Chinese headers, findings highlighted.

Given the tidy tables (a Corpus or a dict of DataFrames), :func:`write_workbook` writes:

- 说明: what the workbook holds, how many reports, which years, when built;
- 申请办理汇总: one row per report (agency, year, 本年新收, 上年结转, 办理结果总计, 结转下年度);
- 处理决定汇总: one row per report (行政许可, 行政处罚, 行政强制 decisions);
- 指标 and 指标定义: the derived metrics of :mod:`gxparse.analysis.metrics` and their definitions;
- 检查发现: the findings, rows coloured by severity (error red, warning amber, info grey);
- one sheet per contract table (reports, disclosure, applications, appeals, narrative,
  sections), codes followed by a column with their Chinese label.

Headers are translated through :data:`HEADERS`: a table column's header comes from the
declaration of the tables (:mod:`gxparse.contract`). Every sheet has a frozen
header row and an autofilter; widths count a CJK character as two. The file is written to
a temporary file in the target folder and moved into place (``os.replace``), so a reader
never sees half a workbook.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gxparse import contract as K
from gxparse.analysis import metrics
from gxparse.analysis.catalog import SEVERITY_LABELS
from gxparse.reporting.xlsx import Link, PrintSetup, Sheet, Style, Workbook

__all__ = [
    "CELL_TABLES",
    "HEADERS",
    "LABEL_COLUMNS",
    "MAX_SHEET_ROWS",
    "SEVERITY_COLORS",
    "SEVERITY_FILLS",
    "SEVERITY_LABELS",
    "SHEET_NAMES",
    "WORKBOOK_NAME",
    "as_counts",
    "decisions_summary",
    "display_width",
    "findings_summary",
    "left_out_sheet",
    "metrics_summary",
    "print_setup",
    "requests_summary",
    "sheet_name",
    "translate",
    "with_labels",
    "wrapped_lines",
    "write_workbook",
]

# ---------------------------------------------------------------------------------------
# Translations: column name → Chinese header
# ---------------------------------------------------------------------------------------
# Headers of the columns the sheets add to the tables (labels) and of the summary and metric
# sheets; a table column's header is declared with the column (gxparse.contract).
_OTHER_HEADERS: dict[str, str] = {
    "level_label": "层级",
    "item_label": "事项",
    "measure_label": "指标",
    "status_label": "状态",
    "row_label": "行",
    "applicant_label": "申请人",
    "proceeding_label": "程序",
    "result_label": "结果",
    "metric_label": "指标",
    "severity_label": "严重程度",
    "section_label": "部分",
    "zh": "中文名称",
    "en": "英文名称",
    "kind": "类型",
    "numerator": "分子",
    "denominator": "分母",
    "na_reason": "缺值原因",
    "definition": "定义",
    "definition_en": "英文定义",
    "group": "分组代码",
    "n_peers": "同级报告数",
    "n_others": "同级其他报告数",
    "others_median": "同级其他报告中位数",
    "peer_median": "同级中位数",
    "peer_max": "同级最大值",
    "rank": "同级排名",
    "ratio_to_median": "与同级中位数之比",
    "previous_year": "上一年度",
    "next_year": "下一年度",
    "next_report_id": "下一年度报告编号",
    "columns": "不一致的列",
    "previous_value": "上一年度数值",
    "change": "变化",
    "change_pp": "变化（百分点）",
    "share": "占比",
    "count": "数量",
    "n_reports": "报告数",
    "n_used": "有数据的报告数",
    "n_rows": "含该行的报告数",
    "n_findings": "发现条数",
    "n_flagged": "有发现的报告数",
    "median": "中位数",
    "total": "合计",
    "max": "最大值",
    "reason": "原因",
    "pooled": "总体比率",
    "check_label": "检查",
}
HEADERS: dict[str, str] = {**K.headers(), **_OTHER_HEADERS}

# Code columns followed by a column with the code's Chinese label (from the template).
LABEL_COLUMNS: tuple[str, ...] = (
    "level",
    "item",
    "measure",
    "row",
    "applicant",
    "proceeding",
    "result",
    "status",
    "section",
    "severity",
)

# (fill colour, font colour) per severity.
SEVERITY_FILLS: dict[str, tuple[str, str]] = {
    "error": ("FFC7CE", "9C0006"),
    "warning": ("FFEB9C", "9C5700"),
    "info": ("EDEDED", "595959"),
}
# The same colours for charts: each severity's text colour as a matplotlib colour.
SEVERITY_COLORS: dict[str, str] = {k: "#" + text for k, (_fill, text) in SEVERITY_FILLS.items()}

# Sheet key → sheet name; a table's sheet is named in its declaration (gxparse.contract).
SHEET_NAMES: dict[str, str] = {
    "contents": "目录",
    "about": "说明",
    "requests": "申请办理汇总",
    "decisions": "处理决定汇总",
    "metrics_summary": "指标汇总",
    "metrics": "指标",
    "catalog": "指标定义",
    "findings_summary": "检查发现汇总",
    "left_out": "未计入的文件",
    **{name: table.zh for name, table in K.TABLES.items()},
}
SHEET_DESCRIPTIONS: dict[str, str] = {
    "about": "报告份数、年度、生成日期，单元格状态的含义",
    "requests": "每份报告一行：本年新收、上年结转、办理结果总计、结转下年度（总计列）",
    "decisions": "每份报告一行：行政许可、行政处罚、行政强制本年处理决定数量",
    "metrics_summary": "每个指标一行：有数据的报告数、中位数、合计（计数）或总体比率（比率）、最大值",
    "metrics": "每份报告 × 指标一行：数值、分子、分母；输入为空白或缺失时数值为空",
    "catalog": "各指标的定义（公式）",
    "findings_summary": "每项检查一行：严重程度、发现条数、有发现的报告数",
    "findings": "检查发现的问题，按严重程度着色：错误红色、警告黄色、提示灰色",
    "left_out": "无法解析的文件和重复的文件：未计入汇总、指标和图表，逐个说明原因",
    "reports": "每份报告一行：机关、年度、模板版本、解析状态",
    "disclosure": "二、主动公开政府信息情况：每个事项 × 指标一行",
    "applications": "三、收到和处理政府信息公开申请情况：每行 × 申请人一行",
    "appeals": "四、行政复议、行政诉讼情况：每个程序 × 结果一行",
    "narrative": "正文中出现的数字（如主动公开条数）及其原句",
    "sections": "报告各部分的正文",
}

# The briefing workbook's file name (notebook 06 writes it into the reports folder).
WORKBOOK_NAME = "gxparse-briefing.xlsx"
# Rows of an Excel sheet, its header included.
EXCEL_MAX_ROWS = 1_048_576
# The contract's cell-level tables: copied into the workbook up to MAX_SHEET_ROWS rows each
# (10,000 reports have 1.7 million part 三 cells); beyond that the workbook names their CSV
# and Parquet files instead. Per-report sheets always hold every report.
CELL_TABLES: tuple[str, ...] = ("disclosure", "applications", "appeals", "narrative", "sections")
MAX_SHEET_ROWS = 100_000
MAX_SHEET_NAME = 31
MAX_CELL_TEXT = 32_767
MAX_WIDTH = 60
WRAP_COLUMNS = frozenset(
    {"text", "quote", "message", "definition", "definition_en", "error", "check_label"}
)
HEADER_STYLE = Style(bold=True, fill="DDE5F0", vertical="center")
WRAPPED_HEADER_STYLE = Style(bold=True, fill="DDE5F0", vertical="center", wrap=True)
# A summary sheet's column is at least this wide for its header (which wraps).
HEADER_MIN_WIDTH = 12
SECTION_STYLE = Style(bold=True)
TITLE_STYLE = Style(bold=True, size=13)
INT_FORMAT = "#,##0"
# A year is a label, not a quantity: no thousands separator ("2023", not "2,023").
YEAR_FORMAT = "0"
YEAR_COLUMNS = frozenset({"year", "previous_year"})
FLOAT_FORMAT = "#,##0.00##"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------
def display_width(text: object) -> int:
    """Width of a text in columns: a wide (CJK) or full-width character counts as 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name: no []:*?/\\, at most 31 characters."""
    base = name.translate(_INVALID_SHEET_CHARS).strip("'") or "Sheet"
    base = base[:MAX_SHEET_NAME]
    taken = taken if taken is not None else set()
    candidate, k = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f"_{k}"
        candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        k += 1
    taken.add(candidate)
    return candidate


def _table(tables: object, name: str) -> pd.DataFrame | None:
    if isinstance(tables, Mapping):
        return tables.get(name)
    return getattr(tables, name, None)


def _label_or_code(column: str, code: object) -> object:
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    if column == "severity":
        return SEVERITY_LABELS.get(str(code), str(code))
    try:
        return metrics.short_label(str(code), column=column)
    except KeyError:
        return str(code)


def with_labels(df: pd.DataFrame) -> pd.DataFrame:
    """Insert, after each code column of :data:`LABEL_COLUMNS`, a ``<column>_label`` column."""
    out = df.copy()
    for column in LABEL_COLUMNS:
        if column in out.columns and f"{column}_label" not in out.columns:
            codes = out[column].astype(object)
            # One lookup per distinct code: a table of millions of cells has a few dozen.
            known = {c: _label_or_code(column, c) for c in codes.dropna().unique()}
            labels = [known.get(c) for c in codes]
            out.insert(out.columns.get_loc(column) + 1, f"{column}_label", labels)
    return out


def translate(df: pd.DataFrame, headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``df`` for display: code columns followed by their Chinese labels, headers in Chinese."""
    out = with_labels(df)
    names = {**HEADERS, **_summary_headers(list(out.columns)), **(headers or {})}
    return out.rename(columns={c: names[c] for c in out.columns if c in names})


def requests_summary(tables: object) -> pd.DataFrame:
    """One row per report: ``report_id, agency, year`` and the 总计 column of part 三's
    ``received_new, carried_over, total_handled, carried_forward`` (NA where blank or missing).
    """
    flow = metrics.request_flow(tables)
    keep = ["report_id", "agency", "year", *metrics.FLOW_ROWS]
    for col in ("agency", "year"):
        if col not in flow.columns:
            flow[col] = pd.NA
    return flow[keep]


def decisions_summary(tables: object) -> pd.DataFrame:
    """One row per report: ``report_id, agency, year`` and licensing, penalty and coercion
    decisions (part 二, 处理决定数量), NA where blank or missing.
    """
    codes = ("licensing_decisions", "penalty_decisions", "coercion_decisions")
    long = metrics.compute(tables, codes)
    wide = long.pivot(index="report_id", columns="metric", values="value").reindex(
        columns=list(codes)
    )
    wide = wide.reindex(metrics.report_ids(tables)).astype("Float64")
    wide.columns.name = None
    out = wide.rename_axis("report_id").reset_index()
    reports = _table(tables, "reports")
    if reports is not None and not reports.empty:
        info = reports[["report_id", *[c for c in ("agency", "year") if c in reports]]]
        out = info.drop_duplicates("report_id").merge(out, on="report_id", how="right")
    for c in ("agency", "year"):
        if c not in out.columns:
            out.insert(1, c, pd.NA)
    return as_counts(out[["report_id", "agency", "year", *codes]], codes)


def as_counts(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``df`` with each of ``columns`` whose known values are all whole numbers as
    ``Int64``, so a count shows as "2390", not "2390.0" (a column holding a fraction is
    left as it is)."""
    out = df.copy()
    for c in columns:
        if c not in out.columns or not pd.api.types.is_float_dtype(out[c].dtype):
            continue
        known = out[c].dropna()
        if ((known % 1) == 0).all():
            out[c] = out[c].astype("Int64")
    return out


def _summary_headers(columns: list[str]) -> dict[str, str]:
    """Headers of the summary sheets' value columns, from the template labels."""
    names = {}
    for c in columns:
        if c == "total_handled":
            # （七）总计 alone is ambiguous outside the table: 本年度办理结果总计.
            names[c] = metrics.short_label("outcomes", column="row") + metrics.short_label(
                c, column="row"
            )
        elif c in metrics.FLOW_ROWS:
            names[c] = metrics.short_label(c, column="row")
        elif c in metrics.METRIC_BY_CODE:
            names[c] = metrics.METRIC_BY_CODE[c].name("zh")
    return names


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------
def _cell_value(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().replace(tzinfo=None)
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        v = v.item()
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
        if len(v) > MAX_CELL_TEXT:
            v = v[: MAX_CELL_TEXT - 20] + "…（已截断）"
    return v


def _column_values(col: pd.Series) -> list[object]:
    """A column as Excel-ready Python values (None for NA), converted once per column."""
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return [None if pd.isna(v) else v.to_pydatetime().replace(tzinfo=None) for v in col]
    if pd.api.types.is_bool_dtype(col.dtype) and not col.hasnans:
        return [bool(v) for v in col]
    if pd.api.types.is_integer_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
        return [None if v is pd.NA else int(v) for v in col.astype(object)]
    if pd.api.types.is_float_dtype(col.dtype):
        return [None if pd.isna(v) else float(v) for v in col.astype(object)]
    return [_cell_value(v) for v in col.astype(object)]


def _number_format(value: object, percent: bool, year: bool = False) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return DATE_FORMAT
    if year and isinstance(value, int | float) and float(value).is_integer():
        return YEAR_FORMAT
    if isinstance(value, int):
        return INT_FORMAT
    if isinstance(value, float):
        if percent:
            return PERCENT_FORMAT
        return INT_FORMAT if value.is_integer() else FLOAT_FORMAT
    return None


def _cell_style(fmt: str | None, wrap: bool, fill: str | None, top: bool = False) -> Style:
    colours = SEVERITY_FILLS.get(fill) if fill else None
    return Style(
        number_format=fmt,
        wrap=wrap,
        vertical="top" if wrap or top else None,
        fill=colours[0] if colours else None,
        color=colours[1] if colours else None,
    )


# Printing. A row of one line is LINE_HEIGHT points tall; a row never taller than Excel
# allows. Page sizes are A4 landscape less the margins, in points.
LINE_HEIGHT = 15.0
MAX_ROW_HEIGHT = 409.0
PAGE_WIDTH_PT = 842 - 72
PAGE_HEIGHT_PT = 595 - 72 - 36
# A column of width w (characters of the default font) is about this many points wide.
POINTS_PER_CHARACTER = 5.6
# A summary sheet is squeezed onto two pages only while it keeps this share of the size it
# prints at when fitted to the page width; longer ones print on as many pages as needed.
MIN_SQUEEZE = 0.7
# A cell-level sheet is fitted to the page width only at this scale or more.
MIN_CELL_SCALE = 0.6
PRINT_TITLE = "gxparse 政府信息公开工作年度报告汇总"
# The summary sheets: each meant to print on a page or two for a few dozen reports.
SUMMARY_SHEETS: tuple[str, ...] = (
    "contents",
    "about",
    "requests",
    "decisions",
    "metrics_summary",
    "catalog",
    "findings_summary",
    "findings",
)
# The findings sheet prints the columns a reader needs (the rest stay on screen).
FINDINGS_PRINTED: tuple[str, ...] = ("report_id", "severity_label", "message")
FINDINGS_MESSAGE_WIDTH = 100


def wrapped_lines(text: object, width: float) -> int:
    """Lines a wrapped cell of ``width`` characters needs for ``text`` (at least 1)."""
    usable = max(1.0, width - 2)
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in str(text).split("\n"))


def row_height(lines: int) -> float:
    """The height in points of a row of ``lines`` lines of text."""
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 3)


def print_setup(
    key: str,
    title: str,
    widths: list[float],
    heights: list[float],
    *,
    print_columns: int | None = None,
) -> PrintSetup:
    """How sheet ``title`` (its :data:`SHEET_NAMES` key ``key``) prints: A4 landscape, the
    header row on every page, the workbook's title, the sheet name and page numbers in the
    page header. A summary sheet (:data:`SUMMARY_SHEETS`) fits the page width, and onto
    two pages when that keeps :data:`MIN_SQUEEZE` of its size; a cell-level sheet prints
    wide and long at full size, its first column repeated on the pages to the right.

    ``widths`` are the printed columns' widths (characters), ``heights`` the row heights
    (points), the header's included."""
    header = f'&L&8{PRINT_TITLE}&C&"-,Bold"&A&R&8第 &P 页，共 &N 页'
    ncols = len(widths) if print_columns is None else print_columns
    area = None if print_columns is None else (0, 0, max(len(heights), 1) - 1, ncols - 1)
    width_pt = sum(w * POINTS_PER_CHARACTER for w in widths[:ncols]) or 1.0
    scale = min(1.0, PAGE_WIDTH_PT / width_pt)
    if key not in SUMMARY_SHEETS:
        # Fitted to the page width while that keeps the text readable, else page after
        # page to the right, the first column (the report) on each.
        fit = scale >= MIN_CELL_SCALE
        return PrintSetup(
            fit_width=fit, repeat_rows=1, repeat_columns=0 if fit else 1, header=header,
            print_area=area,
        )  # fmt: skip
    pages = sum(heights) * scale / PAGE_HEIGHT_PT
    fit_height = next((k for k in (1, 2) if pages <= k / MIN_SQUEEZE), 0)
    repeat = 0 if key in ("contents", "about") else 1
    return PrintSetup(
        fit_width=True, fit_height=fit_height, repeat_rows=repeat, header=header, print_area=area
    )


def _write_frame(
    wb: Workbook,
    title: str,
    df: pd.DataFrame,
    *,
    key: str = "",
    headers: Mapping[str, str] | None = None,
    percent_rows: pd.Series | None = None,
    percent_columns: tuple[str, ...] = (),
    row_fills: pd.Series | None = None,
    widths: Mapping[str, int] | None = None,
    print_columns: int | None = None,
    rate_columns: tuple[str, ...] = ("value",),
) -> Sheet:
    """Write ``df`` as sheet ``title``: a styled, frozen, filtered header row, fitted widths,
    a number format per cell, rows as tall as their wrapped text, print settings
    (:func:`print_setup`); ``percent_rows`` (a flag per row) formats that row's
    ``rate_columns`` as percentages; ``row_fills`` (a severity per row) colours whole rows;
    ``widths`` fixes some columns' widths; ``print_columns``: only the first columns print.

    Values are converted column by column; cells are streamed (:mod:`gxparse.reporting.xlsx`).
    """
    names = {**HEADERS, **(headers or {})}
    columns = list(df.columns)
    values = [_column_values(df[c]) for c in columns]
    pct_rows, fills = _row_flags(len(df), percent_rows, row_fills)
    summary = key in SUMMARY_SHEETS
    titles = [names.get(c, c) for c in columns]
    col_widths = _column_widths(columns, values, titles, summary, widths)
    sheet = wb.add_sheet(title, widths=col_widths, freeze_header=True)
    header = wb.style(HEADER_STYLE if not summary else WRAPPED_HEADER_STYLE)
    header_lines = (
        max((wrapped_lines(t, w) for t, w in zip(titles, col_widths, strict=True)), default=1)
        if summary
        else 1
    )
    heights = [row_height(header_lines)]
    sheet.append([(t, header) for t in titles], height=heights[0] if summary else None)
    kinds = _ColumnKinds(columns, percent_columns, rate_columns)
    # Beside wrapped text, every cell sits at the top of its row.
    style = _CellStyles(wb, top=bool(kinds.wrapped))
    for i, rec in enumerate(zip(*values, strict=True)):
        row = _styled_row(rec, fills[i], pct_rows[i], kinds, style)
        lines = max(
            (wrapped_lines(rec[j], col_widths[j]) for j in kinds.wrapped if rec[j] is not None),
            default=1,
        )
        height = row_height(lines) if lines > 1 else None
        heights.append(height or LINE_HEIGHT)
        sheet.append(row, height=height)
    sheet.print_setup(print_setup(key, title, col_widths, heights, print_columns=print_columns))
    sheet.close(autofilter=True)
    return sheet


def _row_flags(
    n: int, percent_rows: pd.Series | None, row_fills: pd.Series | None
) -> tuple[list[bool], list[str | None]]:
    """Given a sheet's number of rows and its optional per-row flags, return per row
    whether it holds percentages and its severity fill (None: no fill)."""
    pct_rows = (
        [bool(v) for v in percent_rows.fillna(False)] if percent_rows is not None else [False] * n
    )
    fills = (
        [str(v) if str(v) in SEVERITY_FILLS else None for v in row_fills.astype(object)]
        if row_fills is not None
        else [None] * n
    )
    return pct_rows, fills


def _column_widths(
    columns: list[str],
    values: list[list[object]],
    titles: list[str],
    summary: bool,
    widths: Mapping[str, int] | None,
) -> list[float]:
    """Given the columns, their values and headers, return each column's width: fitted to
    the header and the first 2000 values, unless ``widths`` fixes it. A summary sheet's
    long headers wrap (its columns are as wide as their values, at least
    :data:`HEADER_MIN_WIDTH`)."""
    data_widths = [0] * len(columns)
    for j, col in enumerate(values):
        for v in col[:2000]:
            if v is None:
                continue
            shown = v if not isinstance(v, float) else f"{v:,.2f}"
            data_widths[j] = max(data_widths[j], display_width(shown))
    head = [display_width(t) for t in titles]
    if summary:
        raw = [max(d, min(h, HEADER_MIN_WIDTH)) for d, h in zip(data_widths, head, strict=True)]
    else:
        raw = [max(d, h) for d, h in zip(data_widths, head, strict=True)]
    col_widths = [float(min(MAX_WIDTH, w + 2)) for w in raw]
    for j, c in enumerate(columns):
        if widths and c in widths:
            col_widths[j] = float(widths[c])
    return col_widths


class _ColumnKinds:
    """Per column of a sheet: whether its text wraps, whether it is always a percentage,
    whether it holds a row's rate (a percentage on percent rows) and whether it is a year."""

    def __init__(
        self, columns: list[str], percent_columns: tuple[str, ...], rate_columns: tuple[str, ...]
    ) -> None:
        self.wrap = [c in WRAP_COLUMNS for c in columns]
        self.wrapped = [j for j, w in enumerate(self.wrap) if w]
        self.percent = [c in percent_columns for c in columns]
        self.rate = [c in rate_columns for c in columns]
        self.year = [c in YEAR_COLUMNS for c in columns]


class _CellStyles:
    """Given (number format, wrap, fill), return the workbook's style index for a cell,
    each style added to the workbook once, when first used."""

    def __init__(self, wb: Workbook, top: bool) -> None:
        self.wb = wb
        self.top = top
        self.styles: dict[tuple[str | None, bool, str | None], int] = {}

    def __call__(self, fmt: str | None, wrap: bool, fill: str | None) -> int:
        """The style index for these settings (see the class docstring)."""
        key = (fmt, wrap, fill)
        if key not in self.styles:
            self.styles[key] = self.wb.style(_cell_style(fmt, wrap, fill, self.top))
        return self.styles[key]


def _styled_row(
    rec: tuple[object, ...],
    fill: str | None,
    pct: bool,
    kinds: _ColumnKinds,
    style: _CellStyles,
) -> list[tuple[object, int]]:
    """Given one row's values, its fill and whether it holds percentages, return its
    (value, style index) cells."""
    wrap, percent, rate, year, top = kinds.wrap, kinds.percent, kinds.rate, kinds.year, style.top
    row: list[tuple[object, int]] = []
    for j, v in enumerate(rec):
        if v is None:
            row.append((None, style(None, False, fill) if fill else 0))
            continue
        fmt = _number_format(v, percent=percent[j] or (pct and rate[j]), year=year[j])
        if fmt or wrap[j] or fill or top:
            row.append((v, style(fmt, wrap[j], fill)))
        else:
            row.append((v, 0))
    return row


def _about(wb: Workbook, sheet: Sheet, tables: object, build_date: str) -> int:
    """Fill 说明: reports, years, build date and what each cell status means; return its
    number of rows."""
    reports = _table(tables, "reports")
    n = 0 if reports is None else int(reports["report_id"].nunique())
    years = (
        []
        if reports is None or "year" not in reports
        else sorted({int(y) for y in reports["year"].dropna()})
    )
    rows: list[tuple[object, object]] = [
        (PRINT_TITLE, None),
        ("报告份数", n),
        ("年度", "、".join(str(y) for y in years) or "不详"),
        ("生成日期", build_date),
        (None, None),
        ("单元格状态", "含义"),
    ]
    rows += [(metrics.code_label("status", s), s) for s in metrics.STATUS_SEVERITY[::-1]]
    title_style, section = wb.style(TITLE_STYLE), wb.style(SECTION_STYLE)
    for i, (a, b) in enumerate(rows, start=1):
        if i == 1:
            sheet.append([(a, title_style), (b, 0)])
        elif a == "单元格状态":
            sheet.append([(a, section), (b, section)])
        else:
            sheet.append([(a, 0), (b, 0)])
    sheet.print_setup(print_setup("about", SHEET_NAMES["about"], [24, 90], []))
    sheet.close()
    return len(rows)


def _contents(
    wb: Workbook,
    sheet: Sheet,
    sheets: Mapping[str, list[str]],
    counts: Mapping[str, list[int]],
    left_out: Mapping[str, int],
    limit: int,
) -> None:
    """Fill 目录: each sheet (a link to it), what it holds and its rows; the tables left
    out of the workbook and where they are."""
    title_style, section = wb.style(TITLE_STYLE), wb.style(SECTION_STYLE)
    link = wb.style(Style(color="0563C1"))
    sheet.append([(PRINT_TITLE + " · 目录", title_style)])
    sheet.append([("工作表", section), ("内容", section), ("行数", section)])
    rows_style = wb.style(Style(number_format=INT_FORMAT))
    lines = 2
    for key, titles in sheets.items():
        if key not in SHEET_DESCRIPTIONS:
            continue
        for k, (t, n) in enumerate(zip(titles, counts.get(key, []), strict=False)):
            what = SHEET_DESCRIPTIONS[key] if k == 0 else f"（续）{titles[0]}"
            sheet.append([(Link(t, t), link), (what, 0), (n, rows_style)])
            lines += 1
    for key, n_rows in left_out.items():
        sheet.append(
            [
                (SHEET_NAMES.get(key, key), 0),
                (
                    f"{n_rows:,} 行，多于 {limit:,} 行，未写入本工作簿；"
                    f"见整理后的表格 {key}.csv（Excel 可直接打开）或 {key}.parquet",
                    0,
                ),
                (n_rows, rows_style),
            ]
        )
        lines += 1
    widths = [16.0, 100.0, 10.0]
    sheet.print_setup(
        print_setup("contents", SHEET_NAMES["contents"], widths, [LINE_HEIGHT] * lines)
    )
    sheet.close()


def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per check that found something: ``check``, ``check_label`` (what it checks,
    in Chinese), ``severity``, ``n_findings`` and ``n_flagged`` (reports with a finding);
    errors first, then warnings and notes, each by number of findings."""
    from gxparse.analysis.checks import CHECK_BY_CODE, SEVERITIES

    columns = ["check", "check_label", "severity", "n_findings", "n_flagged"]
    if findings.empty:
        return pd.DataFrame({c: [] for c in columns})
    data = pd.DataFrame(
        {
            "check": findings["check"].astype(str).to_numpy(),
            "severity": findings["severity"].astype(str).to_numpy(),
            "report_id": findings["report_id"].astype(str).to_numpy(),
        }
    )
    out = (
        data.groupby(["check", "severity"], sort=False)
        .agg(n_findings=("report_id", "size"), n_flagged=("report_id", "nunique"))
        .reset_index()
    )
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out["_s"] = out["severity"].map(rank).fillna(len(rank))
    out = out.sort_values(["_s", "n_findings", "check"], ascending=[True, False, True])
    out["check_label"] = [CHECK_BY_CODE[c].zh if c in CHECK_BY_CODE else c for c in out["check"]]
    for c in ("n_findings", "n_flagged"):
        out[c] = out[c].astype("Int64")
    return out[columns].reset_index(drop=True)


def metrics_summary(tables: object) -> pd.DataFrame:
    """One row per metric of :func:`gxparse.analysis.metrics.compute` over all reports: ``metric``,
    ``zh``, ``kind``, ``n_used`` (reports with a value), ``n_reports``, ``median`` (of the
    reports' values), ``total`` (counts: their sum), ``pooled`` (rates: the sum of the
    numerators over the sum of the denominators, over the reports with a rate) and ``max``.
    """
    computed = metrics.compute(tables)
    columns = ["metric", "zh", "kind", "n_used", "n_reports", "median", "total", "pooled", "max"]
    if computed.empty:
        return pd.DataFrame({c: [] for c in columns})
    parts = []
    for kind, how in (("count", "median"), ("rate", "pooled")):
        rows = computed[computed["kind"].eq(kind).fillna(False)]
        if rows.empty:
            continue
        agg = metrics.aggregate(rows, by=[], how=how)
        agg["pooled"] = agg["value"] if kind == "rate" else pd.NA
        if kind == "rate":
            agg["total"] = pd.NA
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    order = {m: i for i, m in enumerate(dict.fromkeys(computed["metric"].astype(object)))}
    out = out.sort_values("metric", key=lambda s: s.map(order), kind="stable")
    names = _summary_headers(list(out["metric"].astype(str)))
    out["zh"] = [names.get(str(m), z) for m, z in zip(out["metric"], out["zh"], strict=True)]
    for c in ("median", "total", "pooled", "max"):
        out[c] = out[c].astype("Float64")
    return out[columns].reset_index(drop=True)


def left_out_sheet(tables: object, dropped: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 未计入的文件 sheet: one row per file left out of the summaries, metrics and
    charts (:func:`gxparse.batch.corpus.left_out`; ``dropped`` when the caller has it), its
    reason in Chinese."""
    from gxparse.analysis.checks import CHECK_BY_CODE
    from gxparse.batch.corpus import LEFT_OUT_COLUMNS, left_out

    if dropped is None:
        reports = _table(tables, "reports")
        dropped = (
            left_out(reports)
            if reports is not None
            else pd.DataFrame(columns=list(LEFT_OUT_COLUMNS), dtype="string")
        )
    codes = {"failed": "parse_failed"}
    reason = [CHECK_BY_CODE[codes.get(r, r)].zh for r in dropped["reason"]]
    out = dropped.assign(reason=pd.array(reason, dtype="string"))
    return out[["report_id", "source_file", "reason", "duplicate_of", "note", "error"]]


def write_workbook(
    tables: object,
    path: str | Path = Path("reports") / WORKBOOK_NAME,
    *,
    build_date: dt.date | str | None = None,
    max_sheet_rows: int | None = None,
    left_out: pd.DataFrame | None = None,
) -> Path:
    """Given the tidy tables, write the briefing workbook to ``path`` atomically and return it.

    Every report is in the summary, metric, findings and reports sheets; a sheet longer than
    Excel allows continues on a second sheet (``指标_2``). A cell-level table (disclosure,
    applications, appeals, narrative, sections) with more than ``max_sheet_rows`` rows
    (default :data:`MAX_SHEET_ROWS`) is left out and the 说明 sheet points to its CSV and
    Parquet files, which ``gxparse build`` writes. Sheets are streamed into the file
    (:mod:`gxparse.reporting.xlsx`), so memory stays flat however many reports there are.

    Files that could not be parsed and duplicates are left out of every sheet but
    未计入的文件, which lists them (``left_out``: :func:`gxparse.batch.corpus.left_out` of the
    full selection, when ``tables`` already leaves them out, as the notebooks' does).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    when = build_date or dt.date.today()
    when = when.isoformat() if isinstance(when, dt.date) else str(when)
    limit = MAX_SHEET_ROWS if max_sheet_rows is None else max_sheet_rows
    dropped = left_out_sheet(tables, left_out)
    if left_out is None and not dropped.empty:
        from gxparse.batch.corpus import analysable

        tables = analysable(tables)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    wb = Workbook(tmp)
    taken: set[str] = set()
    # 目录 and 说明 are the first tabs but are filled last: 目录 lists the sheets written.
    contents = wb.add_sheet(sheet_name(SHEET_NAMES["contents"], taken), widths=[16, 100, 10])
    about = wb.add_sheet(sheet_name(SHEET_NAMES["about"], taken), widths=[24, 90])
    written: dict[str, list[str]] = {"about": [SHEET_NAMES["about"]]}
    counts: dict[str, list[int]] = {}
    too_long: dict[str, int] = {}  # cell-level tables left out of the workbook

    def add(key: str, df: pd.DataFrame, **kwargs: object) -> None:
        # Excel holds 1,048,576 rows a sheet (the header is one): longer frames continue.
        step = EXCEL_MAX_ROWS - 1
        for start in range(0, max(len(df), 1), step):
            sliced = {
                k: (v.iloc[start : start + step] if isinstance(v, pd.Series) else v)
                for k, v in kwargs.items()
            }
            title = sheet_name(SHEET_NAMES.get(key, key), taken)
            part = df.iloc[start : start + step]
            _write_frame(wb, title, part, key=key, **sliced)  # type: ignore[arg-type]
            written.setdefault(key, []).append(title)
            counts.setdefault(key, []).append(len(part))

    try:
        requests = requests_summary(tables)
        add("requests", requests, headers=_summary_headers(list(requests.columns)))
        decisions = decisions_summary(tables)
        add("decisions", decisions, headers=_summary_headers(list(decisions.columns)))
        summary = metrics_summary(tables)
        if not summary.empty:
            add(
                "metrics_summary",
                summary.drop(columns="kind"),
                percent_rows=summary["kind"].eq("rate").fillna(False),
                rate_columns=("median", "pooled", "max"),
                headers={"zh": HEADERS["metric_label"]},
            )
        computed = metrics.compute(tables)
        if not computed.empty:
            computed = with_labels(computed)
            add("metrics", computed, percent_rows=computed["kind"].eq("rate").fillna(False))
        add("catalog", metrics.catalog())
        findings = _table(tables, "findings")
        if findings is not None:
            counts_by_check = with_labels(findings_summary(findings))
            add(
                "findings_summary",
                counts_by_check,
                row_fills=counts_by_check["severity"],
                widths={"check_label": MAX_WIDTH},
            )
            findings = with_labels(findings)
            # The columns a reader needs first: they are the ones printed.
            first = [c for c in FINDINGS_PRINTED if c in findings.columns]
            findings = findings[first + [c for c in findings.columns if c not in first]]
            fills = findings["severity"] if "severity" in findings.columns else None
            add(
                "findings",
                findings,
                row_fills=fills,
                widths={"message": FINDINGS_MESSAGE_WIDTH},
                print_columns=len(first) or None,
            )
        add("left_out", dropped)
        for key in ("reports", *CELL_TABLES):
            df = _table(tables, key)
            if df is None:
                continue
            if key in CELL_TABLES and len(df) > limit:
                too_long[key] = len(df)
                continue
            df = with_labels(df)
            if key == "narrative" and "metric" in df.columns:
                codes = df["metric"].astype(object)
                known = {m: metrics.narrative_label(str(m)) for m in codes.dropna().unique()}
                df.insert(df.columns.get_loc("metric") + 1, "metric_label", codes.map(known))
            add(key, df)
        counts["about"] = [_about(wb, about, tables, when)]
        _contents(wb, contents, written, counts, too_long, limit)
        wb.close()
        from gxparse.batch.publish import apply_umask

        apply_umask(tmp)  # mkstemp's file is owner-only; the workbook is for colleagues too
        os.replace(tmp, path)
    except BaseException:
        wb.abort()
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
