"""Format detection from magic bytes; the extension only breaks ties."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from gxparse.readers.document import ReadError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(data: bytes, filename: str = "") -> str:
    """Return 'txt', 'html', 'mht', 'pdf', 'docx', 'xlsx', 'doc', 'wps' or 'rtf' for the bytes
    given."""
    if not data:
        raise ReadError("empty_file")
    head = data[:2048]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile as exc:
            raise ReadError("zip_cut_short", detail=exc) from None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise ReadError("zip_not_office")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"  # Word's RTF, often published under a .doc name
    if head[:64].lower().startswith(b"mime-version:") or (
        b"multipart/related" in head.lower() and b"content-type:" in head.lower()[:512]
    ):
        return "mht"  # a web archive; Word's "single file web page" under a .doc name too
    if head.startswith(OLE_MAGIC):
        return "wps" if Path(filename).suffix.lower() == ".wps" else "doc"
    probe = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if probe.startswith(
        (
            b"<!doctype html",
            b"<html",
            b"<?xml",
            b"<head",
            b"<meta",
            b"<body",
            b"<div",
            b"<table",
            b"<p",
        )
    ):
        return "html"
    if b"<html" in head.lower().replace(b"\x00", b"") or b"<table" in head.lower():
        return "html"
    return "txt"
