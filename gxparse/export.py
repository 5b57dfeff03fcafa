"""An Excel workbook an official can open: one sheet per table, Chinese headers, findings highlighted.

Given the tidy tables (a Corpus or a dict of DataFrames), :func:`write_workbook` writes:

- 说明: what the workbook holds, how many reports, which years, when built;
- 申请办理汇总: one row per report (agency, year, 本年新收, 上年结转, 办理结果总计, 结转下年度);
- 处理决定汇总: one row per report (行政许可, 行政处罚, 行政强制 decisions);
- 指标 and 指标定义: the derived metrics of :mod:`gxparse.metrics` and their definitions;
- 检查发现: the findings, rows coloured by severity (error red, warning amber, info grey);
- one sheet per contract table (reports, disclosure, applications, appeals, narrative,
  sections), codes followed by a column with their Chinese label.

Headers are translated through :data:`HEADERS` (one place). Every sheet has a frozen
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
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gxparse import metrics
from gxparse.xlsx import Sheet, Style, Workbook

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
    "decisions_summary",
    "display_width",
    "left_out_sheet",
    "requests_summary",
    "sheet_name",
    "translate",
    "with_labels",
    "write_workbook",
]

# ---------------------------------------------------------------------------------------
# Translations: column name → Chinese header (the one place)
# ---------------------------------------------------------------------------------------
HEADERS: dict[str, str] = {
    "report_id": "报告编号",
    "source_file": "源文件",
    "source_format": "文件格式",
    "sha256": "SHA-256",
    "agency_raw": "机关名称（原文）",
    "agency": "机关",
    "province": "省级",
    "city": "地市级",
    "county": "县级",
    "level": "层级代码",
    "level_label": "层级",
    "year": "年度",
    "template": "模板版本",
    "published": "发布日期",
    "parse_status": "解析状态",
    "error": "错误",
    "n_unplaced": "未归位数字",
    "item": "事项代码",
    "item_label": "事项",
    "measure": "指标代码",
    "measure_label": "指标",
    "value": "数值",
    "unit": "单位",
    "status": "状态代码",
    "status_label": "状态",
    "raw": "原文",
    "source": "出处",
    "row": "行代码",
    "row_label": "行",
    "applicant": "申请人代码",
    "applicant_label": "申请人",
    "proceeding": "程序代码",
    "proceeding_label": "程序",
    "result": "结果代码",
    "result_label": "结果",
    "metric": "指标代码",
    "metric_label": "指标",
    "approximate": "约数",
    "quote": "原句",
    "check": "检查代码",
    "severity": "严重程度代码",
    "severity_label": "严重程度",
    "table": "表",
    "col": "列",
    "expected": "应为",
    "actual": "实际",
    "message": "说明",
    "section": "部分代码",
    "section_label": "部分",
    "title": "标题",
    "text": "正文",
    "zh": "中文名称",
    "en": "英文名称",
    "kind": "类型",
    "numerator": "分子",
    "denominator": "分母",
    "na_reason": "缺值原因",
    "definition": "定义",
    "definition_en": "英文定义",
    "group": "分组代码",
    "label": "名称",
    "parent": "上级指标",
    "encoding": "文本编码",
    "notes": "读取备注",
    "location": "位置",
    "decision": "分析人员决定",
    "note": "备注",
    "correction_reason": "更正原因",
    "n_peers": "同级报告数",
    "peer_median": "同级中位数",
    "peer_max": "同级最大值",
    "rank": "同级排名",
    "ratio_to_median": "与同级中位数之比",
    "previous_year": "上一年度",
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
    "duplicate_of": "重复于",
}

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

SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
# (fill colour, font colour) per severity.
SEVERITY_FILLS: dict[str, tuple[str, str]] = {
    "error": ("FFC7CE", "9C0006"),
    "warning": ("FFEB9C", "9C5700"),
    "info": ("EDEDED", "595959"),
}
# The same colours for charts: each severity's text colour as a matplotlib colour.
SEVERITY_COLORS: dict[str, str] = {k: "#" + text for k, (_fill, text) in SEVERITY_FILLS.items()}

# Contract table → sheet name.
SHEET_NAMES: dict[str, str] = {
    "about": "说明",
    "requests": "申请办理汇总",
    "decisions": "处理决定汇总",
    "metrics": "指标",
    "catalog": "指标定义",
    "findings": "检查发现",
    "left_out": "未计入的文件",
    "reports": "报告",
    "disclosure": "主动公开",
    "applications": "依申请公开",
    "appeals": "复议诉讼",
    "narrative": "正文数据",
    "sections": "章节正文",
}
SHEET_DESCRIPTIONS: dict[str, str] = {
    "requests": "每份报告一行：本年新收、上年结转、办理结果总计、结转下年度（总计列）",
    "decisions": "每份报告一行：行政许可、行政处罚、行政强制本年处理决定数量",
    "metrics": "每份报告 × 指标一行：数值、分子、分母；输入为空白或缺失时数值为空",
    "catalog": "各指标的定义（公式）",
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
WRAP_COLUMNS = frozenset({"text", "quote", "message", "definition", "definition_en", "error"})
HEADER_STYLE = Style(bold=True, fill="DDE5F0", vertical="center")
SECTION_STYLE = Style(bold=True)
TITLE_STYLE = Style(bold=True, size=13)
INT_FORMAT = "#,##0"
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
    return out[["report_id", "agency", "year", *codes]]


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


def _number_format(value: object, percent: bool) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return DATE_FORMAT
    if isinstance(value, int):
        return INT_FORMAT
    if isinstance(value, float):
        if percent:
            return PERCENT_FORMAT
        return INT_FORMAT if value.is_integer() else FLOAT_FORMAT
    return None


def _cell_style(fmt: str | None, wrap: bool, fill: str | None) -> Style:
    colours = SEVERITY_FILLS.get(fill) if fill else None
    return Style(
        number_format=fmt,
        wrap=wrap,
        vertical="top" if wrap else None,
        fill=colours[0] if colours else None,
        color=colours[1] if colours else None,
    )


def _write_frame(
    wb: Workbook,
    title: str,
    df: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    percent_rows: pd.Series | None = None,
    percent_columns: tuple[str, ...] = (),
    row_fills: pd.Series | None = None,
) -> Sheet:
    """Write ``df`` as sheet ``title``: a styled, frozen, filtered header row, fitted widths,
    a number format per cell; ``row_fills`` (a severity per row) colours whole rows.

    Values are converted column by column; cells are streamed (:mod:`gxparse.xlsx`).
    """
    names = {**HEADERS, **(headers or {})}
    columns = list(df.columns)
    values = [_column_values(df[c]) for c in columns]
    n = len(df)
    pct_rows = (
        [bool(v) for v in percent_rows.fillna(False)] if percent_rows is not None else [False] * n
    )
    fills = (
        [str(v) if str(v) in SEVERITY_FILLS else None for v in row_fills.astype(object)]
        if row_fills is not None
        else [None] * n
    )
    # Widths from the header and the first 2000 rows.
    widths = [display_width(names.get(c, c)) for c in columns]
    for j, col in enumerate(values):
        for v in col[:2000]:
            if v is None:
                continue
            shown = v if not isinstance(v, float) else f"{v:,.2f}"
            widths[j] = max(widths[j], display_width(shown))
    sheet = wb.add_sheet(title, widths=[min(MAX_WIDTH, w + 2) for w in widths], freeze_header=True)
    header = wb.style(HEADER_STYLE)
    sheet.append([(names.get(c, c), header) for c in columns])
    styles: dict[tuple[str | None, bool, str | None], int] = {}

    def style(fmt: str | None, wrap: bool, fill: str | None) -> int:
        key = (fmt, wrap, fill)
        if key not in styles:
            styles[key] = wb.style(_cell_style(fmt, wrap, fill))
        return styles[key]

    wrap = [c in WRAP_COLUMNS for c in columns]
    pct_col = [c in percent_columns for c in columns]
    is_value = [c == "value" for c in columns]
    for i, rec in enumerate(zip(*values, strict=True)):
        fill = fills[i]
        pct = pct_rows[i]
        row: list[tuple[object, int]] = []
        for j, v in enumerate(rec):
            if v is None:
                row.append((None, style(None, False, fill) if fill else 0))
                continue
            fmt = _number_format(v, percent=pct_col[j] or (pct and is_value[j]))
            if fmt or wrap[j] or fill:
                row.append((v, style(fmt, wrap[j], fill)))
            else:
                row.append((v, 0))
        sheet.append(row)
    sheet.close(autofilter=True)
    return sheet


def _about(
    wb: Workbook,
    sheet: Sheet,
    tables: object,
    build_date: str,
    sheets: Mapping[str, list[str]],
    left_out: Mapping[str, int],
    limit: int,
) -> None:
    reports = _table(tables, "reports")
    n = 0 if reports is None else int(reports["report_id"].nunique())
    years = (
        []
        if reports is None or "year" not in reports
        else sorted({int(y) for y in reports["year"].dropna()})
    )
    rows: list[tuple[object, object]] = [
        ("gxparse 政府信息公开工作年度报告汇总", None),
        ("报告份数", n),
        ("年度", "、".join(str(y) for y in years) or "不详"),
        ("生成日期", build_date),
        (None, None),
        ("工作表", "内容"),
    ]
    for key, titles in sheets.items():
        if key not in SHEET_DESCRIPTIONS:
            continue
        rows.append((titles[0], SHEET_DESCRIPTIONS[key]))
        rows += [(t, f"（续）{titles[0]}") for t in titles[1:]]
    for key, n_rows in left_out.items():
        rows.append(
            (
                SHEET_NAMES.get(key, key),
                f"{n_rows:,} 行，多于 {limit:,} 行，未写入本工作簿；"
                f"见整理后的表格 {key}.csv（Excel 可直接打开）或 {key}.parquet",
            )
        )
    rows += [(None, None), ("单元格状态", "含义")]
    rows += [(metrics.code_label("status", s), s) for s in metrics.STATUS_SEVERITY[::-1]]
    title_style, section = wb.style(TITLE_STYLE), wb.style(SECTION_STYLE)
    for i, (a, b) in enumerate(rows, start=1):
        if i == 1:
            sheet.append([(a, title_style), (b, 0)])
        elif a in ("工作表", "单元格状态"):
            sheet.append([(a, section), (b, section)])
        else:
            sheet.append([(a, 0), (b, 0)])
    sheet.close()


def left_out_sheet(tables: object, dropped: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 未计入的文件 sheet: one row per file left out of the summaries, metrics and
    charts (:func:`gxparse.corpus.left_out`; ``dropped`` when the caller has it), its
    reason in Chinese."""
    from gxparse.checks import CHECK_BY_CODE
    from gxparse.corpus import LEFT_OUT_COLUMNS, left_out

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
    return out[["report_id", "source_file", "reason", "duplicate_of", "note"]]


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
    (:mod:`gxparse.xlsx`), so memory stays flat however many reports there are.

    Files that could not be parsed and duplicates are left out of every sheet but
    未计入的文件, which lists them (``left_out``: :func:`gxparse.corpus.left_out` of the
    full selection, when ``tables`` already leaves them out, as the notebooks' does).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    when = build_date or dt.date.today()
    when = when.isoformat() if isinstance(when, dt.date) else str(when)
    limit = MAX_SHEET_ROWS if max_sheet_rows is None else max_sheet_rows
    dropped = left_out_sheet(tables, left_out)
    if left_out is None and not dropped.empty:
        from gxparse.pipeline import analysable

        tables = analysable(tables)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    wb = Workbook(tmp)
    taken: set[str] = set()
    # 说明 is the first tab but is filled last: it lists the sheets written.
    about = wb.add_sheet(sheet_name(SHEET_NAMES["about"], taken), widths=[24, 90])
    written: dict[str, list[str]] = {}
    left_out: dict[str, int] = {}

    def add(key: str, df: pd.DataFrame, **kwargs: object) -> None:
        # Excel holds 1,048,576 rows a sheet (the header is one): longer frames continue.
        step = EXCEL_MAX_ROWS - 1
        for start in range(0, max(len(df), 1), step):
            sliced = {
                k: (v.iloc[start : start + step] if isinstance(v, pd.Series) else v)
                for k, v in kwargs.items()
            }
            title = sheet_name(SHEET_NAMES.get(key, key), taken)
            _write_frame(wb, title, df.iloc[start : start + step], **sliced)  # type: ignore[arg-type]
            written.setdefault(key, []).append(title)

    try:
        requests = requests_summary(tables)
        add("requests", requests, headers=_summary_headers(list(requests.columns)))
        decisions = decisions_summary(tables)
        add("decisions", decisions, headers=_summary_headers(list(decisions.columns)))
        computed = metrics.compute(tables)
        if not computed.empty:
            computed = with_labels(computed)
            add("metrics", computed, percent_rows=computed["kind"].eq("rate").fillna(False))
        add("catalog", metrics.catalog())
        findings = _table(tables, "findings")
        if findings is not None:
            findings = with_labels(findings)
            fills = findings["severity"] if "severity" in findings.columns else None
            add("findings", findings, row_fills=fills)
        add("left_out", dropped)
        for key in ("reports", *CELL_TABLES):
            df = _table(tables, key)
            if df is None:
                continue
            if key in CELL_TABLES and len(df) > limit:
                left_out[key] = len(df)
                continue
            df = with_labels(df)
            if key == "narrative" and "metric" in df.columns:
                codes = df["metric"].astype(object)
                known = {m: metrics.narrative_label(str(m)) for m in codes.dropna().unique()}
                df.insert(df.columns.get_loc("metric") + 1, "metric_label", codes.map(known))
            add(key, df)
        _about(wb, about, tables, when, written, left_out, limit)
        wb.close()
        from gxparse.publish import apply_umask

        apply_umask(tmp)  # mkstemp's file is owner-only; the workbook is for colleagues too
        os.replace(tmp, path)
    except BaseException:
        wb.abort()
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
