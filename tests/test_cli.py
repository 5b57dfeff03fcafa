"""The command line (issue 20): help on every argument, ``--version``, one-line errors
with exit code 2 for bad paths and arguments, exit 1 when nothing could be parsed or a
notebook failed, failed files named at the end, and ``run``'s outputs under the project
root wherever it is started from."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import gxparse
from gxparse import cli
from gxparse.reporting import pipeline

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "004_8884def07ca5fc07.txt"


def gxparse_cmd(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``gxparse ARGS`` as a user runs it, from ``cwd``, under umask 022."""
    return subprocess.run(
        [sys.executable, "-m", "gxparse.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=lambda: os.umask(0o022),
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_every_argument_and_option_has_help() -> None:
    parser = cli.make_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parsers = {"gxparse": parser, **{f"gxparse {k}": p for k, p in subs.choices.items()}}
    assert set(parsers) == {"gxparse", "gxparse build", "gxparse run"}
    for name, p in parsers.items():
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                assert {c.dest for c in action._choices_actions} == {"build", "run"}
                assert all(c.help for c in action._choices_actions)
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"gxparse {gxparse.__version__}\n"


def test_a_missing_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = gxparse_cmd("build", "/nonexistent", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "gxparse build：错误：找不到报告文件夹或文件：/nonexistent\n"
    assert done.stdout == ""
    assert os.listdir(tmp_path) == []  # nothing written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--jobs", "-1"], "参数 --jobs：不能为负数：-1"),
        (["build", "--jobs", "x"], "参数 --jobs：应为整数：'x'"),
        (["build", "--timeout", "-1"], "参数 --timeout：不能为负数：-1"),
        (["run", "--max-reports", "0"], "参数 --max-reports：应为正整数：0"),
        (["run", "--years", "二〇二三"], "参数 --years：应为整数：'二〇二三'"),
        (
            ["build", "--partition-by", "month"],
            "参数 --partition-by：无效的取值 'month'（可选：'year'）",
        ),
        (["build", "--jobs"], "参数 --jobs 需要一个值"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"gxparse {args[0]}：错误：{message}")
    assert err.endswith(f"（用法见 gxparse {args[0]} --help）\n")


def test_an_unknown_option_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["build", "--no-such-option"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "gxparse：错误：无法识别的参数：--no-such-option（用法见 gxparse --help）\n"
    )


def test_an_output_that_is_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    assert cli.main(["build", str(SEED), str(tmp_path / "taken")]) == 2
    assert (
        capsys.readouterr().err
        == f"gxparse build：错误：输出文件夹不是文件夹：{tmp_path / 'taken'}\n"
    )


def test_nothing_parsed_exits_1_and_names_each_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "empty.txt").write_bytes(b"")
    (raw / "noise.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 64)
    assert cli.main(["build", str(raw), str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(
        "gxparse：读取文件 2 个，可分析的报告 0 份（完整 0，部分 0）；无法解析 2 个，重复 0 个；"
    )
    assert captured.err.splitlines() == [
        "  无法解析：empty.txt：文件为空",
        "  无法解析：noise.pdf：PDF 文件已损坏或不完整",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["build", str(empty), str(tmp_path / "out2")]) == 1


def test_a_reason_without_a_chinese_line_is_shown_as_given() -> None:
    from types import SimpleNamespace

    import pandas as pd

    from gxparse.batch.build import summary_lines

    reports = pd.DataFrame(
        {
            "report_id": ["a", "b"],
            "source_file": ["a.txt", "b.wps"],
            "sha256": ["1", "2"],
            "parse_status": ["ok", "failed"],
            "error": [None, "b.wps: a reason nobody foresaw"],
        }
    )
    corpus = SimpleNamespace(reports=reports, findings=pd.DataFrame({"report_id": []}))
    assert summary_lines(corpus, "out", 1.0)[1:] == [
        "  无法解析：b.wps：原因不明（a reason nobody foresaw）"
    ]


def test_build_needs_no_project_and_resolves_paths_from_the_cwd(tmp_path: Path) -> None:
    work = tmp_path / "anywhere"
    (work / "in").mkdir(parents=True)
    shutil.copy(SEED, work / "in" / SEED.name)
    done = gxparse_cmd("build", "in", "out", cwd=work)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(work)) == ["in", "out"]
    assert (work / "out" / "reports.parquet").is_file()


def test_find_project(tmp_path: Path) -> None:
    (tmp_path / "p" / "notebooks" / "deep").mkdir(parents=True)
    (tmp_path / "p" / "data").mkdir()
    assert pipeline.find_project(tmp_path / "p" / "notebooks" / "deep") == tmp_path / "p"
    assert pipeline.find_project(tmp_path) is None


def test_run_outside_a_project_is_a_usage_error(tmp_path: Path) -> None:
    done = gxparse_cmd("run", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("gxparse run：错误：找不到项目文件夹")
    assert done.stderr.count("\n") == 1
    assert os.listdir(tmp_path) == []


PARAMETERS = """\
# %% tags=["parameters"]
raw_dir = None
processed_dir = None
years = None
bodies = None
out_dir = None
build_date = None
max_reports = None
"""
CHART = """
# %%
from pathlib import Path

figures = Path(out_dir) / "figures"
figures.mkdir(parents=True, exist_ok=True)
(figures / "01_chart.png").write_bytes(b"a chart")
print("ok")
"""
BOOM = """
# %%
raise RuntimeError("boom")
"""


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_run_from_a_sub_folder_writes_under_the_project_and_names_failed_files(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    (project / "data" / "raw").mkdir(parents=True)
    (project / "notebooks").mkdir()
    shutil.copy(SEED, project / "data" / "raw" / SEED.name)
    (project / "data" / "raw" / "empty.txt").write_bytes(b"")
    notebook = project / "notebooks" / "01_chart.py"
    notebook.write_text(PARAMETERS + CHART, encoding="utf-8")
    cwd = project / "notebooks"

    done = gxparse_cmd("run", "--build-jobs", "1", cwd=cwd)
    assert done.returncode == 0, done.stderr
    # The run ends with the build's summary, then the file that could not be read.
    assert done.stdout.splitlines()[-1].startswith(
        "gxparse：读取文件 2 个，可分析的报告 1 份（完整 1，部分 0）；无法解析 1 个，重复 0 个；"
    )
    assert done.stderr.splitlines()[-1] == "  无法解析：empty.txt：文件为空"
    # Every output under the project root, nothing in the folder it was started from.
    assert sorted(os.listdir(cwd)) == ["01_chart.py"]
    assert sorted(os.listdir(project)) == [".cache", "data", "notebooks", "reports"]
    assert (project / "data" / "processed" / "reports.parquet").is_file()
    assert sorted(_tree(project / "reports")) == [
        "01_chart.html",
        "01_chart.reader.html",
        "figures/01_chart.png",
        "notebooks/01_chart.ipynb",
    ]
    # Made with the umask's permissions (022 → 0644 files, 0755 folders).
    for p in [project / "reports", *(project / "reports").rglob("*")]:
        want = 0o755 if p.is_dir() else 0o644
        assert stat.S_IMODE(p.stat().st_mode) == want, p
    for p in (project / "data" / "processed").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o644, p

    # A notebook that raises: exit 1, one line naming it; reports/ keeps the last run whole.
    before = _tree(project / "reports")
    notebook.write_text(PARAMETERS + BOOM, encoding="utf-8")
    done = gxparse_cmd("run", "--build-jobs", "1", cwd=cwd)
    assert done.returncode == 1
    assert "gxparse run：错误：notebook 01_chart 执行失败：RuntimeError: boom" in done.stderr
    assert _tree(project / "reports") == before
    assert sorted(os.listdir(project)) == [".cache", "data", "notebooks", "reports"]

    # Nothing parsed: exit 1 and no notebook runs.
    (project / "data" / "raw" / SEED.name).unlink()
    done = gxparse_cmd("run", cwd=project)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "gxparse run：错误：没有任何报告能解析，未执行 notebook"
    assert _tree(project / "reports") == before


def test_run_paths_on_the_command_line_are_from_the_cwd(tmp_path: Path) -> None:
    """``gxparse run RAW OUT --reports-dir R`` from outside the project: RAW, OUT and R are
    taken from the cwd (a RAW that does not exist there is a usage error)."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "notebooks").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    done = gxparse_cmd("run", "raw", "--project", str(project), cwd=work)
    assert done.returncode == 2
    assert done.stderr == "gxparse run：错误：找不到报告文件夹或文件：raw\n"
    (work / "raw").mkdir()
    (work / "raw" / "empty.txt").write_bytes(b"")
    done = gxparse_cmd("run", "raw", "out", "--project", str(project), cwd=work)
    assert done.returncode == 1  # nothing parsed
    assert (work / "out" / "reports.parquet").is_file()
    assert sorted(os.listdir(work)) == ["out", "raw"]  # nothing else in the cwd
    assert sorted(os.listdir(project)) == [".cache", "data", "notebooks"]  # the cache


SLEEP = """
# %%
import time

time.sleep(300)
"""


@pytest.mark.slow
def test_sigterm_stops_a_run_and_its_notebook_kernels(tmp_path: Path) -> None:
    import signal
    import time

    import psutil

    project = tmp_path / "project"
    (project / "data" / "raw").mkdir(parents=True)
    (project / "notebooks").mkdir()
    shutil.copy(SEED, project / "data" / "raw" / SEED.name)
    for name in ("01_a", "02_b"):
        (project / "notebooks" / f"{name}.py").write_text(PARAMETERS + SLEEP, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gxparse.cli", "run", "--build-jobs", "1"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    me = psutil.Process(proc.pid)

    def kernels() -> list[psutil.Process]:
        found = []
        for p in me.children(recursive=True):
            try:
                if "ipykernel_launcher" in " ".join(p.cmdline()):
                    found.append(p)
            except psutil.Error:
                pass
        return found

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(kernels()) < 2:
        time.sleep(0.2)
    running = kernels()
    assert len(running) == 2
    time.sleep(2)  # the cells are running
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)  # not the notebooks' 300 s
    assert proc.returncode == 130
    assert "gxparse run：已中断，之前的输出保持不变" in err
    _gone, alive = psutil.wait_procs(running, timeout=15)
    assert not alive
    assert sorted(os.listdir(project)) == [".cache", "data", "notebooks"]  # no reports/
