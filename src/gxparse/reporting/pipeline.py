"""The main job: build the tables, then execute every notebook headless.

``run_all("data/raw")`` (and ``gxparse run``):

1. builds the tidy tables with :func:`gxparse.batch.build.build` (Parquet + CSV in ``out_dir``);
2. converts each ``notebooks/NN_*.py`` (jupytext py:percent) to ``.ipynb`` in
   ``<reports_dir>/notebooks/``, executes it with papermill, passing the ``parameters``
   cell ``raw_dir``, ``processed_dir``, ``years``, ``bodies``, ``out_dir``,
   ``build_date`` and ``max_reports``;
3. writes each executed notebook as HTML to ``<reports_dir>/NN_*.html``, and without its
   code, for readers, to ``<reports_dir>/NN_*.reader.html`` (paths relative to the HTML).

The notebooks write their charts to ``<reports_dir>/figures`` (PNG + SVG; the charts of an
earlier run are removed first) and 06 writes ``<reports_dir>/gxparse-briefing.xlsx``. A
notebook whose jupytext header says ``gxparse: run_after_others: true`` (06, which lists
every chart) runs once the others have finished. The notebooks share their set-up through
:func:`open_analysis`, so each of them stays a page of calls and charts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gxparse.batch.corpus import _corpus_of, _keep_reports, _table, analysable
from gxparse.parsing.parse import TABLES

__all__ = [
    "Analysis",
    "NotebookFailed",
    "NotebookRun",
    "RunResult",
    "analysable",
    "find_notebooks",
    "find_project",
    "left_out_note",
    "load",
    "notebook_waves",
    "open_analysis",
    "repo_root",
    "resolve_path",
    "run_all",
    "run_notebook",
    "select",
    "this_python_kernel",
]

TABLE_NAMES: tuple[str, ...] = TABLES  # the seven tables, declared in contract.py

# Up to this many reports the notebooks chart every report (one bar, dot or row each);
# beyond it they aggregate before plotting (by level × year, with counts of reports) and
# add "top N" views of the most extreme reports. The one threshold: the default of
# ``open_analysis(max_reports=...)``, the notebooks' papermill parameter ``max_reports``
# and ``gxparse run --max-reports``.
MAX_REPORTS: int = 40
# A table shown in a notebook holds at most this many rows (the HTML stays small); a note
# says how many rows are left out and where the full table is.
MAX_TABLE_ROWS: int = 100
# Reports listed in a "top N" chart or table.
TOP_N: int = 20
GLYPH_MARKERS: tuple[str, ...] = ("missing from font", "missing from current font")


# ---------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------
def repo_root(start: str | Path | None = None) -> Path:
    """The project folder: the nearest parent of ``start`` (default: cwd) holding
    ``pyproject.toml`` and ``notebooks/``, else the nearest holding ``notebooks/`` and
    ``data/`` (:func:`find_project`), else ``start`` itself. Never where the package is
    installed: an installed gxparse has no project."""
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file() and (p / "notebooks").is_dir():
            return p
    return find_project(here) or here


def find_project(start: str | Path | None = None) -> Path | None:
    """The project root for ``gxparse run``: the nearest folder upward from ``start``
    (default: cwd) that holds ``notebooks/`` and ``data/``; None when there is none."""
    here = Path(start or Path.cwd()).absolute()
    for p in (here, *here.parents):
        if (p / "notebooks").is_dir() and (p / "data").is_dir():
            return p
    return None


def resolve_path(path: str | Path) -> Path:
    """An absolute path: as given when absolute or existing from the cwd, else relative to
    the repo (so ``../data/raw`` from ``notebooks/`` and ``data/raw`` from the repo agree)."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    if p.exists():
        return p.resolve()
    root = repo_root()
    for candidate in (root / p, root / "notebooks" / p):
        if candidate.exists():
            return candidate.resolve()
    return (root / p).resolve()


def find_notebooks(notebooks_dir: str | Path | None = None) -> list[Path]:
    """The jupytext scripts ``NN_*.py`` in run order."""
    folder = Path(notebooks_dir) if notebooks_dir else repo_root() / "notebooks"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py") if p.is_file())


# The notebook metadata key (under ``gxparse:`` in the jupytext header) of a notebook that
# gathers what the others write, so it must start after they finish.
RUN_AFTER_OTHERS = "run_after_others"


def notebook_waves(scripts: Sequence[Path]) -> list[list[Path]]:
    """The scripts in the waves they run in: first every notebook that may run alongside
    the others, then those marked ``gxparse: run_after_others: true`` (each wave in the
    given order; empty waves left out)."""
    import jupytext

    first, after = [], []
    for script in scripts:
        meta = jupytext.read(script).metadata.get("gxparse") or {}
        (after if meta.get(RUN_AFTER_OTHERS) else first).append(script)
    return [w for w in (first, after) if w]


def clear_figures(folder: Path) -> list[Path]:
    """Remove the charts (``*.png``, ``*.svg``) a run left in ``folder``: a chart that
    this run's data no longer calls for must not be listed with the new ones."""
    removed = []
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.suffix in (".png", ".svg"):
                f.unlink()
                removed.append(f)
    return removed


# ---------------------------------------------------------------------------------------
# Loading and selecting
# ---------------------------------------------------------------------------------------
def select(
    tables: object, *, years: Iterable[int] | None = None, bodies: Iterable[str] | None = None
) -> object:
    """Keep the reports of the given years and bodies (and their rows in every table).

    ``bodies`` are matched as substrings of ``agency`` or ``agency_raw`` (``"瀛海镇"``
    selects 北京市大兴区瀛海镇人民政府). ``None`` keeps everything.
    """
    reports = _table(tables, "reports")
    keep = pd.Series(True, index=reports.index)
    if years is not None:
        wanted = {int(y) for y in ([years] if isinstance(years, int | str) else years)}
        keep &= reports["year"].isin(wanted).fillna(False).astype(bool)
    if bodies is not None:
        names = [bodies] if isinstance(bodies, str) else list(bodies)
        agency = reports["agency"].astype("string").fillna("")
        raw = (
            reports["agency_raw"].astype("string").fillna("") if "agency_raw" in reports else agency
        )
        hit = pd.Series(False, index=reports.index)
        for name in names:
            hit |= agency.str.contains(name, regex=False) | raw.str.contains(name, regex=False)
        keep &= hit
    return _keep_reports(tables, set(reports.loc[keep, "report_id"]))


def left_out_note(dropped: pd.DataFrame) -> str:
    """The note the notebooks print: which files are left out of the charts and metrics,
    and why (one line each); empty when none is. ``dropped``: :func:`gxparse.batch.corpus.left_out`."""
    if dropped.empty:
        return ""
    n_failed = int((dropped["reason"] == "failed").sum())
    n_dup = len(dropped) - n_failed
    parts = [f"无法解析的文件 {n_failed} 个"] if n_failed else []
    parts += [f"重复的文件 {n_dup} 个"] if n_dup else []
    lines = [f"以下{'、'.join(parts)}未计入图表和指标（简报工作簿「未计入的文件」工作表同列）："]
    lines += [f"- {r['source_file']}：{r['note']}" for r in dropped.to_dict("records")]
    return "\n".join(lines)


def load(
    raw_dir: str | Path = "data/raw",
    *,
    processed_dir: str | Path | None = None,
    years: Iterable[int] | None = None,
    bodies: Iterable[str] | None = None,
) -> object:
    """The corpus: from ``processed_dir``'s Parquet files when they are there (a build ran),
    else parsed from ``raw_dir`` with :func:`gxparse.read_reports`; then :func:`select`."""
    if processed_dir is not None:
        from gxparse.batch.build import has_tables, read_tables

        folder = resolve_path(processed_dir)
        if has_tables(folder):  # one file per table, or partitioned by year
            tables = read_tables(folder, TABLE_NAMES)
            return select(_corpus_of(tables), years=years, bodies=bodies)
    import gxparse

    corpus = gxparse.read_reports(resolve_path(raw_dir))
    return select(corpus, years=years, bodies=bodies)


# ---------------------------------------------------------------------------------------
# The notebooks' shared set-up
# ---------------------------------------------------------------------------------------
@dataclass
class Analysis:
    """What every notebook needs: the selected corpus, labels, the footer, where to save."""

    corpus: object
    out_dir: Path
    build_date: str
    labels: pd.Series = field(repr=False)
    source: str = ""
    max_reports: int = MAX_REPORTS
    max_rows: int = MAX_TABLE_ROWS
    top_n: int = TOP_N
    tables_dir: Path | None = None
    # The files of the selection left out of the charts and metrics (failed, duplicates):
    # gxparse.batch.corpus.left_out's table.
    left_out: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def left_out_note(self) -> str:
        """Which files are left out of the charts and metrics, and why (empty when none)."""
        return "" if self.left_out is None else left_out_note(self.left_out)

    @property
    def reports(self) -> pd.DataFrame:
        return self.corpus.reports  # type: ignore[attr-defined]

    @property
    def n_reports(self) -> int:
        return int(self.reports["report_id"].nunique())

    @property
    def aggregated(self) -> bool:
        """True when the selection holds more than ``max_reports`` reports: charts then show
        groups of reports (:attr:`group_by`) instead of one bar, dot or row per report."""
        return self.n_reports > self.max_reports

    @property
    def group_by(self) -> tuple[str, ...]:
        """The groups of the aggregated views: level × year, or level alone when level ×
        year would itself make more than ``max_reports`` groups."""
        from gxparse.analysis.metrics import GROUP_BY

        present = [c for c in GROUP_BY if c in self.reports.columns]
        groups = self.reports[present].astype(object).drop_duplicates()
        if len(groups) > self.max_reports and "level" in present:
            return ("level",)
        return tuple(present)

    @property
    def group_names(self) -> list[str]:
        """Chinese names of :attr:`group_by` (层级, 年度), for captions."""
        return _group_names(self.group_by)

    @property
    def mode_note(self) -> str:
        """What the charts show: empty when every report is charted, else a sentence saying
        they show groups of reports and where each report's data is."""
        if not self.aggregated:
            return ""
        return (
            f"报告 {self.n_reports:,} 份，多于 {self.max_reports} 份：图表按"
            f"{'与'.join(self.group_names)}汇总，并列出最突出的 {self.top_n} 份报告；"
            f"每份报告的数据见{self.where_full()}。"
        )

    def view(
        self,
        df: pd.DataFrame,
        *,
        key: str | None = "metric",
        how: str = "median",
        complete: bool = False,
    ) -> pd.DataFrame:
        """What a chart draws: ``df`` (one row per report × ``key``) with each report's
        display ``label`` while the selection holds at most ``max_reports`` reports, else
        its groups (:func:`gxparse.analysis.metrics.aggregate` by :attr:`group_by`, ``how`` =
        ``median`` for counts or ``pooled`` for rates and shares), labelled the same way.
        Either way the chart reads ``label`` and ``value`` (and ``numerator``,
        ``denominator``, ``key``)."""
        if not self.aggregated:
            return self.label(df)
        from gxparse.analysis.metrics import aggregate

        return aggregate(df, self.group_by, key=key, how=how, complete=complete)

    def order(self, view: pd.DataFrame, column: str = "label") -> list[str] | None:
        """The label order of an aggregated view (its groups in display order); None for a
        per-report view (the chart then orders the reports itself)."""
        return list(dict.fromkeys(view[column])) if self.aggregated else None

    def subtitle(
        self,
        text: str | None,
        how: str = "median",
        *,
        by: Sequence[str] | None = None,
        counted: bool = True,
    ) -> str | None:
        """A chart's subtitle: ``text`` for a per-report chart; for an aggregated one the
        caption saying how the groups (``by``, default :attr:`group_by`) summarise their
        reports (``how``, see :data:`gxparse.reporting.plotting.AGGREGATE_CAPTIONS_ZH`), then
        ``text`` on a second line. ``counted``: the labels carry the number of reports."""
        if not self.aggregated:
            return text
        from gxparse.reporting.plotting import aggregate_caption

        names = self.group_names if by is None else _group_names(by)
        caption = aggregate_caption(how, names, counted=counted)
        return f"{caption}\n{text}" if text else caption

    @property
    def workbook(self) -> Path:
        """Where notebook 06 writes the briefing workbook."""
        from gxparse.reporting.export import WORKBOOK_NAME

        return self.out_dir / WORKBOOK_NAME

    def where_full(self, sheet: str | None = None) -> str:
        """Where the full data is, for the notes under capped tables and top-N views."""
        from gxparse.reporting.export import SHEET_NAMES

        book = f"简报工作簿 {self.workbook.name}"
        if sheet:
            book += f"「{SHEET_NAMES.get(sheet, sheet)}」工作表"
        if self.tables_dir is not None:
            return f"{book}；整理后的表格 {self.tables_dir}"
        return book

    def not_shown(
        self, shown: int, total: int, *, what: str = "份报告", sheet: str | None = None
    ) -> str:
        """The note under a capped view: how many are left out and where they are (empty
        when nothing is left out)."""
        if total <= shown:
            return ""
        return f"另有 {total - shown:,} {what}未显示（共 {total:,}）；完整数据见{self.where_full(sheet)}。"

    def show(self, df: object, *, sheet: str | None = None, limit: int | None = None) -> None:
        """Display a table, at most ``limit`` (default ``max_rows``) rows of it, with a note
        saying how many rows are left out and where the full table is (``sheet``: the
        briefing workbook's sheet key, see :data:`gxparse.reporting.export.SHEET_NAMES`).

        ``df`` is a DataFrame or a pandas Styler (which renders its first ``limit`` rows,
        formats and styles kept).
        """
        from IPython.display import display

        limit = self.max_rows if limit is None else limit
        frame = getattr(df, "data", df)
        total = len(frame)  # type: ignore[arg-type]
        if total > limit and not hasattr(df, "data"):
            df = df.head(limit)  # type: ignore[union-attr]
        # Both render at display time: a DataFrame in full (no "..." below the cap), a
        # Styler up to the cap.
        with pd.option_context(
            "display.max_rows", max(limit, 1), "styler.render.max_rows", max(limit, 1)
        ):
            display(df)
        note = self.not_shown(limit, total, what="行", sheet=sheet)
        if note:
            print(note)

    @property
    def figures_dir(self) -> Path:
        return self.out_dir / "figures"

    def label(self, df: pd.DataFrame, column: str = "label") -> pd.DataFrame:
        """``df`` with a display label per ``report_id`` (body, and year when several)."""
        return df.assign(**{column: df["report_id"].map(self.labels)})

    def save(self, fig: object, name: str) -> list[Path]:
        """Save a chart as ``figures/<name>.png`` and ``.svg``.

        In a notebook the saved PNG is shown (and the figure closed), so the chart is drawn
        once for the file rather than again for the page.
        """
        from gxparse.reporting import plotting

        paths = plotting.save(fig, name, self.figures_dir)  # type: ignore[arg-type]
        if _in_kernel():
            import matplotlib.pyplot as plt
            from IPython.display import Image, display

            width = int(fig.get_figwidth() * 110)  # type: ignore[attr-defined]
            display(Image(filename=str(paths[0]), width=width))
            plt.close(fig)  # type: ignore[arg-type]
        return paths


def _group_names(by: Iterable[str]) -> list[str]:
    """Chinese names of grouping columns (层级, 年度), from the workbook's headers."""
    from gxparse.reporting.export import HEADERS

    return [HEADERS.get(f"{c}_label", HEADERS.get(c, c)) for c in by]


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def open_analysis(
    raw_dir: str | Path = "data/raw",
    *,
    processed_dir: str | Path | None = None,
    years: Iterable[int] | None = None,
    bodies: Iterable[str] | None = None,
    out_dir: str | Path = "reports",
    build_date: str | dt.date | None = None,
    max_reports: int | None = None,
) -> Analysis:
    """Load the corpus, apply the house chart style and prepare labels and the source footer.

    ``max_reports`` (default :data:`MAX_REPORTS`): up to this many reports the notebooks
    chart each report; beyond it they chart groups of reports (see
    :attr:`Analysis.aggregated`). Raises ValueError when no report matches ``years`` and
    ``bodies``.
    """
    from gxparse.batch.corpus import left_out
    from gxparse.reporting import plotting

    selected = load(raw_dir, processed_dir=processed_dir, years=years, bodies=bodies)
    dropped = left_out(selected.reports)  # type: ignore[attr-defined]
    corpus = analysable(selected)
    if corpus.reports.empty:  # type: ignore[attr-defined]
        if not dropped.empty:
            raise ValueError(
                f"no report in {raw_dir} matching years={years!r}, bodies={bodies!r} "
                f"could be parsed ({len(dropped)} failed or duplicate files)"
            )
        raise ValueError(f"no reports in {raw_dir} match years={years!r}, bodies={bodies!r}")
    when = build_date or dt.date.today()
    when = when.isoformat() if isinstance(when, dt.date) else str(when)
    plotting.use_style()
    reports = corpus.reports  # type: ignore[attr-defined]
    out = resolve_path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables_dir = None
    if processed_dir is not None:
        from gxparse.batch.build import has_tables

        folder = resolve_path(processed_dir)
        tables_dir = folder if has_tables(folder) else None
    return Analysis(
        corpus=corpus,
        out_dir=out,
        build_date=when,
        labels=plotting.report_labels(reports),
        source=plotting.source_note(reports, when),
        max_reports=MAX_REPORTS if max_reports is None else int(max_reports),
        tables_dir=tables_dir,
        left_out=dropped,
    )


# ---------------------------------------------------------------------------------------
# Running the notebooks
# ---------------------------------------------------------------------------------------
@dataclass
class NotebookRun:
    name: str
    ipynb: Path
    html: Path
    seconds: float
    glyph_warnings: list[str]
    # The same HTML without the code, for readers (<name>.reader.html).
    reader_html: Path | None = None


@dataclass
class RunResult:
    raw_dir: Path
    out_dir: Path
    reports_dir: Path
    build_seconds: float
    notebooks: list[NotebookRun]
    seconds: float
    # The build's corpus (every file, failed and duplicates included).
    corpus: object = field(default=None, repr=False)

    @property
    def glyph_warnings(self) -> list[str]:
        return [w for n in self.notebooks for w in n.glyph_warnings]


def _stream_texts(nb: object) -> list[str]:
    texts = []
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
    return texts


@contextmanager
def this_python_kernel(name: str = "python3") -> Iterator[str]:
    """A kernelspec ``name`` that runs this very interpreter, first on JUPYTER_PATH.

    A user's own ``python3`` kernelspec may point at another Python (without gxparse); the
    notebooks must run where gxparse is installed. The spec lives in a temporary folder
    and JUPYTER_PATH is restored on exit.
    """
    with tempfile.TemporaryDirectory(prefix="gxparse-kernel-") as tmp:
        spec = Path(tmp) / "kernels" / name
        spec.mkdir(parents=True)
        kernel = {
            # The kernel's own log (TCP notice, shutdown) is noise here: cell output,
            # warnings included, still reaches the notebook.
            "argv": [
                sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
                "--IPKernelApp.log_level=CRITICAL",
            ],
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join([tmp, *([old] if old else [])])
        try:
            yield name
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def run_notebook(
    script: Path,
    parameters: dict[str, object],
    *,
    work_dir: Path,
    html_dir: Path,
    kernel_name: str = "python3",
    timeout: int = 600,
) -> NotebookRun:
    """Convert one jupytext script to .ipynb, execute it with papermill, write HTML twice:
    ``<name>.html`` with the code and ``<name>.reader.html`` without it, both naming paths
    relative to ``html_dir`` (:func:`relative_paths`)."""
    import jupytext
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    start = time.perf_counter()
    work_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(script)
    nb.metadata["kernelspec"] = {
        "name": kernel_name,
        "display_name": "Python 3",
        "language": "python",
    }
    source = work_dir / f"{script.stem}.source.ipynb"
    executed = work_dir / f"{script.stem}.ipynb"
    jupytext.write(nb, source, fmt="ipynb")
    papermill.execute_notebook(
        str(source),
        str(executed),
        parameters=parameters,
        kernel_name=kernel_name,
        cwd=str(script.parent),
        progress_bar=False,
        log_output=False,
        execution_timeout=timeout,
    )
    source.unlink(missing_ok=True)
    done = nbformat.read(executed, as_version=4)
    glyphs = [t for t in _stream_texts(done) if any(m in t.lower() for m in GLYPH_MARKERS)]
    # The HTML names paths relative to where it lies, never the machine's folders.
    roots = [html_dir, script.parent, script.parent.parent]
    roots += [Path(v) for v in parameters.values() if isinstance(v, str | Path) and v]
    shown = relative_paths(done, html_dir, roots)
    html = html_dir / f"{script.stem}.html"
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(shown)
    html.write_text(body, encoding="utf-8")
    # For readers who want the charts and tables, not the code.
    reader = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = reader.from_notebook_node(shown)
    reader_html = html_dir / f"{script.stem}{READER_SUFFIX}"
    reader_html.write_text(body, encoding="utf-8")
    return NotebookRun(
        script.stem, executed, html, time.perf_counter() - start, glyphs, reader_html
    )


# The no-code HTML of a notebook: <name>.reader.html beside <name>.html.
READER_SUFFIX = ".reader.html"
_TEXT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex")


def relative_paths(nb: Any, base: Path, roots: Iterable[Path]) -> Any:
    """A copy of the notebook ``nb`` whose cell sources and text outputs name each of
    ``roots`` (absolute folders, e.g. the raw and reports folders) relative to ``base``
    (the folder of the HTML): ``/home/a/proj/reports/x.xlsx`` → ``x.xlsx`` and
    ``/home/a/proj/data/raw`` → ``../data/raw`` for ``base`` ``/home/a/proj/reports``.
    Longer roots are replaced first; relative roots are left alone."""
    import copy

    base = Path(os.path.abspath(base))
    pairs: list[tuple[str, str]] = []
    for root in {Path(os.path.abspath(r)) for r in roots if Path(r).is_absolute()}:
        rel = Path(os.path.relpath(root, base)).as_posix()
        pairs.append((str(root) + os.sep, "" if rel == "." else rel + "/"))
        pairs.append((str(root), rel))
    pairs.sort(key=lambda p: len(p[0]), reverse=True)
    new_of = dict(pairs)
    # One pass: a replaced path is never replaced again by a shorter root.
    pattern = re.compile("|".join(re.escape(old) for old, _new in pairs)) if pairs else None

    def fix(text: str) -> str:
        if pattern is None:
            return text
        return pattern.sub(lambda m: new_of[m.group(0)], text)

    def fix_value(value: Any) -> Any:
        if isinstance(value, str):
            return fix(value)
        if isinstance(value, list):
            return [fix(v) if isinstance(v, str) else v for v in value]
        return value

    out = copy.deepcopy(nb)
    for cell in out.cells:
        cell["source"] = fix_value(cell.get("source", ""))
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = fix_value(output["text"])
            data = output.get("data", {})
            for mime in _TEXT_MIME:
                if mime in data:
                    data[mime] = fix_value(data[mime])
    return out


class NotebookFailed(RuntimeError):
    """A notebook raised during :func:`run_all`: the reports folder keeps the previous
    complete run. ``corpus`` and ``build_seconds``: the build that ran before."""

    def __init__(
        self, notebook: str, error: str, corpus: object = None, build_seconds: float = 0.0
    ) -> None:
        super().__init__(f"notebook {notebook} 执行失败：{error}")
        self.notebook = notebook
        self.corpus = corpus
        self.build_seconds = build_seconds


# What ``gxparse run`` writes into the reports folder: its sub-folders and file kinds.
RUN_FOLDERS: frozenset[str] = frozenset({"figures", "notebooks"})
RUN_SUFFIXES: frozenset[str] = frozenset({".html", ".xlsx"})


def _is_run_output(entry: Path) -> bool:
    """Whether ``entry`` (in the reports folder) is something a run writes, so the
    folder can be replaced whole (:func:`gxparse.batch.publish.staged`)."""
    if entry.name.startswith("."):
        return entry.name.endswith(".tmp")  # the workbook's temporary name
    if entry.is_dir():
        return entry.name in RUN_FOLDERS
    return entry.is_file() and entry.suffix in RUN_SUFFIXES


def _kill_kernels() -> list[int]:
    """Kill the notebook kernels this process started (its ``ipykernel_launcher``
    descendants); returns their pids."""
    import psutil

    killed = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                child.kill()
                killed.append(child.pid)
    return killed


def _build(raw_dir: Path, out_dir: Path, jobs: int | None, cache: bool | str | Path) -> object:
    from gxparse.batch.build import build

    return build(raw_dir, out_dir, jobs=jobs, cache=cache, progress=sys.stderr.isatty())


def run_all(
    raw_dir: str | Path = "data/raw",
    out_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    *,
    years: Sequence[int] | None = None,
    bodies: Sequence[str] | None = None,
    notebooks_dir: str | Path | None = None,
    build_date: str | dt.date | None = None,
    kernel_name: str | None = None,
    timeout: int = 600,
    jobs: int = 2,
    quiet: bool = False,
    max_reports: int | None = None,
    build_jobs: int | None = None,
    cache: bool | str | Path = True,
) -> RunResult:
    """Build the tables from ``raw_dir`` into ``out_dir``, then execute every notebook.

    Figures go to ``<reports_dir>/figures``, the workbook to
    ``<reports_dir>/gxparse-briefing.xlsx``, executed notebooks to
    ``<reports_dir>/notebooks/*.ipynb`` and as HTML to ``<reports_dir>/*.html``: all of
    them into a staging folder beside ``reports_dir`` that replaces it whole once every
    notebook has run (:func:`gxparse.batch.publish.staged`; a reports folder holding other
    files is written in place). Prints the elapsed time of each step. ``jobs`` notebooks run at once (each in its own kernel;
    they only read the tables and write their own files); a notebook marked
    ``run_after_others`` starts once the others are done (:func:`notebook_waves`). The
    charts of an earlier run are never mixed with the new ones. Raises
    :class:`NotebookFailed` when a notebook fails (the reports folder keeps the previous
    run). When no file could be parsed, no notebook runs (``notebooks`` is empty). With ``kernel_name`` None the notebooks run on this
    interpreter (see :func:`this_python_kernel`), else on that installed kernelspec.
    ``max_reports`` is passed to the notebooks (None: :data:`MAX_REPORTS`): more reports
    than that and their charts show groups of reports rather than each report.
    The build parses on ``build_jobs`` workers (None: every core) and reuses the parse
    cache (``cache``: True for ``.cache/gxparse`` in the project, a folder, or False), so
    next year's run parses only the new files. Relative paths are taken from the cwd.
    """
    from gxparse.batch.build import has_parsed
    from gxparse.batch.publish import staged

    start = time.perf_counter()
    raw = resolve_path(raw_dir)
    processed = Path(out_dir).resolve()
    reports = Path(reports_dir).resolve()
    if cache is True:  # the project's cache, wherever the run was started from
        cache = repo_root() / ".cache" / "gxparse"
    when = _date_text(build_date)
    say = _printer(quiet)

    t0 = time.perf_counter()
    corpus = _build(raw, processed, build_jobs, cache)
    build_seconds = time.perf_counter() - t0
    say(f"gxparse run：表格 {raw} → {processed}，用时 {build_seconds:.1f} 秒")
    if not has_parsed(corpus):
        total = time.perf_counter() - start
        return RunResult(raw, processed, reports, build_seconds, [], total, corpus)

    scripts = find_notebooks(notebooks_dir)
    kernel = kernel_name or "python3"
    with staged(reports, _is_run_output) as folder:
        if folder == reports:  # written in place: an earlier run's charts go first
            clear_figures(reports / "figures")
        parameters = {
            "raw_dir": str(raw),
            "processed_dir": str(processed),
            "years": list(years) if years is not None else None,
            "bodies": list(bodies) if bodies is not None else None,
            "out_dir": str(folder),
            "build_date": when,
            "max_reports": max_reports,
        }
        one = functools.partial(
            _run_one_notebook,
            parameters=parameters,
            folder=folder,
            kernel=kernel,
            timeout=timeout,
            say=say,
            corpus=corpus,
            build_seconds=build_seconds,
        )
        # With no kernel named, the notebooks run on this interpreter.
        runs = _run_waves(scripts, one, jobs, kernel if kernel_name is None else None)
    runs = _published(runs, folder, reports, scripts)
    total = time.perf_counter() - start
    result = RunResult(raw, processed, reports, build_seconds, runs, total, corpus)
    say(
        f"gxparse run：{len(runs)} 个 notebook，图表在 {reports / 'figures'}，共用时 {total:.1f} 秒"
    )
    return result


def _date_text(build_date: str | dt.date | None) -> str:
    """Given a build date (None: today), return it as text (ISO for a date)."""
    when = build_date or dt.date.today()
    return when.isoformat() if isinstance(when, dt.date) else str(when)


def _printer(quiet: bool) -> Callable[[str], None]:
    """Given ``quiet``, return a function printing a progress line (or nothing)."""

    def say(msg: str) -> None:
        if not quiet:
            print(msg, flush=True)

    return say


def _run_one_notebook(
    script: Path,
    *,
    parameters: dict[str, Any],
    folder: Path,
    kernel: str,
    timeout: int,
    say: Callable[[str], None],
    corpus: object,
    build_seconds: float,
) -> NotebookRun:
    """Given a notebook, run it into ``folder`` and return its run; raise
    :class:`NotebookFailed` (with the build's ``corpus``) when it fails."""
    import papermill

    try:
        run = run_notebook(
            script,
            parameters,
            work_dir=folder / "notebooks",
            html_dir=folder,
            kernel_name=kernel,
            timeout=timeout,
        )
    except papermill.PapermillExecutionError as exc:
        error = " ".join(f"{exc.ename}: {exc.evalue}".split())[:300]
        raise NotebookFailed(script.stem, error, corpus, build_seconds) from exc
    say(f"gxparse run：notebook {run.name}，用时 {run.seconds:.1f} 秒")
    for w in run.glyph_warnings:
        say(f"gxparse run：notebook {run.name} 的警告：{w.strip()[:200]}")
    return run


def _run_waves(
    scripts: Sequence[Path],
    one: Callable[[Path], NotebookRun],
    jobs: int,
    this_kernel: str | None,
) -> list[NotebookRun]:
    """Given the notebooks, run them wave by wave (:func:`notebook_waves`) with ``one``
    and return their runs; ``this_kernel``: the kernel name to register for this
    interpreter while they run (None: use the installed kernelspec)."""
    with contextlib.ExitStack() as stack:
        if this_kernel is not None:
            stack.enter_context(this_python_kernel(this_kernel))
        runs = []
        try:
            for wave in notebook_waves(scripts):
                runs += _run_wave(wave, one, jobs)
        except KeyboardInterrupt:
            _kill_kernels()
            raise
    return runs


def _run_wave(
    wave: Sequence[Path], one: Callable[[Path], NotebookRun], jobs: int
) -> list[NotebookRun]:
    """Given one wave of notebooks, run them (``jobs`` at once) and return their runs."""
    if jobs > 1 and len(wave) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            try:
                return list(pool.map(one, wave))
            except BaseException:
                # Ctrl-C, SIGTERM or a failed notebook: the others stop too, instead of
                # running to their end before the pool's shutdown lets the run go.
                _kill_kernels()
                raise
    return [one(s) for s in wave]


def _published(
    runs: list[NotebookRun], folder: Path, reports: Path, scripts: Sequence[Path]
) -> list[NotebookRun]:
    """Given the runs written into the staging ``folder``, return them pointing into the
    published ``reports`` folder, in the notebooks' order."""
    for run in runs:
        run.ipynb = reports / run.ipynb.relative_to(folder)
        run.html = reports / run.html.relative_to(folder)
        if run.reader_html is not None:
            run.reader_html = reports / run.reader_html.relative_to(folder)
    order = {s.stem: k for k, s in enumerate(scripts)}
    runs.sort(key=lambda r: order[r.name])
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gxparse.reporting.pipeline [RAW_DIR] [OUT_DIR] [REPORTS_DIR]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    run_all(*args[:3])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
