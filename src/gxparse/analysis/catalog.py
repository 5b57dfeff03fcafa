"""The check catalog, as data: every check's stable code, severity, scope and descriptions.

Apart from :mod:`gxparse.analysis.checks` so that the code set of the findings' ``check``
column (:mod:`gxparse.contract`, :mod:`gxparse.dtypes`) is known without loading the checks
themselves: parsing a file needs the codes, not the 2,400 lines that find them. Each check
names the function that emits it (:attr:`Check.function`, resolved by
:func:`gxparse.analysis.checks.run.run_checks`), and the catalog's order is the order the
checks run in. :mod:`gxparse.analysis.checks` re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gxparse import template as T

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
# How the workbook, the notebooks and the build's summary name each severity.
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SCOPES: tuple[str, ...] = ("report", "corpus")


@dataclass(frozen=True)
class Check:
    """One declared check: a stable code, its severity, scope and descriptions.

    ``decision_carries``: an analyst's decision on this check for one report also applies
    to the same body's later reports (checks about a body's habits, not about one number).
    """

    code: str
    severity: str
    zh: str
    en: str
    scope: str = "report"
    decision_carries: bool = False
    # Who emits the finding: "checks" (:mod:`gxparse.analysis.checks`), "parser" (gxparse's
    # parser) or "review" (:mod:`gxparse.analysis.review`, about the analyst's own files).
    emitted_by: str = "checks"
    # The check function that emits it, as "module:function" in :mod:`gxparse.analysis.checks`
    # (a name, not the function, so the catalog loads without the checks). It runs once,
    # at its first place in :data:`CHECKS`, when any code it emits is enabled.
    function: str | None = None


_BALANCE, _OUTCOMES = T.application_identities("2021")

CHECKS: tuple[Check, ...] = (
    # --- template identities -------------------------------------------------------------
    Check(
        "identity_" + _BALANCE.code,
        "error",
        f"第三部分每一列须满足{_BALANCE.zh}",
        f"Part 3, every applicant column: {_BALANCE.en}",
        function="identities:check_identities",
    ),
    Check(
        "identity_" + _OUTCOMES.code,
        "error",
        f"第三部分每一列须满足{_OUTCOMES.zh}",
        f"Part 3, every applicant column: {_OUTCOMES.en}",
        function="identities:check_identities",
    ),
    Check(
        "identity_row_total",
        "error",
        f"第三部分每一行的“{T.label('applicant', 'total')}”须等于六类申请人之和",
        "Part 3, every row: the total column equals the sum of the six applicant columns",
        function="identities:check_identities",
    ),
    Check(
        "identity_appeals_total",
        "error",
        f"第四部分每类案件的“{T.label('result', 'total')}”须等于"
        + "、".join(f"“{r.zh}”" for r in T.RESULTS if r.code != "total")
        + "之和",
        "Part 4, every proceeding: total = upheld + corrected + other + pending",
        function="identities:check_identities",
    ),
    Check(
        "identity_not_assessable",
        "info",
        "勾稽关系所需单元格空白或缺失，无法核验",
        "A template identity cannot be assessed: a cell it needs is blank or missing",
        function="identities:check_identities",
    ),
    Check(
        "non_negative_integer",
        "error",
        "表格数值须为非负整数（金额可为小数，增减可为负）",
        "Table values are non-negative integers (amounts may be decimal, changes negative)",
        function="identities:check_value_range",
    ),
    # --- prose vs tables -----------------------------------------------------------------
    Check(
        "prose_requests",
        "warning",
        "正文所述申请数量与第三部分表格不一致",
        "Request count stated in prose disagrees with the part 3 table",
        function="prose:check_prose",
    ),
    Check(
        "prose_breakdown",
        "warning",
        "正文所列分项之和与所述总数不一致",
        "A breakdown stated in prose does not add up to the total it breaks down",
        function="prose:check_prose",
    ),
    Check(
        "prose_settled",
        "warning",
        "正文称申请均已办结，但表格有结转下年度的申请",
        "Prose claims all requests were settled, but the table carries requests forward",
        function="prose:check_prose",
    ),
    Check(
        "prose_fees",
        "warning",
        f"第六部分所述信息处理费超过第二部分“{T.label('item', 'fees')}”金额",
        "Information fees stated in part 6 exceed the administrative fees of part 2",
        function="prose:check_prose",
    ),
    Check(
        "fees_charged",
        "info",
        "报告称收取了信息处理费",
        "The report states that information processing fees were charged",
        function="prose:check_prose",
    ),
    # --- requests carried into next year -------------------------------------------------
    Check(
        "carried_forward",
        "info",
        "有申请结转下年度继续办理",
        "Requests are carried into next year",
        function="years:check_carried_forward",
    ),
    Check(
        "next_year_chain",
        "warning",
        f"下一年度报告的“{T.label('row', 'carried_over')}”"
        f"与本年度“{T.label('row', 'carried_forward')}”不一致",
        "Next year's carried-over count differs from this year's carried-forward count",
        "corpus",
        function="years:check_next_year_chain",
    ),
    # --- across years --------------------------------------------------------------------
    Check(
        "stock_flow",
        "warning",
        f"“{T.label('measure', 'in_force')}”不等于上年数加“{T.label('measure', 'issued')}”"
        f"减“{T.label('measure', 'repealed')}”",
        "In force ≠ last year's in force + issued − repealed",
        "corpus",
        function="years:check_stock_flow",
    ),
    Check(
        "year_gap",
        "info",
        "同一机关两个年度报告之间缺少年度",
        "A body has a year missing between two present years",
        "corpus",
        decision_carries=True,
        function="years:check_year_gap",
    ),
    # --- template ------------------------------------------------------------------------
    Check(
        "old_template",
        "warning",
        "报告年度与所用表格格式不符（2020年度起应使用国办公开办函〔2021〕30号格式）",
        "Template does not match the report year (the 2021 format applies from 2020 reports)",
        decision_carries=True,
        function="years:check_old_template",
    ),
    # --- peers ---------------------------------------------------------------------------
    Check(
        "peer_outlier",
        "warning",
        "数值与同级机关相比明显偏离（对数尺度稳健z值）",
        "Value far from bodies of the same level (robust z on log scale)",
        "corpus",
        decision_carries=True,
        function="peers:check_peers",
    ),
    # --- suspicious placement ------------------------------------------------------------
    Check(
        "suspicious_placement",
        "warning",
        "数字所在列与相邻单元格不符，疑似错列",
        "A number sits in a column where its neighbours say it belongs elsewhere",
        function="placement:check_placement",
    ),
    Check(
        "split_number",
        "warning",
        "一个数字疑似被拆到相邻两个单元格，合并后总计成立",
        "A number seems split across two cells; joining them restores the total",
        function="placement:check_split_numbers",
    ),
    # --- timeliness ----------------------------------------------------------------------
    Check(
        "timeliness",
        "warning",
        "发布日期晚于法定期限（或早于报告年度结束）",
        "Published after the statutory deadline (or before the report year ended)",
        decision_carries=True,
        function="timeliness:check_timeliness",
    ),
    # --- copied text ---------------------------------------------------------------------
    Check(
        "copied_text",
        "warning",
        "总体情况或存在问题部分与上年或其他机关报告几乎相同",
        "Overview or problems nearly identical to last year's or another body's report",
        "corpus",
        decision_carries=True,
        function="reuse:check_copied_text",
    ),
    # --- duplicates ----------------------------------------------------------------------
    Check(
        "duplicate_file",
        "warning",
        "同一文件重复出现（sha256相同）",
        "The same file appears twice (same sha256)",
        "corpus",
        function="duplicates:check_duplicates",
    ),
    Check(
        "duplicate_report",
        "warning",
        "同一机关同一年度有两份报告",
        "Two reports for one body and year",
        "corpus",
        function="duplicates:check_duplicates",
    ),
    # --- coverage ------------------------------------------------------------------------
    Check(
        "part_absent",
        "warning",
        "报告缺少第二至第四部分中的某一部分",
        "One of parts 2-4 is absent from the report",
        function="coverage:check_coverage",
    ),
    Check(
        "missing_cells",
        "warning",
        "表格单元格在提取文本中缺失",
        "Table cells are missing from the extracted text",
        function="coverage:check_coverage",
    ),
    Check(
        "blank_cells",
        "info",
        "应填数字的单元格为空",
        "Cells where a number is due are blank",
        function="coverage:check_coverage",
    ),
    Check(
        "derived_cells",
        "info",
        "单元格在提取文本中缺失，数值由勾稽关系和非负性推算",
        "Cells lost from the extracted text, their values forced by the identities",
        function="coverage:check_coverage",
    ),
    Check(
        "unplaced_numbers",
        "warning",
        "第二至第四部分有数字未能归入任何单元格",
        "Numbers inside parts 2-4 that no cell took",
        function="coverage:check_coverage",
    ),
    Check(
        "unplaced_number",
        "warning",
        "未能归入任何单元格的数字（由解析器逐个列出）",
        "One number no cell took (emitted by the parser)",
        emitted_by="parser",
    ),
    # --- analyst files ---------------------------------------------------------------------
    Check(
        "analyst_id_renamed",
        "warning",
        "分析人员文件所指报告编号因文件重名已改名，该行未生效",
        "An analyst file names a report by an id this run gave another name (file names"
        " collide); that line was not applied",
        emitted_by="review",
    ),
    Check(
        "parse_failed",
        "error",
        "报告无法解析",
        "The report could not be parsed",
        function="coverage:check_coverage",
    ),
)
CHECK_BY_CODE: dict[str, Check] = {c.code: c for c in CHECKS}
# Codes whose findings :func:`run_checks` produces (the rest come from the parser).
RUN_CHECK_CODES: frozenset[str] = frozenset(c.code for c in CHECKS if c.emitted_by == "checks")
__all__ = [
    "CHECKS",
    "CHECK_BY_CODE",
    "RUN_CHECK_CODES",
    "SCOPES",
    "SEVERITIES",
    "SEVERITY_LABELS",
    "Check",
]
