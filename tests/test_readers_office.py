""".doc/.wps through LibreOffice: a real conversion, a missing LibreOffice, a hanging one
and one that exits without output."""

from __future__ import annotations

import random
import time
from functools import cache
from pathlib import Path

import pytest
from gxsynth import documents as D
from gxsynth.model import random_spec

from gxparse.readers import read_bytes
from gxparse.readers.document import ReadError
from gxparse.readers.guard import Limits
from gxparse.readers.office import convert_with_soffice, find_soffice

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")


@cache
def spec_and_doc() -> tuple[object, bytes]:
    spec = D.with_blanks(random_spec(random.Random(11), "2021"), 11)
    return spec, convert_with_soffice(D.to_docx(spec), ".docx", "doc")


@needs_soffice
@pytest.mark.parametrize("name", ["report.doc", "report.wps"])
def test_doc_and_wps_read_like_docx(name: str) -> None:
    spec, data = spec_and_doc()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE compound file, as Word 97 writes
    doc = read_bytes(data, name)
    assert doc.source_format == name.rsplit(".", 1)[1]
    assert "converted to DOCX by LibreOffice" in doc.notes
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        # Texts row by row; the round trip through .doc may renumber the grid columns.
        got = [[text for _, text in row] for row in D.document_cells(doc, t)]
        assert got == [[text for _, text in row] for row in D.expected_cells(grid)]


def _fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def test_missing_libreoffice_names_the_program_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GXPARSE_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(ReadError) as err:
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc")
    message = str(err.value)
    assert "LibreOffice (soffice) is not installed" in message
    assert "apt-get install" in message and "libreoffice-writer" in message


def test_hanging_libreoffice_is_killed_at_the_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GXPARSE_SOFFICE", _fake_soffice(tmp_path, "sleep 60"))
    start = time.monotonic()
    with pytest.raises(ReadError, match="did not finish"):
        read_bytes(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
            "old.wps",
            Limits(subprocess_timeout=1),
        )
    assert time.monotonic() - start < 10


def test_exit_code_zero_without_output_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "GXPARSE_SOFFICE",
        _fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2; exit 0"),
    )
    with pytest.raises(ReadError, match=r"could not convert.*could not be loaded"):
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.doc")


@needs_soffice
def test_damaged_doc_is_one_clear_error() -> None:
    _, data = spec_and_doc()
    with pytest.raises(ReadError, match=r"LibreOffice could not convert|damaged"):
        read_bytes(data[:2000], "cut.doc")


@needs_soffice
def test_rtf_published_as_doc_is_read_through_libreoffice() -> None:
    spec = D.with_blanks(random_spec(random.Random(12), "2019"), 12)
    rtf = convert_with_soffice(D.to_docx(spec), ".docx", "rtf")
    assert rtf.startswith(b"{\\rtf")
    doc = read_bytes(rtf, "report.doc")
    assert doc.source_format == "rtf"
    assert "extension says doc, content is rtf" in doc.notes
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        got = [[text for _, text in row] for row in D.document_cells(doc, t)]
        assert got == [[text for _, text in row] for row in D.expected_cells(grid)]
