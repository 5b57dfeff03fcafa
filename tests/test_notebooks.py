"""Every notebook, executed headless on the seeds by the main command, and its outputs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import openpyxl
import pytest

from gxparse.reporting import pipeline

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
    "03_carry_over_chains",
    "04_decisions",
    "04_penalty_peers",
    "05_findings_by_body",
]


@pytest.mark.slow
def test_main_command_on_the_seeds(tmp_path: Path) -> None:
    """One test for one run: under pytest-xdist a module fixture would run once per worker."""
    stale = tmp_path / "reports" / "figures" / "02_channels_of_an_earlier_run.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an earlier run's chart")
    run = pipeline.run_all(
        REPO / "data" / "raw",
        tmp_path / "processed",
        tmp_path / "reports",
        notebooks_dir=REPO / "notebooks",
        build_date="2026-11-22",
        quiet=True,
        cache=tmp_path / "cache",
    )
    # The main job parses through the cache: next year's run re-parses only new files.
    raw_files = [p for p in (REPO / "data" / "raw").iterdir() if p.is_file()]
    assert len(list((tmp_path / "cache").rglob("*.pkl"))) == len(raw_files)
    check_every_notebook_ran(run)
    check_no_missing_glyph_warning(run)
    check_figures_png_and_svg(run)
    assert not stale.exists(), "a chart of an earlier run was left among the new ones"
    check_briefing_lists_every_figure(run)
    check_html_embeds_the_charts(run)
    check_html_names_no_absolute_path_and_has_a_reader_version(run)
    check_workbook_requests_sheet(run)
    check_workbook_decisions_sheet(run)
    check_workbook_metrics_sheet(run)
    check_tables_built(run)


def test_the_briefing_runs_after_the_notebooks_whose_charts_it_lists() -> None:
    waves = pipeline.notebook_waves(pipeline.find_notebooks(REPO / "notebooks"))
    assert [[p.stem for p in wave] for wave in waves] == [NOTEBOOKS[:-1], NOTEBOOKS[-1:]]


def check_briefing_lists_every_figure(run: pipeline.RunResult) -> None:
    nb = nbformat.read(run.reports_dir / "notebooks" / "06_briefing.ipynb", as_version=4)
    listing = [
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "figures/" in o.get("data", {}).get("text/markdown", "")
    ]
    assert len(listing) == 1
    listed = [line.split("`")[1].removeprefix("figures/") for line in listing[0].splitlines()]
    written = sorted(p.name for p in (run.reports_dir / "figures").glob("*.png"))
    assert listed == written
    assert set(listed) >= {f"{name}.png" for name in FIGURES}


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


def check_html_names_no_absolute_path_and_has_a_reader_version(run: pipeline.RunResult) -> None:
    folders = {str(REPO), str(run.reports_dir), str(run.out_dir), str(run.raw_dir)}
    for nb in run.notebooks:
        assert nb.reader_html == run.reports_dir / f"{nb.name}.reader.html"
        full = nb.html.read_text(encoding="utf-8")
        reader = nb.reader_html.read_text(encoding="utf-8")
        for page in (full, reader):
            # Relative paths only: a folder of another tree reads ../../work/…, never /work/….
            absolute = [f for f in folders if re.search(r"(?<!\.\.)" + re.escape(f), page)]
            assert not absolute, nb.name
        # The code is in the full page only; the charts are in both.
        code = 'jp-InputArea-editor"'  # a code cell's input (the CSS has the class too)
        assert code in full and code not in reader, nb.name
    briefing = (run.reports_dir / "06_briefing.reader.html").read_text(encoding="utf-8")
    assert "工作簿：gxparse-briefing.xlsx" in briefing
    # 瀛海镇's 2,390 penalty decisions: a count, not "2390.0".
    assert "<td>2390</td>" in briefing and "2390.0" not in briefing
    assert "image/png" in (run.reports_dir / "03_request_outcomes.reader.html").read_text(
        encoding="utf-8"
    )


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
        assert names == {
            "raw_dir",
            "processed_dir",
            "years",
            "bodies",
            "out_dir",
            "build_date",
            "max_reports",
        }
        assert 'raw_dir = "../data/raw"' in tagged[0].source
        assert "years = None" in tagged[0].source and "bodies = None" in tagged[0].source
        # The threshold's default lives in the package (pipeline.MAX_REPORTS), not here.
        assert "max_reports = None" in tagged[0].source


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
    from gxparse.batch.build import build

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


# ---------------------------------------------------------------------------------------
# Many reports: the notebooks aggregate before plotting
# ---------------------------------------------------------------------------------------
N_SYNTHETIC = 300


def synthetic_corpus(folder: Path, n: int = N_SYNTHETIC, seed: int = 6) -> Path:
    """n synthetic reports (both templates, every text layout, several levels and years)."""
    import random

    from gxsynth import LAYOUTS, random_spec, render

    folder.mkdir(parents=True)
    rng = random.Random(seed)
    layouts = sorted(LAYOUTS)
    for i in range(n):
        spec = random_spec(rng, "2021" if rng.random() < 0.75 else "2019")
        text = render(spec, layouts[i % len(layouts)], "zh", rng=random.Random(i))
        (folder / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def output_tables(cell: dict) -> list:
    """The HTML tables a notebook cell displayed, as DataFrames."""
    import io

    import pandas as pd

    frames = []
    for out in cell.get("outputs", []):
        html = out.get("data", {}).get("text/html")
        if html:
            frames.extend(pd.read_html(io.StringIO("".join(html))))
    for t in frames:  # a pivot's index name makes a second header row
        t.columns = [
            next((x for x in (c if isinstance(c, tuple) else (c,)) if "Unnamed" not in str(x)), "")
            for c in t.columns
        ]
    return frames


def cell_text(cell: dict) -> str:
    outputs = cell.get("outputs", [])
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


@pytest.mark.slow
def test_notebook_on_a_few_hundred_reports_aggregates(tmp_path: Path) -> None:
    """300 reports (> pipeline.MAX_REPORTS): notebook 03 charts levels × years with pooled
    rates, lists the lowest rates as a top N with a note, and caps its tables."""

    from gxparse.analysis import metrics
    from gxparse.batch.build import build
    from gxparse.reporting import export

    raw = synthetic_corpus(tmp_path / "raw")
    built = build(raw, tmp_path / "processed")
    assert len(built.reports) == N_SYNTHETIC
    # The generator draws some body twice in a year: those repeats are not charted.
    corpus = pipeline.analysable(built)
    n = len(corpus.reports)
    assert pipeline.MAX_REPORTS < n < N_SYNTHETIC
    script = REPO / "notebooks" / "03_request_outcomes.py"
    params = {
        "raw_dir": str(raw),
        "processed_dir": str(tmp_path / "processed"),
        "out_dir": str(tmp_path / "reports"),
        "build_date": "2026-11-22",
    }
    with pipeline.this_python_kernel() as kernel:
        run = pipeline.run_notebook(
            script,
            params,
            work_dir=tmp_path / "reports" / "notebooks",
            html_dir=tmp_path / "reports",
            kernel_name=kernel,
        )
    nb = nbformat.read(run.ipynb, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    text = "".join(cell_text(c) for c in code)
    assert f"报告 {n:,} 份，多于 {pipeline.MAX_REPORTS} 份" in text

    # Expected values straight from the part 三 cells (总计 column), not through metrics.
    apps = corpus.applications[corpus.applications["applicant"] == "total"]
    wide = apps.pivot(index="report_id", columns="row", values="value")
    info = corpus.reports.set_index("report_id")[["level", "year"]]
    cells = wide[["granted", "partially_granted", "total_handled"]].join(info)
    cells = cells[cells[["granted", "partially_granted"]].notna().all(axis=1)]
    cells = cells[cells["total_handled"].fillna(0) > 0]
    town = cells[(cells["level"] == "township") & (cells["year"] == 2023)]
    n_town = int(((info["level"] == "township") & (info["year"] == 2023)).sum())
    granted = town["granted"].sum() + town["partially_granted"].sum()
    pooled = granted / town["total_handled"].sum()
    label = f"{metrics.code_label('level', 'township')} 2023（{n_town} 份）"

    # The rates table: one row per level × year, the pooled rate of each.
    rate_name = metrics.METRIC_BY_CODE["substantive_disclosure_rate"].name()
    rates = next(
        t for c in code for t in output_tables(c) if rate_name in map(str, t.columns)
    ).set_index(export.HEADERS["label"])
    assert len(rates) == corpus.reports.groupby(["level", "year"], observed=True).ngroups
    assert rates.loc[label, rate_name] == f"{pooled:.1%}"

    # The flow table: sums over the reports with all four rows.
    flow_cells = wide[list(metrics.FLOW_ROWS)].join(info).dropna(subset=list(metrics.FLOW_ROWS))
    town_flow = flow_cells[(flow_cells["level"] == "township") & (flow_cells["year"] == 2023)]
    flow_label = f"{metrics.code_label('level', 'township')} 2023（{len(town_flow)} 份）"
    flow = next(
        t for c in code for t in output_tables(c) if export.HEADERS["n_used"] in t.columns
    ).set_index(export.HEADERS["label"])
    received = metrics.short_label("received_new", column="row")
    assert flow.loc[flow_label, received] == town_flow["received_new"].sum()

    # Lowest rates: a top N with a note on the reports left out and where they are.
    known = len(cells)
    assert f"另有 {known - pipeline.TOP_N:,} 份报告未显示（共 {known:,}）" in text
    assert "gxparse-briefing.xlsx「指标」工作表" in text
    figures = tmp_path / "reports" / "figures"
    assert (figures / "03_substantive_disclosure_rate_lowest.png").is_file()
    # No table shows more than the cap.
    for c in code:
        for t in output_tables(c):
            assert len(t) <= pipeline.MAX_TABLE_ROWS
    assert run.html.stat().st_size < 8_000_000


def test_analysis_switches_to_groups_past_the_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The five seeds are charted one by one; with max_reports=3 they are grouped."""
    from gxparse.analysis import metrics

    raw = REPO / "data" / "raw"
    each = pipeline.open_analysis(raw, out_dir=tmp_path)
    assert (each.max_reports, each.aggregated, each.mode_note) == (pipeline.MAX_REPORTS, False, "")
    rates = metrics.compute(each.corpus, ["substantive_disclosure_rate"])
    assert each.view(rates, how="pooled")["label"].tolist() == list(each.labels)
    assert each.order(rates) is None
    assert each.subtitle("定义") == "定义"

    grouped = pipeline.open_analysis(raw, out_dir=tmp_path, max_reports=3)
    assert grouped.aggregated and grouped.group_by == ("level", "year")
    view = grouped.view(rates, how="pooled")
    # 4 townships (承留镇 5/6, 海流图镇, 洺州镇, 瀛海镇 12/14) and 1 street office.
    assert view["label"].tolist() == ["街道 2023（1 份）", "乡镇 2023（4 份）"]
    assert grouped.order(view) == view["label"].tolist()
    assert grouped.subtitle("定义", how="pooled").startswith("按层级与年度汇总：合并比率")
    assert grouped.subtitle("定义", how="pooled").endswith("\n定义")
    assert "多于 3 份" in grouped.mode_note

    shown: list[str] = []  # the HTML each display renders
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj._repr_html_()))
    grouped.show(grouped.reports, limit=2, sheet="reports")
    assert shown[0].count("<tr") == 1 + 2  # header and two rows
    note = capsys.readouterr().out
    assert note.startswith(
        "另有 3 行未显示（共 5）；完整数据见简报工作簿 gxparse-briefing.xlsx「报告」"
    )
    styled = grouped.reports[["report_id", "year"]].style.format({"year": "[{}]"})
    grouped.show(styled, limit=1)
    assert shown[1].count("[2023]") == 1  # one row rendered, its format kept
    assert grouped.not_shown(5, 5) == ""


def test_relative_paths_in_the_html(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f'raw_dir = "{proj}/data/raw"')]
    nb.cells[0].outputs = [
        nbformat.v4.new_output("stream", text=f"工作簿：{proj}/reports/gxparse-briefing.xlsx\n"),
        nbformat.v4.new_output(
            "display_data", data={"text/plain": f"{proj}/data/corrections.csv", "image/png": "iVBO"}
        ),
    ]
    roots = [proj / "reports", proj, proj / "data" / "raw", "relative/x"]
    out = pipeline.relative_paths(nb, proj / "reports", roots)
    cell = out.cells[0]
    assert cell.source == 'raw_dir = "../data/raw"'
    assert cell.outputs[0].text == "工作簿：gxparse-briefing.xlsx\n"
    assert cell.outputs[1].data["text/plain"] == "../data/corrections.csv"
    assert cell.outputs[1].data["image/png"] == "iVBO"
    assert nb.cells[0].source == f'raw_dir = "{proj}/data/raw"'  # the original is kept
    # HTML far from the project: every path relative, each replaced once.
    far = pipeline.relative_paths(nb, Path("/gx-elsewhere/reports"), roots)
    up = "../.." + str(proj)
    assert far.cells[0].source == f'raw_dir = "{up}/data/raw"'
