"""Failure reasons and sources in Chinese, for messages an analyst reads."""

from __future__ import annotations

import pytest

from gxparse.failures import UNKNOWN_FAILURE, failure_zh, split_error
from gxparse.parsing import parse
from gxparse.readers.document import source_zh


@pytest.mark.parametrize(
    ("data", "name", "zh"),
    [
        pytest.param(b"", "empty.txt", "文件为空", id="empty"),
        pytest.param(b"PK\x03\x04broken", "a.docx", "DOCX/XLSX 压缩容器已损坏或不完整", id="zip"),
        pytest.param(b"%PDF-1.4\nbroken", "a.pdf", "PDF 文件已损坏或不完整", id="pdf"),
        pytest.param("你好，世界。".encode(), "a.txt", None, id="not-a-report"),
    ],
)
def test_real_failures_read_in_chinese(data: bytes, name: str, zh: str | None) -> None:
    error = parse.parse_bytes(data, name).frame("reports")["error"].item()
    assert error.startswith(f"{name}: ")  # reports.error keeps the English reason
    expected = zh or "不是政府信息公开工作年度报告（找不到第一至第六部分）"
    assert failure_zh(error) == expected


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        pytest.param("a.pdf: encrypted PDF (a password is needed to open it); cannot be read", "PDF 已加密，需要密码才能打开"),
        pytest.param("x: timed out after 60 s", "解析超时"),
        pytest.param("no text layer (scanned PDF?); OCR is out of scope", "PDF 没有文字层（可能是扫描件），不做文字识别"),
        pytest.param("a.txt: something new", UNKNOWN_FAILURE),
    ],
)  # fmt: skip
def test_failure_zh(error: str, zh: str) -> None:
    assert failure_zh(error) == zh


def test_split_error_keeps_a_colon_inside_the_reason() -> None:
    assert split_error("2023/a.docx: damaged Word document (KeyError: 'x')") == (
        "2023/a.docx",
        "damaged Word document (KeyError: 'x')",
    )
    assert split_error("empty file") == ("", "empty file")


@pytest.mark.parametrize(
    ("source", "zh"),
    [
        ("line 64", "第64行"),
        ("page 3 table 1 row 5 cell 3", "第3页表1第5行第3格"),
        ("table 2 row 5 cell 1", "表2第5行第1格"),
        ("sheet 表1 row 2 cell 4", "工作表“表1”第2行第4格"),
        ("somewhere else", "somewhere else"),
    ],
)
def test_source_zh(source: str, zh: str) -> None:
    assert source_zh(source) == zh
