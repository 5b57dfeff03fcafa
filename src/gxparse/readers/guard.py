"""Pre-flight checks: refuse a file before any parser touches it when it could exhaust
memory or time. Each refusal is a :class:`ReadError` with one clear reason.

* size: a file larger than ``max_bytes`` (default 50 MB, text included);
* zip containers (DOCX, XLSX): the number of members, the total uncompressed size and
  the compression ratio (a 300 KB DOCX can expand to gigabytes: a zip bomb). The sizes
  are the ones the zip directory declares; Python's zipfile never inflates a member past
  its declared size (a lying header fails its CRC check instead), so the declared sizes
  bound what the readers will inflate;
* XML inside zip containers: no DTD (``<!DOCTYPE``) and no entity declarations; OOXML never
  needs them, and they are how "billion laughs" and external-entity attacks start. The
  package's ``[Content_Types].xml`` is also parsed with defusedxml;
* PDF: no compressed stream may inflate past ``pdf_max_stream`` (a few hundred KB of
  Flate data can expand to gigabytes, and pdfium inflates a stream in one piece); a
  page-count limit (enforced by the PDF reader);
* subprocesses (LibreOffice): a timeout (enforced by :mod:`gxparse.readers.office`).

Limits are a frozen dataclass; pass your own to :func:`check` or
:func:`gxparse.readers.read_bytes` to change them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gxparse.readers.document import ReadError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits for one input file."""

    max_bytes: int = 50 * MB
    zip_max_members: int = 5000
    zip_max_uncompressed: int = 500 * MB
    # Overall ratio uncompressed/compressed, checked once the content exceeds zip_ratio_floor
    # (small packages with a high ratio are harmless).
    zip_max_ratio: float = 100.0
    zip_ratio_floor: int = 20 * MB
    xml_prolog_scan: int = 64 * 1024
    pdf_max_pages: int = 500
    pdf_max_stream: int = 256 * MB
    # Streams smaller than this (compressed) are not inflated by the guard: even at the
    # deflate maximum of ~1000:1 they stay far below pdf_max_stream.
    pdf_scan_from: int = 64 * 1024
    subprocess_timeout: float = 120.0


DEFAULT_LIMITS = Limits()

_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def _human(n: float) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def check_size(size: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a file larger than the size limit."""
    if size > limits.max_bytes:
        raise ReadError("file_too_large", size=_human(size), limit=_human(limits.max_bytes))


def check_path(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a file on disk by its size, before reading it."""
    check_size(Path(path).stat().st_size, limits)


def check(data: bytes, fmt: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Given a file's bytes and its detected format, raise ReadError if reading it could
    exhaust memory or time."""
    check_size(len(data), limits)
    if fmt in ("docx", "xlsx") or data[:4] == b"PK\x03\x04":
        check_zip(data, limits)
    elif fmt == "pdf":
        check_pdf(data, limits)


_STREAM = re.compile(rb"stream\r?\n")
# Deflate expands at most 1032:1 (a 258-byte match in two bits).
DEFLATE_MAX_RATIO = 1032


def check_pdf(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a PDF holding a Flate stream that inflates past the limit (a decompression
    bomb). Only streams that could reach the limit are tried (large ones, and larger
    than the limit over deflate's maximum ratio), and each only up to the limit."""
    import zlib

    pos = 0
    while True:
        m = _STREAM.search(data, pos)
        if m is None:
            return
        end = data.find(b"endstream", m.end())
        if end < 0:
            return
        pos = end + 9
        size = end - m.end()
        if size < limits.pdf_scan_from or size * DEFLATE_MAX_RATIO < limits.pdf_max_stream:
            continue  # it cannot inflate past the limit: trying it would only cost time
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(memoryview(data)[m.end() : end], limits.pdf_max_stream)
        except zlib.error:
            continue  # not Flate (JPEG, encrypted, ...): pdfium copes or fails on its own
        if len(out) >= limits.pdf_max_stream and inflater.unconsumed_tail:
            raise ReadError("pdf_bomb", size=_human(size), limit=_human(limits.pdf_max_stream))


def check_zip(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Zip container checks: members, uncompressed size, ratio, XML without DTDs."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ReadError("damaged_zip", detail=exc) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.zip_max_members:
            raise ReadError(
                "zip_too_many_members", members=len(infos), limit=limits.zip_max_members
            )
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > limits.zip_max_uncompressed:
            raise ReadError(
                "zip_bomb_size", size=_human(total), limit=_human(limits.zip_max_uncompressed)
            )
        ratio = total / packed
        if total > limits.zip_ratio_floor and ratio > limits.zip_max_ratio:
            raise ReadError(
                "zip_bomb_ratio",
                ratio=ratio,
                packed=_human(packed),
                size=_human(total),
                limit=limits.zip_max_ratio,
            )
        for info in infos:
            name = info.filename
            if name.lower().endswith((".xml", ".rels", ".vml")) and not info.is_dir():
                _check_xml_prolog(zf, info, limits)
        if "[Content_Types].xml" in zf.namelist():
            _check_content_types(zf.read("[Content_Types].xml"))


def _check_xml_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    """A DTD can only appear before the root element: read up to it and refuse a DTD."""
    try:
        with zf.open(info) as f:
            head = f.read(limits.xml_prolog_scan)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ReadError("damaged_zip_member", member=info.filename, detail=exc) from None
    m = _ROOT_START.search(head)
    prolog = head if m is None else head[: m.start()]
    if _DTD.search(prolog):
        raise ReadError("xml_entities", member=info.filename)
    if m is None and len(head) >= limits.xml_prolog_scan:
        raise ReadError("xml_without_root", member=info.filename, size=_human(len(head)))


def _check_content_types(xml: bytes) -> None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ReadError("content_types_refused", detail=exc) from None
    except Exception as exc:  # xml.etree.ElementTree.ParseError and friends
        raise ReadError("damaged_package", detail=exc) from None
