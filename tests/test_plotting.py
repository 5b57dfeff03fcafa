"""House style and chart helpers: Chinese glyphs render, footers are present, files written."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from gxparse import template
from gxparse.analysis import metrics
from gxparse.reporting import plotting

REPORTS = pd.DataFrame(
    {
        "report_id": ["r1", "r2", "r3"],
        "agency": ["北京市大兴区瀛海镇人民政府", "承留镇人民政府", "郏县龙山街道办事处"],
        "year": pd.array([2023, 2023, 2024], dtype="Int64"),
    }
)
SOURCE = plotting.source_note(REPORTS, dt.date(2026, 11, 22))


def render(fig: Figure) -> list[str]:
    """Draw the figure and return the messages of the warnings raised while drawing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught]


def glyph_warnings(messages: list[str]) -> list[str]:
    return [m for m in messages if "missing from" in m.lower() or "glyph" in m.lower()]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_font_is_the_bundled_noto_file() -> None:
    path = plotting.cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert "mplfonts" in path.parts
    plotting.use_style()
    family = matplotlib.rcParams["font.family"]
    assert family[0] == plotting.LATIN_FAMILY
    assert family[1] == "Noto Sans CJK SC"
    found = font_manager.findfont(
        font_manager.FontProperties(family="Noto Sans CJK SC"), fallback_to_default=False
    )
    assert Path(found) == path
    assert "SimHei" not in family


def test_matplotlibrc_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = Path(matplotlib.matplotlib_fname()).read_bytes()
    plotting.use_style()
    assert Path(matplotlib.matplotlib_fname()).read_bytes() == before


def test_chinese_labels_render_without_missing_glyphs() -> None:
    plotting.use_style()
    fig, ax = plt.subplots()
    ax.set_title(template.label("row", "partially_granted"))
    ax.set_xlabel(template.label("row", "received_new"))
    ax.set_yticks([0, 1], [template.label("row", "denied_three_safeties"), "瀛海镇（２０２３）"])
    plotting.add_footer(fig, SOURCE)
    assert glyph_warnings(render(fig)) == []


def test_default_style_does_warn() -> None:
    """The check above can fail: without the house style DejaVu lacks Hanzi."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("实质公开率")
        assert glyph_warnings(render(fig))


def test_use_style_reapplies_after_a_theme() -> None:
    plotting.use_style()
    # What seaborn.set_theme() does to the fonts.
    matplotlib.rcParams.update(
        {"font.family": ["sans-serif"], "font.sans-serif": ["Arial", "DejaVu Sans"]}
    )
    plotting.use_style()
    assert matplotlib.rcParams["font.family"][:2] == [plotting.LATIN_FAMILY, "Noto Sans CJK SC"]
    fig, ax = plt.subplots()
    ax.set_title("不予公开率")
    assert glyph_warnings(render(fig)) == []


def test_source_note() -> None:
    assert (
        SOURCE == "来源：政府信息公开工作年度报告 3 份（2023–2024 年度）· gxparse 生成于 2026-11-22"
    )
    one = plotting.source_note(REPORTS.iloc[:2], "2026-01-02")
    assert "2 份（2023 年度）" in one
    assert one.endswith("2026-01-02")


def test_source_note_counts_the_distinct_reports_parsed() -> None:
    """A file that could not be parsed and a duplicate are not reports of the footer."""
    more = pd.concat(
        [
            REPORTS.assign(parse_status="ok"),
            pd.DataFrame({"report_id": ["bad"], "parse_status": ["failed"]}),
            REPORTS.iloc[[2]].assign(report_id="r3copy", parse_status="ok", duplicate_of="r3"),
        ],
        ignore_index=True,
    )
    assert plotting.source_note(more, "2026-11-22") == SOURCE.replace("2026-11-22", "2026-11-22")


def test_report_labels() -> None:
    labels = plotting.report_labels(REPORTS)
    assert labels["r1"] == "北京市大兴区瀛海镇 2023"
    assert labels["r3"] == "郏县龙山街道 2024"
    single = plotting.report_labels(REPORTS.iloc[:2])
    assert single["r2"] == "承留镇"


def test_save_refuses_a_chart_without_footer(tmp_path: Path) -> None:
    fig, _ax = plt.subplots()
    with pytest.raises(ValueError, match="footer"):
        plotting.save(fig, "nofooter", tmp_path)


def _bars() -> Figure:
    df = pd.DataFrame({"body": ["甲镇", "乙镇", "丙街道"], "n": [0, 6, pd.NA]})
    return plotting.bar_chart(
        df, label="body", value="n", title="行政处罚决定数", source=SOURCE, scale="symlog"
    )


def _dots() -> Figure:
    df = pd.DataFrame(
        {
            "body": ["甲镇"] * 3 + ["乙镇"] * 3,
            "item": ["penalty", "coercion", "licensing"] * 2,
            "value": [3000, 0, 12, 6, pd.NA, 1],
        }
    )
    labels = {c: template.label("item", c) for c in ("penalty", "coercion", "licensing")}
    return plotting.dot_chart(
        df,
        label="body",
        value="value",
        hue="item",
        hue_labels=labels,
        title="处理决定数量",
        source=SOURCE,
    )


def _stacked() -> Figure:
    rows = []
    for body, counts in (("甲镇", [10, 2, 1, 1, 0, 0]), ("乙镇", [0, 0, 0, 0, 0, 0])):
        total = sum(counts)
        for g, c in zip(metrics.OUTCOME_GROUPS, counts, strict=True):
            rows.append((body, g, c / total if total else pd.NA))
    df = pd.DataFrame(rows, columns=["body", "group", "share"])
    return plotting.stacked_shares(
        df,
        label="body",
        group="group",
        value="share",
        groups=metrics.OUTCOME_GROUPS,
        group_labels={g: metrics.term_label(g) for g in metrics.OUTCOME_GROUPS},
        colors=plotting.OUTCOME_COLORS,
        title="办理结果构成",
        source=SOURCE,
    )


def _heatmap() -> Figure:
    df = pd.DataFrame(
        {
            "report": ["甲镇", "甲镇", "乙镇", "乙镇"],
            "row": [metrics.short_label("received_new"), metrics.short_label("granted")] * 2,
            "status": ["reported", "blank", "missing", "derived"],
            "n": ["", "2", "7", "1"],
        }
    )
    return plotting.status_heatmap(
        df, row="row", col="report", annotate="n", title="单元格状态", source=SOURCE
    )


def test_heatmap_legend_names_statuses_as_statuses() -> None:
    """The status "corrected" is 已更正 (a part 四 result of the same code is 结果纠正)."""
    df = pd.DataFrame({"report": ["甲镇"], "row": ["一"], "status": ["corrected"], "n": [""]})
    fig = plotting.status_heatmap(df, row="row", col="report", title="状态", source=SOURCE)
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]
    legend += [t.get_text() for lg in fig.legends for t in lg.texts]
    assert template.label("status", "corrected") == "已更正"
    assert "已更正" in legend and "结果纠正" not in legend


def _flow() -> Figure:
    flow = pd.DataFrame(
        {
            "label": ["甲镇", "乙镇"],
            "received_new": pd.array([16, 6], dtype="Int64"),
            "carried_over": pd.array([0, pd.NA], dtype="Int64"),
            "total_handled": pd.array([14, 6], dtype="Int64"),
            "carried_forward": pd.array([2, 0], dtype="Int64"),
        }
    )
    return plotting.flow_chart(flow, label="label", title="申请办理流向", source=SOURCE)


def _lines() -> Figure:
    df = pd.DataFrame(
        {"body": ["甲镇", "甲镇", "乙镇"], "year": [2023, 2024, 2024], "rate": [0.5, 0.75, 0.2]}
    )
    return plotting.year_lines(
        df, label="body", year="year", value="rate", percent=True, title="实质公开率", source=SOURCE
    )


CHARTS: dict[str, Callable[[], Figure]] = {
    "bars": _bars,
    "dots": _dots,
    "stacked": _stacked,
    "heatmap": _heatmap,
    "flow": _flow,
    "lines": _lines,
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_chart_renders_with_footer_and_files(name: str, tmp_path: Path) -> None:
    fig = CHARTS[name]()
    assert plotting.footer_text(fig) == SOURCE
    assert SOURCE in [t.get_text() for t in fig.texts]
    assert glyph_warnings(render(fig)) == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = plotting.save(fig, name, tmp_path / "figures")
    assert glyph_warnings([str(w.message) for w in caught]) == []
    assert [p.name for p in paths] == [f"{name}.png", f"{name}.svg"]
    assert all(p.stat().st_size > 1000 for p in paths)
    from PIL import Image

    with Image.open(paths[0]) as img:
        dpi = img.info.get("dpi")
    assert dpi is not None and round(dpi[0]) == 300
    assert "<svg" in paths[1].read_text(encoding="utf-8")[:500]


def test_na_is_not_drawn_as_zero() -> None:
    fig = _bars()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert plotting.NO_DATA_ZH in texts
    assert "0" in texts  # the reported zero is printed as a zero


def test_symlog_scale_for_counts() -> None:
    fig = _dots()
    assert fig.axes[0].get_xscale() == "symlog"
    render(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "0" in ticks and "1,000" in ticks


def test_year_lines_leave_out_single_years() -> None:
    fig = _lines()
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["甲镇"]
    assert any("另有 1 个机关不足 2 个年度" in t.get_text() for t in ax.texts)


def test_flow_chart_scale_follows_the_spread() -> None:
    flow = pd.DataFrame(
        {
            "label": ["市", "镇"],
            "received_new": pd.array([3119, 6], dtype="Int64"),
            "carried_over": pd.array([34, 0], dtype="Int64"),
            "total_handled": pd.array([3050, 6], dtype="Int64"),
            "carried_forward": pd.array([103, 0], dtype="Int64"),
        }
    )
    # 3,153 on hand beside 6: under three orders of magnitude, so linear.
    assert (
        plotting.flow_chart(flow, label="label", title="流向", source=SOURCE).axes[0].get_xscale()
        == "linear"
    )
    flow.loc[1, "received_new"] = 2  # 3,153 beside 2: over three orders
    wide = plotting.flow_chart(flow, label="label", title="流向", source=SOURCE)
    assert wide.axes[0].get_xscale() == "symlog"
    assert _flow().axes[0].get_xscale() == "linear"


@pytest.mark.parametrize(
    ("values", "scale"),
    [
        pytest.param([0, 5, 300, 1200], "linear", id="one-report-channels"),
        pytest.param([0, 1, 12, 3000], "symlog", id="three-decades"),
        pytest.param([pd.NA, 0, 0], "linear", id="no-spread"),
    ],
)
def test_log_scale_only_past_three_orders_of_magnitude(values: list, scale: str) -> None:
    df = pd.DataFrame({"body": [f"b{i}" for i in range(len(values))], "n": values})
    for chart in (plotting.bar_chart, plotting.dot_chart):
        fig = chart(df, label="body", value="n", title="t", source=SOURCE, scale="symlog")
        assert fig.axes[0].get_xscale() == scale, chart.__name__


def test_decades() -> None:
    assert plotting.decades([0, 10, 1000, pd.NA]) == pytest.approx(2.0)
    assert plotting.decades([5]) == 0.0


@pytest.mark.parametrize(
    ("locs", "labels"),
    [
        pytest.param([0.855, 0.86, 0.865, 0.87], ["85.5%", "86.0%", "86.5%", "87.0%"], id="half"),
        pytest.param([0.8575, 0.86, 0.8625], ["85.75%", "86.00%", "86.25%"], id="quarter"),
        pytest.param([0.0, 0.2, 0.4], ["0%", "20%", "40%"], id="whole"),
    ],
)
def test_percent_ticks_have_the_decimals_their_step_needs(locs: list, labels: list) -> None:
    fmt = plotting.PercentTicks()
    fmt.set_locs(locs)
    assert [fmt(x) for x in locs] == labels


def _rates_by_year(**kwargs: object) -> Figure:
    df = pd.DataFrame(
        {"body": ["甲镇"] * 3, "year": [2021, 2022, 2023], "rate": [0.857, 0.87, 0.88]}
    )
    return plotting.year_lines(
        df, label="body", year="year", value="rate", percent=True, title="实质公开率",
        source=SOURCE, **kwargs,
    )  # fmt: skip


def test_year_lines_start_at_zero() -> None:
    fig = _rates_by_year()
    ax = fig.axes[0]
    render(fig)
    assert ax.get_ylim()[0] == 0
    assert ax.get_ylim()[1] == pytest.approx(0.88 * 1.1)
    assert list(ax.get_lines()[0].get_ydata()) == [0.857, 0.87, 0.88]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(set(ticks)) == len(ticks)  # no "86% 86% 87%"
    assert ticks[0] == "0%"
    assert not [line for line in ax.get_lines() if line.get_gid() == "cut-axis"]


def test_a_cut_axis_is_marked() -> None:
    fig = _rates_by_year(zero=False)
    ax = fig.axes[0]
    render(fig)
    assert ax.get_ylim()[0] > 0.8
    assert len([line for line in ax.get_lines() if line.get_gid() == "cut-axis"]) == 2
    assert any(plotting.CUT_AXIS_ZH in t.get_text() for t in ax.texts)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(set(ticks)) == len(ticks) and all("." in t for t in ticks)


def _chain_tables() -> dict[str, pd.DataFrame]:
    """瀛海镇 2023 → 2024 breaks (2 carried forward, 0 carried over), 承留镇 holds (3 = 3),
    龙山街道 2023 → 2024 cannot be compared (blank) and 2024 → 2025 holds."""

    def cells(rid: str, forward: dict, over: dict) -> list[tuple]:
        rows = []
        for a in template.APPLICANT_CODES:
            rows.append((rid, "carried_forward", a, forward.get(a, 0), "reported"))
            v = over.get(a, 0)
            rows.append((rid, "carried_over", a, v, "blank" if v is None else "reported"))
        return rows

    blank = dict.fromkeys(template.APPLICANT_CODES)
    rows = (
        cells("a23", {"natural_person": 2, "total": 2}, {})
        + cells("a24", {}, {})
        + cells("b23", {"natural_person": 3, "total": 3}, {})
        + cells("b24", {}, {"natural_person": 3, "total": 3})
        + cells("c23", {"enterprise": 1, "total": 1}, {})
        + cells("c24", {"total": 5, "natural_person": 5}, blank)
        + cells("c25", {}, {"total": 5, "natural_person": 5})
    )
    apps = pd.DataFrame(rows, columns=["report_id", "row", "applicant", "value", "status"])
    reports = pd.DataFrame(
        {
            "report_id": ["a23", "a24", "b23", "b24", "c23", "c24", "c25", "x"],
            "agency": ["瀛海镇人民政府"] * 2 + ["承留镇人民政府"] * 2 + ["龙山街道办事处"] * 3
            + [pd.NA],
            "year": pd.array([2023, 2024, 2023, 2024, 2023, 2024, 2025, 2024], dtype="Int64"),
            "parse_status": ["ok"] * 7 + ["failed"],
        }
    )  # fmt: skip
    return {"reports": reports, "applications": apps.astype({"value": "Int64"})}


def test_carry_over_chains() -> None:
    ch = metrics.carry_over_chains(_chain_tables())
    got = ch[["agency", "year", "next_year", "carried_forward", "carried_over", "status"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        ["承留镇人民政府", 2023, 2024, 3, 3, "holds"],
        ["瀛海镇人民政府", 2023, 2024, 2, 0, "broken"],
        ["龙山街道办事处", 2023, 2024, 1, None, "unknown"],
        ["龙山街道办事处", 2024, 2025, 5, 5, "holds"],
    ]
    # The columns that break: those of the next_year_chain finding.
    assert ch.loc[1, "columns"] == "natural_person,total"
    assert (ch.loc[1, "report_id"], ch.loc[1, "next_report_id"]) == ("a23", "a24")


def test_chain_chart_plots_each_pair_and_marks_breaks() -> None:
    ch = metrics.carry_over_chains(_chain_tables())
    ch["label"] = ch["agency"].map(plotting.body_label)
    fig = plotting.chain_chart(ch, label="label", title="跨年度结转衔接", source=SOURCE)
    ax = fig.axes[0]
    assert glyph_warnings(render(fig)) == []
    assert [t.get_text() for t in ax.get_yticklabels()] == ["承留镇", "瀛海镇", "龙山街道"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023→2024", "2024→2025"]
    cells = sorted(t.get_text() for t in ax.texts if t.get_text() and "每格" not in t.get_text())
    assert cells == ["2 ≠ 0", "3 = 3", "5 = 5", plotting.NO_DATA_ZH]
    # Colours: the heatmap's values are the statuses' positions in CHAIN_COLORS.
    mesh = ax.collections[0]
    values = [v for v in mesh.get_array().compressed().tolist()]
    assert sorted(values) == [0, 0, 1, 2]  # holds, holds, broken, unknown
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [plotting.CHAIN_LEGEND_ZH[s] for s in ("holds", "broken", "unknown")]
    assert any("断开 1 处" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize(
    ("years", "text"),
    [
        pytest.param([2023, 2023], plotting.ONE_YEAR_ZH, id="one-year"),
        pytest.param([2021, 2023], plotting.NO_PAIRS_ZH, id="no-consecutive-years"),
    ],
)
def test_chain_chart_says_why_there_is_nothing_to_compare(years: list, text: str) -> None:
    empty = metrics.carry_over_chains({"reports": REPORTS.iloc[:0], "applications": None})
    assert list(empty.columns) == list(metrics.CHAIN_COLUMNS) and empty.empty
    fig = plotting.chain_chart(
        empty, label="agency", title="跨年度结转衔接", source=SOURCE, years=years
    )
    ax = fig.axes[0]
    assert not ax.axison
    assert [t.get_text() for t in ax.texts if t.get_gid() == "chain-empty"] == [text]
    assert glyph_warnings(render(fig)) == []
