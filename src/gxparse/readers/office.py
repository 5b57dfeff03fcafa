"""Old Word (.doc), WPS (.wps) and RTF documents, converted to DOCX by LibreOffice headless.

Each call gets its own LibreOffice profile folder (``-env:UserInstallation``) in a fresh
temporary directory, so parallel conversions do not fight over one profile lock, and a
timeout after which the whole process group is killed. LibreOffice's exit code is not
reliable (it returns 0 when a filter fails), so success is judged by the output file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from gxparse.readers.document import Document, ReadError

INSTALL_HINT = (
    "install LibreOffice: apt-get install -y --no-install-recommends libreoffice-writer-nogui "
    "(or libreoffice-writer)"
)
SOFFICE_NAMES = ("soffice", "libreoffice")
DEFAULT_TIMEOUT = 120.0


def find_soffice() -> str | None:
    """Path of the LibreOffice binary, or None. ``GXPARSE_SOFFICE`` overrides the search."""
    override = os.environ.get("GXPARSE_SOFFICE")
    if override:
        return override if Path(override).exists() else None
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


CJK_FONT_HINT = "apt-get install -y --no-install-recommends fonts-wqy-microhei (or fonts-noto-cjk)"


def has_cjk_font() -> bool:
    """Whether fontconfig knows a Chinese font (LibreOffice needs one to write PDFs whose
    text layer holds the Chinese characters, not placeholder glyphs)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(out.strip())


def convert_with_soffice(
    data: bytes, suffix: str, target: str, timeout: float = DEFAULT_TIMEOUT
) -> bytes:
    """Given a document's bytes and its extension, return it converted by LibreOffice to
    ``target`` (e.g. "docx", "pdf"). Raise ReadError on a missing LibreOffice, a timeout
    or a conversion that produced no file."""
    soffice = find_soffice()
    if soffice is None:
        raise ReadError("no_soffice", hint=INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="gxparse-soffice-") as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / f"input{suffix}"
        src.write_bytes(data)
        outdir = tmpdir / "out"
        outdir.mkdir()
        profile = (tmpdir / "profile").as_uri()
        cmd = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(src),
        ]
        env = {**os.environ, "HOME": str(tmpdir)}
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ReadError(
                "soffice_timeout", suffix=suffix, target=target, seconds=timeout
            ) from None
        finally:
            if proc.poll() is None:
                _kill_group(proc)
        out = outdir / f"input.{target.split(':')[0]}"
        if not out.exists() or out.stat().st_size == 0:
            detail = err.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"exit code {proc.returncode}"
            raise ReadError("soffice_failed", suffix=suffix, target=target, detail=reason)
        return out.read_bytes()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process group this module started (LibreOffice forks oosplash/soffice.bin)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def read_office(data: bytes, suffix: str = ".doc", timeout: float | None = None) -> Document:
    """Given a .doc or .wps file's bytes, return its Document (converted to DOCX first)."""
    from gxparse.readers.docx import read_docx

    if timeout is None:
        from gxparse.readers.guard import DEFAULT_LIMITS

        timeout = DEFAULT_LIMITS.subprocess_timeout
    converted = convert_with_soffice(data, suffix, "docx", timeout=timeout)
    doc = read_docx(converted)
    doc.source_format = suffix.lstrip(".")
    doc.notes.append("converted to DOCX by LibreOffice")
    return doc


def read_doc(data: bytes, timeout: float | None = None) -> Document:
    """A Word 97–2003 document (.doc)."""
    return read_office(data, ".doc", timeout)


def read_wps(data: bytes, timeout: float | None = None) -> Document:
    """A WPS Office document (.wps)."""
    return read_office(data, ".wps", timeout)


def read_rtf(data: bytes, timeout: float | None = None) -> Document:
    """A Rich Text Format document (.rtf, or RTF published under a .doc name)."""
    return read_office(data, ".rtf", timeout)
