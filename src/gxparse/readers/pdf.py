"""PDF with a text layer → Document (pdfium through pypdfium2; no AGPL libraries).

Per page, in page order:

1. take the characters with their boxes from pdfium's text page, and the ruling lines
   from its path objects (:mod:`gxparse.readers.pdf_layout`);
2. collapse doubled characters (fake bold prints every glyph twice: ``dedupe_chars``);
3. rebuild the ruled tables from the lines (the grid of pdfplumber's "lines" strategy);
4. read each table as a grid. The grid has no cell for every position a merged
   cell covers; as in the DOCX and HTML readers, a position covered by a cell that starts
   further left (horizontal span) is omitted, and a position covered by a cell that starts
   in an earlier row (vertical span) yields an empty Cell;
5. read the text outside the tables as lines, leaving out page numbers in the header and
   footer zones ("- 3 -", "第3页", "3/12");
6. emit lines and table rows sorted top to bottom.

A table running over a page break simply continues as rows (the parser maps rows by their
labels, not by table). Header rows Word repeats at the top of each page are left out, and a
row Word split over the page break (its label cut in two, the numbers on one side only) is
joined back when the evidence is clear (see :func:`_continues_row`).

Spaces that text extraction inserts between CJK characters are removed; NFKC (Kangxi
radicals, full-width digits) is left to the label matching, so raw text stays as printed.

A PDF without any text (scanned) or one that needs a password fails with a ReadError
saying so; a damaged page is skipped with a note (the error names it when no page is
readable). pdfium's objects live in C and are not garbage-collected like Python objects:
each page and text page is closed as soon as it is read, and the document when done, so
memory stays bounded on a long PDF.

``source``: "page P table T row R cell C" (T counts the tables of page P; C is the grid
column) and "page P line L" (L counts the text lines of page P outside tables).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

from gxparse import template as T
from gxparse.normalize import label_key, nfkc
from gxparse.readers import pdf_layout as L
from gxparse.readers.document import Cell, Document, Item, Para, ReadError, Row

_CJK = (
    r"\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_NUMERIC = re.compile(r"^[\s\d.,，．+\-]+$")
_ENUMERATOR = re.compile(r"^\s*(?:[(（]?[一二三四五六七八九十]+[)）、．.]|[(（]?\d+[)）．.、])")
_TOL = 1.0
_new_tuple = tuple.__new__
# Share of the page height at the top and bottom where page numbers are furniture.
_MARGIN_SHARE = 0.12
DEFAULT_MAX_PAGES = 500
# pdfium is not thread-safe: one thread of a process at a time calls it (a thread pool or
# a Dask worker's threads may read several PDFs at once). The Python work runs outside.
_PDFIUM = threading.Lock()

# Full labels that always start a row of their own (never the tail of a split label).
_ROW_LABELS = frozenset(
    label_key(e.zh)
    for group in (T.DISCLOSURE_ITEMS, T.DISCLOSURE_MEASURES, T.RESULTS, T.APPLICANTS, T.PROCEEDINGS)
    for e in group
) | frozenset(label_key(k) for k in T.DISCLOSURE_HEADER_KEYS)


def clean_text(text: str) -> str:
    """Remove spaces inserted between CJK characters (PDF extraction artefact)."""
    if " " not in text and "\t" not in text:
        return text  # most cells: nothing to remove, no regex pass
    return _CJK_GAP.sub("", text)


@dataclass
class _TableRows:
    """The rows read from one table of one page, with what is needed to join a split row."""

    rows: list[list[Cell | None]]  # None: omitted (horizontal span)
    xs: tuple[float, ...]
    top: float
    bottom: float
    number: int  # 1-based on its page
    # Texts of the first rows of the table this one continues (or of this one).
    head: list[tuple[str, ...]] = field(default_factory=list)


_HEAD_ROWS = 5


def _row_key(row: list[Cell | None]) -> tuple[str, ...]:
    """A row's printed texts (whitespace removed, empty cells left out): the same for a
    header row wherever it is repeated, whatever columns its page's table has."""
    return tuple(t for t in ("".join(c.text.split()) for c in row if c is not None) if t)


def _repeated_head(head: list[tuple[str, ...]], rows: list[list[Cell | None]]) -> int:
    """How many of ``rows`` (a table continued on a new page) repeat the table's first rows,
    as Word repeats header rows on every page. The rows that follow must not repeat too
    (a continued table is never all header)."""
    k = 0
    while k < len(head) and k < len(rows) - 1 and _row_key(rows[k]) == head[k]:
        k += 1
    return k


def read_pdf(data: bytes, max_pages: int = DEFAULT_MAX_PAGES) -> Document:
    """Given the bytes of a PDF, return its text lines and table rows in reading order."""
    pdf, n_pages = _open_pdf(data)
    reading = _Reading()
    try:
        if n_pages > max_pages:
            raise ReadError("pdf_too_many_pages", pages=n_pages, limit=max_pages)
        for p_no in range(1, n_pages + 1):
            try:
                page_items, chars = _read_page(pdf, p_no)
            except Exception as exc:
                reading.skip_page(p_no, exc)
                continue
            reading.add_page(p_no, page_items, chars)
    finally:
        with _PDFIUM:
            pdf.close()
    return reading.document()


def _open_pdf(data: bytes) -> tuple[Any, int]:
    """Given the bytes of a PDF, return the opened document and its page count."""
    import pypdfium2 as pdfium

    try:
        with _PDFIUM:
            pdf = pdfium.PdfDocument(data)
            return pdf, len(pdf)
    except Exception as exc:
        raise _open_error(exc) from None


@dataclass
class _Reading:
    """What :func:`read_pdf` gathers page by page (``lines[i]`` is always ``items[i]``'s)."""

    items: list[Item] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    n_chars: int = 0
    table_index: int = -1
    # The previous page's last table and the index in ``items`` of its last row, when
    # nothing but page furniture (a page number) follows it on that page.
    open_table: tuple[_TableRows, int] | None = None

    def skip_page(self, p_no: int, exc: Exception) -> None:
        """Given a page that cannot be read, note it and go on (the other pages are kept)."""
        self.failed.append(f"page {p_no} cannot be read ({type(exc).__name__}: {exc})")
        self.notes.append(f"damaged PDF: {self.failed[-1]}")
        self.open_table = None

    def add_page(self, p_no: int, page_items: list[tuple[str, object]], chars: int) -> None:
        """Given a page's items (:func:`_read_page`), add its lines and table rows."""
        self.n_chars += chars
        content = [(k, o) for k, o in page_items if not (k == "line" and _is_furniture(o[0]))]
        last_row_index: int | None = None
        for kind, obj in page_items:
            if kind == "line":
                text, src = obj
                self.items.append(Para(text, src))
                self.lines.append(text)
                continue
            tr: _TableRows = obj
            self.table_index += 1
            rows, first = self._continue_table(p_no, tr, content)
            last_row_index = self._add_rows(p_no, tr, rows, first, last_row_index)
        if content and content[-1][0] == "table" and last_row_index is not None:
            self.open_table = (content[-1][1], last_row_index)  # type: ignore[assignment]
        elif content:
            self.open_table = None

    def _continue_table(
        self, p_no: int, tr: _TableRows, content: list[tuple[str, object]]
    ) -> tuple[list[list[Cell | None]], int]:
        """Given a table, return its rows to add and the first's number (a continuation's cut)."""
        rows = tr.rows
        open_table = self.open_table
        if not (
            open_table is not None
            and bool(content)
            and content[0][1] is tr
            and bool(rows)
            and _compatible_columns(open_table[0].xs, tr.xs)
        ):
            tr.head = [_row_key(r) for r in rows[:_HEAD_ROWS]]
            return rows, 1
        first = 1
        # Header rows Word repeats at the top of each page are left out.
        tr.head = open_table[0].head
        k = _repeated_head(tr.head, rows)
        if k:
            rows, first = rows[k:], first + k
            self.notes.append(f"page {p_no}: {k} repeated table header row(s) left out")
        if rows and self._join_split_row(p_no, open_table, tr, rows[0]):
            rows, first = rows[1:], first + 1
        return rows, first

    def _join_split_row(
        self, p_no: int, open_table: tuple[_TableRows, int], tr: _TableRows, row: list[Cell | None]
    ) -> bool:
        """Given the open table and the row continuing it, join a split row; return if done."""
        # Compare the two halves on one grid: a page may lack a column that no cell of its
        # rows starts in.
        prev_tr, idx = open_table
        grid = _union(prev_tr.xs, tr.xs)
        prev_half = _regrid(prev_tr.rows[-1], prev_tr.xs, grid)
        new_half = _regrid(row, tr.xs, grid)
        if not _continues_row(prev_half, new_half):
            return False
        prev_row = self.items[idx]
        assert isinstance(prev_row, Row)
        joined = _make_row(_join_rows(prev_half, new_half), prev_row.source, prev_row.table)
        self.items[idx] = joined
        self.lines[idx] = _row_line(joined)  # lines[i] is always items[i]
        self.notes.append(f"page {p_no}: a table row split over the page break was joined")
        return True

    def _add_rows(
        self,
        p_no: int,
        tr: _TableRows,
        rows: list[list[Cell | None]],
        first: int,
        last_row_index: int | None,
    ) -> int | None:
        """Given a table's rows from row ``first``, add them; return the last row's index."""
        # The index is None after running text, unchanged when nothing is added.
        items, lines = self.items, self.lines
        prose = _text_runs(rows)
        for i, cells in enumerate(rows):
            src = f"page {p_no} table {tr.number} row {i + first}"
            if i in prose:
                text = next(c.text for c in cells if c is not None).strip()
                if text:
                    items.append(Para(text, src))
                    lines.append(text)
                last_row_index = None
                continue
            row = _make_row(cells, src, self.table_index)
            if row.cells:
                items.append(row)
                lines.append(_row_line(row))
                last_row_index = len(items) - 1
        return last_row_index

    def document(self) -> Document:
        """Return the Document read, or the ReadError when no page or no text was read."""
        if self.failed and not self.items:
            raise ReadError("damaged_pdf_page", detail=self.failed[0])
        if self.n_chars == 0:
            raise ReadError("no_text_layer")
        return Document(
            items=self.items,
            source_format="pdf",
            text="\n".join(self.lines),
            notes=self.notes,
        )


def _open_error(exc: Exception) -> ReadError:
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and len(chain) < 5:
        chain.append(e)
        e = e.__cause__ or e.__context__
        if e is None and getattr(chain[-1], "args", None):
            inner = chain[-1].args[0]
            e = inner if isinstance(inner, BaseException) else None
    names = " ".join(type(x).__name__ for x in chain)
    if "Password" in names or "Encryption" in names or "password" in str(exc).lower():
        return ReadError("encrypted_pdf")
    detail = str(chain[-1]) or type(chain[-1]).__name__
    pdfium_reason = re.search(r"\((PDFium: [^)]*)\)", detail)
    if pdfium_reason:  # "Failed to load document (PDFium: Data format error)."
        detail = pdfium_reason.group(1)
    return ReadError("damaged_pdf", detail=detail)


_FURNITURE = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页)?(?:\s*/\s*(?:共\s*)?\d+\s*页?)?[-—–\s]*$")


def _is_furniture(text: str) -> bool:
    """A page number line ("3", "- 3 -", "第3页", "3/12")."""
    return bool(_FURNITURE.match(text))


def is_page_number(text: str, page: int) -> bool:
    """Whether a line in a page's header or footer margin is its page number: a decorated
    one ("- 3 -", "第3页", "3/12"), or a bare number that is this page's number (or the one
    before, for a cover left unnumbered). Any other bare number there is a cell's value that
    happens to fall at the page's edge (one cell per line, "124")."""
    if not _is_furniture(text):
        return False
    bare = text.strip()
    return not bare.isdigit() or (int(bare) in (page, page - 1) and int(bare) > 0)


def _row_line(row: Row) -> str:
    return "\t".join(c.text.replace("\n", " ") for c in row.cells)


def _make_row(cells: list[Cell | None], source: str, table: int | None) -> Row:
    return Row(tuple(c for c in cells if c is not None), source, table=table)


def _read_page(pdf: Any, p_no: int) -> tuple[list[tuple[str, object]], int]:
    """Given the document and a page number, return the page's items [("line", (text,
    source)) | ("table", _TableRows)] sorted top to bottom, and its character count. The
    page and its text page are closed before returning."""
    with _PDFIUM:
        page = pdf[p_no - 1]
        try:
            view = L.View(page.get_mediabox(), page.get_rotation())
            textpage = page.get_textpage()
            try:
                chars = L.page_chars(textpage.raw, view)
            finally:
                textpage.close()
            edges = L.page_edges(page.raw, view) if chars else []
        finally:
            page.close()
    if not chars:
        return [], 0
    if _has_doubled_chars(chars):
        chars = L.dedupe_chars(chars, tolerance=1)
    found = [(cells, L.table_bbox(cells)) for cells in L.find_tables(edges)]
    by_cell, text_chars = _chars_by_cell(found, chars)
    tables = [
        _table_rows(cells, bbox, chars, cell_chars, p_no, t_no)
        for t_no, ((cells, bbox), cell_chars) in enumerate(zip(found, by_cell, strict=True), 1)
    ]
    placed: list[tuple[float, int, str, object]] = []
    n = 0
    margin = view.height * _MARGIN_SHARE
    for raw, top, bottom in L.text_lines(text_chars):
        text = clean_text(raw).strip()
        if not text:
            continue
        if (top < margin or bottom > view.height - margin) and is_page_number(text, p_no):
            continue  # a page number in the header or footer
        n += 1
        placed.append((top, 0, "line", (text, f"page {p_no} line {n}")))
    for tr in tables:
        placed.append((tr.top, 1, "table", tr))
    placed.sort(key=lambda x: (x[0], x[1]))
    return [(kind, obj) for _, _, kind, obj in placed], len(chars)


def _has_doubled_chars(chars: list[L.Char]) -> bool:
    """Whether a character is printed twice at (nearly) the same place (fake bold): the
    same text, in neighbouring or equal whole-point positions (x0 and top). A cheap pass
    that spares the costlier ``dedupe_chars`` on the usual clean page."""
    by_text: dict[str, list[tuple[int, int]]] = {}
    for ch in chars:
        by_text.setdefault(ch.text, []).append((int(ch.top), int(ch.x0)))
    for spots in by_text.values():
        if len(spots) < 2:
            continue
        spots.sort()
        n = len(spots)
        for i, (y, x) in enumerate(spots):
            j = i + 1
            while j < n and spots[j][0] <= y + 1:  # this row and the next
                if -1 <= spots[j][1] - x <= 1:
                    return True
                j += 1
    return False


Box = tuple[float, float, float, float]


def _chars_by_cell(
    tables: list[tuple[list[Box], Box]], chars: list[L.Char]
) -> tuple[list[dict[Box, list[L.Char]]], list[L.Char]]:
    """Given the tables of a page (cells and box) and its characters, return each table's
    characters by cell (centre inside the cell, page order kept) and the characters
    outside every table, in one pass over the characters."""
    if not tables:
        return [], chars
    grids = []
    buckets: list[dict[Box, list[L.Char]]] = []
    for cells, (x0, top, x1, bottom) in tables:
        xs = sorted({c[0] for c in cells})
        ys = sorted({c[1] for c in cells})
        n_y = len(ys)
        # Grid slot (column × n_y + row) → the cell over it and the cell's characters.
        lists: dict[Box, list[L.Char]] = {c: [] for c in cells}
        slot: dict[int, tuple[Box, list[L.Char]]] = {}
        for c in cells:
            ix0, iy0 = bisect_left(xs, c[0]), bisect_left(ys, c[1])
            ix1, iy1 = bisect_left(xs, c[2]), bisect_left(ys, c[3])
            for ix in range(ix0, max(ix0 + 1, ix1)):
                for iy in range(iy0, max(iy0 + 1, iy1)):
                    slot[ix * n_y + iy] = (c, lists[c])
        grids.append((x0, top, x1, bottom, xs, ys, n_y, slot))
        buckets.append(lists)
    outside: list[L.Char] = []
    for ch in chars:
        h = (ch[1] + ch[3]) / 2  # x0, x1
        v = (ch[2] + ch[4]) / 2  # top, bottom
        inside = False
        for x0, top, x1, bottom, xs, ys, n_y, slot in grids:
            if not (x0 <= h < x1 and top <= v < bottom):
                continue
            inside = True
            hit = slot.get((bisect_right(xs, h) - 1) * n_y + bisect_right(ys, v) - 1)
            if hit is not None:
                cell = hit[0]
                if cell[0] <= h < cell[2] and cell[1] <= v < cell[3]:
                    hit[1].append(ch)
        if not inside:
            outside.append(ch)
    return [{c: got for c, got in lists.items() if got} for lists in buckets], outside


def _table_rows(
    cells: list[Box],
    bbox: Box,
    chars: list[L.Char],
    by_cell: dict[Box, list[L.Char]],
    p_no: int,
    t_no: int,
) -> _TableRows:
    """Given a table's cells, return its rows as Cells: omitted (None) for positions a
    cell further left covers, empty for positions a cell from an earlier row covers. A
    position no cell covers (a missing ruling line) keeps the text printed there."""
    xs = tuple(sorted({c[0] for c in cells}))
    out: list[list[Cell | None]] = []
    extract = L.extract_text
    for r, (row_box, row_cells) in enumerate(L.table_rows(cells), start=1):
        prefix = f"page {p_no} table {t_no} row {r} cell "
        row: list[Cell | None] = []
        spanning: list[Box] | None = None  # the cells across this row's top, in order
        for j, cell_box in enumerate(row_cells):
            if cell_box is None:
                if spanning is None:
                    y = row_box[1] + _TOL
                    spanning = [c for c in cells if c[1] <= y and c[3] > y]
                row.append(_uncelled(spanning, row_cells, xs, j, row_box, bbox, chars, prefix))
                continue
            cell_chars = by_cell.get(cell_box)
            text = clean_text(extract(cell_chars)) if cell_chars else ""
            row.append(_new_tuple(Cell, (text, prefix + str(j + 1))))
        out.append(row)
    return _TableRows(out, xs, bbox[1], bbox[3], t_no)


def _uncelled(
    spanning: list[Box],
    row_cells: list[Box | None],
    xs: tuple[float, ...],
    j: int,
    row_box: Box,
    bbox: Box,
    chars: list[L.Char],
    prefix: str,
) -> Cell | None:
    """The Cell at column ``j`` of a row where no cell starts: omitted (None) under a
    horizontal span, empty under a vertical one, else (a hole: no ruled cell there)
    whatever is printed in it. ``spanning``: the table's cells across the row's top."""
    src = prefix + str(j + 1)
    x = xs[j]
    top, bottom = row_box[1], row_box[3]
    cover = next((c for c in spanning if c[0] <= x + _TOL and c[2] > x + _TOL), None)
    if cover is not None:
        return None if cover[0] < x - _TOL else Cell("", src)
    x1 = next((c[0] for c in row_cells if c is not None and c[0] > x), bbox[2])
    hole = [
        ch
        for ch in chars
        if x <= (ch.x0 + ch.x1) / 2 < x1 and top <= (ch.top + ch.bottom) / 2 < bottom
    ]
    return Cell(clean_text(L.extract_text(hole)) if hole else "", src)


def _text_runs(rows: list[list[Cell | None]], min_run: int = 3) -> set[int]:
    """Indexes of rows that are running text framed by ruling lines: runs of at least
    ``min_run`` consecutive rows holding a single cell (lined paper, boxed pages)."""
    single = [sum(c is not None for c in row) == 1 for row in rows]
    out: set[int] = set()
    i = 0
    while i < len(rows):
        if not single[i]:
            i += 1
            continue
        j = i
        while j < len(rows) and single[j]:
            j += 1
        if j - i >= min_run:
            out.update(range(i, j))
        i = j
    return out


def _compatible_columns(a: tuple[float, ...], b: tuple[float, ...], tol: float = 2.0) -> bool:
    """Whether two tables' column starts belong to one table: the same left edge, and the
    columns of one among those of the other (a page's rows may not use every column)."""
    if not a or not b or abs(a[0] - b[0]) > tol:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return all(any(abs(x - y) <= tol for y in large) for x in small)


def _union(a: tuple[float, ...], b: tuple[float, ...], tol: float = 2.0) -> tuple[float, ...]:
    out = list(a)
    for x in b:
        if not any(abs(x - y) <= tol for y in out):
            out.append(x)
    return tuple(sorted(out))


def _regrid(
    row: list[Cell | None], xs: tuple[float, ...], grid: tuple[float, ...], tol: float = 2.0
) -> list[Cell | None]:
    """A row laid out on ``xs``, put on the wider ``grid``: positions its table lacks are
    covered by the cell to their left (omitted)."""
    out: list[Cell | None] = [None] * len(grid)
    for cell, x in zip(row, xs, strict=True):
        k = min(range(len(grid)), key=lambda i: abs(grid[i] - x))
        if abs(grid[k] - x) <= tol:
            out[k] = cell
    return out


def _is_number(text: str) -> bool:
    return bool(text.strip()) and bool(_NUMERIC.match(text))


def _continues_row(prev: list[Cell | None], new: list[Cell | None]) -> bool:
    """Whether ``new`` (the first row on a page) is the rest of ``prev`` (the last row on the
    previous page), cut by the page break. Same columns, numbers on one side only, no cell
    of ``new`` that starts a row of its own (an enumerator like "2." or "（五）", or a
    complete template label), and either a column with text on both sides (a label cut in
    two) or ``new`` holding only numbers, each under an empty cell of a ``prev`` that has
    a label and no number (vertically centred numbers pushed past the break)."""
    if len(prev) != len(new) or sum(c is not None for c in new) < 2:
        return False
    shared_text = False
    numbers_under_empty = True
    new_numbers = prev_numbers = prev_text = 0
    for a, b in zip(prev, new, strict=True):
        if (a is None) != (b is None):
            return False
        if a is None or b is None:
            continue
        ta, tb = a.text.strip(), b.text.strip()
        num_a, num_b = _is_number(ta), _is_number(tb)
        if num_a and num_b:
            return False
        if tb and (_ENUMERATOR.match(nfkc(tb)) or label_key(tb) in _ROW_LABELS):
            return False
        if ta and tb and not num_a and not num_b:
            shared_text = True
        if tb and not num_b:
            numbers_under_empty = False
        if num_b:
            new_numbers += 1
            if ta:
                numbers_under_empty = False
        prev_numbers += num_a
        prev_text += bool(ta) and not num_a
    if shared_text:
        return True
    return numbers_under_empty and new_numbers > 0 and prev_numbers == 0 and prev_text > 0


def _join_rows(prev: list[Cell | None], new: list[Cell | None]) -> list[Cell | None]:
    out: list[Cell | None] = []
    for a, b in zip(prev, new, strict=True):
        if a is None or b is None:
            out.append(a)
            continue
        ta, tb = a.text, b.text
        text = ta + "\n" + tb if ta.strip() and tb.strip() else (ta if ta.strip() else tb)
        out.append(Cell(text, a.source if ta.strip() or not tb.strip() else b.source))
    return out
