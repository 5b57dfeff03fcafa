"""Readers: bytes of one file → :class:`gxparse.document.Document`.

The format is detected from the content (magic bytes), not the extension; a mismatch is
noted on the document. Each reader lives in its own module and is imported lazily, so
reading text never pays for the PDF or Word libraries.
"""

from __future__ import annotations

from pathlib import Path

from gxparse.document import Document, ReadError
from gxparse.readers.detect import detect_format

__all__ = ["READERS", "ReadError", "detect_format", "read_bytes", "read_path"]

# format → "module:function" taking (data: bytes) and returning a Document.
READERS: dict[str, str] = {
    "txt": "gxparse.readers.text:read_text",
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
    ".xlsx": "xlsx",
    ".doc": "doc",
    ".wps": "wps",
}


def read_bytes(data: bytes, filename: str = "") -> Document:
    """Read one file's bytes into a Document, choosing the reader by content."""
    fmt = detect_format(data, filename)
    spec = READERS.get(fmt)
    if spec is None:
        raise ReadError(f"unsupported format {fmt!r}")
    module_name, func_name = spec.split(":")
    import importlib

    reader = getattr(importlib.import_module(module_name), func_name)
    doc: Document = reader(data)
    ext_fmt = EXTENSION_FORMATS.get(Path(filename).suffix.lower())
    if ext_fmt and ext_fmt != fmt:
        doc.notes.append(f"extension says {ext_fmt}, content is {fmt}")
    return doc


def read_path(path: str | Path) -> Document:
    """Read a file from disk (read-only) into a Document."""
    p = Path(path)
    return read_bytes(p.read_bytes(), p.name)
