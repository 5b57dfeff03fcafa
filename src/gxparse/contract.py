"""The seven output tables, declared once as data.

Each table lists its columns in order; each column has a name, a dtype, a code set (for a
code column: its categories), a Chinese and an English header and a description, and
says whether the data contract (docs: ``data-contract.md``) names it or it is gxparse's
addition. A table declares its key: the columns that identify a row.

Everything else is derived from :data:`TABLES`: the parser's column lists
(:data:`gxparse.parsing.parse.COLUMNS`), the checks' (:data:`gxparse.analysis.checks.TABLE_COLUMNS`,
:data:`gxparse.analysis.checks.FINDING_COLUMNS`), the dtypes and categories
(:data:`gxparse.dtypes.CATEGORIES`), the pandera schemas (:mod:`gxparse.schemas`), the
workbook's headers and sheet names (:mod:`gxparse.reporting.export`) and ``docs/tables.md``
(:mod:`gxparse.tablesdoc`). So a column changes in one place.

Dtypes, and the pandas dtype each becomes (:func:`gxparse.dtypes.column`):
``text`` (``str``; ``string`` in the findings and the columns the review step adds),
``code`` (``category``, with the code set as fixed categories), ``int`` (``Int64``),
``float`` (``Float64``), ``bool`` (``boolean``) and ``date`` (``datetime64[s]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from gxparse import template as T
from gxparse.analysis.catalog import CHECKS, SEVERITIES

__all__ = [
    "DECISIONS",
    "DTYPES",
    "EMPTY_STATUSES",
    "PANDAS_DTYPES",
    "PARSE_STATUSES",
    "STAGES",
    "TABLES",
    "TABLE_NAMES",
    "VALUED_STATUSES",
    "Column",
    "Table",
    "columns",
    "headers",
]

# Declared dtype → the pandas dtype of the column as the parser builds it.
PANDAS_DTYPES: dict[str, str] = {
    "text": "str",
    "code": "category",
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
    "date": "datetime64[s]",
}
DTYPES: tuple[str, ...] = tuple(PANDAS_DTYPES)
# The step that adds a column: the parser (one report at a time) or the review step
# (gxparse.analysis.review: analyst corrections and decisions, over the corpus).
STAGES: tuple[str, ...] = ("parse", "review")

PARSE_STATUSES: tuple[str, ...] = ("ok", "partial", "failed")
# A cell's status says whether it holds a value: these two sets split T.STATUS_CODES.
VALUED_STATUSES: tuple[str, ...] = ("reported", "derived", "corrected")
EMPTY_STATUSES: tuple[str, ...] = ("blank", "missing")
# An analyst's decision on a finding (data/reviews.csv).
DECISIONS: tuple[str, ...] = ("confirmed", "dismissed")

# The contract's seven tables in its order (also the codes of the findings' ``table``).
TABLE_NAMES: tuple[str, ...] = (
    "reports",
    "disclosure",
    "applications",
    "appeals",
    "narrative",
    "findings",
    "sections",
)


@dataclass(frozen=True)
class Column:
    """One column of an output table."""

    name: str
    dtype: str  # one of DTYPES
    zh: str  # the workbook's header
    en: str
    description: str
    codes: tuple[str, ...] | None = None  # the values allowed (categories of a code column)
    nullable: bool = True
    contract: bool = True  # named by the data contract; False: gxparse's addition
    stage: str = "parse"  # one of STAGES
    minimum: int | None = None


@dataclass(frozen=True)
class Table:
    """One output table: its columns in order and the columns that identify a row."""

    name: str
    zh: str  # the workbook's sheet name
    description: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v is not None))


def _codes(entries: Iterable[T.Entry]) -> tuple[str, ...]:
    return tuple(e.code for e in entries)


_REPORT_ID = Column(
    "report_id",
    "text",
    "报告编号",
    "Report ID",
    "The source file's name without its extension; the join key of every table",
    nullable=False,
)
_SOURCE = Column(
    "source",
    "text",
    "出处",
    "Source",
    "Where the value was read: a line of the extracted text, or a table/row/cell",
)


def _cell_table(
    name: str,
    zh: str,
    description: str,
    row: Column,
    col: Column,
    value: Column,
    unit: Column | None = None,
) -> Table:
    """A table of the template's cells (parts 二–四): one row per report × row × column."""
    return Table(
        name,
        zh,
        description,
        (
            _REPORT_ID,
            row,
            col,
            value,
            *((unit,) if unit else ()),
            Column(
                "status",
                "code",
                "状态代码",
                "Status",
                "reported, blank, missing, derived or corrected (see the cell statuses)",
                codes=T.STATUS_CODES,
                nullable=False,
            ),
            Column("raw", "text", "原文", "As printed", "The cell's text exactly as printed"),
            _SOURCE,
            Column(
                "correction_reason",
                "text",
                "更正原因",
                "Correction reason",
                "Why an analyst corrected the cell (data/corrections.csv); NA otherwise",
                contract=False,
                stage="review",
            ),
        ),
        keys=("report_id", row.name, col.name),
    )


_REPORTS = Table(
    "reports",
    "报告",
    "One row per report",
    (
        _REPORT_ID,
        Column("source_file", "text", "源文件", "Source file", "The file's name", nullable=False),
        Column(
            "source_format",
            "text",
            "文件格式",
            "File format",
            "txt, docx, pdf, html, xlsx, ...",
            nullable=False,
        ),
        Column("sha256", "text", "SHA-256", "SHA-256", "The sha256 of the file's bytes"),
        Column(
            "agency_raw",
            "text",
            "机关名称（原文）",
            "Agency (as printed)",
            "The body's name as printed",
        ),
        Column(
            "agency",
            "text",
            "机关",
            "Agency",
            "The body's name in simplified characters, whitespace removed",
        ),
        Column("province", "text", "省级", "Province", "Where the text names it, else NA"),
        Column("city", "text", "地市级", "City", "Where the text names it, else NA"),
        Column("county", "text", "县级", "County", "Where the text names it, else NA"),
        Column("year", "int", "年度", "Year", "The year the report covers"),
        Column(
            "template",
            "code",
            "模板版本",
            "Template",
            "The template the report follows",
            codes=T.TEMPLATES,
        ),
        Column(
            "published",
            "date",
            "发布日期",
            "Published",
            "The date the report was published, where printed",
        ),
        Column(
            "parse_status",
            "code",
            "解析状态",
            "Parse status",
            "ok, partial (a part or cells missing) or failed",
            codes=PARSE_STATUSES,
            nullable=False,
        ),
        Column(
            "error", "text", "错误", "Error", "Why the file could not be parsed (NA unless failed)"
        ),
        Column(
            "n_unplaced",
            "int",
            "未归位数字",
            "Unplaced numbers",
            "Numbers inside parts 二–四 that no cell took",
            minimum=0,
        ),
        Column(
            "level",
            "code",
            "层级代码",
            "Level",
            "The body's level of government, from its name",
            codes=_codes(T.LEVELS),
            contract=False,
        ),
        Column(
            "encoding",
            "text",
            "文本编码",
            "Encoding",
            "The text encoding the file was read in",
            contract=False,
        ),
        Column(
            "notes",
            "text",
            "读取备注",
            "Reading notes",
            "What reading the file noticed (a part not found, a table read as a stream, ...)",
            contract=False,
        ),
        Column(
            "duplicate_of",
            "text",
            "重复于",
            "Duplicate of",
            "The report_id of the earlier report this one repeats (set across the corpus)",
            contract=False,
        ),
    ),
    keys=("report_id",),
)

_DISCLOSURE = _cell_table(
    "disclosure",
    "主动公开",
    "Part 二, 主动公开政府信息情况: one row per item × measure",
    Column(
        "item",
        "code",
        "事项代码",
        "Item",
        "The row of part 二",
        codes=_codes(T.DISCLOSURE_ITEMS),
        nullable=False,
    ),
    Column(
        "measure",
        "code",
        "指标代码",
        "Measure",
        "The column of part 二",
        codes=_codes(T.DISCLOSURE_MEASURES),
        nullable=False,
    ),
    Column("value", "float", "数值", "Value", "The number the cell prints; NA unless valued"),
    Column(
        "unit",
        "code",
        "单位",
        "Unit",
        "The unit an amount was printed in",
        codes=_unique([*(e.unit for e in T.DISCLOSURE_MEASURES), T.YUAN]),
    ),
)

_APPLICATIONS = _cell_table(
    "applications",
    "依申请公开",
    "Part 三, 收到和处理政府信息公开申请情况: one row per row × applicant",
    Column(
        "row",
        "code",
        "行代码",
        "Row",
        "The row of part 三",
        codes=_codes(T.APPLICATION_ROWS),
        nullable=False,
    ),
    Column(
        "applicant",
        "code",
        "申请人代码",
        "Applicant",
        "The applicant column of part 三",
        codes=T.APPLICANT_CODES,
        nullable=False,
    ),
    Column("value", "int", "数值", "Value", "The number the cell prints; NA unless valued"),
)

_APPEALS = _cell_table(
    "appeals",
    "复议诉讼",
    "Part 四, 行政复议、行政诉讼情况: one row per proceeding × result",
    Column(
        "proceeding",
        "code",
        "程序代码",
        "Proceeding",
        "Administrative review or litigation",
        codes=_codes(T.PROCEEDINGS),
        nullable=False,
    ),
    Column(
        "result",
        "code",
        "结果代码",
        "Result",
        "The result column of part 四",
        codes=_codes(T.RESULTS),
        nullable=False,
    ),
    Column("value", "int", "数值", "Value", "The number the cell prints; NA unless valued"),
)

_NARRATIVE = Table(
    "narrative",
    "正文数据",
    "Figures stated in prose (mostly part 一)",
    (
        _REPORT_ID,
        Column(
            "metric",
            "code",
            "指标代码",
            "Metric",
            "What the figure counts",
            codes=_codes(T.NARRATIVE_METRICS) + tuple("channel_" + e.code for e in T.CHANNELS),
            nullable=False,
        ),
        Column("value", "float", "数值", "Value", "The figure"),
        Column(
            "approximate",
            "bool",
            "约数",
            "Approximate",
            "The prose hedges the figure (余, 多, 约)",
            nullable=False,
        ),
        Column("quote", "text", "原句", "Quote", "The sentence the figure came from"),
        Column(
            "label",
            "text",
            "名称",
            "Label",
            "The prose's own name for what it counts",
            contract=False,
        ),
        Column(
            "parent",
            "text",
            "上级指标",
            "Parent",
            "The figure this one breaks down",
            contract=False,
        ),
        Column(
            "unit",
            "code",
            "单位",
            "Unit",
            "The unit the figure is in",
            # Channel counts are in 条 like the total they break down (gxparse.parsing.narrative).
            codes=_unique([*(e.unit for e in T.NARRATIVE_METRICS), "条"]),
            contract=False,
        ),
        replace(_SOURCE, contract=False),
    ),
)

_FINDINGS = Table(
    "findings",
    "检查发现",
    "What the checks found: one row per finding",
    (
        _REPORT_ID,
        Column(
            "check",
            "code",
            "检查代码",
            "Check",
            "The check's stable code (gxparse.analysis.checks.CHECKS)",
            codes=tuple(c.code for c in CHECKS),
            nullable=False,
        ),
        Column(
            "severity",
            "code",
            "严重程度代码",
            "Severity",
            "error, warning or info",
            codes=SEVERITIES,
            nullable=False,
        ),
        Column(
            "table",
            "code",
            "表",
            "Table",
            "The table the finding is about",
            codes=TABLE_NAMES,
        ),
        Column(
            "row",
            "text",
            "行代码",
            "Row",
            "The cell's row code; for a per-column identity, the identity's code",
        ),
        Column("col", "text", "列", "Column", "The cell's column code (or codes)"),
        Column("expected", "text", "应为", "Expected", "What the check expected, as text"),
        Column("actual", "text", "实际", "Actual", "What the report has, as text"),
        Column(
            "message",
            "text",
            "说明",
            "Message",
            "One sentence a briefing can quote, in Chinese",
            nullable=False,
        ),
        Column(
            "location",
            "text",
            "位置",
            "Location",
            "A stable key of what the finding is about, matched by analyst decisions",
            contract=False,
        ),
        replace(_SOURCE, contract=False),
        Column(
            "decision",
            "text",
            "分析人员决定",
            "Decision",
            "An analyst's decision on the finding (data/reviews.csv)",
            codes=DECISIONS,
            contract=False,
            stage="review",
        ),
        Column(
            "note",
            "text",
            "备注",
            "Note",
            "The analyst's note with the decision",
            contract=False,
            stage="review",
        ),
    ),
)

_SECTIONS = Table(
    "sections",
    "章节正文",
    "The report's prose: one row per part found",
    (
        _REPORT_ID,
        Column(
            "section",
            "code",
            "部分代码",
            "Section",
            "The part of the report",
            codes=_codes(T.PARTS),
            nullable=False,
        ),
        Column("title", "text", "标题", "Title", "The part's heading as printed"),
        Column("text", "text", "正文", "Text", "The part's text"),
        replace(_SOURCE, contract=False),
    ),
)

# The declaration: table name → table, in the contract's order.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (_REPORTS, _DISCLOSURE, _APPLICATIONS, _APPEALS, _NARRATIVE, _FINDINGS, _SECTIONS)
}


def columns(stage: str | None = None) -> dict[str, tuple[str, ...]]:
    """Table name → its column names in order; with ``stage``, only the columns added by
    that step (``"parse"``: the tables one parsed file yields)."""
    return {
        name: tuple(c.name for c in t.columns if stage is None or c.stage == stage)
        for name, t in TABLES.items()
    }


def headers() -> dict[str, str]:
    """Column name → its Chinese header. A name shared by several tables has one header
    (the workbook translates by name); two different ones raise ValueError."""
    out: dict[str, str] = {}
    for t in TABLES.values():
        for c in t.columns:
            if out.setdefault(c.name, c.zh) != c.zh:
                raise ValueError(f"column {c.name!r} has two headers: {out[c.name]}, {c.zh}")
    return out
