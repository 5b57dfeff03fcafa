"""The report template as data: every part, table, row, column, code and label.

Both national formats are declared here: 国办公开办函〔2019〕60号 ("2019") and
国办公开办函〔2021〕30号 ("2021"). The parser, the checks, the chart labels and the docs
read this module; no other module spells a template label.

Matching works on *normalised* label text (see :func:`gxparse.normalize.label_key`):
NFKC, whitespace and punctuation removed, brackets unified. Each row declares ``keys``:
short distinctive fragments that identify it even when a PDF extraction cut the label
in half ("保护第三方合法权" still holds "保护第三方"). A key starting with ``=`` must equal
the whole normalised label (after numbering is stripped), for generic labels like 其他.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

TEMPLATES: tuple[str, ...] = ("2021", "2019")


@dataclass(frozen=True)
class Entry:
    """A code with its Chinese and English labels and the fragments that identify it."""

    code: str
    zh: str
    en: str
    keys: tuple[str, ...] = ()
    templates: tuple[str, ...] = TEMPLATES
    unit: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class Part:
    """One of the six numbered parts of a report."""

    number: int
    code: str
    zh: str
    en: str
    keys: tuple[str, ...]


# ---------------------------------------------------------------------------------------
# Parts 一–六
# ---------------------------------------------------------------------------------------
PARTS: tuple[Part, ...] = (
    Part(1, "overview", "总体情况", "Overview", ("总体情况",)),
    Part(
        2,
        "active_disclosure",
        "主动公开政府信息情况",
        "Active disclosure",
        ("主动公开政府信息情况", "主动公开政府信息"),
    ),
    Part(
        3,
        "applications",
        "收到和处理政府信息公开申请情况",
        "Requests received and handled",
        ("收到和处理政府信息公开申请", "收到和处理政府信息公开申请情况"),
    ),
    Part(
        4,
        "appeals",
        "政府信息公开行政复议、行政诉讼情况",
        "Administrative reviews and lawsuits",
        (
            "行政复议、行政诉讼情况",
            "行政复议和行政诉讼情况",
            "行政复议行政诉讼情况",
            "行政复议、行政诉讼",
        ),
    ),
    Part(
        5,
        "problems",
        "存在的主要问题及改进情况",
        "Problems and improvements",
        (
            "存在的主要问题及改进情况",
            "存在的主要问题及改进",
            "主要问题及改进情况",
            "存在的主要问题和改进情况",
        ),
    ),
    Part(6, "other", "其他需要报告的事项", "Other matters", ("其他需要报告的事项",)),
)
PART_BY_CODE = {p.code: p for p in PARTS}
TABLE_PARTS = ("active_disclosure", "applications", "appeals")

# ---------------------------------------------------------------------------------------
# Part 二: items (rows) and measures (columns)
# ---------------------------------------------------------------------------------------
DISCLOSURE_ITEMS: tuple[Entry, ...] = (
    Entry("regulations", "规章", "Regulations", ("=规章",)),
    Entry(
        "normative_documents",
        "行政规范性文件",
        "Normative documents",
        ("规范性文件",),
    ),
    Entry("licensing", "行政许可", "Administrative licensing", ("行政许可",)),
    Entry(
        "other_external_services",
        "其他对外管理服务事项",
        "Other external management services",
        ("其他对外管理服务事项", "对外管理服务"),
        templates=("2019",),
    ),
    Entry("penalty", "行政处罚", "Administrative penalties", ("行政处罚",)),
    Entry("coercion", "行政强制", "Administrative coercion", ("行政强制",)),
    Entry("fees", "行政事业性收费", "Administrative fees", ("行政事业性收费", "事业性收费")),
    Entry(
        "procurement",
        "政府集中采购",
        "Centralised government procurement",
        ("政府集中采购", "集中采购"),
        templates=("2019",),
    ),
)

DISCLOSURE_MEASURES: tuple[Entry, ...] = (
    Entry("issued", "本年制发件数", "Issued this year", ("本年制发", "制发件数"), ("2021",), "件"),
    Entry(
        "repealed", "本年废止件数", "Repealed this year", ("本年废止", "废止件数"), ("2021",), "件"
    ),
    Entry("in_force", "现行有效件数", "In force", ("现行有效",), ("2021",), "件"),
    Entry(
        "decisions",
        "本年处理决定数量",
        "Decisions this year",
        ("处理决定数量", "处理决定"),
        TEMPLATES,
        "件",
    ),
    Entry(
        "fee_amount",
        "本年收费金额（单位：万元）",
        "Fees collected (10k yuan)",
        ("收费金额",),
        ("2021",),
        "万元",
    ),
    Entry("newly_made", "本年新制作数量", "Newly made", ("新制作",), ("2019",), "件"),
    Entry("newly_published", "本年新公开数量", "Newly published", ("新公开",), ("2019",), "件"),
    Entry(
        "total_published",
        "对外公开总数量",
        "Total published",
        ("对外公开总数", "公开总数量"),
        ("2019",),
        "件",
    ),
    Entry(
        "previous_year_count",
        "上一年项目数量",
        "Items previous year",
        ("上一年项目", "上年项目"),
        ("2019",),
        "项",
    ),
    Entry("change", "本年增/减", "Change this year", ("增/减", "增减"), ("2019",), "项"),
    Entry(
        "procurement_projects",
        "采购项目数量",
        "Procurement projects",
        ("采购项目数量", "采购项目"),
        ("2019",),
        "项",
    ),
    Entry(
        "procurement_amount",
        "采购总金额",
        "Procurement amount",
        ("采购总金额",),
        ("2019",),
        "万元",
    ),
)

# Measures printed as money (万元; may be decimal) rather than as counts.
AMOUNT_UNIT = "万元"
YUAN = "元"
AMOUNT_MEASURES: frozenset[str] = frozenset(
    m.code for m in DISCLOSURE_MEASURES if m.unit == AMOUNT_UNIT
)

# Which measures each item carries, per template, in printed column order.
DISCLOSURE_LAYOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "2021": {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_documents": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalty": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("fee_amount",),
    },
    "2019": {
        "regulations": ("newly_made", "newly_published", "total_published"),
        "normative_documents": ("newly_made", "newly_published", "total_published"),
        "licensing": ("previous_year_count", "change", "decisions"),
        "other_external_services": ("previous_year_count", "change", "decisions"),
        "penalty": ("previous_year_count", "change", "decisions"),
        "coercion": ("previous_year_count", "change", "decisions"),
        "fees": ("previous_year_count", "change"),
        "procurement": ("procurement_projects", "procurement_amount"),
    },
}

# Article 20 sub-items that head each small table of part 二 (第二十条第（X）项).
ARTICLE20_GROUPS: dict[str, tuple[str, ...]] = {
    "一": ("regulations", "normative_documents"),
    "五": ("licensing", "other_external_services"),
    "六": ("penalty", "coercion"),
    "八": ("fees",),
    "九": ("procurement",),
}

# Labels of header cells in part 二 (not data).
DISCLOSURE_HEADER_KEYS: tuple[str, ...] = ("信息内容", "第二十条")

# ---------------------------------------------------------------------------------------
# Part 三: applicant columns and rows
# ---------------------------------------------------------------------------------------
APPLICANTS: tuple[Entry, ...] = (
    Entry("natural_person", "自然人", "Natural persons", ("自然人",)),
    Entry("enterprise", "商业企业", "Businesses", ("商业企业",), parent="legal_person"),
    Entry(
        "research_institution",
        "科研机构",
        "Research institutions",
        ("科研机构",),
        parent="legal_person",
    ),
    Entry(
        "public_interest_org",
        "社会公益组织",
        "Public-interest organisations",
        ("社会公益组织", "公益组织"),
        parent="legal_person",
    ),
    Entry(
        "legal_service_org",
        "法律服务机构",
        "Legal service providers",
        ("法律服务机构",),
        parent="legal_person",
    ),
    Entry("other_org", "其他", "Other organisations", ("=其他",), parent="legal_person"),
    Entry("total", "总计", "Total", ("总计",)),
)
APPLICANT_CODES: tuple[str, ...] = tuple(a.code for a in APPLICANTS)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_CODES[:-1]
LEGAL_PERSON_ZH = "法人或其他组织"

# Groups of outcome rows (side labels, not rows themselves, except 2019's （六）其他处理).
APPLICATION_GROUPS: tuple[Entry, ...] = (
    Entry("outcomes", "三、本年度办理结果", "Outcomes this year", ("本年度办理结果", "办理结果")),
    Entry("denied", "（三）不予公开", "Not disclosed", ("不予公开",)),
    Entry("unable", "（四）无法提供", "Cannot be provided", ("无法提供",)),
    Entry("rejected", "（五）不予处理", "Not processed", ("不予处理",)),
    Entry("other_handling", "（六）其他处理", "Other handling", ("其他处理",), ("2021",)),
)

APPLICATION_ROWS: tuple[Entry, ...] = (
    Entry(
        "received_new",
        "一、本年新收政府信息公开申请数量",
        "New requests received",
        ("本年新收",),
    ),
    Entry(
        "carried_over",
        "二、上年结转政府信息公开申请数量",
        "Carried over from last year",
        ("上年结转",),
    ),
    Entry("granted", "（一）予以公开", "Granted", ("予以公开",), parent="outcomes"),
    Entry(
        "partially_granted",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "Partially granted",
        ("部分公开",),
        parent="outcomes",
    ),
    Entry(
        "denied_state_secret",
        "（三）1.属于国家秘密",
        "Denied: state secret",
        ("国家秘密",),
        parent="denied",
    ),
    Entry(
        "denied_law_prohibited",
        "（三）2.其他法律行政法规禁止公开",
        "Denied: prohibited by other laws",
        ("其他法律行政法规", "法律行政法规禁止", "禁止公开", "其他法律行政"),
        parent="denied",
    ),
    Entry(
        "denied_three_safeties",
        "（三）3.危及“三安全一稳定”",
        "Denied: endangers the 'three safeties, one stability'",
        ("危及", "三安全一稳定"),
        parent="denied",
    ),
    Entry(
        "denied_third_party",
        "（三）4.保护第三方合法权益",
        "Denied: protects third-party rights",
        ("保护第三方", "第三方合法权益"),
        parent="denied",
    ),
    Entry(
        "denied_internal_affairs",
        "（三）5.属于三类内部事务信息",
        "Denied: internal affairs",
        ("三类内部事务", "内部事务"),
        parent="denied",
    ),
    Entry(
        "denied_process_info",
        "（三）6.属于四类过程性信息",
        "Denied: process information",
        ("四类过程性", "过程性信息", "过程性"),
        parent="denied",
    ),
    Entry(
        "denied_enforcement_files",
        "（三）7.属于行政执法案卷",
        "Denied: enforcement files",
        ("行政执法案卷", "执法案卷"),
        parent="denied",
    ),
    Entry(
        "denied_query_matters",
        "（三）8.属于行政查询事项",
        "Denied: administrative query matters",
        ("行政查询事项", "查询事项"),
        parent="denied",
    ),
    Entry(
        "unable_not_held",
        "（四）1.本机关不掌握相关政府信息",
        "Unable: information not held",
        ("不掌握",),
        parent="unable",
    ),
    Entry(
        "unable_needs_creation",
        "（四）2.没有现成信息需要另行制作",
        "Unable: would need to be created",
        ("没有现成信息", "另行制作"),
        parent="unable",
    ),
    Entry(
        "unable_unclear",
        "（四）3.补正后申请内容仍不明确",
        "Unable: still unclear after correction",
        ("补正后", "仍不明确"),
        parent="unable",
    ),
    Entry(
        "rejected_petition",
        "（五）1.信访举报投诉类申请",
        "Not processed: petitions and complaints",
        ("信访举报投诉", "信访"),
        parent="rejected",
    ),
    Entry(
        "rejected_duplicate",
        "（五）2.重复申请",
        "Not processed: duplicate",
        ("重复申请",),
        parent="rejected",
    ),
    Entry(
        "rejected_publication",
        "（五）3.要求提供公开出版物",
        "Not processed: publications",
        ("公开出版物", "出版物"),
        parent="rejected",
    ),
    Entry(
        "rejected_excessive",
        "（五）4.无正当理由大量反复申请",
        "Not processed: excessive repeated requests",
        ("大量反复", "反复申请"),
        parent="rejected",
    ),
    Entry(
        "rejected_confirmation",
        "（五）5.要求行政机关确认或重新出具已获取信息",
        "Not processed: confirmation of held information",
        ("确认或重新出具", "重新出具"),
        parent="rejected",
    ),
    Entry(
        "other_overdue_correction",
        "（六）1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "Other: applicant did not correct in time",
        ("逾期不补正", "不补正"),
        ("2021",),
        parent="other_handling",
    ),
    Entry(
        "other_unpaid_fee",
        "（六）2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "Other: fee not paid",
        ("缴纳费用", "收费通知"),
        ("2021",),
        parent="other_handling",
    ),
    Entry(
        "other_other",
        "（六）3.其他",
        "Other: other",
        ("=其他",),
        ("2021",),
        parent="other_handling",
    ),
    Entry(
        "other",
        "（六）其他处理",
        "Other handling (undivided)",
        ("其他处理",),
        ("2019",),
        parent="outcomes",
    ),
    Entry("total_handled", "（七）总计", "Total handled", ("总计",), parent="outcomes"),
    Entry(
        "carried_forward",
        "四、结转下年度继续办理",
        "Carried into next year",
        ("结转下年度", "结转下一年度", "继续办理"),
    ),
)
APPLICATION_ROW_BY_CODE = {r.code: r for r in APPLICATION_ROWS}

# Rows whose sum is （七）总计, per template.
OUTCOME_ROWS: dict[str, tuple[str, ...]] = {
    t: tuple(
        r.code
        for r in APPLICATION_ROWS
        if t in r.templates
        and r.code not in ("received_new", "carried_over", "total_handled", "carried_forward")
    )
    for t in TEMPLATES
}

# Header phrases of part 三 that are never data rows.
APPLICATION_HEADER_KEYS: tuple[str, ...] = ("勾稽关系", "申请人情况", LEGAL_PERSON_ZH)

# ---------------------------------------------------------------------------------------
# Part 四: proceedings × results
# ---------------------------------------------------------------------------------------
PROCEEDINGS: tuple[Entry, ...] = (
    Entry("review", "行政复议", "Administrative review", ("行政复议",)),
    Entry(
        "litigation_direct",
        "行政诉讼：未经复议直接起诉",
        "Lawsuit without prior review",
        ("未经复议直接起诉", "直接起诉"),
    ),
    Entry(
        "litigation_after_review",
        "行政诉讼：复议后起诉",
        "Lawsuit after review",
        ("复议后起诉",),
    ),
)
RESULTS: tuple[Entry, ...] = (
    Entry("upheld", "结果维持", "Upheld", ("维持",)),
    Entry("corrected", "结果纠正", "Corrected", ("纠正",)),
    Entry("other", "其他结果", "Other result", ("其他结果",)),
    Entry("pending", "尚未审结", "Pending", ("尚未审结", "未审结")),
    Entry("total", "总计", "Total", ("总计",)),
)
# Words of part 四's heading and header: a run of words holding one opens part 四's table
# (also under a mangled heading, "政府信息公开行政法复议、行政诉讼情况").
APPEALS_HEADER_KEYS: tuple[str, ...] = ("行政诉讼", "行政复议")
APPEAL_CELLS: tuple[tuple[str, str], ...] = tuple(
    (p.code, r.code) for p in PROCEEDINGS for r in RESULTS
)

# ---------------------------------------------------------------------------------------
# Template version evidence: label fragments only one version prints.
# ---------------------------------------------------------------------------------------
VERSION_MARKERS: dict[str, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "逾期不补正", "收费金额"),
    "2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "政府集中采购",
    ),
}

# ---------------------------------------------------------------------------------------
# Cell statuses and units
# ---------------------------------------------------------------------------------------
STATUSES: tuple[Entry, ...] = (
    Entry("reported", "已填报", "Reported"),
    Entry("blank", "空白", "Blank"),
    Entry("missing", "缺失", "Missing"),
    Entry("derived", "推算", "Derived"),
    Entry("corrected", "已更正", "Corrected"),
)
STATUS_CODES: tuple[str, ...] = tuple(s.code for s in STATUSES)

# Printed markers that mean "this cell is empty".
BLANK_MARKERS: frozenset[str] = frozenset(
    {"", "-", "--", "—", "——", "–", "/", "无", "空", "－", "╱", "\\", "…", "x", "X", "×"}
)
# Units that may follow a number inside a cell ("0件", "251000元", "2601.95万").
NUMBER_UNITS: tuple[str, ...] = (
    AMOUNT_UNIT, YUAN, "万", "件", "条", "个", "项", "份", "次", "人", "篇",
)  # fmt: skip
# A direction word before a number is its sign ("增1558" → 1558, "减38" → −38); a word
# saying nothing changed is 0 ("未增未减").
DIRECTION_WORDS: dict[str, int] = {"增加": 1, "增": 1, "减少": -1, "减": -1}
NO_CHANGE_WORDS: tuple[str, ...] = ("未增未减", "无增减", "无增无减", "不增不减", "持平")
# Of those, the units printed right after a number in a table cell ("3件", "12.5万元"): a
# digit run that one of them follows is a number with its unit, not a number before a label.
CELL_UNITS: tuple[str, ...] = (AMOUNT_UNIT, YUAN, "件", "条", "项", "个")

# ---------------------------------------------------------------------------------------
# Page chrome: what a crawled page prints around a report. A short line holding one of
# these is site furniture, never the agency, the year or a table row.
# ---------------------------------------------------------------------------------------
CHROME_KEYS: tuple[str, ...] = (
    "当前位置", "所在位置", "当前页面", "发布时间", "发布日期", "发布机构", "浏览次数", "点击数",
    "访问量", "阅读次数", "主办单位", "承办单位", "网站标识码", "ICP备", "公安机关备案", "备案号",
    "技术支持", "索引号", "发文日期",
)  # fmt: skip
# Widget words of a page's bars ("【字体: 大 中 小】【打印】", "登录 | 注册"): a line is chrome
# when little else is left once they are taken out ("注册登记" in a sentence is not).
CHROME_WIDGETS: tuple[str, ...] = (
    "无障碍", "关怀版", "长者模式", "字体", "打印", "关闭窗口", "关闭", "分享", "收藏", "登录",
    "注册", "网站地图", "智能问答", "信息来源", "来源", "默认", "超大", "大", "中", "小",
)  # fmt: skip
# Breadcrumb separators ("首页 > 政务公开 > 年报"): two of them make a line chrome.
BREADCRUMB_MARKS: tuple[str, ...] = (">", "＞", "›", "»", "/")
# Words that introduce the report in its first sentence when no title line names the body:
# "现将X2020年政府信息公开工作年度报告公布如下", "特向社会公布X…", "现公布X…".
TITLE_LEAD_INS: tuple[str, ...] = (
    "特向社会公布",
    "现将",
    "现公布",
    "现予公布",
    "现公开",
    "现发布",
    "公布",
)

# When neither the text nor the page prints a title, part 一's opening sentence usually names
# the body as its subject: "2024年，平潭综合实验区坚持…", "2020年,大垅乡严格按照…". The name
# ends in a body's suffix (LEVELS, and these) and is followed by one of these verbs; a
# subject that is a pronoun ("我镇", "本局") or a clause ("在县委…领导下") names nobody.
BODY_SUFFIXES: tuple[str, ...] = (
    "人民政府", "管理委员会", "管委会", "办事处", "实验区", "开发区", "新区", "示范区",
)  # fmt: skip
SUBJECT_VERBS: tuple[str, ...] = (
    "坚持", "深入", "认真", "全面", "严格", "按照", "紧紧", "紧密", "紧扣", "围绕", "始终",
    "持续", "进一步", "高度重视", "积极", "切实", "根据", "依据", "继续", "扎实", "不断",
    "聚焦", "立足", "贯彻", "全力", "着力", "大力", "主动", "以习近平", "结合",
)  # fmt: skip
NOT_A_SUBJECT: str = "我本全各在按根依围坚认以为对经"

# ---------------------------------------------------------------------------------------
# Administrative level of a body, from the suffix of its name (first match wins).
# ---------------------------------------------------------------------------------------
LEVELS: tuple[Entry, ...] = (
    Entry("street_office", "街道", "Street office", ("街道办事处", "街道")),
    Entry(
        "township",
        "乡镇",
        "Township",
        ("镇人民政府", "乡人民政府", "苏木", "镇政府", "乡政府", "镇", "乡"),
    ),
    Entry(
        "department",
        "部门",
        "Department",
        ("局", "委员会", "委", "办公室", "办", "厅", "中心", "院", "所", "队", "站", "署"),
    ),
    Entry(
        "county",
        "县级政府",
        "County-level government",
        ("县人民政府", "区人民政府", "旗人民政府", "县级市人民政府", "县", "区", "旗"),
    ),
    Entry(
        "city",
        "市级政府",
        "City government",
        ("市人民政府", "州人民政府", "盟行政公署", "地区行政公署", "市", "州"),
    ),
    Entry("province", "省级政府", "Provincial government", ("省人民政府", "自治区人民政府")),
)

# Groups of reports whose level or year is not known (aggregated charts and tables).
UNKNOWN_LEVEL = Entry("unknown_level", "层级不详", "Level unknown")
UNKNOWN_YEAR = Entry("unknown_year", "年度不详", "Year unknown")

# Province-level names, for locating a body. The four municipalities directly under the
# central government are also their own city.
MUNICIPALITIES: tuple[str, ...] = ("北京市", "天津市", "上海市", "重庆市")
PROVINCES: tuple[str, ...] = (
    *MUNICIPALITIES, "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省",
    "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)  # fmt: skip


def application_rows(template: str) -> tuple[Entry, ...]:
    """The rows of part 三 in printed order for one template version."""
    return tuple(r for r in APPLICATION_ROWS if template in r.templates)


def measure(code: str) -> Entry:
    return next(m for m in DISCLOSURE_MEASURES if m.code == code)


# ---------------------------------------------------------------------------------------
# Crosswalk between the 2019 and 2021 templates
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Crosswalk:
    """What one quantity is called in each template, and whether the two can be compared."""

    table: str
    codes_2021: tuple[str, ...]
    codes_2019: tuple[str, ...]
    comparable: bool
    note: str


# 2021 splits （六）其他处理 into three sub-rows; 2019 prints it as one row.
SPLIT_OTHER = Crosswalk(
    "applications",
    tuple(r.code for r in APPLICATION_ROWS if r.parent == "other_handling"),
    ("other",),
    True,
    "2021 splits （六） into three sub-rows; their sum equals 2019's single row.",
)

CROSSWALK: tuple[Crosswalk, ...] = (
    Crosswalk(
        "applications",
        tuple(r.code for r in application_rows("2021") if r.code not in SPLIT_OTHER.codes_2021),
        tuple(r.code for r in application_rows("2019") if r.code not in SPLIT_OTHER.codes_2019),
        True,
        "Part 3 rows other than （六） are the same in both templates.",
    ),
    SPLIT_OTHER,
    Crosswalk(
        "appeals",
        tuple(f"{p}:{r}" for p, r in APPEAL_CELLS),
        tuple(f"{p}:{r}" for p, r in APPEAL_CELLS),
        True,
        "Part 4 is identical in both templates.",
    ),
    Crosswalk(
        "disclosure",
        ("decisions",),
        ("decisions",),
        True,
        "Decisions (Art. 20 (5)/(6)) count the same thing in both templates.",
    ),
    Crosswalk(
        "disclosure",
        ("fee_amount",),
        ("previous_year_count", "change"),
        False,
        "Fees: 2021 reports an amount in 万元, 2019 counts fee items. Never mix them.",
    ),
    Crosswalk(
        "disclosure",
        ("issued", "repealed", "in_force"),
        ("newly_made", "newly_published", "total_published"),
        False,
        "Regulations and normative documents: 2021 counts issued/repealed/in force, "
        "2019 counts made/published/total published. Not the same quantities.",
    ),
    Crosswalk(
        "disclosure",
        (),
        ("procurement_projects", "procurement_amount"),
        False,
        "Centralised procurement (Art. 20 (9)) exists only in the 2019 template.",
    ),
)


def comparable(table: str, code: str, template_a: str, template_b: str) -> bool:
    """Given a row/measure code and two template versions, return whether values compare.

    Same template: always comparable. Across templates: only what :data:`CROSSWALK`
    declares comparable under the same code.
    """
    if template_a == template_b:
        return True
    for cw in CROSSWALK:
        if cw.table == table and code in cw.codes_2021 and code in cw.codes_2019:
            return cw.comparable
    return False


# ---------------------------------------------------------------------------------------
# Identities (勾稽关系)
# ---------------------------------------------------------------------------------------
Key = tuple[str, str]  # (row code, column code) of a cell


@dataclass(frozen=True)
class Identity:
    """A template identity: sum(left) == sum(right) in every line of a table ``over`` names.

    ``across`` says what ``left`` and ``right`` name: "rows" (row codes; the identity holds
    in each column listed in ``over``) or "cols" (column codes; it holds in each row)."""

    code: str
    zh: str
    en: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    table: str = "applications"
    across: str = "rows"
    over: tuple[str, ...] = APPLICANT_CODES

    def keys(self, at: str) -> tuple[tuple[Key, ...], tuple[Key, ...]]:
        """Given one line of ``over``, return the identity's (left, right) cell keys."""
        if self.across == "rows":
            return tuple((r, at) for r in self.left), tuple((r, at) for r in self.right)
        return tuple((at, c) for c in self.left), tuple((at, c) for c in self.right)


def _outcomes_sum(outcomes: tuple[str, ...], code: str = "outcomes_sum") -> Identity:
    return Identity(
        code,
        "（七）总计＝（一）至（六）之和",
        "total handled = sum of outcomes",
        ("total_handled",),
        outcomes,
    )


def application_identities(template: str) -> tuple[Identity, ...]:
    """The 勾稽关系 of part 三 that hold within each applicant column."""
    return (
        Identity(
            "balance",
            "一＋二＝三＋四",
            "new + carried over = handled + carried forward",
            ("received_new", "carried_over"),
            ("total_handled", "carried_forward"),
        ),
        _outcomes_sum(OUTCOME_ROWS[template]),
    )


def undivided_identities() -> tuple[Identity, ...]:
    """The column identities a 2021 report that prints （六） undivided adds to those of
    :func:`application_identities`: the crosswalk's sum, and the outcomes through it."""
    split = SPLIT_OTHER.codes_2021
    outcomes = tuple(o for o in OUTCOME_ROWS["2021"] if o not in split) + SPLIT_OTHER.codes_2019
    return (
        Identity(
            "other_split",
            "（六）其他处理＝（六）1至3之和",
            "other handling = sum of its three sub-rows",
            SPLIT_OTHER.codes_2019,
            split,
        ),
        _outcomes_sum(outcomes, "outcomes_sum_undivided"),
    )


def total_identities(template: str, undivided: bool = False) -> tuple[Identity, ...]:
    """The identities across a line: part 三's total column, part 四's total per proceeding.
    ``undivided``: a 2021 report printing （六） undivided, whose row has a total too."""
    rows = tuple(r.code for r in application_rows(template))
    return (
        Identity(
            "row_total",
            "总计＝六类申请人之和",
            "total = sum of the six applicant columns",
            ("total",),
            APPLICANT_PARTS,
            across="cols",
            over=rows + SPLIT_OTHER.codes_2019 if undivided else rows,
        ),
        Identity(
            "appeals_total",
            "总计＝各类结果之和",
            "total = sum of the results",
            ("total",),
            tuple(r.code for r in RESULTS if r.code != "total"),
            table="appeals",
            across="cols",
            over=tuple(p.code for p in PROCEEDINGS),
        ),
    )


def identities(template: str, undivided: bool = False) -> tuple[Identity, ...]:
    """Every identity of a template version: those within each applicant column, then those
    across a line. ``undivided``: of a 2021 report that prints （六） undivided."""
    extra = undivided_identities() if undivided else ()
    return application_identities(template) + extra + total_identities(template, undivided)


# ---------------------------------------------------------------------------------------
# Prose (part 一, 六): figures the narrative states, and the channels it names.
# ---------------------------------------------------------------------------------------
# Units in the prose. Items disclosed are counted in 条 or 篇; requests in 件; fees in 元
# or 万元 (10,000 元).
ITEM_UNITS: tuple[str, ...] = ("条", "篇")
PROSE_COUNT_UNITS: tuple[str, ...] = (*ITEM_UNITS, "件", "个", "期", "项")
FEE_UNITS: tuple[str, ...] = (AMOUNT_UNIT, YUAN)
NARRATIVE_METRICS: tuple[Entry, ...] = (
    Entry("active_disclosure_total", "主动公开信息总数", "Items actively disclosed", unit="条"),
    Entry(
        "active_disclosure_category", "主动公开分类数", "Disclosed items of a category", unit="条"
    ),
    Entry("applications_received", "收到申请数（正文）", "Requests received (prose)", unit="件"),
    Entry("applications_handled", "办理申请数（正文）", "Requests handled (prose)", unit="件"),
    Entry("applications_all_settled", "正文称申请均已办结", "Prose says all requests were settled"),
    Entry("fees_charged", "信息处理费", "Information processing fees charged", unit=YUAN),
)
# Channel metric = "channel_" + code; keys are words naming the channel in a clause.
CHANNELS: tuple[Entry, ...] = (
    Entry(
        "website",
        "政府网站",
        "Government website",
        ("门户网站", "政府网站", "网站", "信息公开平台", "公开平台"),
    ),
    Entry("wechat", "微信", "WeChat", ("微信",)),
    Entry("weibo", "微博", "Weibo", ("微博",)),
    Entry("app", "客户端", "Mobile app", ("客户端", "APP", "App")),
    Entry("new_media", "政务新媒体", "Government new media", ("新媒体", "抖音", "头条")),
    Entry("bulletin_board", "公开栏", "Bulletin boards", ("公开栏", "公示栏", "宣传栏", "电子屏")),
    Entry("press", "报刊", "Newspapers and gazettes", ("报刊", "报纸", "政府公报", "广播", "电视")),
)


# ---------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------
# Codes by kind (the contract column that holds them). Some codes mean two things: ``other``
# is a part 三 row, a part 四 result and part 六; ``corrected`` a result and a status.
LABEL_KINDS: dict[str, tuple[Entry | Part, ...]] = {
    "row": APPLICATION_ROWS + APPLICATION_GROUPS,
    "applicant": APPLICANTS,
    "item": DISCLOSURE_ITEMS,
    "measure": DISCLOSURE_MEASURES,
    "proceeding": PROCEEDINGS,
    "result": RESULTS,
    "status": STATUSES,
    "level": LEVELS,
    "part": PARTS,
    # The narrative table's metrics: prose figures, and channels as "channel_" + code.
    "metric": NARRATIVE_METRICS + tuple(replace(e, code="channel_" + e.code) for e in CHANNELS),
}
_LABELS: dict[str, dict[str, Entry | Part]] = {
    kind: {e.code: e for e in reversed(entries)} for kind, entries in LABEL_KINDS.items()
}

_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])+"
)
_TRAILING_NOTE = re.compile(r"[（(][^（()）]*[）)]$")


def shorten(text: str, numbered: bool = False) -> str:
    """A Chinese label without its numbering (kept with ``numbered``) and trailing note:
    "（二）部分公开（区分处理的，…）" → "部分公开", "（三）1.属于国家秘密" → "属于国家秘密"."""
    if not numbered:
        text = _NUMBERING.sub("", text)
    return _TRAILING_NOTE.sub("", text) or text


def label(kind: str, code: str, short: bool = False, lang: str = "zh") -> str:
    """The display label of a code of one kind (a key of :data:`LABEL_KINDS`); ``short``
    drops the printed numbering and trailing note (Chinese only). Raises KeyError for an
    unknown kind or code."""
    entry = _LABELS[kind][code]
    if lang != "zh":
        return entry.en
    return shorten(entry.zh) if short else entry.zh
