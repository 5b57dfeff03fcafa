"""Pre-flight guard: hostile and odd files get exactly one clear ReadError, quickly."""

from __future__ import annotations

import io
import random
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from gxsynth import documents as D
from gxsynth.model import random_spec

from gxparse.readers import read_bytes, read_path
from gxparse.readers.document import ReadError
from gxparse.readers.guard import DEFAULT_LIMITS, Limits, check, check_zip

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)


def _docx() -> bytes:
    return D.to_docx(random_spec(random.Random(21)))


def _xlsx() -> bytes:
    return D.to_xlsx(random_spec(random.Random(22)))


def _rewrite(
    data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of a zip package with some members replaced and others added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def _one_error(data: bytes, filename: str, match: str, limits: Limits | None = None) -> ReadError:
    start = time.monotonic()
    with pytest.raises(ReadError, match=match) as err:
        read_bytes(data, filename, limits)
    assert time.monotonic() - start < 10
    return err.value


def test_zip_bomb_docx_by_ratio() -> None:
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx())) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        with dst.open("word/media/padding.bin", "w") as f:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(40):
                f.write(chunk)
    data = bomb.getvalue()
    assert len(data) < 1024 * 1024
    err = _one_error(data, "bomb.docx", "zip bomb")
    assert "compression ratio" in str(err)


def test_zip_bomb_by_total_size() -> None:
    data = _rewrite(_docx(), add={"word/media/big.bin": b"\0" * (3 * 1024 * 1024)})
    _one_error(data, "big.docx", "expands to", Limits(zip_max_uncompressed=2 * 1024 * 1024))


def test_zip_with_too_many_members() -> None:
    data = _rewrite(_xlsx(), add={f"xl/media/m{i}.bin": b"x" for i in range(60)})
    _one_error(data, "many.xlsx", "members", Limits(zip_max_members=50))


def test_docx_with_entity_expansion_is_refused() -> None:
    document = (
        BILLION_LAUGHS.encode() + b'<w:document xmlns:w="x"><w:body>&lol9;</w:body></w:document>'
    )
    data = _rewrite(_docx(), replace={"word/document.xml": document})
    _one_error(data, "laughs.docx", r"DTD or entity declarations in word/document\.xml")


def test_xlsx_with_external_entity_is_refused() -> None:
    strings = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'
    )
    data = _rewrite(_xlsx(), add={"xl/sharedStrings.xml": strings})
    _one_error(data, "xxe.xlsx", r"xl/sharedStrings\.xml")


def test_damaged_content_types_is_refused() -> None:
    data = _rewrite(_docx(), replace={"[Content_Types].xml": b"<Types><unclosed></Types>"})
    _one_error(data, "ct.docx", r"\[Content_Types\]\.xml")


def test_html_with_entity_declarations_does_not_expand() -> None:
    page = (BILLION_LAUGHS + "<html><body><p>一、总体情况</p><p>&lol9;</p></body></html>").encode()
    start = time.monotonic()
    doc = read_bytes(page, "laughs.html")
    assert time.monotonic() - start < 5
    assert len(doc.text) < 10_000


def test_size_limit_on_bytes() -> None:
    data = "二、主动公开政府信息情况\n".encode() * 100_000
    err = _one_error(data, "big.txt", "file too large", Limits(max_bytes=1024 * 1024))
    assert "limit is 1.0 MB" in str(err)


def test_size_limit_on_disk_refuses_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # 100 MB, sparse: costs no disk
        f.truncate(100 * 1024 * 1024)

    def no_read(self: Path) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(ReadError, match=r"file too large \(100\.0 MB; the limit is 50\.0 MB\)"):
        read_path(path)


@pytest.mark.parametrize(
    ("data", "filename", "match"),
    [
        pytest.param(b"", "empty.docx", "empty file", id="empty"),
        pytest.param(b"PK\x03\x04" + b"\0" * 100, "cut.docx", "truncated", id="zip-header-only"),
        pytest.param(_docx()[:3000], "cut.docx", "truncated", id="truncated-docx"),
        pytest.param(_xlsx()[:-100], "cut.xlsx", "truncated", id="truncated-xlsx"),
        pytest.param(b"%PDF-1.7\n" + b"\x9c" * 500, "junk.pdf", "PDF", id="fake-pdf"),
    ],
)
def test_corrupt_files_one_clear_error(data: bytes, filename: str, match: str) -> None:
    _one_error(data, filename, match)


def test_random_bytes_one_clear_error() -> None:
    data = random.Random(5).randbytes(20_000)
    _one_error(data, "noise.docx", "not decodable")


def test_zip_that_is_neither_word_nor_excel() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    _one_error(buf.getvalue(), "x.docx", "neither a Word nor an Excel")


def test_wrong_extension_is_read_by_content_and_noted() -> None:
    doc = read_bytes(_docx(), "report.pdf")
    assert doc.source_format == "docx"
    assert "extension says pdf, content is docx" in doc.notes


def test_normal_packages_pass() -> None:
    check(_docx(), "docx")
    check(_xlsx(), "xlsx")
    check_zip(_docx(), DEFAULT_LIMITS)


def _flate_bomb_pdf(inflated_mb: int) -> bytes:
    """A one-page PDF whose content stream is megabytes of zeros, deflated."""
    deflater = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    stream = b"".join(deflater.compress(chunk) for _ in range(inflated_mb)) + deflater.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_pdf_decompression_bomb_is_refused() -> None:
    data = _flate_bomb_pdf(80)
    assert len(data) < 100 * 1024
    limits = Limits(pdf_max_stream=40 * 1024 * 1024, pdf_scan_from=16 * 1024)
    _one_error(data, "bomb.pdf", "decompression bomb", limits)


def test_pdf_streams_too_small_to_reach_the_limit_are_not_inflated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At deflate's maximum of 1032:1 a stream of n bytes inflates to at most 1032 n
    bytes: under the limit it cannot be a bomb, and inflating it would only cost time.
    From there on it is inflated (and refused if it does reach the limit)."""
    from gxparse.readers.guard import DEFLATE_MAX_RATIO, check_pdf

    data = _flate_bomb_pdf(20)
    # What the guard measures: the bytes between the stream and endstream keywords.
    size = data.index(b"endstream") - data.index(b"stream\n") - len(b"stream\n")
    inflated: list[int] = []
    real = zlib.decompressobj
    monkeypatch.setattr(zlib, "decompressobj", lambda: inflated.append(1) or real())
    cannot = Limits(pdf_scan_from=1024, pdf_max_stream=size * DEFLATE_MAX_RATIO + 1)
    check_pdf(data, cannot)
    assert inflated == []
    could = Limits(pdf_scan_from=1024, pdf_max_stream=size * DEFLATE_MAX_RATIO)
    check_pdf(data, could)  # 20 MB of zeros: under this limit, so not refused
    assert inflated == [1]
    with pytest.raises(ReadError, match="decompression bomb"):
        check_pdf(data, Limits(pdf_scan_from=1024, pdf_max_stream=10 * 1024 * 1024))
    assert inflated == [1, 1]


def test_pdf_with_a_large_ordinary_stream_passes_the_guard() -> None:
    check(_flate_bomb_pdf(20), "pdf")
