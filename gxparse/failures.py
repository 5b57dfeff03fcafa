"""Why a file could not be read, in Chinese.

A ``failed`` report's ``error`` (``reports.error``) is "<source file>: <reason>", the reason
in English as the reader or the pool gave it (with its technical detail). Messages an
analyst reads (findings, the run's summary) say it in Chinese: :func:`failure_zh` maps each
known reason to one Chinese phrase; ``reports.error`` keeps the English original.
"""

from __future__ import annotations

import re

__all__ = ["FAILURE_REASONS", "UNKNOWN_FAILURE", "failure_zh", "split_error"]

# (English reason as the readers, the guard and the pool word it, Chinese), first match wins.
FAILURE_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), zh)
    for p, zh in (
        (r"^empty file", "文件为空"),
        (r"^not decodable as UTF-8", "无法识别文本编码（不是 UTF-8、UTF-16 或 GB18030 文本，可能是二进制文件或已损坏）"),
        (r"^declares UTF-16 but does not decode", "文件声明为 UTF-16 编码，但无法按此解码"),
        (r"^not a government information disclosure annual report", "不是政府信息公开工作年度报告（找不到第一至第六部分）"),
        (r"^not a Word document", "不是 Word 文档"),
        (r"^damaged Word document", "Word 文档已损坏"),
        (r"^Word document without text \(only images", "Word 文档没有文字（只有图片，可能是扫描件），不做文字识别"),
        (r"^Word document without any text", "Word 文档没有任何文字"),
        (r"^unsupported format", "不支持的文件格式"),
        (r"^LibreOffice \(soffice\) is not installed", "未安装 LibreOffice（soffice），无法读取此格式"),
        (r"^LibreOffice did not finish converting", "LibreOffice 转换超时"),
        (r"^LibreOffice could not convert", "LibreOffice 无法转换此文件（已损坏或格式与扩展名不符）"),
        (r"^(damaged|unreadable) Excel workbook", "Excel 工作簿已损坏或无法读取"),
        (r"^Excel workbook without any cell values", "Excel 工作簿没有任何单元格内容"),
        (r"^zip archive that is neither", "压缩文件既不是 Word 文档也不是 Excel 工作簿"),
        (r"^unreadable HTML", "网页无法读取"),
        (r"^HTML page without any text", "网页没有正文"),
        (r"^web archive \(MHTML\) without an HTML part", "网页存档（MHTML）中没有网页内容"),
        (r"^PDF has \d+ pages, more than the limit", "PDF 页数超过上限"),
        (r"^no text layer", "PDF 没有文字层（可能是扫描件），不做文字识别"),
        (r"^encrypted PDF", "PDF 已加密，需要密码才能打开"),
        (r"^damaged (or truncated )?PDF", "PDF 文件已损坏或不完整"),
        (r"^PDF decompression bomb", "PDF 解压后过大（疑似解压炸弹），拒绝读取"),
        (r"^file too large", "文件过大，超过上限"),
        (r"^damaged or truncated zip container", "DOCX/XLSX 压缩容器已损坏或不完整"),
        (r"^zip container with \d+ members", "压缩容器中的部件过多，不是正常的 Word/Excel 文件"),
        (r"^zip bomb", "压缩容器解压后过大（疑似压缩炸弹），拒绝读取"),
        (r"^damaged zip member", "压缩容器中的部件已损坏"),
        (r"^XML with a DTD or entity declarations", "文档中的 XML 含实体声明，拒绝读取"),
        (r"^XML member .* has no root element", "文档中的 XML 部件无法识别"),
        (r"^(\[Content_Types\]\.xml refused|damaged package)", "文档包结构已损坏或被拒绝"),
        (r"^document nested too deeply", "文档嵌套过深，无法读取"),
        (r"^internal error in gxparse", "gxparse 内部错误，请连同此文件报告"),
        (r"^cannot read file", "无法读取文件"),
        (r"^timed out after", "解析超时"),
        (r"^exceeded the memory limit", "解析超出内存上限"),
        (r"^worker (failed|process died)", "解析进程意外退出"),
    )
)  # fmt: skip
UNKNOWN_FAILURE = "原因见“错误”列"


def split_error(error: str) -> tuple[str, str]:
    """Given a ``reports.error`` ("<source file>: <reason>"), return (file, reason); a text
    without a file is all reason."""
    for pattern, _zh in FAILURE_REASONS:
        if pattern.match(error):
            return "", error
    file, sep, reason = error.partition(": ")
    return (file, reason) if sep else ("", error)


def failure_zh(error: str) -> str:
    """Given a failed report's ``error`` (with or without its "<file>: " prefix), return the
    reason in Chinese (:data:`UNKNOWN_FAILURE` for a reason this module does not know)."""
    _file, reason = split_error(error.strip())
    for pattern, zh in FAILURE_REASONS:
        if pattern.match(reason):
            return zh
    return UNKNOWN_FAILURE
