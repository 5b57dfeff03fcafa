"""Why a number in parts 二–四 was left unplaced, and why a file could not be read: codes
with parameters, and their Chinese and English message templates, in one catalog each.

The table readers record a :class:`Reason` (a code from :data:`UNPLACED` and its
parameters); a message is rendered from the catalog only when a finding is written, so a
reworded template reaches every message, in both languages, and a reason cannot be produced
without a template to say it.

A file that cannot be read raises :class:`gxparse.readers.document.ReadError` with a code of
:data:`FAILURES`; ``reports.error`` keeps its English message, and
:func:`gxparse.failures.failure_zh` finds the code again from the same template.

Unplaced parameters: ``part`` (a template part code, rendered as its numeral 二/三/四), ``row`` (a
template code of that part's rows, rendered as its Chinese label in ``zh``), ``label`` (a printed label, quoted as Python's
``repr`` quotes it), and counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gxparse import template as T

__all__ = [
    "FAILURES",
    "UNPLACED",
    "Message",
    "Reason",
    "failure_text",
    "render",
]


@dataclass(frozen=True)
class Message:
    """One reason in the catalog: a stable code and its message templates (``str.format``
    fields: the reason's parameters, and ``at``, the row named or nothing)."""

    code: str
    zh: str
    en: str


UNPLACED: tuple[Message, ...] = (
    Message("no_label", "第{part}部分有一行数字没有行标签", "part {part}: a row without a label"),
    Message(
        "unknown_label",
        "第{part}部分的行标签“{label}”不是模板中的行",
        "part {part}: unknown row label {label}",
    ),
    Message(
        "two_rows_named",
        "第{part}部分同一行出现两个行标签“{label}”，数字归属不明",
        "part {part}: one line names two rows {label}",
    ),
    Message("printed_twice", "第{part}部分{at}重复出现", "part {part}{at}: printed twice"),
    Message(
        "digits_run_together",
        "第{part}部分{at}{cells}个单元格的数字连在一起，无法确定分界",
        "part {part}{at}: digits of {cells} cells run together",
    ),
    Message(
        "several_runs_together",
        "第{part}部分多个单元格的数字连在一起，无法确定分界",
        "part {part}: digits of several cells run together",
    ),
    Message(
        "cells_for_columns",
        "第{part}部分{at}有{cells}个单元格而表格有{columns}列，无法确定对应关系",
        "part {part}{at}: {cells} cells for {columns} columns",
    ),
    Message("extra_cell", "第{part}部分{at}多出一个单元格", "part {part}{at}: extra cell"),
    Message(
        "unreadable_cell",
        "第{part}部分{at}有无法识别为数字的单元格",
        "part {part}{at}: unreadable cell",
    ),
    Message(
        "fraction_count",
        "第{part}部分{at}的件数为小数",
        "part {part}{at}: a count printed as a fraction",
    ),
    Message("unlabelled_row", "第{part}部分有一行没有行标签的数字", "part {part}: unlabelled row"),
    Message(
        "undivided_beside_sub_rows",
        "第{part}部分“{row}”与其分项同时出现，可能是分项的标签丢失",
        "part {part}: {row} beside its sub-rows (a sub-row label lost?)",
    ),
    Message(
        "second_report",
        "同一文件中出现第二份报告，其中的数字未读入",
        "a second report in the same file",
    ),
    # The stream reader's (its reasons decide whether its reading is complete).
    Message(
        "no_row_named",
        "第{part}部分的数字前面的文字不是任何一行的标签",
        "part {part}: after words that name no row",
    ),
    Message(
        "cells_do_not_match",
        "第{part}部分{at}的数字与单元格对应不上",
        "part {part}{at}: cells do not match",
    ),
)


def _find(catalog: tuple[Message, ...], code: str, what: str) -> Message:
    """The message of ``code``, read from the catalog when asked (the catalog is the only
    place a message is worded); KeyError for a code it does not have."""
    for m in catalog:
        if m.code == code:
            return m
    raise KeyError(f"{what} {code!r} is not in the catalog")


# The kind of template code a part's rows are (for their labels).
_ROW_KIND = {"active_disclosure": "item", "applications": "row", "appeals": "proceeding"}
_NUMERALS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Reason:
    """Why numbers were left unplaced: a code of :data:`UNPLACED` and its parameters
    (hashable: numbers of one line are grouped by their reason)."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Reason:
        """The reason ``code`` with ``params`` (``None`` values left out); an unknown code
        fails here, where the reason is made, not when it is rendered."""
        _find(UNPLACED, code, "unplaced reason")
        return cls(code, tuple((k, v) for k, v in params.items() if v is not None))

    def get(self, name: str) -> Any:
        return dict(self.params).get(name)

    def text(self, lang: str = "zh") -> str:
        return render(self, lang)


def _row_label(part: str | None, row: str, lang: str) -> str:
    """A row code as a message names it: its template label in Chinese, the code in English
    (or a code the template does not know, as it is)."""
    kind = _ROW_KIND.get(part or "")
    if lang != "zh" or kind is None:
        return row
    try:
        return T.label(code=row, kind=kind)
    except KeyError:
        return row


def render(reason: Reason, lang: str = "zh") -> str:
    """Given a reason, return its message in ``lang`` ("zh" or "en") from the catalog."""
    message = _find(UNPLACED, reason.code, "unplaced reason")
    fields = dict(reason.params)
    part = fields.get("part")
    if part is not None:
        fields["part"] = _NUMERALS[T.PART_BY_CODE[part].number]
    if "row" in fields:
        fields["row"] = _row_label(part, str(fields["row"]), lang)
    if "label" in fields:
        # Quoted as repr quotes it; the Chinese message puts it inside “” instead.
        quoted = repr(str(fields["label"]))
        fields["label"] = quoted[1:-1] if lang == "zh" else quoted
    row = fields.get("row")
    fields["at"] = "" if row is None else (f"“{row}”行" if lang == "zh" else f" {row}")
    return (message.zh if lang == "zh" else message.en).format(**fields)


# Why a file could not be read (the readers', the guard's, the parser's and the worker pool's
# reasons). ``en`` is what ``reports.error`` keeps, technical detail included; ``zh`` is the
# one phrase an analyst reads.
FAILURES: tuple[Message, ...] = tuple(
    Message(code, zh, en)
    for code, zh, en in (
        ("empty_file", "文件为空", "empty file"),
        ("undecodable_text", "无法识别文本编码（不是 UTF-8、UTF-16 或 GB18030 文本，可能是二进制文件或已损坏）", "not decodable as UTF-8, UTF-16 or GB18030 text (binary or damaged file?)"),
        ("bad_utf16", "文件声明为 UTF-16 编码，但无法按此解码", "declares UTF-16 but does not decode ({detail})"),
        ("not_a_report", "不是政府信息公开工作年度报告（找不到第一至第六部分）", "not a government information disclosure annual report (no parts 一–六 found)"),
        ("no_main_part", "不是 Word 文档", "not a Word document (no main document part)"),
        ("main_part_not_body", "不是 Word 文档", "not a Word document (main part {part} is not a Word document body)"),
        ("word_part_missing", "Word 文档已损坏", "damaged Word document (missing part {part})"),
        ("damaged_word", "Word 文档已损坏", "damaged Word document ({detail})"),
        ("word_only_images", "Word 文档没有文字（只有图片，可能是扫描件），不做文字识别", "Word document without text (only images, a scan?); OCR is out of scope"),
        ("word_without_text", "Word 文档没有任何文字", "Word document without any text"),
        ("unsupported_format", "不支持的文件格式", "unsupported format {format!r}"),
        ("no_soffice", "未安装 LibreOffice（soffice），无法读取此格式", "LibreOffice (soffice) is not installed; {hint}"),
        ("soffice_timeout", "LibreOffice 转换超时", "LibreOffice did not finish converting {suffix} to {target} within {seconds:g} s"),
        ("soffice_failed", "LibreOffice 无法转换此文件（已损坏或格式与扩展名不符）", "LibreOffice could not convert this {suffix} file to {target} (damaged or not really {suffix}?): {detail}"),
        ("damaged_excel", "Excel 工作簿已损坏或无法读取", "damaged Excel workbook ({detail})"),
        ("unreadable_excel", "Excel 工作簿已损坏或无法读取", "unreadable Excel workbook ({detail})"),
        ("excel_without_values", "Excel 工作簿没有任何单元格内容", "Excel workbook without any cell values"),
        ("zip_not_office", "压缩文件既不是 Word 文档也不是 Excel 工作簿", "zip archive that is neither a Word nor an Excel document"),
        ("unreadable_html", "网页无法读取", "unreadable HTML ({detail})"),
        ("html_without_text", "网页没有正文", "HTML page without any text"),
        ("mhtml_without_html", "网页存档（MHTML）中没有网页内容", "web archive (MHTML) without an HTML part"),
        ("pdf_too_many_pages", "PDF 页数超过上限", "PDF has {pages} pages, more than the limit of {limit}"),
        ("no_text_layer", "PDF 没有文字层（可能是扫描件），不做文字识别", "no text layer (scanned PDF?); OCR is out of scope"),
        ("encrypted_pdf", "PDF 已加密，需要密码才能打开", "encrypted PDF (a password is needed to open it); cannot be read"),
        ("damaged_pdf_page", "PDF 文件已损坏或不完整", "damaged PDF: {detail}"),
        ("damaged_pdf", "PDF 文件已损坏或不完整", "damaged or truncated PDF ({detail})"),
        ("pdf_bomb", "PDF 解压后过大（疑似解压炸弹），拒绝读取", "PDF decompression bomb? a stream of {size} inflates past {limit}"),
        ("file_too_large", "文件过大，超过上限", "file too large ({size}; the limit is {limit})"),
        ("zip_cut_short", "DOCX/XLSX 压缩容器已损坏或不完整", "damaged or truncated zip container (a DOCX/XLSX cut short?): {detail}"),
        ("damaged_zip", "DOCX/XLSX 压缩容器已损坏或不完整", "damaged or truncated zip container (DOCX/XLSX): {detail}"),
        ("zip_too_many_members", "压缩容器中的部件过多，不是正常的 Word/Excel 文件", "zip container with {members} members (limit {limit}); not a normal Word/Excel file"),
        ("zip_bomb_size", "压缩容器解压后过大（疑似压缩炸弹），拒绝读取", "zip bomb? the container expands to {size} (limit {limit})"),
        ("zip_bomb_ratio", "压缩容器解压后过大（疑似压缩炸弹），拒绝读取", "zip bomb? compression ratio {ratio:.0f}:1 ({packed} expands to {size}; limit {limit:.0f}:1)"),
        ("damaged_zip_member", "压缩容器中的部件已损坏", "damaged zip member {member} ({detail})"),
        ("xml_entities", "文档中的 XML 含实体声明，拒绝读取", "XML with a DTD or entity declarations in {member} (entity expansion is refused)"),
        ("xml_without_root", "文档中的 XML 部件无法识别", "XML member {member} has no root element in its first {size}"),
        ("content_types_refused", "文档包结构已损坏或被拒绝", "[Content_Types].xml refused: {detail}"),
        ("damaged_package", "文档包结构已损坏或被拒绝", "damaged package: [Content_Types].xml does not parse ({detail})"),
        ("nested_too_deeply", "文档嵌套过深，无法读取", "document nested too deeply to read"),
        ("internal_error", "gxparse 内部错误，请连同此文件报告", "internal error in gxparse ({detail}); please report it with this file"),
        ("cannot_read", "无法读取文件", "cannot read file ({detail})"),
        ("timed_out", "解析超时", "timed out after {seconds:g} s"),
        ("timed_out_stopped", "解析超时", "timed out after {seconds:g} s (worker stopped)"),
        ("memory_limit", "解析超出内存上限", "exceeded the memory limit{limit}"),
        ("worker_failed", "解析进程意外退出", "worker failed: {detail}"),
        ("worker_died", "解析进程意外退出", "worker process died (crash, os._exit or killed by the system)"),
        ("no_cjk_font", "没有可供 LibreOffice 导出 PDF 的中文字体", "no Chinese font for LibreOffice's PDF export; {hint}"),
    )
)  # fmt: skip


def failure_text(code: str, lang: str = "en", **params: Any) -> str:
    """The message of the failure ``code`` with ``params`` in ``lang`` (English: the text
    ``reports.error`` keeps; Chinese: the one phrase, without the detail)."""
    message = _find(FAILURES, code, "failure")
    return message.en.format(**params) if lang == "en" else message.zh
