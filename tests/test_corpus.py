"""read_reports end to end: discovery, parallel and cached runs, analyst decisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import gxparse
from gxparse.analysis.review import AnalystFileError

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEED = "004_8884def07ca5fc07"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for p in [*sorted(RAW.glob("*.txt"))[:3], RAW / f"{SEED}.txt"]:
        shutil.copy(p, raw / p.name)
    return tmp_path / "data"


def _frames(c: gxparse.Corpus) -> dict[str, pd.DataFrame]:
    return {n: getattr(c, n).drop(columns=["sha256"], errors="ignore") for n in gxparse.TABLES}


def test_parallel_and_cached_runs_equal_the_serial_run(data_dir: Path, tmp_path: Path) -> None:
    serial = _frames(gxparse.read_reports(data_dir / "raw"))
    parallel = _frames(gxparse.read_reports(data_dir / "raw", jobs=2))
    cache = tmp_path / "cache"
    first = _frames(gxparse.read_reports(data_dir / "raw", cache=cache))
    again = _frames(gxparse.read_reports(data_dir / "raw", cache=cache))
    for name in gxparse.TABLES:
        for other in (parallel, first, again):
            pd.testing.assert_frame_equal(serial[name], other[name], check_dtype=True)
    assert any(cache.rglob("*")), "the cache wrote nothing"


def test_corrections_and_reviews_beside_the_raw_folder(data_dir: Path) -> None:
    (data_dir / "corrections.csv").write_text(
        "report_id,table,row,col,value,reason\n"
        f"{SEED},disclosure,penalty,decisions,239,原件多打一个0（经电话核实）\n",
        encoding="utf-8",
    )
    c = gxparse.read_reports(data_dir / "raw")
    cell = c.disclosure[(c.disclosure["report_id"] == SEED) & (c.disclosure["item"] == "penalty")]
    cell = cell[cell["measure"] == "decisions"].iloc[0]
    assert (cell["status"], cell["value"], cell["raw"]) == ("corrected", 239.0, "2390")
    assert cell["correction_reason"] == "原件多打一个0（经电话核实）"
    finding = c.findings[
        (c.findings["report_id"] == SEED) & (c.findings["check"] == "carried_forward")
    ]
    location = finding["location"].iloc[0]
    (data_dir / "reviews.csv").write_text(
        f"report_id,check,location,decision,note\n{SEED},carried_forward,{location},dismissed,已于次年办结\n",
        encoding="utf-8",
    )
    c2 = gxparse.read_reports(data_dir / "raw")
    f2 = c2.findings[
        (c2.findings["report_id"] == SEED) & (c2.findings["check"] == "carried_forward")
    ]
    assert f2["decision"].tolist() == ["dismissed"]


def test_a_malformed_decision_file_names_file_and_line(data_dir: Path) -> None:
    (data_dir / "corrections.csv").write_text(
        f"report_id,table,row,col,value,reason\n{SEED},disclosure,penalty,decisions,many,typo\n",
        encoding="utf-8",
    )
    with pytest.raises(AnalystFileError, match=r"corrections\.csv.*line 2"):
        gxparse.read_reports(data_dir / "raw")


def test_discover_folder_glob_file_and_list(data_dir: Path) -> None:
    raw = data_dir / "raw"
    (raw / ".hidden.txt").write_text("x", encoding="utf-8")
    names = [p.name for p in gxparse.batch.corpus.discover(raw)]
    assert names == sorted(p.name for p in raw.glob("*.txt") if not p.name.startswith("."))
    assert gxparse.batch.corpus.discover(str(raw / "00*.txt"))[0].name.startswith("00")
    assert len(gxparse.batch.corpus.discover([raw / f"{SEED}.txt", raw / f"{SEED}.txt"])) == 2
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        gxparse.batch.corpus.discover(data_dir / "nope")


def test_report_ids_are_file_names_told_apart_only_where_they_collide() -> None:
    paths = [
        Path("raw/2022/index.html"),
        Path("raw/2023/index.html"),
        Path("raw/a.txt"),
        Path("raw/a.pdf"),
        Path("raw/b.txt"),
        Path("raw/b.txt"),
        Path("raw/x/c.txt"),
        Path("raw/x/c.pdf"),
        Path("raw/c.txt"),
        Path("raw/d.txt"),
    ]
    assert gxparse.batch.corpus.report_ids(paths) == [
        "2022/index",
        "2023/index",
        "a.txt",
        "a.pdf",
        "b.txt",
        "b.txt~2",
        "x/c.txt",
        "x/c.pdf",
        "c",
        "d",
    ]


def test_source_names_are_paths_below_the_shared_folder() -> None:
    names = gxparse.batch.corpus.source_names
    assert names([Path("raw/b.txt"), Path("raw/a.pdf")]) == ["b.txt", "a.pdf"]
    assert names([Path("raw/2022/x/a.txt"), Path("raw/2023/b.txt"), Path("raw/c.txt")]) == [
        "2022/x/a.txt",
        "2023/b.txt",
        "c.txt",
    ]
    assert names([Path("raw/2022/a.txt"), Path("raw/2022/b.txt")]) == ["a.txt", "b.txt"]
    assert names([Path("raw/2022/a.txt")]) == ["a.txt"]
    assert names([]) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_in_a_sub_folder_is_named_by_its_path(tmp_path: Path, jobs: int) -> None:
    raw = tmp_path / "raw"
    (raw / "2024").mkdir(parents=True)
    shutil.copy(RAW / f"{SEED}.txt", raw / f"{SEED}.txt")
    (raw / "2024" / "broken.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    corpus = gxparse.read_reports(raw, jobs=jobs)
    reports = corpus.reports.set_index("report_id")
    assert reports.loc["broken", "source_file"] == "2024/broken.pdf"
    assert reports.loc["broken", "parse_status"] == "failed"
    assert reports.loc["broken", "error"].startswith("2024/broken.pdf: ")
    assert reports.loc[SEED, "source_file"] == f"{SEED}.txt"
    assert pd.isna(reports.loc["broken", "notes"])
    # The error is the same one reading the file alone gives, under its longer name.
    alone = gxparse.read_report(raw / "2024" / "broken.pdf").reports["error"].iloc[0]
    assert alone.startswith("broken.pdf: ")
    assert reports.loc["broken", "error"] == "2024/" + alone


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_files_of_one_name_stay_two_reports(tmp_path: Path, jobs: int) -> None:
    # Sites often serve every report as index.html: one folder per year must not merge them.
    first, second, third = sorted(RAW.glob("*.txt"))[:3]
    raw = tmp_path / "raw"
    for src, dest in [(first, "2022/index.txt"), (second, "2023/index.txt"), (third, third.name)]:
        (raw / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, raw / dest)
    corpus = gxparse.read_reports(raw, jobs=jobs, cache=tmp_path / "cache")
    reports = corpus.reports.set_index("report_id")
    assert reports.index.tolist() == [third.stem, "2022/index", "2023/index"]
    assert reports.loc["2022/index", "notes"].endswith(
        "report_id 2022/index: another file of this run is also named index"
    )
    assert pd.isna(reports.loc[third.stem, "notes"]) or "report_id" not in str(
        reports.loc[third.stem, "notes"]
    )
    # Each report's tables and findings are what that file gives when read alone.
    for rid, src in [("2022/index", first), ("2023/index", second), (third.stem, third)]:
        alone = gxparse.read_report(src)
        for name in gxparse.TABLES:
            if name == "reports":
                continue
            mine = getattr(corpus, name)
            mine = mine[mine["report_id"] == rid].drop(columns="report_id")
            theirs = getattr(alone, name).drop(columns="report_id")
            pd.testing.assert_frame_equal(
                mine.reset_index(drop=True), theirs.reset_index(drop=True), check_dtype=True
            )
    assert reports.loc["2022/index", "agency"] == "承留镇人民政府"
    # source_file: the path below the folder every file shares, so the file can be found.
    assert reports["source_file"].tolist() == [third.name, "2022/index.txt", "2023/index.txt"]
    assert reports.loc["2023/index", "agency"] == "郏县龙山街道办事处"


def test_analyst_lines_naming_a_renamed_report_are_reported_not_dropped(tmp_path: Path) -> None:
    # A correction written while 2022/index.txt was the only "index" stops applying once
    # 2023/index.txt joins the run (both get qualified ids): the run must say so.
    first, second = sorted(RAW.glob("*.txt"))[:2]
    raw = tmp_path / "data" / "raw"
    for src, dest in [(first, "2022/index.txt"), (second, "2023/index.txt")]:
        (raw / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, raw / dest)
    (tmp_path / "data" / "corrections.csv").write_text(
        "report_id,table,row,col,value,reason\n"
        "index,applications,received_new,natural_person,9,typo\n"
        "elsewhere,applications,received_new,natural_person,9,another archive\n",
        encoding="utf-8",
    )
    (tmp_path / "data" / "reviews.csv").write_text(
        "report_id,check,location,decision,note\n"
        "*,blank_cells,*,dismissed,\n"
        "index,missing_cells,applications,confirmed,seen\n",
        encoding="utf-8",
    )
    corpus = gxparse.read_reports(raw)
    assert not (corpus.applications["status"] == "corrected").any()
    f = corpus.findings[corpus.findings["check"] == "analyst_id_renamed"]
    tables = [None if pd.isna(t) else t for t in f["table"]]
    got = sorted(zip(f["report_id"], f["source"], f["location"], tables, strict=True))
    assert got == [
        (
            "2022/index",
            "corrections.csv line 2",
            "corrections:index:applications:received_new:natural_person",
            "applications",
        ),
        ("2022/index", "reviews.csv line 3", "reviews:index:missing_cells:applications", None),
        (
            "2023/index",
            "corrections.csv line 2",
            "corrections:index:applications:received_new:natural_person",
            "applications",
        ),
        ("2023/index", "reviews.csv line 3", "reviews:index:missing_cells:applications", None),
    ]
    assert set(f["severity"]) == {"warning"}
    assert f["message"].iloc[0] == (
        "corrections.csv第2行所指报告“index”在本次运行中因文件重名改称“2022/index”，"
        "该行未生效；如指本报告，请将编号改为“2022/index”"
    )
    # Written with the new id, the correction applies and the finding goes.
    (tmp_path / "data" / "corrections.csv").write_text(
        "report_id,table,row,col,value,reason\n"
        "2022/index,applications,received_new,natural_person,9,typo\n",
        encoding="utf-8",
    )
    (tmp_path / "data" / "reviews.csv").unlink()
    corpus = gxparse.read_reports(raw)
    apps = corpus.applications
    fixed = apps[(apps["report_id"] == "2022/index") & (apps["status"] == "corrected")]
    assert fixed[["row", "applicant", "value"]].astype(str).values.tolist() == [
        ["received_new", "natural_person", "9"]
    ]
    assert not (corpus.findings["check"] == "analyst_id_renamed").any()


REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-reports"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-reports is not beside this checkout")
def test_real_reports_match_the_declared_schemas() -> None:
    from gxparse.schemas import validate

    corpus = gxparse.read_reports([p for p in sorted(REAL.iterdir()) if p.suffix != ".md"])
    validate(corpus.as_dict())
    assert corpus.reports["parse_status"].isin(["ok", "partial"]).all()


# ---------------------------------------------------------------------------------------
# Failed and duplicate files (issue 20): named, listed, left out of charts and metrics
# ---------------------------------------------------------------------------------------
def _dup_folder(tmp_path: Path) -> Path:
    """The seeds, plus: a copy of 004 that sorts first (same bytes), a second report of
    001's body and year with one number changed (same body and year), an empty file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for f in sorted(RAW.glob("*.txt")):
        shutil.copy(f, raw / f.name)
    shutil.copy(RAW / "004_8884def07ca5fc07.txt", raw / "0000_copy.txt")
    text = (RAW / "001_f8b21749840a51ab.txt").read_text(encoding="utf-8")
    (raw / "001b_revised.txt").write_text(text + "\n附：本报告为修订版。\n", encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    return raw


def test_duplicates_name_the_report_they_repeat_first_in_path_order_stays(
    tmp_path: Path,
) -> None:
    from gxparse.batch.corpus import left_out

    corpus = gxparse.read_reports(_dup_folder(tmp_path))
    reports = corpus.reports.set_index("report_id")
    # The copy sorts before the file it copies: the copy is kept, 004 repeats it.
    assert reports["duplicate_of"].dropna().to_dict() == {
        "004_8884def07ca5fc07": "0000_copy",
        "001b_revised": "001_f8b21749840a51ab",
    }
    assert str(reports["duplicate_of"].dtype) == "string"
    dropped = left_out(corpus.reports)
    listed = dropped[["report_id", "reason", "duplicate_of"]].astype(object)
    assert listed.where(listed.notna(), None).values.tolist() == [
        ["001b_revised", "duplicate_report", "001_f8b21749840a51ab"],
        ["004_8884def07ca5fc07", "duplicate_file", "0000_copy"],
        ["empty", "failed", None],
    ]
    assert dropped["note"].tolist() == [
        "与001_f8b21749840a51ab（001_f8b21749840a51ab.txt）是同一机关同一年度的报告（只计入在前的一份）",
        "与0000_copy（0000_copy.txt）是同一文件",
        "无法解析：文件为空",
    ]
    # The findings say the same, on the same reports.
    found = corpus.findings[corpus.findings["check"].isin(["duplicate_file", "duplicate_report"])]
    assert sorted(
        zip(found["report_id"], found["check"].astype(str), found["expected"], strict=True)
    ) == [
        ("001b_revised", "duplicate_report", "001_f8b21749840a51ab"),
        ("004_8884def07ca5fc07", "duplicate_file", "0000_copy"),
    ]


def test_charts_and_metrics_count_distinct_reports_parsed(tmp_path: Path) -> None:
    from gxparse.analysis import metrics
    from gxparse.reporting import pipeline

    raw = _dup_folder(tmp_path)
    a = pipeline.open_analysis(raw, out_dir=tmp_path / "reports", build_date="2026-12-06")
    kept = ["0000_copy", "000_6f1ea477f42cf686", "001_f8b21749840a51ab"]
    kept += ["002_ae0143d6a302d7a8", "003_31cc482f1e5f2a44"]
    assert a.reports["report_id"].tolist() == kept
    assert set(metrics.compute(a.corpus)["report_id"]) == set(kept)
    assert a.source.startswith("来源：政府信息公开工作年度报告 5 份（")
    assert a.left_out_note.splitlines() == [
        "以下无法解析的文件 1 个、重复的文件 2 个未计入图表和指标（简报工作簿「未计入的文件」工作表同列）：",
        "- 001b_revised.txt：与001_f8b21749840a51ab（001_f8b21749840a51ab.txt）"
        "是同一机关同一年度的报告（只计入在前的一份）",
        "- 004_8884def07ca5fc07.txt：与0000_copy（0000_copy.txt）是同一文件",
        "- empty.txt：无法解析：文件为空",
    ]


def test_the_workbook_lists_left_out_files_on_their_own_sheet(tmp_path: Path) -> None:
    import openpyxl

    from gxparse.reporting import export

    corpus = gxparse.read_reports(_dup_folder(tmp_path))
    path = export.write_workbook(corpus, tmp_path / "book.xlsx", build_date="2026-12-06")
    wb = openpyxl.load_workbook(path)
    rows = list(wb["未计入的文件"].iter_rows(values_only=True))
    assert rows[0] == ("报告编号", "源文件", "原因", "重复于", "备注", "错误")
    assert rows[3][5] == "empty.txt: empty file"  # the reason as given, in English
    assert [r[:4] for r in rows[1:]] == [
        ("001b_revised", "001b_revised.txt", "同一机关同一年度有两份报告", "001_f8b21749840a51ab"),
        (
            "004_8884def07ca5fc07",
            "004_8884def07ca5fc07.txt",
            "同一文件重复出现（sha256相同）",
            "0000_copy",
        ),
        ("empty", "empty.txt", "报告无法解析", None),
    ]
    # Every other sheet counts the distinct reports parsed only.
    ids = [r[0] for r in wb["报告"].iter_rows(min_row=2, values_only=True)]
    assert ids == ["0000_copy", "000_6f1ea477f42cf686", "001_f8b21749840a51ab",
                   "002_ae0143d6a302d7a8", "003_31cc482f1e5f2a44"]  # fmt: skip
    about = dict(r[:2] for r in wb["说明"].iter_rows(values_only=True) if r[0])
    assert about["报告份数"] == 5


def test_corpus_shows_a_short_summary() -> None:
    from gxparse.batch.corpus import Corpus

    reports = pd.DataFrame(
        {
            "report_id": ["a", "b", "c"],
            "year": pd.array([2023, 2024, pd.NA], dtype="Int64"),
            "template": ["2021", "2021", pd.NA],
            "parse_status": ["ok", "partial", "failed"],
        }
    )
    findings = pd.DataFrame({"report_id": ["a", "b"], "severity": ["warning", "warning"]})
    c = Corpus(frames={"reports": reports, "findings": findings})
    assert c.summary() == {
        "reports": {"ok": 1, "partial": 1, "failed": 1},
        "years": {"2023": 1, "2024": 1, "不详": 1},
        "templates": {"2021": 2, "不详": 1},
        "findings": {"error": 0, "warning": 2, "info": 0},
    }
    assert repr(c) == (
        "<gxparse Corpus：报告 3 份>\n"
        "  解析状态：完整 1 份，部分 1 份，失败 1 份\n"
        "  年度：2023 年度 1 份，2024 年度 1 份，不详 1 份\n"
        "  模板：2021 版 2 份，不详 1 份\n"
        "  检查发现：错误 0 条，警告 2 条，提示 0 条"
    )
    page = c._repr_html_()
    assert page.startswith("<div><strong>gxparse Corpus：报告 3 份</strong><table>")
    assert (
        "<th style='text-align:left'>检查发现</th><td style='text-align:left'>错误 0 条，警告 2 条，提示 0 条</td>"
        in page
    )


def test_readme_names_the_real_reports_columns() -> None:
    """The README's comment on corpus.reports lists every column, and only real ones."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("corpus.reports          #")
    block = []
    for line in readme[start:].splitlines():
        if block and not line.lstrip().startswith("#"):
            break
        block.append(line.split("#", 1)[1])
    named = set(re.findall(r"[a-z][a-z0-9_]+", " ".join(block)))
    named -= {"one", "row", "per", "report", "as", "printed", "also"}
    columns = set(
        gxparse.read_reports(Path(__file__).resolve().parents[1] / "data" / "raw").reports.columns
    )
    assert named == columns
