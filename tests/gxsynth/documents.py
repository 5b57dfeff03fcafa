"""Render a :class:`ReportSpec` as the documents governments publish, in the official layout.

One abstract layout (:class:`Grid`: a table as positioned cells with row and column spans)
feeds every renderer, so the Word, web-page, spreadsheet and PDF versions of a spec print
the same cells in the same places:

* part 二: one table, a group row per Article 20 item (第二十条第（X）项), a header row
  (信息内容 + measures) and one row per item; a measure column that is the last of its
  group spans the remaining columns;
* part 三: three label columns and seven applicant columns; the header cells are merged
  (申请人情况, 法人或其他组织, 自然人 and 总计 down two rows), the side label
  三、本年度办理结果 is merged down every outcome row and each group label
  （三）不予公开 … （六）其他处理 down its sub-rows;
* part 四: 行政复议 over five columns, 行政诉讼 over ten, result labels merged down.

Every label comes from :mod:`gxparse.template`. A cell whose printed value is None is
printed empty.
"""

from __future__ import annotations

import html
import io
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gxparse import template as T
from gxparse.readers.document import Document, Row
from gxsynth.model import ReportSpec

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

_NUMERALS = "一二三四五六七八九十"
_ENUM_PREFIX = re.compile(r"^（[一二三四五六七八九十]+）")


@dataclass(frozen=True)
class Span:
    """One printed cell of a grid: top-left position, extent and text."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    """A table as positioned cells; positions not covered by any span are empty."""

    ncols: int
    spans: list[Span] = field(default_factory=list)
    # Leading rows that form the column header (Word can repeat them on every page).
    header_rows: int = 0

    @property
    def nrows(self) -> int:
        return max((s.row + s.rowspan for s in self.spans), default=0)

    def add(self, row: int, col: int, text: str | None, rowspan: int = 1, colspan: int = 1) -> None:
        self.spans.append(Span(row, col, text or "", rowspan, colspan))

    def rows(self) -> list[list[Span]]:
        """Spans grouped by their top row, left to right."""
        out: list[list[Span]] = [[] for _ in range(self.nrows)]
        for s in self.spans:
            out[s.row].append(s)
        for r in out:
            r.sort(key=lambda s: s.col)
        return out


def expected_cells(grid: Grid) -> list[list[tuple[int, str]]]:
    """Given a grid, return what a reader must produce for it, row by row, as (1-based grid
    column, text) pairs: a span's text where it starts, an empty cell in the first column
    of a span coming down from an earlier row, nothing for the other positions a span
    covers (a colspan appears once)."""
    out: list[list[tuple[int, str]]] = [[] for _ in range(grid.nrows)]
    for s in grid.spans:
        out[s.row].append((s.col + 1, s.text))
        for r in range(s.row + 1, s.row + s.rowspan):
            out[r].append((s.col + 1, ""))
    for r in out:
        r.sort()
    return out


def document_cells(doc: Document, table: int) -> list[list[tuple[int, str]]]:
    """Given a Document, return the rows of its table number ``table`` (0-based) in the
    shape of :func:`expected_cells`: (grid column from the cell's source, text)."""
    return [
        [(int(c.source.rsplit(" ", 1)[1]), c.text) for c in item.cells]
        for item in doc.items
        if isinstance(item, Row) and item.table == table
    ]


def with_blanks(spec: ReportSpec, seed: int, share: float = 0.2) -> ReportSpec:
    """The spec with a share of its cells (chosen by ``seed``) printed empty (None)."""
    rng = random.Random(seed)
    for cells in (spec.disclosure, spec.applications, spec.appeals):
        for key in cells:
            if rng.random() < share:
                cells[key] = None
    return spec


# A document outline: ("title" | "heading" | "para", text) or ("table", Grid).
Block = tuple[str, "str | Grid"]


def title(spec: ReportSpec) -> str:
    """The title line: agency, year and the report's name."""
    return f"{spec.agency}{spec.year}年政府信息公开工作年度报告"


def heading(number: int) -> str:
    part = T.PARTS[number - 1]
    return f"{_NUMERALS[number - 1]}、{part.zh}"


def published_line(spec: ReportSpec) -> str | None:
    d = spec.published
    return None if d is None else f"{d.year}年{d.month}月{d.day}日"


def disclosure_grid(spec: ReportSpec) -> Grid:
    """Part 二 as one four-column table (both template versions)."""
    layout = T.DISCLOSURE_LAYOUT[spec.template]
    items = {e.code: e for e in T.DISCLOSURE_ITEMS}
    header_article, header_content = T.DISCLOSURE_HEADER_KEYS[1], T.DISCLOSURE_HEADER_KEYS[0]
    g = Grid(ncols=4)
    r = 0
    for numeral, codes in T.ARTICLE20_GROUPS.items():
        present = [c for c in codes if c in layout]
        if not present:
            continue
        measures = layout[present[0]]
        g.add(r, 0, f"{header_article}第（{numeral}）项", colspan=4)
        r += 1
        g.add(r, 0, header_content)
        for i, m in enumerate(measures):
            span = 3 - i if i == len(measures) - 1 else 1
            g.add(r, 1 + i, T.measure(m).zh, colspan=span)
        r += 1
        for code in present:
            g.add(r, 0, items[code].zh)
            for i, m in enumerate(layout[code]):
                span = 3 - i if i == len(layout[code]) - 1 else 1
                g.add(r, 1 + i, spec.disclosure.get((code, m)), colspan=span)
            r += 1
    return g


def _group_prefix(group: T.Entry) -> str:
    m = _ENUM_PREFIX.match(group.zh)
    return m.group(0) if m else ""


def applications_grid(spec: ReportSpec) -> Grid:
    """Part 三: three label columns, seven applicant columns, merged headers and side labels."""
    rows = T.application_rows(spec.template)
    groups = {g.code: g for g in T.APPLICATION_GROUPS}
    applicants = T.APPLICANTS
    g = Grid(ncols=10, header_rows=3)
    balance = T.application_identities(spec.template)[0]
    note = f"（本列数据的{T.APPLICATION_HEADER_KEYS[0]}为：{balance.zh}）"
    g.add(0, 0, note, rowspan=3, colspan=3)
    g.add(0, 3, T.APPLICATION_HEADER_KEYS[1], colspan=7)
    g.add(1, 3, applicants[0].zh, rowspan=2)
    g.add(1, 4, T.LEGAL_PERSON_ZH, colspan=5)
    g.add(1, 9, applicants[-1].zh, rowspan=2)
    for i, a in enumerate(applicants[1:-1]):
        g.add(2, 4 + i, a.zh)
    r = 3
    outcome_rows = [row for row in rows if row.parent is not None]
    outcomes_top = None
    by_parent: dict[str, list[T.Entry]] = {}
    for row in rows:
        if row.parent and row.parent != "outcomes":
            by_parent.setdefault(row.parent, []).append(row)
    for row in rows:
        if row.parent is None:
            g.add(r, 0, row.zh, colspan=3)
        else:
            if outcomes_top is None:
                outcomes_top = r
                g.add(r, 0, groups["outcomes"].zh, rowspan=len(outcome_rows))
            if row.parent == "outcomes":
                g.add(r, 1, row.zh, colspan=2)
            else:
                group = groups[row.parent]
                siblings = by_parent[row.parent]
                if row is siblings[0]:
                    g.add(r, 1, group.zh, rowspan=len(siblings))
                prefix = _group_prefix(group)
                sub = row.zh[len(prefix) :] if row.zh.startswith(prefix) else row.zh
                g.add(r, 2, sub)
        for i, a in enumerate(applicants):
            g.add(r, 3 + i, spec.applications.get((row.code, a.code)))
        r += 1
    return g


def appeals_grid(spec: ReportSpec) -> Grid:
    """Part 四: 行政复议 (5 columns) and 行政诉讼 (10 columns), then one row of 15 numbers."""
    g = Grid(ncols=15, header_rows=3)
    review, direct, after = T.PROCEEDINGS
    litigation, _, direct_label = direct.zh.partition("：")
    after_label = after.zh.partition("：")[2]
    g.add(0, 0, review.zh, colspan=5)
    g.add(0, 5, litigation, colspan=10)
    for i, res in enumerate(T.RESULTS):
        g.add(1, i, res.zh, rowspan=2)
    g.add(1, 5, direct_label, colspan=5)
    g.add(1, 10, after_label, colspan=5)
    for k in range(2):
        for i, res in enumerate(T.RESULTS):
            g.add(2, 5 + 5 * k + i, res.zh)
    for p, proceeding in enumerate(T.PROCEEDINGS):
        for i, res in enumerate(T.RESULTS):
            g.add(3, 5 * p + i, spec.appeals.get((proceeding.code, res.code)))
    return g


def outline(spec: ReportSpec) -> list[Block]:
    """The report as a sequence of blocks in printed order."""
    blocks: list[Block] = [("title", title(spec))]
    prose = {1: spec.overview, 5: spec.problems, 6: spec.other}
    tables = {2: disclosure_grid, 3: applications_grid, 4: appeals_grid}
    for number in range(1, 7):
        blocks.append(("heading", heading(number)))
        if number in tables:
            blocks.append(("table", tables[number](spec)))
        for para in (prose.get(number) or "").split("\n"):
            if para.strip():
                blocks.append(("para", para))
    blocks.append(("para", spec.agency))
    date_line = published_line(spec)
    if date_line:
        blocks.append(("para", date_line))
    return blocks


# ---------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------
def to_docx(
    spec: ReportSpec, font_pt: float = 9.0, centre: bool = False, repeat_header: bool = False
) -> bytes:
    """The report as a Word document: real merged cells (gridSpan, vMerge), table borders.
    ``font_pt`` sets the body size (larger sizes move the page breaks, splitting other
    table rows over pages in the PDF); ``centre`` centres cell text vertically (numbers of
    a row split over a page break may then fall on either page); ``repeat_header`` marks
    the column headers of parts 三 and 四 to be repeated at the top of every page."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(font_pt)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    section = document.sections[0]
    section.left_margin = section.right_margin = Pt(36)
    for kind, content in outline(spec):
        if kind == "title":
            p = document.add_paragraph(str(content))
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            document.add_paragraph(str(content))
        elif kind == "para":
            document.add_paragraph(str(content))
        else:
            assert isinstance(content, Grid)
            _docx_table(document, content, centre, repeat_header)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _docx_table(
    document: DocxDocument, grid: Grid, centre: bool = False, repeat_header: bool = False
) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.oxml import OxmlElement

    table = document.add_table(rows=grid.nrows, cols=grid.ncols)
    table.style = "Table Grid"
    if repeat_header:
        for tr in table._tbl.tr_lst[: grid.header_rows]:
            tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    # Cell objects taken once, before any merge (table.cell() rescans the whole table).
    cells = [list(row.cells) for row in table.rows]
    for s in grid.spans:
        cell = cells[s.row][s.col]
        if s.rowspan > 1 or s.colspan > 1:
            cell = cell.merge(cells[s.row + s.rowspan - 1][s.col + s.colspan - 1])
        cell.text = s.text
        if centre:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------
def to_html(spec: ReportSpec, charset: str = "utf-8") -> str:
    """The report as a saved government web page: navigation, the article, a footer."""
    body: list[str] = []
    for kind, content in outline(spec):
        if kind == "title":
            body.append(f'<h1 class="title">{html.escape(str(content))}</h1>')
        elif kind == "heading":
            body.append(f"<p><strong>{html.escape(str(content))}</strong></p>")
        elif kind == "para":
            body.append(f"<p>{html.escape(str(content))}</p>")
        else:
            assert isinstance(content, Grid)
            body.append(_html_table(content))
    article = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(title(spec))}</title>
<style>table {{ border-collapse: collapse; }} td {{ border: 1px solid #000; }}</style>
<script>var _hmt = _hmt || []; document.write("<div>统计</div>");</script>
</head>
<body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<nav><ul><li><a href="/xxgk/">政府信息公开</a></li><li><a href="/ndbg/">政府信息公开年报</a></li></ul></nav>
<div class="main">
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<div class="article-content">
{article}
</div>
</div>
<footer><p>主办单位：{html.escape(spec.agency)} 网站标识码 0000000000</p></footer>
<script>console.log("end");</script>
</body>
</html>
"""


def _html_table(grid: Grid) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0">']
    out.append("<thead>" if grid.header_rows else "<tbody>")
    for r, spans in enumerate(grid.rows()):
        if grid.header_rows and r == grid.header_rows:
            out += ["</thead>", "<tbody>"]
        cells = []
        for s in spans:
            attrs = ""
            if s.rowspan > 1:
                attrs += f' rowspan="{s.rowspan}"'
            if s.colspan > 1:
                attrs += f' colspan="{s.colspan}"'
            text = html.escape(s.text) if s.text else "&nbsp;"
            cells.append(f'<td{attrs}><p style="text-align:center">{text}</p></td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# Spreadsheet
# ---------------------------------------------------------------------------------------
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _xlsx_value(text: str) -> str | int | float | None:
    """Numbers as numbers (as an analyst keys them); anything else as text."""
    if not text:
        return None
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def to_xlsx(spec: ReportSpec) -> bytes:
    """The report re-keyed into one sheet: title, headings, prose and the three tables with
    their merged cells, in printed order."""
    import openpyxl
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度报告"
    r = 1
    for _, content in outline(spec):
        if isinstance(content, Grid):
            for row in range(content.nrows):
                for col in range(content.ncols):
                    ws.cell(r + row, 1 + col).border = border
            for s in content.spans:
                ws.cell(r + s.row, 1 + s.col, _xlsx_value(s.text))
                if s.rowspan > 1 or s.colspan > 1:
                    ws.merge_cells(
                        start_row=r + s.row,
                        start_column=1 + s.col,
                        end_row=r + s.row + s.rowspan - 1,
                        end_column=s.col + s.colspan,
                    )
            r += content.nrows
        else:
            ws.cell(r, 1, str(content))
            r += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------
def to_pdf(
    spec: ReportSpec,
    timeout: float = 120.0,
    font_pt: float = 9.0,
    centre: bool = False,
    repeat_header: bool = False,
) -> bytes:
    """The Word version converted to PDF by LibreOffice (raises ReadError without it, or
    without a Chinese font, which would leave the PDF's text layer without the Hanzi)."""
    from gxparse.readers.document import ReadError
    from gxparse.readers.office import CJK_FONT_HINT, convert_with_soffice, has_cjk_font

    if not has_cjk_font():
        raise ReadError("no_cjk_font", hint=CJK_FONT_HINT)
    docx = to_docx(spec, font_pt, centre, repeat_header)
    return convert_with_soffice(docx, ".docx", "pdf", timeout=timeout)
