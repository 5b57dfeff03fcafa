"""``gxparse build`` (issue 7): every table as Parquet and CSV (UTF-8 with BOM), written
atomically — an interrupted build leaves the previous outputs whole and no temporary files,
and the next build completes — and raw files are only ever read."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import gxparse
from gxparse import cli
from gxparse.parse import TABLES

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
OUTPUTS = sorted(f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv"))


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """name → (sha256, mtime in ns) of every file in a folder, hidden files included."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def hashes(folder: Path) -> dict[str, str]:
    return {name: sha for name, (sha, _) in snapshot(folder).items()}


def _same_time_unit(df: pd.DataFrame) -> pd.DataFrame:
    """Dates in nanoseconds (Parquet keeps ms where the frame had s; same instants)."""
    df = df.copy()
    for col in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[col]):
            df[col] = df[col].astype("datetime64[ns]")
    return df


def build(raw: Path, out: Path) -> int:
    return cli.main(["build", str(raw), str(out)])


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A copy of data/raw (mtimes kept)."""
    folder = tmp_path / "raw"
    shutil.copytree(RAW, folder)
    return folder


def test_build_writes_every_table_as_parquet_and_csv_with_bom(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "processed"
    assert build(raw, out) == 0
    assert sorted(os.listdir(out)) == OUTPUTS
    corpus = gxparse.read_reports(raw)
    for table in TABLES:
        csv = (out / f"{table}.csv").read_bytes()
        assert csv.startswith(b"\xef\xbb\xbf"), table  # UTF-8 BOM: Excel shows Chinese
        assert not csv[3:].startswith(b"\xef\xbb\xbf"), table  # exactly one BOM
        assert (out / f"{table}.parquet").read_bytes()[:4] == b"PAR1", table
        expected = _same_time_unit(getattr(corpus, table))
        from_parquet = _same_time_unit(pd.read_parquet(out / f"{table}.parquet"))
        assert list(from_parquet.columns) == list(expected.columns), table
        pd.testing.assert_frame_equal(from_parquet, expected, check_dtype=False)
        from_csv = pd.read_csv(out / f"{table}.csv", encoding="utf-8-sig", dtype=str)
        assert list(from_csv.columns) == list(expected.columns), table
        assert len(from_csv) == len(expected), table
    apps = pd.read_parquet(out / "applications.parquet")
    assert str(apps["value"].dtype) == "Int64"
    reports = pd.read_csv(out / "reports.csv", encoding="utf-8-sig")
    assert "北京市大兴区瀛海镇人民政府" in reports["agency_raw"].tolist()
    assert reports["report_id"].tolist() == sorted(p.stem for p in RAW.iterdir())


def test_console_script_builds(raw: Path, tmp_path: Path) -> None:
    """The installed ``gxparse`` command, as a user runs it (default arguments)."""
    exe = Path(sys.executable).with_name("gxparse")
    if not exe.exists():
        pytest.skip("the gxparse console script is not installed in this environment")
    work = tmp_path / "project"
    (work / "data").mkdir(parents=True)
    shutil.copytree(raw, work / "data" / "raw")
    done = subprocess.run(
        [str(exe), "build"], cwd=work, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(work / "data" / "processed")) == OUTPUTS
    assert f"gxparse: {len(list(RAW.iterdir()))} reports (" in done.stdout


def _fail_for(table_columns: tuple[str, ...], method: str, exc: BaseException):
    """A replacement for DataFrame.<method> that, for the table with these columns, writes
    half a file to the path it was given and then raises ``exc`` (a crash mid-write)."""
    original = getattr(pd.DataFrame, method)

    def writer(self: pd.DataFrame, path, *args, **kwargs):
        if tuple(self.columns[: len(table_columns)]) == table_columns:
            Path(path).write_bytes(b"\xef\xbb\xbfreport_id,row,appl")
            raise exc
        return original(self, path, *args, **kwargs)

    return writer


@pytest.mark.parametrize("method", ["to_csv", "to_parquet"])
@pytest.mark.parametrize(
    "exc",
    [OSError(28, "No space left on device"), KeyboardInterrupt()],
    ids=["disk_full", "ctrl_c"],
)
def test_interrupted_build_leaves_previous_outputs_whole(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str, exc: BaseException
) -> None:
    out = tmp_path / "processed"
    assert build(raw, out) == 0
    before = hashes(out)

    # New input, so that every table of the next build differs from the previous one.
    shutil.copy(raw / "004_8884def07ca5fc07.txt", raw / "005_copy.txt")
    monkeypatch.setattr(
        pd.DataFrame, method, _fail_for(("report_id", "row", "applicant"), method, exc)
    )
    with pytest.raises(type(exc)):
        build(raw, out)
    monkeypatch.undo()

    after = hashes(out)
    assert sorted(after) == OUTPUTS, "no temporary or partial file is left behind"
    ext = "csv" if method == "to_csv" else "parquet"
    assert after[f"applications.{ext}"] == before[f"applications.{ext}"]
    # Every file is whole: the previous version, or (tables written before the crash) the new.
    order = [f"{t}.{e}" for t in TABLES for e in ("parquet", "csv")]
    failed_at = order.index(f"applications.{ext}")
    for name in order[failed_at:]:
        assert after[name] == before[name], name
    for name in order[:failed_at]:
        if name.endswith(".parquet"):
            assert len(pd.read_parquet(out / name)) >= 0
        else:
            assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")
    reports_now = pd.read_parquet(out / "reports.parquet")
    assert "005_copy" in reports_now["report_id"].tolist()  # reports.* came before the crash

    # The next build completes and every table reflects the new input.
    assert build(raw, out) == 0
    final = hashes(out)
    assert sorted(final) == OUTPUTS
    apps = pd.read_parquet(out / "applications.parquet")
    assert "005_copy" in set(apps["report_id"])
    apps_csv = pd.read_csv(out / "applications.csv", encoding="utf-8-sig")
    assert "005_copy" in set(apps_csv["report_id"])


def test_raw_files_are_never_modified(tmp_path: Path) -> None:
    """Build from the repository's data/raw itself: every byte and mtime unchanged, and
    nothing added to the raw folder."""
    before = snapshot(RAW)
    listing = sorted(p.relative_to(RAW) for p in RAW.rglob("*"))
    out = tmp_path / "processed"
    assert build(RAW, out) == 0
    assert build(RAW, out) == 0  # a rebuild over existing outputs
    assert snapshot(RAW) == before
    assert sorted(p.relative_to(RAW) for p in RAW.rglob("*")) == listing


def test_raw_files_with_hostile_neighbours_are_never_modified(raw: Path, tmp_path: Path) -> None:
    (raw / "empty.txt").write_bytes(b"")
    (raw / "cut.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (raw / "noise.pdf").write_bytes(os.urandom(2048))
    before = snapshot(raw)
    out = tmp_path / "processed"
    assert build(raw, out) == 0
    assert snapshot(raw) == before
    reports = pd.read_csv(out / "reports.csv", encoding="utf-8-sig").set_index("report_id")
    assert reports.loc["empty", "parse_status"] == "failed"
    assert reports.loc["empty", "error"] == "empty.txt: empty file"
    assert reports.loc["cut", "error"].startswith("cut.docx: damaged or truncated zip container")
    assert reports.loc["004_8884def07ca5fc07", "parse_status"] == "ok"


def test_build_reports_failures_on_stderr(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (raw / "empty.txt").write_bytes(b"")
    assert build(raw, tmp_path / "processed") == 0
    captured = capsys.readouterr()
    assert "error: empty.txt: empty file" in captured.err
    assert f"gxparse: {len(list(RAW.iterdir())) + 1} reports (failed 1, " in captured.out
