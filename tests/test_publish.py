"""Outputs published whole, with the umask's permissions (issue 20): a build killed
(SIGKILL) at any point of its writing leaves one complete set of tables; no temporary
file outlives a run; no worker outlives its parent; the CSV files carry no formula."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import gxparse
from gxparse.batch.build import read_tables, write_tables
from gxparse.batch.publish import current_umask, remove_stale, staged
from gxparse.parsing.parse import TABLES
from gxparse.reporting import export

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
OUTPUTS = sorted(f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv"))


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture
def umask():
    """Set the process's umask for one test, then restore it."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize(("mask", "file_mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_tables_and_workbook_have_the_umask_modes(
    tmp_path: Path, umask, mask: int, file_mode: int
) -> None:
    umask(mask)
    assert current_umask() == mask
    corpus = gxparse.read_reports(RAW / "004_8884def07ca5fc07.txt")
    out = tmp_path / "processed"
    write_tables(corpus, out)
    write_tables(corpus, out, partition_by="year")  # a folder per table, swapped in
    book = export.write_workbook(corpus, tmp_path / "reports" / "book.xlsx", build_date="x")
    dir_mode = 0o777 & ~mask
    assert stat.S_IMODE(out.stat().st_mode) == dir_mode
    for p in [book, *out.rglob("*")]:
        want = dir_mode if p.is_dir() else file_mode
        assert stat.S_IMODE(p.stat().st_mode) == want, p
    # Nothing temporary beside them.
    assert sorted(os.listdir(tmp_path)) == ["processed", "reports"]
    assert os.listdir(tmp_path / "reports") == ["book.xlsx"]


def test_csv_fields_that_a_spreadsheet_would_run_get_an_apostrophe(tmp_path: Path) -> None:
    corpus = gxparse.read_reports(RAW / "004_8884def07ca5fc07.txt")
    reports = corpus.reports.copy()
    reports["agency_raw"] = '=HYPERLINK("http://example.invalid","点击查看")北京市'
    corpus.reports = reports
    sections = corpus.sections.copy()
    texts = ["+43", "-1942", "-减少3件", "@SUM(A1)", "\tTAB", "\rCR", "+1+2", "-", "正文=1", "3.5"]
    sections = sections.iloc[[0] * len(texts)].reset_index(drop=True)
    sections["text"] = texts
    corpus.sections = sections
    out = tmp_path / "out"
    write_tables(corpus, out)
    with open(out / "sections.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["text"] for r in rows] == [
        "+43",
        "-1942",
        "'-减少3件",
        "'@SUM(A1)",
        "'\tTAB",
        "'\rCR",
        "'+1+2",
        "'-",
        "正文=1",
        "3.5",
    ]
    rep = pd.read_csv(out / "reports.csv", encoding="utf-8-sig", dtype=str)
    assert rep["agency_raw"].tolist() == ['\'=HYPERLINK("http://example.invalid","点击查看")北京市']
    # Numbers are numbers: the value columns are written as they are.
    apps = pd.read_csv(out / "applications.csv", encoding="utf-8-sig")
    assert apps["value"].dropna().tolist() == corpus.applications["value"].dropna().tolist()
    # Parquet keeps the exact text.
    back = read_tables(out, ["reports", "sections"])
    assert back["sections"]["text"].tolist() == texts
    assert back["reports"]["agency_raw"].iloc[0].startswith("=HYPERLINK(")


def test_a_staged_folder_is_swapped_in_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "a.csv").write_text("old", encoding="utf-8")
    owned = lambda p: p.suffix == ".csv"  # noqa: E731
    with pytest.raises(RuntimeError), staged(target, owned) as folder:
        assert folder.parent == tmp_path and folder != target
        (folder / "a.csv").write_text("new", encoding="utf-8")
        raise RuntimeError("stop")
    assert os.listdir(tmp_path) == ["out"]
    assert (target / "a.csv").read_text(encoding="utf-8") == "old"
    with staged(target, owned) as folder:
        (folder / "b.csv").write_text("new", encoding="utf-8")
    assert os.listdir(tmp_path) == ["out"]
    assert os.listdir(target) == ["b.csv"]
    # A folder with files the step did not write is written in place, never replaced.
    (target / "mine.txt").write_text("keep", encoding="utf-8")
    with staged(target, owned) as folder:
        assert folder == target


def test_stale_staging_folders_of_dead_runs_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".out.gxparse-{dead.stdout.strip()}.abc.tmp"
    live = tmp_path / f".out.gxparse-{os.getpid()}.def.tmp"
    other = tmp_path / f".other.gxparse-{dead.stdout.strip()}.abc.tmp"
    for d in (stale, live, other):
        (d / "x").mkdir(parents=True)
    assert remove_stale(target) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


# A build that SIGKILLs itself at its Nth write of a table file, or right after the new
# set was swapped in (before the old one is removed).
KILLER = """
import os, signal, sys
import pandas as pd
from gxparse import cli
from gxparse.batch import publish

at = sys.argv[1]
count = [0]

def killing(original):
    def write(self, *args, **kwargs):
        count[0] += 1
        if at.isdigit() and count[0] == int(at):
            original(self, *args, **kwargs)  # the file is written, not yet renamed
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, *args, **kwargs)
    return write

pd.DataFrame.to_parquet = killing(pd.DataFrame.to_parquet)
pd.DataFrame.to_csv = killing(pd.DataFrame.to_csv)
swap = publish.swap_in

def swap_then_die(staging, target):
    swap(staging, target)
    if at == "swapped":
        os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":  # the parsing workers import this file too
    publish.swap_in = swap_then_die
    sys.exit(cli.main(["build", sys.argv[2], sys.argv[3]]))
"""


def _consistent(out: Path) -> set[str]:
    """The report ids of a complete set of tables (every table agrees); fails otherwise."""
    assert sorted(os.listdir(out)) == OUTPUTS
    tables = read_tables(out)
    ids = set(tables["reports"]["report_id"])
    for name in TABLES:
        assert set(tables[name]["report_id"]) <= ids, name
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", dtype=str)
        assert len(csv) == len(tables[name]), name
    assert set(tables["applications"]["report_id"]) == {
        r
        for r, s in zip(
            tables["reports"]["report_id"], tables["reports"]["parse_status"], strict=True
        )
        if s != "failed"
    }
    return ids


@pytest.mark.slow
def test_a_build_killed_at_any_point_of_its_writing_leaves_one_complete_set(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    out = tmp_path / "processed"
    script = tmp_path / "killer.py"
    script.write_text(KILLER, encoding="utf-8")
    run = [sys.executable, str(script)]
    assert subprocess.run([*run, "never", str(raw), str(out)], capture_output=True).returncode == 0
    old_ids = _consistent(out)
    before = hashes(out)
    # New input: every table of the next build differs from the previous one.
    shutil.copy(raw / "004_8884def07ca5fc07.txt", raw / "005_copy.txt")
    (raw / "004_8884def07ca5fc07.txt").unlink()
    writes = 2 * len(TABLES)
    for at in [*map(str, range(1, writes + 1)), "swapped"]:
        done = subprocess.run([*run, at, str(raw), str(out)], capture_output=True)
        assert done.returncode == -signal.SIGKILL, (at, done.stderr)
        ids = _consistent(out)
        if at == "swapped":
            assert ids == old_ids - {"004_8884def07ca5fc07"} | {"005_copy"}
        else:
            assert hashes(out) == before, at  # the previous set, untouched
        # The killed build's staging folder is left beside the output (the build before
        # it, killed too, had its own removed by this one).
        staging = [p for p in os.listdir(tmp_path) if p.startswith(".processed.gxparse-")]
        assert len(staging) == 1, (at, os.listdir(tmp_path))
    # The next build removes it and completes.
    done = subprocess.run([*run, "never", str(raw), str(out)], capture_output=True)
    assert done.returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["killer.py", "processed", "raw"]
    assert _consistent(out) == old_ids - {"004_8884def07ca5fc07"} | {"005_copy"}


@pytest.mark.slow
def test_no_worker_outlives_a_killed_build(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(400):  # enough to keep two workers parsing for a few seconds
        shutil.copy(RAW / "004_8884def07ca5fc07.txt", raw / f"{i:04d}.txt")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gxparse.cli",
            "build",
            str(raw),
            str(tmp_path / "out"),
            "--jobs",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    children: list[psutil.Process] = []
    while time.monotonic() < deadline:
        children = parent.children(recursive=True)
        if len(children) >= 3:  # the forkserver and two workers
            break
        time.sleep(0.1)
    assert len(children) >= 3, children
    time.sleep(1.0)  # the workers are parsing
    children = parent.children(recursive=True)
    proc.kill()
    proc.wait()
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, [p.cmdline() for p in alive]


@pytest.mark.slow
def test_sigterm_stops_a_build_cleanly(tmp_path: Path) -> None:
    """SIGTERM (a service manager, ``kill``) unwinds like Ctrl-C: the workers are stopped,
    nothing temporary is left, the previous tables stay; exit code 130."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(400):
        shutil.copy(RAW / "004_8884def07ca5fc07.txt", raw / f"{i:04d}.txt")
    out = tmp_path / "out"
    write_tables(gxparse.read_reports(RAW), out)
    before = hashes(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gxparse.cli", "build", str(raw), str(out), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(parent.children(recursive=True)) < 3:
        time.sleep(0.1)
    time.sleep(1.0)
    children = parent.children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.splitlines()[-1] == "gxparse build：已中断，之前的输出保持不变"
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, [p.cmdline() for p in alive]
    assert hashes(out) == before
    assert sorted(os.listdir(tmp_path)) == ["out", "raw"]
