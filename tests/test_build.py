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
import pyarrow.dataset as ds
import pytest

import gxparse
from gxparse import cli
from gxparse.batch.build import UNKNOWN_PARTITION, read_tables, write_tables
from gxparse.parsing.parse import TABLES
from gxparse.template import STATUS_CODES

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
FILES = sorted(RAW.glob("*.txt"))
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
    assert f"gxparse：读取文件 {len(list(RAW.iterdir()))} 个，" in done.stdout


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
    # One line and exit code 1 for a write error; 130 for Ctrl-C (as a shell reports it).
    assert build(raw, out) == (1 if isinstance(exc, OSError) else 130)
    monkeypatch.undo()

    # The set is published whole: every file is the previous build's, and nothing else is
    # left, in the folder or beside it (the staging folder is gone).
    assert hashes(out) == before
    assert sorted(os.listdir(tmp_path)) == ["processed", "raw"]

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
    assert captured.err == "  无法解析：empty.txt：文件为空\n"
    n = len(list(RAW.iterdir()))
    assert captured.out.startswith(
        f"gxparse：读取文件 {n + 1} 个，可分析的报告 {n} 份（完整 {n - 1}，部分 1）；"
        "无法解析 1 个，重复 0 个；"
    )


# ---------------------------------------------------------------------------------------
# Parquet partitioned by year (issue 6), and reading either layout back
# ---------------------------------------------------------------------------------------
PARTS = sorted([*TABLES, *(f"{t}.csv" for t in TABLES)])


def tree(folder: Path) -> list[str]:
    """Every file under a folder, as relative POSIX paths, hidden ones included."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _by_year(corpus: gxparse.Corpus, table: str) -> pd.DataFrame:
    """A corpus table in the order a partitioned read gives: year ascending, unknown last,
    build order within a year."""
    years = dict(zip(corpus.reports["report_id"], corpus.reports["year"], strict=True))
    df = getattr(corpus, table)
    year = df["report_id"].map(years).astype("Float64").fillna(9999)
    return df.iloc[year.argsort(kind="stable")].reset_index(drop=True)


def test_build_partitioned_by_year_reads_back_exactly(raw: Path, tmp_path: Path) -> None:
    out = tmp_path / "processed"
    assert cli.main(["build", str(raw), str(out), "--partition-by", "year"]) == 0
    assert sorted(os.listdir(out)) == PARTS
    assert tree(out / "applications") == ["year=2023/part-0.parquet"]
    corpus = gxparse.read_reports(raw)
    back = read_tables(out)
    for table in TABLES:
        pd.testing.assert_frame_equal(back[table], getattr(corpus, table), check_exact=True)
        assert (out / f"{table}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert back["applications"]["status"].cat.categories.tolist() == list(STATUS_CODES)
    # Any Parquet reader sees a Hive dataset: the year comes from the folder name.
    apps = pd.read_parquet(out / "applications")
    assert "year" in apps.columns and set(apps["year"].astype(int)) == {2023}
    assert len(apps) == len(corpus.applications)


def test_partitions_cover_every_year_and_the_unknown_year(tmp_path: Path) -> None:
    corpus = gxparse.read_reports(RAW)
    reports = corpus.reports.copy()
    reports["year"] = pd.array([2021, 2023, None, 2022, 2023], dtype="Int64")
    corpus.reports = reports
    out = tmp_path / "processed"
    write_tables(corpus, out, partition_by="year")
    assert tree(out / "reports") == [
        "year=2021/part-0.parquet",
        "year=2022/part-0.parquet",
        "year=2023/part-0.parquet",
        f"year={UNKNOWN_PARTITION}/part-0.parquet",
    ]
    ids = pd.read_parquet(out / "applications" / "year=2023" / "part-0.parquet")["report_id"]
    assert list(dict.fromkeys(ids)) == [FILES[1].stem, FILES[4].stem]
    assert "year" not in pd.read_parquet(out / "reports" / "year=2021" / "part-0.parquet")
    back = read_tables(out)
    for table in TABLES:
        pd.testing.assert_frame_equal(back[table], _by_year(corpus, table), check_exact=True)
    assert back["reports"]["year"].tolist()[:4] == [2021, 2022, 2023, 2023]
    assert back["reports"]["year"].isna().tolist() == [False] * 4 + [True]
    # Hive's null partition, as other readers see it (pandas' own read_parquet needs the
    # partitioning spelled out: pyarrow cannot yet unify a dictionary partition with a null).
    hive = pd.read_parquet(out / "reports", partitioning=ds.partitioning(flavor="hive"))
    assert hive["year"].isna().sum() == 1
    assert sorted(hive["year"].dropna().astype(int)) == [2021, 2022, 2023, 2023]
    apps = ds.dataset(out / "applications", partitioning="hive").to_table().to_pandas()
    assert apps["year"].isna().sum() == 25 * 7 and len(apps) == len(corpus.applications)


def test_partitioned_and_single_file_layouts_replace_each_other(tmp_path: Path) -> None:
    corpus = gxparse.read_reports(RAW)
    out = tmp_path / "processed"
    write_tables(corpus, out)
    write_tables(corpus, out, partition_by="year")
    assert sorted(os.listdir(out)) == PARTS, "the single files of the other layout are gone"
    write_tables(corpus, out)
    assert sorted(os.listdir(out)) == OUTPUTS, "the partition folders are gone"
    with pytest.raises(ValueError, match="partition_by must be one of year"):
        write_tables(corpus, out, partition_by="agency")


def test_empty_tables_keep_their_dtypes_in_both_layouts(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "empty.txt").write_bytes(b"")
    corpus = gxparse.read_reports(tmp_path / "raw")
    assert corpus.applications.empty and corpus.findings["check"].tolist() == ["parse_failed"]
    for layout in (None, "year"):
        out = tmp_path / f"out-{layout}"
        write_tables(corpus, out, partition_by=layout)
        back = read_tables(out)
        for table in TABLES:
            pd.testing.assert_frame_equal(back[table], getattr(corpus, table), check_exact=True)
    assert tree(tmp_path / "out-year" / "applications") == [
        f"year={UNKNOWN_PARTITION}/part-0.parquet"
    ]


@pytest.mark.parametrize(
    "exc",
    [OSError(28, "No space left on device"), KeyboardInterrupt()],
    ids=["disk_full", "ctrl_c"],
)
def test_interrupted_partitioned_build_leaves_previous_outputs_whole(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    out = tmp_path / "processed"
    assert cli.main(["build", str(raw), str(out), "--partition-by", "year"]) == 0
    before = {t: (out / t, tree(out / t)) for t in TABLES}
    old_apps = read_tables(out, ["applications"])["applications"]
    shutil.copy(raw / "004_8884def07ca5fc07.txt", raw / "005_copy.txt")
    monkeypatch.setattr(
        pd.DataFrame, "to_parquet", _fail_for(("report_id", "row", "applicant"), "to_parquet", exc)
    )
    code = cli.main(["build", str(raw), str(out), "--partition-by", "year"])
    assert code == (1 if isinstance(exc, OSError) else 130)
    monkeypatch.undo()
    assert sorted(os.listdir(out)) == PARTS, "no temporary folder is left behind"
    assert tree(out / "applications") == before["applications"][1]
    pd.testing.assert_frame_equal(read_tables(out, ["applications"])["applications"], old_apps)
    # Whole sets only: the reports table is the previous build's too, nothing beside.
    assert "005_copy" not in set(read_tables(out, ["reports"])["reports"]["report_id"])
    assert sorted(os.listdir(tmp_path)) == ["processed", "raw"]
    assert cli.main(["build", str(raw), str(out), "--partition-by", "year"]) == 0
    assert "005_copy" in set(read_tables(out, ["applications"])["applications"]["report_id"])


def test_read_tables_names_a_missing_table(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no reports\.parquet or reports/"):
        read_tables(tmp_path)


def test_notebook_loader_reads_a_partitioned_build(raw: Path, tmp_path: Path) -> None:
    from gxparse.reporting.pipeline import load

    out = tmp_path / "processed"
    assert cli.main(["build", str(raw), str(out), "--partition-by", "year"]) == 0
    (raw / "004_8884def07ca5fc07.txt").unlink()  # proof that the Parquet files were read
    corpus = load(raw, processed_dir=out, years=[2023])
    assert corpus.reports["report_id"].tolist() == [p.stem for p in FILES]
    assert isinstance(corpus.applications["row"].dtype, pd.CategoricalDtype)


def test_a_folder_the_build_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    """OUT_DIR may hold a folder named like a table (the project's reports/ with figures):
    a build never removes or replaces it (a partitioned one refuses before writing)."""
    corpus = gxparse.read_reports(RAW / "004_8884def07ca5fc07.txt")
    out = tmp_path / "project"
    (out / "reports" / "figures").mkdir(parents=True)
    (out / "reports" / "figures" / "chart.png").write_bytes(b"\x89PNG")
    with pytest.raises(FileExistsError, match="not a table written by gxparse build"):
        write_tables(corpus, out, partition_by="year")
    assert tree(out) == ["reports/figures/chart.png"]
    assert cli.main(["build", str(RAW), str(out), "--partition-by", "year"]) == 2
    assert tree(out) == ["reports/figures/chart.png"]
    write_tables(corpus, out)  # one file per table: the folder is left alone, and not read
    assert "reports/figures/chart.png" in tree(out)
    assert (out / "reports.parquet").is_file()
    pd.testing.assert_frame_equal(read_tables(out)["reports"], corpus.reports)
