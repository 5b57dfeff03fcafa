"""Readers: bytes of one file → :class:`gxparse.readers.document.Document`.

The format is detected from the content (magic bytes), not the extension; a mismatch is
noted on the document. The pre-flight guard (:mod:`gxparse.readers.guard`: size, zip bombs, XML
entities, PDF decompression bombs) runs before any reader. Each reader lives in its own
module and is imported lazily, so reading text never pays for the PDF or Word libraries.

Every reader turns merged table cells into the same shape: a cell spanning columns
appears once (the positions it also covers are omitted), a cell spanning rows gives an
empty Cell in the rows below. ``source`` points into the original: "line N" (text),
"paragraph N" / "table T row R cell C" (DOCX, HTML), "page P line L" /
"page P table T row R cell C" (PDF), "sheet S row R cell C" (XLSX); C is the grid column.
"""

from __future__ import annotations

from pathlib import Path

from gxparse.readers.detect import detect_format
from gxparse.readers.document import Document, ReadError
from gxparse.readers.guard import DEFAULT_LIMITS, Limits, check, check_path, check_size

__all__ = ["READERS", "ReadError", "detect_format", "read_bytes", "read_path"]

# format → "module:function" taking (data: bytes) and returning a Document (the PDF and
# LibreOffice readers also take the limits they enforce themselves, see _reader_options).
READERS: dict[str, str] = {
    "txt": "gxparse.readers.text:read_text",
    "docx": "gxparse.readers.docx:read_docx",
    "pdf": "gxparse.readers.pdf:read_pdf",
    "html": "gxparse.readers.html:read_html",
    "mht": "gxparse.readers.html:read_mht",
    "xlsx": "gxparse.readers.xlsx:read_xlsx",
    "doc": "gxparse.readers.office:read_doc",
    "wps": "gxparse.readers.office:read_wps",
    "rtf": "gxparse.readers.office:read_rtf",
}

EXTENSION_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "txt",
    ".text": "txt",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".mht": "mht",
    ".mhtml": "mht",
    ".xlsx": "xlsx",
    ".doc": "doc",
    ".wps": "wps",
    ".rtf": "rtf",
}


def _reader_options(fmt: str, limits: Limits) -> dict[str, object]:
    """Keyword arguments carrying the limits a reader enforces itself."""
    if fmt == "pdf":
        return {"max_pages": limits.pdf_max_pages}
    if fmt in ("doc", "wps", "rtf"):
        return {"timeout": limits.subprocess_timeout}
    return {}


def read_bytes(data: bytes, filename: str = "", limits: Limits | None = None) -> Document:
    """Read one file's bytes into a Document, choosing the reader by content.

    The pre-flight guard (:mod:`gxparse.readers.guard`: size, zip bombs, XML entities) runs first;
    every refusal or reading failure is a ReadError with one clear reason."""
    limits = limits or DEFAULT_LIMITS
    check_size(len(data), limits)
    fmt = detect_format(data, filename)
    spec = READERS.get(fmt)
    if spec is None:
        raise ReadError("unsupported_format", format=fmt)
    check(data, fmt, limits)
    module_name, func_name = spec.split(":")
    import importlib

    reader = getattr(importlib.import_module(module_name), func_name)
    doc: Document = reader(data, **_reader_options(fmt, limits))
    ext_fmt = EXTENSION_FORMATS.get(Path(filename).suffix.lower())
    if ext_fmt and ext_fmt != fmt:
        doc.notes.append(f"extension says {ext_fmt}, content is {fmt}")
    return doc


def read_path(path: str | Path, limits: Limits | None = None) -> Document:
    """Read a file from disk (read-only) into a Document; an oversized file is refused
    before it is read."""
    p = Path(path)
    check_path(p, limits or DEFAULT_LIMITS)
    return read_bytes(p.read_bytes(), p.name, limits)
