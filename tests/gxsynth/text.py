"""Renderers: a :class:`ReportSpec` printed as text in every text layout seen in the wild.

Each renderer returns the whole report as one string. The layouts follow the seeds:

- :func:`tab_rows` (seeds 000, 001): one line per table row, cells split by tabs, merged
  header cells left as empty cells, the part 三 label spanning two or three cells.
- :func:`cell_per_line` (seeds 002, 004, Word export): each cell a line starting with a tab,
  a blank line ends a row; header labels and (optionally) numbers broken across lines.
- :func:`pipe_rows`: Markdown tables (``| a | b |`` with a ``|---|`` separator row), ``#``
  headings.
- :func:`space_rows` (``pdftotext -layout``): cells aligned in columns by runs of spaces.
- :func:`markdown_broken` (seed 003): ``#`` headings, tab-separated rows, row labels wrapped
  over several lines and group labels split down the first column, part 四's numbers on one
  space-separated line; unlike the seed, no cell is lost.

A ``None`` cell of the spec is printed as an empty cell in the layout's way (or as
``blank``, e.g. ``"-"`` or ``"无"``). Every label comes from :mod:`gxparse.template`.

:func:`perturb` applies the damage seen in extracted text (spaces inside cells, full-width
digits, line breaks inside labels, junk lines between rows, CRLF) while keeping every value
readable, so the spec stays the truth.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gxparse import template as T
from gxsynth.model import ReportSpec

NUMBERING_STYLES: tuple[str, ...] = ("zh", "arabic", "markdown", "paren")
PERTURBATIONS: tuple[str, ...] = (
    "spaces",
    "fullwidth",
    "label_breaks",
    "junk",
    "crlf",
    "heading_breaks",
)
# Also accepted by perturb(), not applied by default: numbers printed with a unit ("0件",
# "12.5万元") or a thousands separator ("1,234").
NUMBER_FORMATS: tuple[str, ...] = ("units", "thousands")

_ZH_NUMERALS = "一二三四五六七八九十"


# ---------------------------------------------------------------------------------------
# Shared pieces: headings, labels, the grid of every table
# ---------------------------------------------------------------------------------------
def part_heading(number: int, numbering: str = "zh") -> str:
    """Given a part number (1–6) and a numbering style, return the part's heading line.

    Styles: ``zh`` 一、总体情况; ``arabic`` 1、 总体情况; ``markdown`` # 一、总体情况;
    ``paren`` （一）总体情况."""
    part = T.PARTS[number - 1]
    zh_num = _ZH_NUMERALS[number - 1]
    if numbering == "zh":
        return f"{zh_num}、{part.zh}"
    if numbering == "arabic":
        return f"{number}、 {part.zh}"
    if numbering == "markdown":
        return f"# {zh_num}、{part.zh}"
    if numbering == "paren":
        return f"（{zh_num}）{part.zh}"
    raise ValueError(f"unknown numbering style {numbering!r}; expected one of {NUMBERING_STYLES}")


def title(spec: ReportSpec) -> str:
    """The report's title line."""
    return f"{spec.agency}{spec.year}年政府信息公开工作年度报告"


def _signature(spec: ReportSpec) -> list[str]:
    if spec.published is None:
        return []
    d = spec.published
    return [spec.agency, f"{d.year}年{d.month}月{d.day}日"]


def _article20_heading(numeral: str) -> str:
    return f"{T.DISCLOSURE_HEADER_KEYS[1]}第（{numeral}）项"


def _applications_note() -> str:
    return f"（本列数据的{T.APPLICATION_HEADER_KEYS[0]}为：第一项加第二项之和，等于第三项加第四项之和）"


_ITEM = {e.code: e for e in T.DISCLOSURE_ITEMS}
_GROUP = {g.code: g for g in T.APPLICATION_GROUPS}
_APPLICANT_ZH = {a.code: a.zh for a in T.APPLICANTS}
_LITIGATION, _DIRECT = T.PROCEEDINGS[1].zh.split("：")
_AFTER_REVIEW = T.PROCEEDINGS[2].zh.split("：")[1]
_ENUM_PREFIX = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")


# The 2019 form prints two labels shorter than template.py's ``zh`` (which follows the 2021
# form): 规范性文件 and 处理决定数量. Both are the entry's first key; template.py has no
# per-version label yet, so the renderers take the key for these two in 2019 reports.
_SHORT_IN_2019 = frozenset({"normative_documents", "decisions"})


def _item_zh(code: str, template: str) -> str:
    e = _ITEM[code]
    return e.keys[0] if template == "2019" and code in _SHORT_IN_2019 else e.zh


def _measure_zh(code: str, template: str) -> str:
    e = T.measure(code)
    return e.keys[0] if template == "2019" and code in _SHORT_IN_2019 else e.zh


@dataclass(frozen=True)
class _DisclosureGroup:
    numeral: str
    measures: tuple[str, ...]
    items: tuple[str, ...]


def _disclosure_groups(spec: ReportSpec) -> list[_DisclosureGroup]:
    layout = T.DISCLOSURE_LAYOUT[spec.template]
    groups = []
    for numeral, items in T.ARTICLE20_GROUPS.items():
        present = tuple(i for i in items if i in layout)
        if present:
            groups.append(_DisclosureGroup(numeral, layout[present[0]], present))
    return groups


@dataclass(frozen=True)
class _AppRow:
    """One row of the part 三 table, with its label split the way the table prints it.

    ``outer``: the first label column (三、本年度办理结果 on the first outcome row, else "");
    ``group``: the second column for grouped rows (（三）不予公开 on the group's first row);
    ``label``: the row's own label (the sub-label for grouped rows)."""

    code: str
    depth: int  # 1: top row, label spans both label columns; 2: direct outcome; 3: grouped
    outer: str
    group: str
    label: str


def _application_rows(template: str) -> list[_AppRow]:
    rows: list[_AppRow] = []
    seen_groups: set[str] = set()
    first_outcome = True
    for r in T.application_rows(template):
        if r.parent is None:
            rows.append(_AppRow(r.code, 1, r.zh, "", r.zh))
            continue
        outer = _GROUP["outcomes"].zh if first_outcome else ""
        first_outcome = False
        if r.parent == "outcomes":
            rows.append(_AppRow(r.code, 2, outer, "", r.zh))
            continue
        group = _GROUP[r.parent]
        prefix = _ENUM_PREFIX.match(group.zh)
        sub = r.zh[prefix.end() :] if prefix and r.zh.startswith(prefix.group()) else r.zh
        group_text = "" if r.parent in seen_groups else group.zh
        seen_groups.add(r.parent)
        rows.append(_AppRow(r.code, 3, outer, group_text, sub))
    return rows


def _cell(value: str | None, blank: str) -> str:
    return blank if value is None else value


def _app_values(spec: ReportSpec, code: str, blank: str) -> list[str]:
    return [_cell(spec.applications.get((code, a)), blank) for a in T.APPLICANT_CODES]


def _appeal_values(spec: ReportSpec, blank: str) -> list[str]:
    return [_cell(spec.appeals.get(c), blank) for c in T.APPEAL_CELLS]


def _result_labels() -> list[str]:
    return [r.zh for r in T.RESULTS]


# Grids: tables as lists of rows of cell texts, with merged cells as empty cells.
Grid = list[list[str]]


def _disclosure_grids(spec: ReportSpec, blank: str, pad: bool) -> list[Grid]:
    """One grid per Article 20 group: heading row, header row, one row per item."""
    width = 1 + max(len(m) for m in T.DISCLOSURE_LAYOUT[spec.template].values())
    grids = []
    for g in _disclosure_groups(spec):
        rows = [
            [_article20_heading(g.numeral)],
            [T.DISCLOSURE_HEADER_KEYS[0], *(_measure_zh(m, spec.template) for m in g.measures)],
        ]
        for item in g.items:
            values = [_cell(spec.disclosure.get((item, m)), blank) for m in g.measures]
            rows.append([_item_zh(item, spec.template), *values])
        if pad:
            rows = [row + [""] * (width - len(row)) for row in rows]
        grids.append(rows)
    return grids


def _applications_header_wide() -> Grid:
    applicants = [_APPLICANT_ZH[c] for c in T.APPLICANT_PARTS[1:]]
    return [
        [
            _applications_note(),
            "",
            T.APPLICATION_HEADER_KEYS[1],
            "",
            "",
            "",
            "",
            "",
            _APPLICANT_ZH["total"],
            "",
        ],
        ["", "", _APPLICANT_ZH["natural_person"], T.LEGAL_PERSON_ZH, "", "", "", "", "", ""],
        ["", "", "", *applicants, "", ""],
    ]


def _applications_grid_wide(spec: ReportSpec, blank: str) -> Grid:
    """Part 三 as seeds 000/001 print it: 10 cells a row, label over 2–3 cells."""
    grid = _applications_header_wide()
    for r in _application_rows(spec.template):
        values = _app_values(spec, r.code, blank)
        if r.depth == 1:
            grid.append([r.label, "", *values, ""])
        elif r.depth == 2:
            grid.append([r.outer, r.label, *values, ""])
        else:
            grid.append([r.outer, r.group, r.label, *values])
    return grid


def _appeals_grid_wide(spec: ReportSpec, blank: str) -> Grid:
    results = _result_labels()
    return [
        [T.PROCEEDINGS[0].zh, "", "", "", "", _LITIGATION, *[""] * 9],
        [*results, _DIRECT, "", "", "", "", _AFTER_REVIEW, "", "", "", ""],
        ["", "", "", "", "", *results, *results],
        _appeal_values(spec, blank),
    ]


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _parts_text(spec: ReportSpec) -> dict[int, list[str]]:
    return {
        1: _paragraphs(spec.overview),
        5: _paragraphs(spec.problems),
        6: _paragraphs(spec.other),
    }


# ---------------------------------------------------------------------------------------
# Layout: tab-separated rows (seeds 000, 001)
# ---------------------------------------------------------------------------------------
def tab_rows(
    spec: ReportSpec, numbering: str = "zh", *, blank: str = "", rng: random.Random | None = None
) -> str:
    """Given a spec, return the report with one tab-separated line per table row."""
    prose = _parts_text(spec)
    out = ["", title(spec), ""]
    for n in range(1, 7):
        out += [part_heading(n, numbering), ""]
        if n in prose:
            for p in prose[n]:
                out += [p, ""]
        elif n == 2:
            for grid in _disclosure_grids(spec, blank, pad=True):
                out += ["\t".join(row) for row in grid]
            out.append("")
        elif n == 3:
            out += ["\t".join(row) for row in _applications_grid_wide(spec, blank)]
            out.append("")
        else:
            out += ["\t".join(row) for row in _appeals_grid_wide(spec, blank)]
            out.append("")
    out += _signature(spec)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Layout: one cell per line (seeds 002, 004: Word export)
# ---------------------------------------------------------------------------------------
def _break_middle(text: str) -> str:
    """A short header label broken in the middle, as Word exports narrow cells (商业\\n企业)."""
    if len(text) == 4:
        return text[:2] + "\n" + text[2:]
    return text


def cell_per_line(
    spec: ReportSpec, numbering: str = "zh", *, blank: str = "", rng: random.Random | None = None
) -> str:
    """Given a spec, return the report as Word exports tables to text: each cell a line
    starting with a tab, a blank line after each row. With ``rng``, some number cells carry
    spaces ("13 ", " 0") or start on the next line ("\\t\\n0")."""

    def number(text: str) -> str:
        if rng is None or not text.strip():
            return text
        x = rng.random()
        if x < 0.08:
            return "\n" + text
        if x < 0.2:
            return text + " "
        if x < 0.3:
            return " " + text
        return text

    def row(cells: Iterable[str]) -> list[str]:
        return ["\t" + c for c in cells] + [""]

    prose = _parts_text(spec)
    out = [spec.agency, f"{spec.year}年政府信息公开工作年度报告", ""]
    for n in range(1, 7):
        out.append(part_heading(n, numbering))
        if n in prose:
            out += prose[n]
        elif n == 2:
            for grid in _disclosure_grids(spec, blank, pad=False):
                for i, cells in enumerate(grid):
                    out += row(cells if i < 2 else [cells[0], *map(number, cells[1:])])
            out.append("")
        elif n == 3:
            applicants = [_break_middle(_APPLICANT_ZH[c]) for c in T.APPLICANT_PARTS[1:]]
            out += row([_applications_note(), T.APPLICATION_HEADER_KEYS[1]])
            out += row(
                ["", _APPLICANT_ZH["natural_person"], T.LEGAL_PERSON_ZH, _APPLICANT_ZH["total"]]
            )
            out += row(["", "", *applicants, ""])
            for r in _application_rows(spec.template):
                values = [number(v) for v in _app_values(spec, r.code, blank)]
                if r.depth == 1:
                    out += row([r.label, *values])
                elif r.depth == 2:
                    out += row([r.outer, r.label, *values])
                else:
                    out += row([r.outer, r.group, r.label, *values])
            out.append("")
        else:
            results = [_break_middle(x) for x in _result_labels()]
            out += row([T.PROCEEDINGS[0].zh, _LITIGATION])
            out += row([*results, _DIRECT, _AFTER_REVIEW])
            out += row(["", "", "", "", "", *results, *results])
            out += row([number(v) for v in _appeal_values(spec, blank)])
            out.append("")
    out += _signature(spec)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Layout: Markdown pipe tables
# ---------------------------------------------------------------------------------------
def _pipe_table(grid: Grid) -> list[str]:
    width = max(len(r) for r in grid)
    lines = []
    for i, cells in enumerate(grid):
        cells = cells + [""] * (width - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "---|" * width)
    return lines


def pipe_rows(
    spec: ReportSpec, numbering: str = "zh", *, blank: str = "", rng: random.Random | None = None
) -> str:
    """Given a spec, return the report as Markdown: ``#`` headings and ``|`` tables."""
    prose = _parts_text(spec)
    out = [f"# {title(spec)}", ""]
    for n in range(1, 7):
        heading = part_heading(n, numbering)
        out += [heading if heading.startswith("#") else f"## {heading}", ""]
        if n in prose:
            for p in prose[n]:
                out += [p, ""]
        elif n == 2:
            for grid in _disclosure_grids(spec, blank, pad=True):
                out += [f"### {grid[0][0]}", ""]
                out += _pipe_table(grid[1:])
                out.append("")
        elif n == 3:
            out += _pipe_table(_applications_grid_wide(spec, blank))
            out.append("")
        else:
            out += _pipe_table(_appeals_grid_wide(spec, blank))
            out.append("")
    out += _signature(spec)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Layout: pdftotext -layout (columns aligned with spaces)
# ---------------------------------------------------------------------------------------
def display_width(text: str) -> int:
    """Columns a string takes in a monospaced layout (wide CJK characters count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _aligned(grid: Grid, gap: int = 3, indent: int = 0) -> list[str]:
    width = max(len(r) for r in grid)
    rows = [r + [""] * (width - len(r)) for r in grid]
    col = [max(display_width(r[j]) for r in rows) for j in range(width)]
    lines = []
    for r in rows:
        parts = []
        for j, c in enumerate(r):
            if j == width - 1:
                parts.append(c)
            else:
                parts.append(c + " " * (col[j] - display_width(c) + gap))
        lines.append((" " * indent + "".join(parts)).rstrip())
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """Wrap prose at ``width`` characters, never inside a run of digits."""
    lines = []
    while len(text) > width:
        cut = width
        while 0 < cut < len(text) and (text[cut - 1].isdigit() and text[cut].isdigit()):
            cut -= 1
        if cut == 0:
            cut = width
        lines.append(text[:cut])
        text = text[cut:]
    return [*lines, text] if text else lines


def _place(segments: Iterable[tuple[int, str]]) -> str:
    """A line with each text starting at its display column (left to right)."""
    line, col = "", 0
    for x, text in segments:
        if not text:
            continue
        pad = max(x - col, 1 if line else 0)
        line += " " * pad + text
        col += pad + display_width(text)
    return line


def _applications_space(spec: ReportSpec, blank: str, gap: int = 3) -> list[str]:
    """Part 三 as pdftotext -layout prints it: the labels in a zone on the left (outer group
    label, group label, row label), then the 7 values at the same columns on every row."""
    rows = _application_rows(spec.template)
    outer_w = max(display_width(r.outer) for r in rows if r.depth > 1)
    x_group = outer_w + 2
    group_w = max(display_width(r.group) for r in rows if r.depth == 3)
    x_sub = x_group + group_w + 2
    zone = max(
        max(display_width(r.label) for r in rows if r.depth == 1),
        max(x_group + display_width(r.label) for r in rows if r.depth == 2),
        max(x_sub + display_width(r.label) for r in rows if r.depth == 3),
    )
    headers = [_APPLICANT_ZH[c] for c in T.APPLICANT_CODES]
    values = {r.code: _app_values(spec, r.code, blank) for r in rows}
    widths = [
        max(display_width(headers[j]), *(display_width(v[j]) for v in values.values()))
        for j in range(len(headers))
    ]
    xs = []
    x = zone + gap
    for w in widths:
        xs.append(x)
        x += w + gap
    out = [
        _place([(xs[0], T.APPLICATION_HEADER_KEYS[1]), (xs[-1], headers[-1])]),
        _place([(xs[0], headers[0]), (xs[1], T.LEGAL_PERSON_ZH)]),
        _place(list(zip(xs[1:-1], headers[1:-1], strict=True))),
    ]
    for r in rows:
        if r.depth == 1:
            labels = [(0, r.label)]
        elif r.depth == 2:
            labels = [(0, r.outer), (x_group, r.label)]
        else:
            labels = [(0, r.outer), (x_group, r.group), (x_sub, r.label)]
        out.append(_place(labels + list(zip(xs, values[r.code], strict=True))))
    return out


def space_rows(
    spec: ReportSpec, numbering: str = "zh", *, blank: str = "", rng: random.Random | None = None
) -> str:
    """Given a spec, return the report as ``pdftotext -layout`` prints it: prose wrapped,
    table cells aligned in columns separated by runs of spaces (empty cells are spaces)."""
    prose = _parts_text(spec)
    out = [" " * 20 + title(spec), ""]
    for n in range(1, 7):
        out += [part_heading(n, numbering), ""]
        if n in prose:
            for p in prose[n]:
                out += ["    " + line if i == 0 else line for i, line in enumerate(_wrap(p, 38))]
            out.append("")
        elif n == 2:
            for grid in _disclosure_grids(spec, blank, pad=True):
                out += _aligned(grid, indent=2)
                out.append("")
        elif n == 3:
            out += _wrap(_applications_note(), 38)
            out += _applications_space(spec, blank)
            out.append("")
        else:
            out += _aligned(_appeals_grid_wide(spec, blank))
            out.append("")
    sig = _signature(spec)
    out += [" " * 40 + s for s in sig]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# Layout: Markdown from a broken PDF table (seed 003), without losing cells
# ---------------------------------------------------------------------------------------
def _pieces(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def markdown_broken(
    spec: ReportSpec, numbering: str = "zh", *, blank: str = "", rng: random.Random | None = None
) -> str:
    """Given a spec, return the report as seed 003 prints it: Markdown headings, tab rows,
    row labels wrapped over several lines (the continuation lines have empty value cells),
    group labels split down the first column (本年 / 度办 / 理结 / 果), header labels with
    spaces, part 四's numbers on one space-separated line (tab-separated when a cell is
    empty, so no cell is lost)."""
    rng = rng or random.Random(0)
    prose = _parts_text(spec)
    out = ["", f"# {spec.agency}", "", f"## {spec.year}年政府信息公开工作年度报告", ""]
    for n in range(1, 7):
        heading = part_heading(n, numbering)
        out += [heading if heading.startswith("#") else f"## {heading}", ""]
        if n in prose:
            for p in prose[n]:
                out += [p, ""]
        elif n == 2:
            for g in _disclosure_groups(spec):
                out += [f"### {_article20_heading(g.numeral)}", ""]
                measures = [_spaced(_measure_zh(m, spec.template)) for m in g.measures]
                out.append("\t".join([T.DISCLOSURE_HEADER_KEYS[0], *measures]))
                for item in g.items:
                    values = [_cell(spec.disclosure.get((item, m)), blank) for m in g.measures]
                    out.append("\t".join([_item_zh(item, spec.template), *values]))
                out.append("")
        elif n == 3:
            out += _broken_applications(spec, blank, rng)
            out.append("")
        else:
            results = [_spaced(r) for r in _result_labels()]
            out.append("\t".join([T.PROCEEDINGS[0].zh, "", "", "", "", _LITIGATION]))
            out.append("\t".join([*results, _DIRECT, "", "", "", "", _AFTER_REVIEW]))
            out.append("\t".join(["", "", "", "", "", *results, *results]))
            values = _appeal_values(spec, blank)
            sep = " " if all(v.strip() for v in values) else "\t"
            out += ["", sep.join(values), ""]
    out += _signature(spec)
    return "\n".join(out) + "\n"


def _spaced(label: str) -> str:
    """A header label with a space where a narrow PDF column broke it (本年新 制作数量)."""
    if len(label) >= 4 and "（" not in label:
        cut = 3 if len(label) > 5 else 2
        return label[:cut] + " " + label[cut:]
    return label


_SIDE_PREFIX = re.compile(r"^(?:[（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")


def _side_pieces(label: str, size: int) -> list[str]:
    """A group label cut for a narrow first column: its enumerator, then pieces of ``size``."""
    m = _SIDE_PREFIX.match(label)
    if not m:
        return _pieces(label, size)
    return [m.group(), *_pieces(label[m.end() :], size)]


def _broken_applications(spec: ReportSpec, blank: str, rng: random.Random) -> list[str]:
    applicants = [_APPLICANT_ZH[c] for c in T.APPLICANT_PARTS[1:]]
    out = [
        T.APPLICATION_HEADER_KEYS[1],
        "",
        _applications_note(),
        "",
        "\t".join(
            [
                "",
                _APPLICANT_ZH["natural_person"],
                T.LEGAL_PERSON_ZH,
                "",
                "",
                "",
                "",
                _APPLICANT_ZH["total"],
            ]
        ),
        "\t".join(["", "", *applicants, ""]),
    ]
    empty = [""] * len(T.APPLICANT_CODES)
    rows = _application_rows(spec.template)
    # Lines of each row: label pieces; the first line carries the values.
    blocks: list[tuple[_AppRow, list[str]]] = []
    for r in rows:
        if r.depth == 1:
            blocks.append((r, [r.label]))
        else:
            blocks.append((r, _pieces(r.label, rng.randint(9, 13))))
    # Column 0 of outcome rows: the group label (三、本年度办理结果, （三）不予公开, ...) split
    # in pieces of 2–3 characters spread down the lines of the group's rows.
    i = 0
    while i < len(blocks):
        r = blocks[i][0]
        if r.depth == 1:
            out.append("\t".join([r.label, *_app_values(spec, r.code, blank)]))
            i += 1
            continue
        # The run of rows sharing the same first-column label.
        j = i + 1
        if r.depth == 3:
            while j < len(blocks) and blocks[j][0].depth == 3 and not blocks[j][0].group:
                j += 1
            side = r.group
        else:
            while (
                j < len(blocks)
                and blocks[j][0].depth == 2
                and not blocks[j][0].outer
                and blocks[j][0].code != "total_handled"
            ):
                j += 1
            side = r.outer
        n_lines = sum(len(b[1]) for b in blocks[i:j])
        size = rng.choice((2, 3))
        frags = _side_pieces(side, size) if side else []
        if len(frags) > n_lines:
            frags = [*frags[: n_lines - 1], "".join(frags[n_lines - 1 :])]
        k = 0
        for r2, lines2 in blocks[i:j]:
            for m, piece in enumerate(lines2):
                frag = frags[k] if k < len(frags) else ""
                k += 1
                values = _app_values(spec, r2.code, blank) if m == 0 else empty
                out.append("\t".join([frag, piece, *values]))
        i = j
    return out


# ---------------------------------------------------------------------------------------
# Registry and perturbations
# ---------------------------------------------------------------------------------------
Renderer = Callable[..., str]

LAYOUTS: dict[str, Renderer] = {
    "tab_rows": tab_rows,
    "cell_per_line": cell_per_line,
    "pipe_rows": pipe_rows,
    "space_rows": space_rows,
    "markdown_broken": markdown_broken,
}


def render(
    spec: ReportSpec, layout: str = "tab_rows", numbering: str = "zh", **kwargs: object
) -> str:
    """Given a spec and a layout name (a key of :data:`LAYOUTS`), return the report text."""
    try:
        renderer = LAYOUTS[layout]
    except KeyError:
        raise ValueError(f"unknown layout {layout!r}; expected one of {sorted(LAYOUTS)}") from None
    return renderer(spec, numbering, **kwargs)


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMBER_CELL = re.compile(r"^\s*[0-9.]+\s*$")
_JUNK = ("第 {n} 页", "—— {n} ——", "- {n} -", "", "第{n}页 共{m}页")


def _is_cjk_pair(text: str, i: int) -> bool:
    return 0 < i < len(text) and bool(_CJK.match(text[i - 1])) and bool(_CJK.match(text[i]))


def _cjk_cut(text: str, rng: random.Random) -> int | None:
    cuts = [i for i in range(1, len(text)) if _is_cjk_pair(text, i)]
    return rng.choice(cuts) if cuts else None


def _line_kind(line: str) -> str:
    """'cell' (a cell-per-line cell), 'tab', 'pipe', 'space' (aligned columns) or 'text'."""
    if _is_word_cell(line):
        return "cell"
    if "\t" in line:
        return "tab"
    if line.startswith("|") and line.rstrip().endswith("|"):
        return "pipe"
    if re.search(r"\S {2,}\S", line.strip()):
        return "space"
    return "text"


def _split_cells(line: str, kind: str) -> list[str]:
    if kind == "tab":
        return line.split("\t")
    return line.strip()[1:-1].split("|")


def _join_cells(cells: Sequence[str], kind: str) -> str:
    if kind == "tab":
        return "\t".join(cells)
    return "|" + "|".join(cells) + "|"


def _spaces_in_line(line: str, kind: str, rng: random.Random) -> str:
    if kind in ("tab", "pipe"):
        cells = _split_cells(line, kind)
        for j, c in enumerate(cells):
            if _NUMBER_CELL.match(c) and rng.random() < 0.3:
                cells[j] = rng.choice((" ", "")) + c + rng.choice((" ", "  ", ""))
            elif _CJK.search(c) and rng.random() < 0.3:
                cut = _cjk_cut(c, rng)
                if cut is not None:
                    cells[j] = c[:cut] + " " + c[cut:]
        return _join_cells(cells, kind)
    if kind == "cell":
        body = line[1:]
        if _NUMBER_CELL.match(body) and rng.random() < 0.3:
            return "\t" + rng.choice((" ", "")) + body + rng.choice((" ", ""))
        cut = _cjk_cut(body, rng)
        if cut is not None and rng.random() < 0.3:
            return "\t" + body[:cut] + " " + body[cut:]
        return line
    # space layout and prose: one space between two CJK characters; in aligned columns,
    # take one space back from the next run of 3+ so the columns stay aligned.
    cut = _cjk_cut(line, rng)
    if cut is None or rng.random() > 0.3:
        return line
    new = line[:cut] + " " + line[cut:]
    if kind == "space":
        m = re.compile(r" {3,}").search(new, cut + 1)
        if m:
            new = new[: m.start()] + new[m.start() + 1 :]
    return new


_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+")
# Every part heading line any numbering style prints -> the part's title.
_HEADING_TITLES: dict[str, str] = {
    part_heading(p.number, style): p.zh for p in T.PARTS for style in NUMBERING_STYLES
}


def _break_heading(line: str, rng: random.Random) -> list[str]:
    """Break a part heading line inside its title, as a hard-wrapped text or a narrow PDF
    column does ("三、收到和处理政府信息" / "公开申请情况"); other lines stay whole."""
    title = _HEADING_TITLES.get(_MARKDOWN_HEADING.sub("", line).strip())
    if title is None:
        return [line]
    at = line.index(title) + rng.randrange(1, len(title))
    return [line[:at], line[at:]]


def _break_label(line: str, kind: str, rng: random.Random) -> list[str]:
    """Break a row label over two lines the way each layout does it."""
    if kind == "cell":
        body = line[1:]
        cut = _cjk_cut(body, rng)
        if cut is None:
            return [line]
        return ["\t" + body[:cut], body[cut:]]
    if kind in ("tab", "pipe"):
        cells = _split_cells(line, kind)
        # The row label: the last cell with CJK text before the first number cell.
        label_idx = None
        for j, c in enumerate(cells):
            if _NUMBER_CELL.match(c):
                break
            if _CJK.search(c):
                label_idx = j
        if label_idx is None or not any(_NUMBER_CELL.match(c) for c in cells):
            return [line]
        c = cells[label_idx]
        cut = _cjk_cut(c, rng)
        if cut is None:
            return [line]
        first = list(cells)
        first[label_idx] = c[:cut]
        cont = [""] * len(cells)
        cont[label_idx] = c[cut:]
        if kind == "pipe":
            cont = [" " * len(x) if not x.strip() else x for x in cont]
        return [_join_cells(first, kind), _join_cells(cont, kind)]
    if kind == "space":
        m = re.match(r"^( *)(\S+(?: \S+)*)", line)
        if not m or not _CJK.search(m.group(2)) or not re.search(r"\d", line[m.end() :]):
            return [line]
        label = m.group(2)
        cut = _cjk_cut(label, rng)
        if cut is None:
            return [line]
        start = len(m.group(1))
        head = line[: start + cut]
        rest = line[start + cut : m.end()]
        pad = display_width(rest)
        first = head + " " * pad + line[m.end() :]
        # The continuation starts where the label started (same display column).
        return [first, " " * display_width(line[:start]) + rest]
    return [line]


def perturb(text: str, rng: random.Random, kinds: Iterable[str] = PERTURBATIONS) -> str:
    """Given a rendered report, return it damaged as extracted text often is, with every
    value still readable: ``spaces`` (extra spaces inside cells), ``fullwidth`` (full-width
    digits on some lines), ``label_breaks`` (row labels broken over two lines), ``junk``
    (page numbers and empty lines between table rows), ``crlf`` (CRLF line endings),
    ``heading_breaks`` (part headings broken over two lines); and,
    when asked, ``units`` (some numbers printed with a unit: 0件, 12.5万元) and ``thousands``
    (1,234)."""
    kinds = set(kinds)
    unknown = kinds - set(PERTURBATIONS) - set(NUMBER_FORMATS)
    if unknown:
        raise ValueError(
            f"unknown perturbations {sorted(unknown)}; expected some of {PERTURBATIONS + NUMBER_FORMATS}"
        )
    lines = text.replace("\r\n", "\n").split("\n")
    if "thousands" in kinds:
        lines = [_numbers_in_line(ln, _with_thousands) for ln in lines]
    if "units" in kinds:
        units = random.Random(rng.random())
        lines = [_numbers_in_line(ln, lambda v: _with_unit(v, units)) for ln in lines]
    if "spaces" in kinds:
        lines = [_spaces_in_line(ln, _line_kind(ln), rng) for ln in lines]
    if "label_breaks" in kinds:
        new: list[str] = []
        for ln in lines:
            kind = _line_kind(ln)
            if kind != "text" and _CJK.search(ln) and rng.random() < 0.25:
                new += _break_label(ln, kind, rng)
            else:
                new.append(ln)
        lines = new
    if "fullwidth" in kinds:
        lines = [fullwidth_line(ln) if rng.random() < 0.3 else ln for ln in lines]
    if "junk" in kinds:
        new = []
        page = 1
        for i, ln in enumerate(lines):
            new.append(ln)
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt is None or not _junk_ok(ln, nxt) or rng.random() > 0.08:
                continue
            page += 1
            junk = rng.choice(_JUNK).format(n=page, m=page + 3)
            if ln == "":
                # Between cell-per-line rows: keep the blank line that ends the row.
                new += [junk, ""] if junk else []
            else:
                new.append(junk)
        lines = new
    if "heading_breaks" in kinds:
        # Last, so the other kinds draw from ``rng`` as they did before this kind existed.
        new = []
        for ln in lines:
            new += _break_heading(ln, rng) if rng.random() < 0.5 else [ln]
        lines = new
    out = "\n".join(lines)
    if "crlf" in kinds:
        out = out.replace("\n", "\r\n")
    return out


_WHOLE_NUMBER = re.compile(r"^(\s*)(\d+(?:\.\d+)?)(\s*)$")


def _with_thousands(value: str) -> str:
    if "." in value or len(value) < 4:
        return value
    return f"{int(value):,}"


def _with_unit(value: str, rng: random.Random) -> str:
    if rng.random() > 0.3:
        return value
    return value + ("万元" if "." in value else "件")


def _numbers_in_line(line: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to every cell of a line that holds exactly one number (never to numbers
    inside labels or prose); in aligned columns, take the added width back from the gap
    that follows, so the columns stay where they were."""

    def cell(text: str) -> str:
        m = _WHOLE_NUMBER.match(text)
        return f"{m.group(1)}{fn(m.group(2))}{m.group(3)}" if m else text

    kind = _line_kind(line)
    if kind in ("tab", "pipe"):
        return _join_cells([cell(c) for c in _split_cells(line, kind)], kind)
    if kind == "cell":
        return "\t" + cell(line[1:])
    if kind == "text":
        if re.fullmatch(r"\d+(?:\.\d+)?( \d+(?:\.\d+)?)*", line):  # part 四 on one line
            return " ".join(fn(v) for v in line.split(" "))
        return cell(line) if _WHOLE_NUMBER.match(line) else line
    out: list[str] = []
    debt = 0
    for tok in re.split(r"( {2,})", line):
        if tok and not tok.strip():
            take = min(debt, max(len(tok) - 2, 0))
            debt -= take
            out.append(tok[take:])
        elif _WHOLE_NUMBER.match(tok):
            new = fn(tok)
            debt += display_width(new) - display_width(tok)
            out.append(new)
        else:
            out.append(tok)
    return "".join(out)


def fullwidth_line(line: str) -> str:
    """Full-width digits; in aligned columns each wide digit takes one space back from the
    next run of 3+ spaces, so the columns stay where they were."""
    if _line_kind(line) != "space":
        return line.translate(_FULLWIDTH)
    out: list[str] = []
    debt = 0
    for tok in re.split(r"( {3,})", line):
        if tok.startswith("   ") and not tok.strip():
            take = min(debt, len(tok) - 2)
            debt -= take
            out.append(tok[take:])
        else:
            debt += sum(c in "0123456789" for c in tok)  # digits already wide owe nothing
            out.append(tok.translate(_FULLWIDTH))
    return "".join(out)


def _is_word_cell(line: str) -> bool:
    """A cell of the cell-per-line layout: one leading tab and no other."""
    return line.startswith("\t") and line.count("\t") == 1


def _junk_ok(line: str, nxt: str) -> bool:
    """Junk may go between two lines unless it would split a row: not inside a cell-per-line
    row (only after its closing blank line) and not before a label's continuation line."""
    if _is_word_cell(line) or nxt == "":
        return False
    if _is_word_cell(nxt):
        return line == ""
    if not re.search(r"\d", nxt) and ("\t" in nxt or nxt.startswith(("|", " "))):
        return False  # a continuation row (label text, no numbers) or a header row
    return True


__all__ = [
    "LAYOUTS",
    "NUMBERING_STYLES",
    "NUMBER_FORMATS",
    "PERTURBATIONS",
    "cell_per_line",
    "display_width",
    "markdown_broken",
    "part_heading",
    "perturb",
    "pipe_rows",
    "render",
    "space_rows",
    "tab_rows",
    "title",
]
