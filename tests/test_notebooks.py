"""Every notebook, executed headless on the seeds by the main command, and its outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import openpyxl
import pytest

from gxparse import pipeline

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = [
    "01_corpus_overview",
    "02_disclosure_volume",
    "03_request_outcomes",
    "04_penalties_enforcement",
    "05_anomalies",
    "06_briefing",
]
FIGURES = [
    "01_cell_status_applications",
    "01_cell_status_disclosure_appeals",
    "02_active_disclosure_total",
    "02_channels",
    "02_normative_documents",
    "03_request_flow",
    "03_outcome_mix",
    "03_applicant_mix",
    "03_substantive_disclosure_rate",
    "04_decisions",
    "04_penalty_peers",
    "05_findings_by_body",
]


@pytest.mark.slow
def test_main_command_on_the_seeds(tmp_path: Path) -> None:
    """One test for one run: under pytest-xdist a module fixture would run once per worker."""
    run = pipeline.run_all(
        REPO / "data" / "raw",
        tmp_path / "processed",
        tmp_path / "reports",
        notebooks_dir=REPO / "notebooks",
        build_date="2026-11-22",
        quiet=True,
    )
    check_every_notebook_ran(run)
    check_no_missing_glyph_warning(run)
    check_figures_png_and_svg(run)
    check_html_embeds_the_charts(run)
    check_workbook_requests_sheet(run)
    check_workbook_decisions_sheet(run)
    check_workbook_metrics_sheet(run)
    check_tables_built(run)


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def row_of(rows: list[tuple], body: str) -> tuple:
    hits = [r for r in rows[1:] if body in str(r[1])]
    assert len(hits) == 1, (body, rows)
    return hits[0]


def check_every_notebook_ran(run: pipeline.RunResult) -> None:
    assert [n.name for n in run.notebooks] == NOTEBOOKS
    for n in run.notebooks:
        assert n.html == run.reports_dir / f"{n.name}.html"
        assert n.html.stat().st_size > 10_000
        nb = nbformat.read(n.ipynb, as_version=4)
        errors = [
            o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"
        ]
        assert errors == [], n.name
        # The parameters were injected (papermill) and point at the seeds.
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        assert str(REPO / "data" / "raw") in injected[0].source


def check_no_missing_glyph_warning(run: pipeline.RunResult) -> None:
    assert run.glyph_warnings == []
    for n in run.notebooks:
        nb = nbformat.read(n.ipynb, as_version=4)
        stderr = [
            o.get("text", "")
            for c in nb.cells
            for o in c.get("outputs", [])
            if o.get("output_type") == "stream" and o.get("name") == "stderr"
        ]
        assert not [t for t in stderr if "glyph" in t.lower() or "missing from" in t.lower()], (
            n.name
        )


def check_figures_png_and_svg(run: pipeline.RunResult) -> None:
    from PIL import Image

    figures = run.reports_dir / "figures"
    for name in FIGURES:
        png, svg = figures / f"{name}.png", figures / f"{name}.svg"
        assert png.is_file() and svg.is_file(), name
        with Image.open(png) as img:
            assert round(img.info["dpi"][0]) == 300, name


def check_html_embeds_the_charts(run: pipeline.RunResult) -> None:
    html = (run.reports_dir / "03_request_outcomes.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in html or "image/png" in html
    assert "实质公开率" in html


def check_workbook_requests_sheet(run: pipeline.RunResult) -> None:
    path = run.reports_dir / "gxparse-briefing.xlsx"
    rows = sheet_rows(path, "申请办理汇总")
    assert rows[0][3:] == (
        "本年新收政府信息公开申请数量",
        "上年结转政府信息公开申请数量",
        "本年度办理结果总计",
        "结转下年度继续办理",
    )
    # 瀛海镇: 16 received, none carried over from 2022, 14 handled, 2 carried into 2024.
    assert row_of(rows, "瀛海镇")[1:] == ("北京市大兴区瀛海镇人民政府", 2023, 16, 0, 14, 2)
    assert row_of(rows, "承留镇")[1:] == ("承留镇人民政府", 2023, 6, 0, 6, 0)
    assert len(rows) == 1 + 5


def check_workbook_decisions_sheet(run: pipeline.RunResult) -> None:
    rows = sheet_rows(run.reports_dir / "gxparse-briefing.xlsx", "处理决定汇总")
    assert rows[0][3:] == (
        "行政许可本年处理决定数量",
        "行政处罚本年处理决定数量",
        "行政强制本年处理决定数量",
    )
    assert row_of(rows, "承留镇")[3:] == (0, 6, 0)
    assert row_of(rows, "瀛海镇")[3:] == (0, 2390, 0)


def check_workbook_metrics_sheet(run: pipeline.RunResult) -> None:
    rows = sheet_rows(run.reports_dir / "gxparse-briefing.xlsx", "指标")
    header = rows[0]
    col = {h: i for i, h in enumerate(header)}
    hit = [
        r
        for r in rows[1:]
        if "瀛海镇" in str(r[col["机关"]]) and r[col["指标代码"]] == "substantive_disclosure_rate"
    ]
    assert len(hit) == 1
    assert hit[0][col["分子"]] == 12  # 予以公开 7 + 部分公开 5
    assert hit[0][col["分母"]] == 14
    assert hit[0][col["数值"]] == pytest.approx(12 / 14)


def check_tables_built(run: pipeline.RunResult) -> None:
    for name in ("reports", "applications", "disclosure", "appeals", "findings"):
        assert (run.out_dir / f"{name}.parquet").is_file(), name


# ---------------------------------------------------------------------------------------
# Fast checks of the notebooks' sources and the pipeline's helpers
# ---------------------------------------------------------------------------------------
def test_notebooks_in_run_order_with_parameters() -> None:
    import jupytext

    scripts = pipeline.find_notebooks(REPO / "notebooks")
    assert [p.stem for p in scripts] == NOTEBOOKS
    for script in scripts:
        nb = jupytext.read(script)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, script.name
        names = {
            line.split("=")[0].strip() for line in tagged[0].source.splitlines() if "=" in line
        }
        assert names == {"raw_dir", "processed_dir", "years", "bodies", "out_dir", "build_date"}
        assert 'raw_dir = "../data/raw"' in tagged[0].source
        assert "years = None" in tagged[0].source and "bodies = None" in tagged[0].source


def test_select_by_year_and_body() -> None:
    import gxparse

    corpus = gxparse.read_reports(REPO / "data" / "raw")
    one = pipeline.select(corpus, bodies=["瀛海镇"])
    assert list(one.reports["agency"]) == ["北京市大兴区瀛海镇人民政府"]
    assert set(one.applications["report_id"]) == set(one.reports["report_id"])
    assert len(pipeline.select(corpus, years=[2023]).reports) == len(corpus.reports)
    assert pipeline.select(corpus, years=[2019]).reports.empty
    assert pipeline.select(corpus, years=2023, bodies="承留").reports["agency"].tolist() == [
        "承留镇人民政府"
    ]


def test_load_prefers_built_tables(tmp_path: Path) -> None:
    from gxparse.build import build

    build(REPO / "data" / "raw", tmp_path)
    corpus = pipeline.load("does-not-exist", processed_dir=tmp_path, bodies=["承留镇"])
    assert corpus.reports["agency"].tolist() == ["承留镇人民政府"]
    with pytest.raises(ValueError, match="no reports"):
        pipeline.open_analysis(REPO / "data" / "raw", bodies=["不存在的机关"], out_dir=tmp_path)


def test_resolve_path_from_repo_or_notebooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "notebooks")
    assert pipeline.resolve_path("../data/raw") == REPO / "data" / "raw"
    monkeypatch.chdir(REPO)
    assert pipeline.resolve_path("data/raw") == REPO / "data" / "raw"
    assert pipeline.repo_root() == REPO


def test_notebooks_run_on_this_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's own python3 kernelspec (another Python) does not capture the notebooks."""
    import json
    import os
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    user = tmp_path / "user"
    (user / "kernels" / "python3").mkdir(parents=True)
    (user / "kernels" / "python3" / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/elsewhere/python",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "other",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(user))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")  # user folder before the venv's
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/elsewhere/python"
    with pipeline.this_python_kernel() as name:
        assert KernelSpecManager().get_kernel_spec(name).argv[0] == sys.executable
    assert "JUPYTER_PATH" not in os.environ
