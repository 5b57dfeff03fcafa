"""One house style for gxparse charts, with Chinese labels that need no system font.

The CJK glyphs come from Noto Sans CJK SC (SIL Open Font License), the OpenType file the
PyPI package ``mplfonts`` ships. :func:`use_style` registers that file with matplotlib's
font manager (``fontManager.addfont``) and puts its family after the Latin font in
``font.family``, so Latin text and digits keep DejaVu Sans and every Hanzi falls back to
Noto. Nothing is written to disk: no ``mplfonts init``, no matplotlibrc, no font cache
edits. Call :func:`use_style` again after a seaborn theme (which resets the fonts).

Every chart carries a source footer (reports, years, build date); :func:`save` refuses a
figure without one and writes ``<name>.png`` (300 dpi) and ``<name>.svg``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import (
    Formatter,
    FuncFormatter,
    MaxNLocator,
    MultipleLocator,
    NullLocator,
    SymmetricalLogLocator,
)
from matplotlib.transforms import offset_copy

from gxparse import template
from gxparse.analysis.metrics import OUTCOME_GROUPS, STATUS_SEVERITY, UNKNOWN_YEAR_ZH, short_label

__all__ = [
    "CJK_FONT_FILE",
    "FLOW_COLORS",
    "LATIN_FAMILY",
    "NOT_APPLICABLE_ZH",
    "NO_DATA_ZH",
    "OUTCOME_COLORS",
    "PALETTE",
    "STATUS_COLORS",
    "ZERO_TOTAL_ZH",
    "PercentTicks",
    "add_footer",
    "aggregate_caption",
    "bar_chart",
    "body_label",
    "chain_chart",
    "chain_text",
    "cjk_font_path",
    "decades",
    "dot_chart",
    "flow_chart",
    "flow_labels",
    "footer_text",
    "house_rc",
    "mark_cut_axis",
    "percent_decimals",
    "report_labels",
    "save",
    "source_note",
    "stacked_shares",
    "status_bars",
    "status_heatmap",
    "use_style",
    "used_note",
    "year_lines",
]

LATIN_FAMILY = "DejaVu Sans"
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
FOOTER_ATTR = "_gxparse_footer"

INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#dddddd"
# A qualitative palette (colour-blind safe, Okabe–Ito order).
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
OUTCOME_COLORS: dict[str, str] = dict(
    zip(
        OUTCOME_GROUPS,
        ("#0072B2", "#56B4E9", "#D55E00", "#E69F00", "#CC79A7", "#999999"),
        strict=True,
    )
)
STATUS_COLORS: dict[str, str] = {
    "reported": "#c6dbef",
    "blank": "#bdbdbd",
    "missing": "#d7301f",
    "derived": "#fdae6b",
    "corrected": "#9e9ac8",
}
NO_DATA_ZH = "无数据"
NOT_APPLICABLE_ZH = "不适用"
ZERO_TOTAL_ZH = "总计为 0"
# Captions of the aggregated charts ({groups}: 层级与年度, 层级, ...).
AGGREGATE_CAPTIONS_ZH: dict[str, str] = {
    "median": "按{groups}汇总：各组中位数（仅计有数据的报告）",
    "pooled": "按{groups}汇总：合并比率 = 各组分子之和 / 分母之和，本身比率为空的报告不计入",
    "sum": "按{groups}汇总：各组合计，仅计各项均有数据的报告",
    "per_report": "按{groups}汇总：平均每份报告的条数",
}
COUNTED_NOTE_ZH = "括号内为报告份数"
# A log scale only for values spanning this many orders of magnitude or more.
LOG_MIN_DECADES = 3
CUT_AXIS_ZH = "纵轴未从 0 开始（见轴上的断开标记）"
USED_NOTE_ZH = "（{used:,} 份有数据）"


def _text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    r, g, b = mpl.colors.to_rgb(colour)
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "white"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------
# Fonts and style
# ---------------------------------------------------------------------------------------
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC file inside the installed ``mplfonts`` package.

    Found from the package's location without importing it (no side effects).
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the PyPI package 'mplfonts' is needed for Chinese chart labels")
    for location in spec.submodule_search_locations:
        path = Path(location) / "fonts" / CJK_FONT_FILE
        if path.is_file():
            return path
    raise RuntimeError(f"{CJK_FONT_FILE} not found in the installed mplfonts package")


_registered: str | None = None


def _register_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib (once) and return its family name."""
    global _registered
    if _registered is None:
        path = cjk_font_path()
        font_manager.fontManager.addfont(str(path))
        _registered = font_manager.FontProperties(fname=str(path)).get_name()
    return _registered


def house_rc() -> dict[str, object]:
    """The rcParams of the house style (fonts included)."""
    cjk = _register_cjk_font()
    sans = [LATIN_FAMILY, cjk] + [
        f for f in mpl.rcParamsDefault["font.sans-serif"] if f not in (LATIN_FAMILY, cjk)
    ]
    return {
        "font.family": [LATIN_FAMILY, cjk],
        "font.sans-serif": sans,
        "font.size": 9,
        "axes.titlesize": 11.5,
        "axes.titleweight": "normal",
        "axes.titlelocation": "left",
        "axes.labelsize": 9,
        "axes.labelcolor": INK,
        "axes.edgecolor": MUTED,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "x",
        "axes.axisbelow": True,
        "axes.facecolor": "white",
        "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
        "axes.unicode_minus": True,
        "grid.color": GRID,
        "grid.linewidth": 0.6,
        "xtick.color": MUTED,
        "ytick.color": INK,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.frameon": False,
        "legend.fontsize": 8,
        "figure.facecolor": "white",
        "figure.dpi": 100,
        "figure.constrained_layout.use": True,
        "savefig.dpi": 300,
        "savefig.facecolor": "white",
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.08,
        "svg.fonttype": "path",
        "svg.hashsalt": "gxparse",
        "text.color": INK,
    }


def use_style() -> None:
    """Apply the house style to matplotlib's rcParams (re-apply after a seaborn theme)."""
    mpl.rcParams.update(house_rc())


# ---------------------------------------------------------------------------------------
# Footer and saving
# ---------------------------------------------------------------------------------------
def _years_text(years: Iterable[object]) -> str:
    ys = sorted({int(y) for y in years if pd.notna(y)})
    if not ys:
        return UNKNOWN_YEAR_ZH
    if len(ys) == 1:
        return f"{ys[0]} 年度"
    if ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]} 年度"
    return "、".join(str(y) for y in ys) + " 年度"


def source_note(
    reports: pd.DataFrame,
    build_date: dt.date | str | None = None,
    *,
    source: str = "政府信息公开工作年度报告",
) -> str:
    """The footer text: how many reports, which years, when built. Files that could not
    be parsed and duplicates (:func:`gxparse.batch.corpus.left_out`) are not counted.

    ``来源：政府信息公开工作年度报告 5 份（2023 年度）· gxparse 生成于 2026-11-22``
    """
    if "report_id" in reports:
        from gxparse.batch.corpus import left_out

        reports = reports[~reports["report_id"].isin(left_out(reports)["report_id"])]
    n = int(reports["report_id"].nunique()) if "report_id" in reports else len(reports)
    years = reports["year"] if "year" in reports else []
    when = build_date or dt.date.today()
    if isinstance(when, dt.date):
        when = when.isoformat()
    return f"来源：{source} {n} 份（{_years_text(years)}）· gxparse 生成于 {when}"


def add_footer(fig: Figure, note: str) -> Figure:
    """Put the source note under the figure (outside the axes, so it never overlaps them)."""
    old = getattr(fig, FOOTER_ATTR, None)
    if old is not None:
        old.remove()
    transform = offset_copy(fig.transFigure, fig=fig, x=2, y=-6, units="points")
    text = fig.text(
        0.0, 0.0, note, transform=transform, ha="left", va="top", fontsize=7, color=MUTED
    )
    setattr(fig, FOOTER_ATTR, text)
    return fig


def footer_text(fig: Figure) -> str | None:
    """The figure's source note, or None."""
    text = getattr(fig, FOOTER_ATTR, None)
    return None if text is None else text.get_text()


def save(fig: Figure, name: str, outdir: str | Path) -> list[Path]:
    """Write ``<outdir>/<name>.png`` (300 dpi) and ``<name>.svg``; return both paths.

    Raises ValueError when the figure has no source footer (see :func:`add_footer`).
    """
    if not footer_text(fig):
        raise ValueError(
            f"chart {name!r} has no source footer: call add_footer(fig, source_note(...))"
        )
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    fig.savefig(paths[0], dpi=300, metadata={"Software": "gxparse"})
    fig.savefig(paths[1], metadata={"Date": None, "Creator": "gxparse"})
    return paths


# ---------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------
_BODY_SUFFIXES = ("人民政府", "办事处")


def body_label(agency: object) -> str:
    """A body's short display name: 人民政府 / 办事处 dropped (``瀛海镇人民政府`` → ``瀛海镇``)."""
    text = "" if agency is None or pd.isna(agency) else str(agency)
    for suffix in _BODY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text.removesuffix(suffix)
    return text


def report_labels(
    reports: pd.DataFrame, *, short: bool = True, with_year: bool | None = None
) -> pd.Series:
    """A display label per report_id: the body (``agency``), with the year when several years show.

    ``short`` drops the suffixes 人民政府 / 办事处 (``瀛海镇人民政府`` → ``瀛海镇``). Two
    reports that would get the same label get their report_id appended.
    """
    agency = reports["agency"].fillna(reports.get("agency_raw", reports["report_id"])).astype(str)
    agency = agency.where(agency.str.len() > 0, reports["report_id"].astype(str))
    if short:
        agency = agency.map(body_label)
    if with_year is None:
        with_year = "year" in reports and reports["year"].nunique(dropna=True) > 1
    if with_year:
        agency = agency + " " + reports["year"].astype("string").fillna("?")
    dup = agency.duplicated(keep=False)
    agency = agency.where(~dup, agency + "（" + reports["report_id"].astype(str) + "）")
    return pd.Series(agency.to_numpy(), index=reports["report_id"].to_numpy(), name="label")


def aggregate_caption(how: str, groups: Sequence[str], *, counted: bool = True) -> str:
    """The subtitle of an aggregated chart: how its values summarise the reports of each
    group. ``how``: a key of :data:`AGGREGATE_CAPTIONS_ZH`; ``groups``: the Chinese names of
    the grouping columns (``["层级", "年度"]``); ``counted``: the labels carry the number
    of reports in brackets."""
    caption = AGGREGATE_CAPTIONS_ZH[how].format(groups="与".join(groups))
    return f"{caption}；{COUNTED_NOTE_ZH}" if counted else caption


def used_note(df: pd.DataFrame, *, used: str = "n_used", total: str = "n_reports") -> pd.Series:
    """Per row of an aggregated frame, ``（12 份有数据）`` when fewer reports than the group
    holds had the input, else empty: the note after a bar's value."""
    notes = [
        USED_NOTE_ZH.format(used=int(u)) if pd.notna(u) and pd.notna(n) and u < n else ""
        for u, n in zip(df[used], df[total], strict=True)
    ]
    return pd.Series(notes, index=df.index, dtype=object)


def _int_format(x: float, _pos: object = None) -> str:
    if not np.isfinite(x):
        return ""
    return f"{x:,.0f}" if abs(x) >= 1 or x == 0 else f"{x:g}"


def _value_text(v: float, percent: bool = False) -> str:
    if pd.isna(v):
        return NO_DATA_ZH
    if percent:
        return f"{v:.0%}" if abs(v) >= 0.1 or v == 0 else f"{v:.1%}"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def decades(values: Iterable[object]) -> float:
    """Orders of magnitude between the smallest and the largest positive value (0 when
    there are fewer than two positive values)."""
    arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    arr = arr.to_numpy(dtype=float, na_value=np.nan)
    pos = arr[np.isfinite(arr) & (arr > 0)]
    if pos.size < 2:
        return 0.0
    return float(np.log10(pos.max() / pos.min()))


def _effective_scale(scale: str, values: Iterable[object]) -> str:
    """A log scale only for values spanning at least :data:`LOG_MIN_DECADES` orders of
    magnitude (a city's thousands beside a township's handful); otherwise linear, whose
    bar lengths compare honestly."""
    if scale in ("symlog", "log") and decades(values) < LOG_MIN_DECADES:
        return "linear"
    return scale


class PercentTicks(Formatter):
    """Percent tick labels (1.0 = 100%) with as many decimals as the tick step needs:
    0%, 20%, …; 85.5%, 86.0%, …; never "86% 86% 87%" for ticks that differ."""

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        self.decimals = percent_decimals(locs)

    def __call__(self, x: float, pos: object = None) -> str:
        return f"{x * 100:.{self.decimals}f}%"


def percent_decimals(locs: Sequence[float]) -> int:
    """The decimals percent ticks at ``locs`` (1.0 = 100%) need to read apart (0 to 3)."""
    pct = np.sort(np.asarray(list(locs), dtype=float)) * 100
    pct = pct[np.isfinite(pct)]
    for d in range(4):
        shown = np.round(pct, d)
        if len(set(shown.tolist())) == len(pct) and np.allclose(shown, pct, atol=1e-9):
            return d
    return 3


def _apply_scale(ax: plt.Axes, scale: str, axis: str = "x") -> None:
    setter = ax.set_xscale if axis == "x" else ax.set_yscale
    target = ax.xaxis if axis == "x" else ax.yaxis
    if scale == "symlog":
        setter("symlog", linthresh=1, linscale=0.6)
        target.set_major_locator(SymmetricalLogLocator(base=10, linthresh=1, subs=[1.0]))
        target.set_minor_locator(NullLocator())
    elif scale == "log":
        setter("log")
    else:
        setter("linear")
        target.set_major_locator(MaxNLocator(integer=True, nbins="auto"))
    target.set_major_formatter(FuncFormatter(_int_format))


def _legend_above(ax: plt.Axes, handles: list[Patch]) -> None:
    """A one-row legend of colour patches above the axes (under the title)."""
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=len(handles),
        handlelength=1.0,
        borderaxespad=0.2,
    )


def mark_cut_axis(ax: plt.Axes) -> None:
    """Draw a break mark (two short slanted strokes) at the foot of the value axis: the
    axis does not start at 0."""
    kw = {"transform": ax.transAxes, "color": INK, "lw": 0.9, "clip_on": False, "zorder": 5}
    for dy in (0.0, 0.025):
        ax.plot([-0.012, 0.012], [0.01 + dy, 0.035 + dy], **kw, gid="cut-axis")


def _new_figure(
    n_rows: int, width: float = 7.0, per_row: float = 0.32, min_height: float = 2.4
) -> tuple[Figure, plt.Axes]:
    use_style()
    height = max(min_height, 1.2 + per_row * n_rows)
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def _finish(
    fig: Figure,
    ax: plt.Axes,
    title: str,
    source: str,
    subtitle: str | None = None,
    *,
    legend: bool = False,
) -> Figure:
    """Title, optional subtitle and legend row above the axes, source footer below."""
    pad = 4.0
    if legend:
        pad += 18
    if subtitle:
        transform = offset_copy(ax.transAxes, fig=fig, x=0, y=pad - 2, units="points")
        ax.text(
            0, 1.0, subtitle, transform=transform, fontsize=8, color=MUTED, va="bottom", ha="left"
        )
        pad += 14 + 11 * subtitle.count("\n")
    ax.set_title(title, pad=pad)
    add_footer(fig, source)
    return fig


# ---------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------
def bar_chart(
    df: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    source: str,
    xlabel: str = "",
    scale: str = "linear",
    percent: bool = False,
    subtitle: str | None = None,
    color: str = PALETTE[0],
    sort: bool = True,
    note: str | None = None,
) -> Figure:
    """Horizontal bars, one per row of ``df`` (e.g. per body), values printed at the bar ends.

    NA values draw no bar and read 无数据 (a blank cell is not a zero). ``note`` names a
    column whose text follows the printed value (e.g. 约 for an approximate count).
    ``scale`` is ``linear``, ``log`` or ``symlog`` (0 stays visible; for counts 0..thousands),
    the latter two only for values spanning :data:`LOG_MIN_DECADES` orders of magnitude.
    """
    data = df[[label, value, *([note] if note else [])]].copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype(float)
    if sort:
        data = data.sort_values(value, ascending=True, na_position="first")
    fig, ax = _new_figure(len(data))
    y = np.arange(len(data))
    vals = data[value].to_numpy()
    ax.barh(y, np.nan_to_num(vals, nan=0.0), color=color, height=0.6)
    ax.set_yticks(y, data[label].astype(str).tolist())
    ax.tick_params(axis="y", length=0)
    finite = vals[np.isfinite(vals)]
    top = float(finite.max()) if finite.size else 1.0
    scale = "linear" if percent else _effective_scale(scale, finite)
    _apply_scale(ax, scale)
    if percent:
        ax.xaxis.set_major_locator(MultipleLocator(0.2 if top <= 1.5 else 0.5))
        ax.xaxis.set_major_formatter(PercentTicks())
        ax.set_xlim(0, max(1.0, top) * 1.12)
    elif scale == "linear":
        ax.set_xlim(0, top * 1.18 if top > 0 else 1)
    else:
        ax.set_xlim(0, max(top, 1) * 6)
    notes = data[note].fillna("").astype(str).tolist() if note else [""] * len(data)
    for yi, v, extra in zip(y, vals, notes, strict=True):
        x = 0 if pd.isna(v) else v
        ax.annotate(
            _value_text(v, percent) + extra,
            (x, yi),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
            color=MUTED if pd.isna(v) else INK,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylim(-0.6, len(data) - 0.4)
    return _finish(fig, ax, title, source, subtitle)


def dot_chart(
    df: pd.DataFrame,
    *,
    label: str,
    value: str,
    title: str,
    source: str,
    hue: str | None = None,
    hue_labels: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    xlabel: str = "",
    scale: str = "symlog",
    subtitle: str | None = None,
    annotate: bool = True,
    colors: Mapping[str, str] | None = None,
) -> Figure:
    """Dot chart across bodies (one line per ``label``), one marker per ``hue`` series.

    The default ``symlog`` scale is linear near 0 and logarithmic beyond, so 0, 6 and
    3,000 all show; values spanning fewer than :data:`LOG_MIN_DECADES` orders of magnitude
    get a linear scale. NA points are left
    out and listed as 无数据 at the right end of their line, as are labels of ``order``
    without any row. ``colors`` maps hue values to colours.
    """
    data = df.copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype(float)
    series = list(dict.fromkeys(data[hue])) if hue else [None]
    labels = list(order) if order is not None else _order_by_max(data, label, value)
    fig, ax = _new_figure(len(labels), per_row=0.34 + 0.06 * max(0, len(series) - 1))
    ypos = {lab: i for i, lab in enumerate(labels)}
    markers = ("o", "s", "D", "^", "v", "P")
    n = len(series)
    offsets = np.linspace(-0.18, 0.18, n) if n > 1 else [0.0]
    for k, s in enumerate(series):
        part = data if s is None else data[data[hue] == s]
        part = part[part[label].isin(ypos)]
        ys = part[label].map(ypos).to_numpy(dtype=float) + offsets[k]
        xs = part[value].to_numpy()
        ok = np.isfinite(xs)
        name = None if s is None else (hue_labels or {}).get(s, str(s))
        ax.scatter(
            xs[ok],
            ys[ok],
            s=28,
            marker=markers[k % len(markers)],
            color=(colors or {}).get(s, PALETTE[k % len(PALETTE)]),
            label=name,
            zorder=3,
        )
        if annotate:
            for x, yv in zip(xs[ok], ys[ok], strict=True):
                ax.annotate(
                    _value_text(x),
                    (x, yv),
                    xytext=(5, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                    color=INK,
                )
    # Guide lines per body.
    for i in range(len(labels)):
        ax.axhline(i, color=GRID, lw=0.5, zorder=1)
    missing = data[data[value].isna() & data[label].isin(ypos)]
    notes = {}
    for lab, grp in missing.groupby(label, sort=False):
        names = "、".join((hue_labels or {}).get(s, str(s)) for s in grp[hue]) if hue else ""
        notes[lab] = f"{NO_DATA_ZH}：{names}" if names else NO_DATA_ZH
    for lab in set(labels) - set(data[label]):
        notes[lab] = NO_DATA_ZH
    for lab, text in notes.items():
        ax.annotate(
            text,
            (1.0, ypos[lab]),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 0),
            textcoords="offset points",
            va="center",
            ha="right",
            fontsize=7,
            color=MUTED,
        )
    ax.set_yticks(range(len(labels)), [str(x) for x in labels])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    finite = data[value][np.isfinite(data[value])]
    top = float(finite.max()) if len(finite) else 1.0
    scale = _effective_scale(scale, finite)
    _apply_scale(ax, scale)
    left = {"log": 0.8, "symlog": -0.35}.get(scale, -0.02 * max(top, 1))
    ax.set_xlim(left, max(top, 1) * (4 if scale != "linear" else 1.15))
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if hue and n > 1:
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=min(n, 4),
            handletextpad=0.2,
            columnspacing=1.0,
            borderaxespad=0.2,
        )
    return _finish(fig, ax, title, source, subtitle, legend=bool(hue and n > 1))


def _order_by_max(data: pd.DataFrame, label: str, value: str) -> list[str]:
    agg = data.groupby(label, sort=False)[value].max()
    return list(agg.sort_values(ascending=False, na_position="last").index)


def stacked_shares(
    df: pd.DataFrame,
    *,
    label: str,
    group: str,
    value: str,
    title: str,
    source: str,
    groups: Sequence[str] | None = None,
    group_labels: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    subtitle: str | None = None,
    min_label_share: float = 0.07,
    denominator: str | None = None,
) -> Figure:
    """100 % stacked horizontal bars: the mix of ``group`` within each ``label`` (shares in ``value``).

    Bodies whose shares are all NA show 无数据, or 总计为 0 when the ``denominator``
    column says there was nothing to share out.
    """
    wide = df.pivot_table(
        index=label, columns=group, values=value, aggfunc="first", dropna=False, sort=False
    )
    groups = list(groups) if groups is not None else list(wide.columns)
    wide = wide.reindex(columns=groups).astype(float)
    labels = list(dict.fromkeys(df[label]))
    wide = wide.reindex(labels)
    fig, ax = _new_figure(len(labels), per_row=0.36)
    y = np.arange(len(labels))
    left = np.zeros(len(labels))
    colors = colors or {}
    for k, g in enumerate(groups):
        vals = np.nan_to_num(wide[g].to_numpy(), nan=0.0)
        colour = colors.get(g, PALETTE[k % len(PALETTE)])
        ax.barh(
            y,
            vals,
            left=left,
            height=0.62,
            color=colour,
            label=(group_labels or {}).get(g, str(g)),
            edgecolor="white",
            linewidth=0.5,
        )
        for yi, (lft, v) in enumerate(zip(left, vals, strict=True)):
            if v >= min_label_share:
                ax.text(
                    lft + v / 2,
                    yi,
                    f"{v:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=_text_on(colour),
                )
        left = left + vals
    zero_total = set()
    if denominator is not None:
        dens = df.groupby(label, sort=False)[denominator].first()
        zero_total = {lab for lab, d in dens.items() if pd.notna(d) and d == 0}
    for yi, total in enumerate(left):
        if total == 0:
            text = ZERO_TOTAL_ZH if labels[yi] in zero_total else NO_DATA_ZH
            ax.text(0.01, yi, text, va="center", ha="left", fontsize=7.5, color=MUTED)
    ax.set_yticks(y, [str(x) for x in labels])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:.0%}"))
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=min(len(groups), 6),
        handlelength=1.0,
        handletextpad=0.3,
        columnspacing=0.8,
        borderaxespad=0.2,
    )
    return _finish(fig, ax, title, source, subtitle, legend=True)


def status_heatmap(
    df: pd.DataFrame,
    *,
    row: str,
    col: str,
    title: str,
    source: str,
    status: str = "status",
    row_order: Sequence[str] | None = None,
    col_order: Sequence[str] | None = None,
    annotate: str | None = None,
    subtitle: str | None = None,
    max_label: int = 18,
) -> Figure:
    """Categorical heatmap of cell status: ``row`` × ``col`` coloured by ``status``.

    ``df`` is long (one row per cell); statuses are the contract's (reported, blank,
    missing, derived, corrected) and the legend reads their Chinese labels. A cell with no
    row in ``df`` is white (不适用: the report's template has no such row). ``annotate``
    names a column printed in each cell (e.g. counts); row labels longer than
    ``max_label`` characters are shortened with an ellipsis.
    """
    codes = list(STATUS_COLORS)
    rows = list(row_order) if row_order is not None else list(dict.fromkeys(df[row]))
    cols = list(col_order) if col_order is not None else list(dict.fromkeys(df[col]))
    grid = np.full((len(rows), len(cols)), np.nan)
    notes = np.full((len(rows), len(cols)), "", dtype=object)
    ri = {r: i for i, r in enumerate(rows)}
    ci = {c: j for j, c in enumerate(cols)}
    for rec in df.itertuples(index=False):
        r, c = getattr(rec, row), getattr(rec, col)
        if r in ri and c in ci:
            grid[ri[r], ci[c]] = (
                codes.index(getattr(rec, status)) if getattr(rec, status) in codes else np.nan
            )
            if annotate:
                v = getattr(rec, annotate)
                notes[ri[r], ci[c]] = "" if pd.isna(v) or v == "" else str(v)
    use_style()
    width = min(12.0, max(6.0, 2.6 + 0.55 * len(cols)))
    height = max(2.6, 1.6 + 0.26 * len(rows))
    fig, ax = plt.subplots(figsize=(width, height))
    cmap = ListedColormap([STATUS_COLORS[c] for c in codes]).with_extremes(bad="white")
    ax.imshow(
        np.ma.masked_invalid(grid),
        cmap=cmap,
        vmin=-0.5,
        vmax=len(codes) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(
        range(len(cols)), [str(c) for c in cols], rotation=35, ha="right", rotation_mode="anchor"
    )
    ax.set_yticks(range(len(rows)), [_shorten(str(r), max_label) for r in rows])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(-0.5, len(cols), 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows), 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)
    if annotate:
        for i in range(len(rows)):
            for j in range(len(cols)):
                if notes[i, j]:
                    dark = grid[i, j] == codes.index("missing")
                    ax.text(
                        j,
                        i,
                        notes[i, j],
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if dark else INK,
                    )
    present = [c for c in codes if c in set(df[status])] or codes[:1]
    handles = [
        Patch(facecolor=STATUS_COLORS[c], edgecolor=GRID, label=template.label("status", c))
        for c in present
    ]
    if np.isnan(grid).any():
        handles.append(Patch(facecolor="white", edgecolor=GRID, label=NOT_APPLICABLE_ZH))
    _legend_above(ax, handles)
    return _finish(fig, ax, title, source, subtitle, legend=True)


def status_bars(
    df: pd.DataFrame,
    *,
    row: str,
    title: str,
    source: str,
    subtitle: str | None = None,
    status: str = "status",
    value: str = "share",
    max_label: int = 24,
) -> Figure:
    """Cell status across many reports: per table row, the share of reports whose row is
    not fully reported, stacked by status (missing, blank, derived, corrected; the colours
    of :func:`status_heatmap`), the total printed at the bar's end.

    ``df`` is long, one row per table row × status (see
    :func:`gxparse.analysis.metrics.status_shares`); rows keep their order in ``df``; the axis runs
    to the largest total, so a few percent stay visible.
    """
    codes = [c for c in STATUS_SEVERITY if c != "reported"]
    wide = df.pivot_table(
        index=row, columns=status, values=value, aggfunc="sum", sort=False, observed=True
    )
    labels = list(dict.fromkeys(df[row]))
    wide = wide.reindex(index=labels, columns=codes).astype(float).fillna(0.0)
    fig, ax = _new_figure(len(labels), per_row=0.3, width=7.5)
    y = np.arange(len(labels))
    left = np.zeros(len(labels))
    present = [c for c in codes if wide[c].sum() > 0] or codes[:1]
    for c in present:
        vals = wide[c].to_numpy()
        ax.barh(
            y,
            vals,
            left=left,
            height=0.62,
            color=STATUS_COLORS[c],
            label=template.label("status", c),
            edgecolor="white",
            linewidth=0.4,
        )
        left = left + vals
    top = float(left.max()) if len(left) else 0.0
    for yi, total in zip(y, left, strict=True):
        ax.annotate(
            f"{total:.1%}",
            (total, yi),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color=INK,
        )
    ax.set_yticks(y, [_shorten(str(r), max_label) for r in labels])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, max(top, 0.01) * 1.18)
    ax.xaxis.set_major_formatter(PercentTicks())
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=len(present),
        handlelength=1.0,
        borderaxespad=0.2,
    )
    return _finish(fig, ax, title, source, subtitle, legend=True)


FLOW_PARTS: tuple[str, ...] = ("received_new", "carried_over", "total_handled", "carried_forward")
FLOW_COLORS: dict[str, str] = {
    "received_new": "#0072B2",
    "carried_over": "#9ecae1",
    "total_handled": "#009E73",
    "carried_forward": "#E69F00",
}


def flow_labels(lang: str = "zh") -> dict[str, str]:
    """Compact labels of the flow parts, from the template (common suffix dropped)."""
    a, b = short_label("received_new", lang), short_label("carried_over", lang)
    n = 0
    while lang == "zh" and n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    suffix = a[len(a) - n :] if n else ""
    return {
        "received_new": a.removesuffix(suffix) if suffix else a,
        "carried_over": b.removesuffix(suffix) if suffix else b,
        "total_handled": short_label("outcomes", lang),
        "carried_forward": short_label("carried_forward", lang),
    }


def flow_chart(
    flow: pd.DataFrame,
    *,
    label: str,
    title: str,
    source: str,
    subtitle: str | None = None,
    scale: str = "auto",
) -> Figure:
    """Requests on hand → handled → carried forward, per body.

    ``flow`` has one row per body with ``received_new, carried_over, total_handled,
    carried_forward`` (see :func:`gxparse.analysis.metrics.request_flow`). Each body gets two
    stacked bars: on hand (新收 + 上年结转) above, outcome (办结 + 结转下年度) below; when
    the template's identity holds they are equally long. NA parts are not drawn and the
    bar reads 无数据. ``scale="auto"`` turns symmetric-log when the largest body dwarfs
    the others (a city's thousands next to a township's handful); bars then keep their
    order but not their proportions, and the printed numbers carry the values. That is
    when the bodies' totals span :data:`LOG_MIN_DECADES` orders of magnitude or more.
    """
    data = flow.reset_index(drop=True)
    n = len(data)
    fig, ax = _new_figure(n, per_row=0.62, width=7.5)
    short = flow_labels()
    pairs = (("received_new", "carried_over"), ("total_handled", "carried_forward"))
    h = 0.34
    top = 0.0
    for i, rec in data.iterrows():
        for k, pair in enumerate(pairs):
            y = i + (k - 0.5) * (h + 0.04)
            left = 0.0
            vals = [rec[c] for c in pair]
            for c, v in zip(pair, vals, strict=True):
                if pd.isna(v):
                    continue
                ax.barh(
                    y,
                    float(v),
                    left=left,
                    height=h,
                    color=FLOW_COLORS[c],
                    edgecolor="white",
                    linewidth=0.5,
                )
                left += float(v)
            top = max(top, left)
            text = NO_DATA_ZH if any(pd.isna(v) for v in vals) else f"{left:,.0f}"
            detail = "＋".join(_value_text(v) for v in vals)
            ax.annotate(
                f"{text}（{detail}）"
                if not any(pd.isna(v) for v in vals)
                else f"{NO_DATA_ZH}（{detail}）",
                (left, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=INK,
            )
    ax.set_yticks(range(n), [str(x) for x in data[label]])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(n - 0.5, -0.5)
    if scale == "auto":
        totals = data[["received_new", "carried_over"]].astype("Float64").sum(axis=1, skipna=True)
        scale = "symlog" if decades(totals) >= LOG_MIN_DECADES else "linear"
    _apply_scale(ax, scale)
    ax.set_xlim(0, max(top, 1) * (1.3 if scale == "linear" else 8))
    ax.set_xlabel("申请数（件）")
    handles = [Patch(facecolor=FLOW_COLORS[c], label=short[c]) for c in FLOW_PARTS]
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=4,
        handlelength=1.0,
        borderaxespad=0.2,
    )
    sub = subtitle or (
        f"每个机关两条：上条 {short['received_new']}＋{short['carried_over']}，"
        f"下条 {short['total_handled']}＋{short['carried_forward']}"
    )
    if scale == "symlog":
        sub += "；对称对数刻度，括号内为实际件数"
    return _finish(fig, ax, title, source, sub, legend=True)


def year_lines(
    df: pd.DataFrame,
    *,
    label: str,
    year: str,
    value: str,
    title: str,
    source: str,
    percent: bool = False,
    ylabel: str = "",
    subtitle: str | None = None,
    min_years: int = 2,
    zero: bool = True,
) -> Figure:
    """One line per body across years (for year-over-year comparisons).

    Only bodies with a value in at least ``min_years`` years are drawn; the subtitle says
    how many were left out. The value axis starts at 0, so a change looks as large as it
    is; with ``zero=False`` it may start higher, and then the axis carries a break mark
    and the subtitle says so (:data:`CUT_AXIS_ZH`). Percent ticks have the decimals their
    step needs (:class:`PercentTicks`).
    """
    use_style()
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    data = df.copy()
    data[value] = pd.to_numeric(data[value], errors="coerce").astype(float)
    counts = data.dropna(subset=[value]).groupby(label)[year].nunique()
    keep = set(counts[counts >= min_years].index)
    left_out = data[label].nunique() - len(keep)
    data = data[data[label].isin(keep)]
    if left_out:
        note = f"另有 {left_out} 个机关不足 {min_years} 个年度，未画出"
        subtitle = f"{subtitle}；{note}" if subtitle else note
    for k, (lab, grp) in enumerate(data.sort_values(year).groupby(label, sort=False)):
        ax.plot(
            grp[year].astype(int),
            grp[value],
            marker="o",
            color=PALETTE[k % len(PALETTE)],
            label=str(lab),
            lw=1.4,
            ms=4,
        )
    years = sorted({int(y) for y in data[year].dropna()})
    ax.set_xticks(years, [str(y) for y in years])
    ax.grid(axis="y", visible=True)
    ax.grid(axis="x", visible=False)
    if percent:
        ax.yaxis.set_major_formatter(PercentTicks())
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(_int_format))
    finite = data[value][np.isfinite(data[value])]
    if zero and len(finite) and float(finite.min()) >= 0:
        top = float(finite.max())
        ax.set_ylim(0, top * 1.1 if top > 0 else 1)
    elif len(finite) and float(finite.min()) > 0 and ax.get_ylim()[0] > 0:
        mark_cut_axis(ax)
        subtitle = f"{subtitle}；{CUT_AXIS_ZH}" if subtitle else CUT_AXIS_ZH
    ax.set_ylabel(ylabel)
    if keep:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    else:
        ax.text(0.5, 0.5, NO_DATA_ZH, transform=ax.transAxes, ha="center", color=MUTED)
    return _finish(fig, ax, title, source, subtitle)


CHAIN_COLORS: dict[str, str] = {"holds": "#cfe8d5", "broken": "#FFC7CE", "unknown": "#eeeeee"}
CHAIN_LEGEND_ZH: dict[str, str] = {
    "holds": "衔接一致",
    "broken": "不一致（断开）",
    "unknown": "无法比较（单元格空白或缺失）",
}
ONE_YEAR_ZH = "只有一个年度的数据，无法比较跨年度结转"
NO_PAIRS_ZH = "没有同一机关相邻两个年度的报告，无法比较跨年度结转"


def chain_text(forward: object, over: object, status: str) -> str:
    """A chain cell's text: ``2 = 2``, ``2 ≠ 0``, or 无数据 where a side is unknown."""
    if pd.isna(forward) or pd.isna(over):
        return NO_DATA_ZH if status != "broken" else "≠"
    sign = "≠" if status == "broken" else "="
    return f"{float(forward):,.0f} {sign} {float(over):,.0f}"


def chain_chart(
    chains: pd.DataFrame,
    *,
    label: str,
    title: str,
    source: str,
    years: Iterable[object] = (),
    subtitle: str | None = None,
) -> Figure:
    """Cross-year carry-over chains: one row per body (``label``), one column per pair of
    years; each cell reads year N's 结转下年度 against year N + 1's 上年结转 (总计 column)
    and is coloured by ``status`` (:data:`CHAIN_COLORS`): a break is red and reads ≠.

    ``chains`` is :func:`gxparse.analysis.metrics.carry_over_chains` with a ``label`` column. When
    there is no pair to compare, the figure says why (:data:`ONE_YEAR_ZH` when ``years``
    holds fewer than two years, else :data:`NO_PAIRS_ZH`) instead of drawing empty axes.
    """
    import seaborn as sns

    use_style()
    if chains.empty:
        fig, ax = plt.subplots(figsize=(7.0, 1.6))
        ax.axis("off")
        n_years = len({int(y) for y in years if pd.notna(y)})
        ax.text(
            0.5, 0.5, ONE_YEAR_ZH if n_years < 2 else NO_PAIRS_ZH, transform=ax.transAxes,
            ha="center", va="center", fontsize=10, color=MUTED, gid="chain-empty",
        )  # fmt: skip
        return _finish(fig, ax, title, source, subtitle)
    pairs = sorted(
        {(int(a), int(b)) for a, b in zip(chains["year"], chains["next_year"], strict=True)}
    )
    cols = [f"{a}→{b}" for a, b in pairs]
    rows = list(dict.fromkeys(chains[label].astype(str)))
    codes = list(CHAIN_COLORS)
    grid = pd.DataFrame(np.nan, index=rows, columns=cols)
    texts = pd.DataFrame("", index=rows, columns=cols)
    for rec in chains.to_dict("records"):
        r, c = str(rec[label]), f"{int(rec['year'])}→{int(rec['next_year'])}"
        grid.loc[r, c] = codes.index(rec["status"])
        texts.loc[r, c] = chain_text(rec["carried_forward"], rec["carried_over"], rec["status"])
    width = min(12.0, max(5.5, 2.8 + 1.3 * len(cols)))
    fig, ax = plt.subplots(figsize=(width, max(2.4, 1.5 + 0.32 * len(rows))))
    sns.heatmap(
        grid,
        mask=grid.isna(),
        annot=texts.to_numpy(),
        fmt="",
        cmap=ListedColormap([CHAIN_COLORS[c] for c in codes]),
        vmin=-0.5,
        vmax=len(codes) - 0.5,
        cbar=False,
        linewidths=1.2,
        linecolor="white",
        annot_kws={"fontsize": 8, "color": INK},
        ax=ax,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(length=0)
    ax.grid(False)
    ax.set_yticks(np.arange(len(rows)) + 0.5, rows, rotation=0)
    present = [c for c in codes if c in set(chains["status"])]
    _legend_above(
        ax,
        [
            Patch(facecolor=CHAIN_COLORS[c], edgecolor=GRID, label=CHAIN_LEGEND_ZH[c])
            for c in present
        ],
    )
    n_broken = int((chains["status"] == "broken").sum())
    names = flow_labels()
    sub = subtitle or (
        f"每格：前一年度“{names['carried_forward']}”与后一年度“{names['carried_over']}”"
        f"（总计列）；断开 {n_broken} 处（任一申请人列不一致即为断开）"
    )
    return _finish(fig, ax, title, source, sub, legend=True)
