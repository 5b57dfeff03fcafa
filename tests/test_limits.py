"""The default per-file limits of ``gxparse build`` and ``gxparse run``: a reader that never
returns, in a call no Python signal can interrupt (as in C code), is stopped from outside
its worker and becomes that file's ``failed`` report; the other files are read.

The hang is planted in a fresh interpreter (a ``sitecustomize`` module on PYTHONPATH, run by
the command and by every worker process it starts), with the default time limit lowered
so that the test takes seconds; every other setting is the command's default."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from gxparse.batch.build import FILE_MAX_MEMORY, FILE_TIMEOUT, build

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "004_8884def07ca5fc07.txt"
LIMIT = 3  # seconds: the lowered default time limit

HANG_READER = '''
import signal
import time

from gxparse.readers.text import read_text as _read_text


def read_text(data, **options):
    """The text reader, except that a file starting with HANG never returns."""
    if data.startswith(b"HANG"):
        # Like a call into C code: no Python signal gets in, only a kill from outside.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM})
        while True:
            time.sleep(60)
    return _read_text(data, **options)
'''

SITECUSTOMIZE = f"""
import gxparse.batch.build
import gxparse.readers

gxparse.batch.build.FILE_TIMEOUT = {LIMIT}
gxparse.readers.READERS["txt"] = "hang_reader:read_text"
"""


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A raw folder holding a real report and a file whose reader hangs, and the
    environment of a command whose workers plant the hang."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "hang_reader.py").write_text(textwrap.dedent(HANG_READER), encoding="utf-8")
    (site / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE), encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    (raw / "stuck.txt").write_bytes(b"HANG " + SEED.read_bytes())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    return raw, env


def _check(out: Path) -> None:
    reports = pd.read_parquet(out / "reports.parquet").set_index("report_id")
    assert reports.loc["stuck", "parse_status"] == "failed"
    assert reports.loc["stuck", "error"] == (
        f"stuck.txt: timed out after {LIMIT:g} s (worker stopped)"
    )
    assert reports.loc[SEED.stem, "parse_status"] == "ok"


def test_build_stops_a_hanging_reader_by_default(
    planted: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    raw, env = planted
    out = tmp_path / "out"
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "gxparse.cli", "build", str(raw), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 60
    assert "  无法解析：stuck.txt：解析超时\n" in done.stderr
    _check(out)


def test_run_stops_a_hanging_reader_by_default(
    planted: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    raw, env = planted
    out, reports, notebooks = tmp_path / "out", tmp_path / "reports", tmp_path / "nb"
    notebooks.mkdir()  # the build step alone: no notebook to execute
    code = (
        "from gxparse.reporting.pipeline import run_all; "
        f"run_all({str(raw)!r}, {str(out)!r}, {str(reports)!r}, "
        f"notebooks_dir={str(notebooks)!r}, quiet=True)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    _check(out)


def test_build_passes_its_default_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """build() bounds each file by default; 0 turns a limit off; a caller's value wins."""
    seen: list[tuple[object, object]] = []

    def read_reports(raw_dir: object, **kwargs: object) -> object:
        seen.append((kwargs["timeout"], kwargs["max_memory"]))
        raise StopIteration

    monkeypatch.setattr("gxparse.batch.build.read_reports", read_reports)
    for kwargs in ({}, {"timeout": 0, "max_memory": 0}, {"timeout": 5, "max_memory": 2**20}):
        with pytest.raises(StopIteration):
            build(tmp_path, tmp_path / "out", **kwargs)  # type: ignore[arg-type]
    assert seen == [(FILE_TIMEOUT, FILE_MAX_MEMORY), (None, None), (5, 2**20)]
    assert FILE_TIMEOUT > 0 and FILE_MAX_MEMORY > 0
