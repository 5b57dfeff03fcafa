"""Spreadsheets (.xlsx, report tables re-keyed by analysts) → Document.

openpyxl in read-only mode streams the cell values; merged ranges are not available in that
mode, so they are read from each sheet's XML (``<mergeCell ref="A1:C3"/>``) with a parser
that neither expands entities nor touches the network.

Each non-empty sheet row becomes a Row with one Cell per column from A to the row's last
non-empty, merged or formatted (bordered) column, so a table row whose last cells are
blank keeps its width (formatting never widens a row past the sheet's last column with a
value). A row of empty formatted cells is kept when content follows within a few rows (a
table row printed all blank), dropped otherwise (formatting run on below a table). Merged ranges are read as in the DOCX, HTML and PDF readers: the
value stays in the top-left cell, the later columns of the range are omitted (a colspan
appears once) and the later rows yield one empty Cell at the range's first column. A row holding text in column A only (and no
merge) is a line of running text (title, heading, prose) and becomes a Para.

Numbers are printed back as an analyst typed them: integers without ".0", other floats in
their shortest round-trip form. ``source``: "sheet S row R cell C" (1-based) and
"sheet S row R" for a Para.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import TYPE_CHECKING

from gxparse.readers.document import Cell, Document, Item, Para, ReadError, Row

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def read_xlsx(data: bytes) -> Document:
    """Given the bytes of an .xlsx workbook, return every sheet's rows in order."""
    wb = _open_workbook(data)
    out = _Output()
    try:
        for s, ws in enumerate(wb.worksheets, start=1):
            if not hasattr(ws, "iter_rows"):
                continue  # chart sheets
            _read_sheet(out, s, _merged_ranges(wb, ws), _sheet_records(ws))
    finally:
        wb.close()
    if not out.items:
        raise ReadError("excel_without_values")
    return Document(items=out.items, source_format="xlsx", text="\n".join(out.lines))


def _open_workbook(data: bytes) -> Workbook:
    """Given the bytes of an .xlsx workbook, return it opened read-only (values, not
    formulas), or raise ReadError."""
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ReadError("damaged_excel", detail=f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:
        raise ReadError("unreadable_excel", detail=f"{type(exc).__name__}: {exc}") from None


class _Output:
    """The items and text lines read so far, and the number of the last table (tables
    are counted across sheets)."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.lines: list[str] = []
        self.table = -1

    def para(self, text: str, source: str) -> None:
        """Append a line of running text."""
        self.items.append(Para(text, source))
        self.lines.append(text)

    def rows(self, rows: list[Row]) -> None:
        """Append table rows."""
        for row in rows:
            self.items.append(row)
            self.lines.append(_row_line(row))


# One sheet row as read: its number, its cells' texts, the columns (1-based) holding a
# value and the columns written with a style.
_Record = tuple[int, list[str], list[int], list[int]]


def _sheet_records(ws: ReadOnlyWorksheet) -> list[_Record]:
    """Given a sheet, return each row's texts and extents."""
    from openpyxl.cell.read_only import EmptyCell

    records = []
    for r, sheet_row in enumerate(ws.iter_rows(), start=1):
        texts = [format_value(getattr(c, "value", None)) for c in sheet_row]
        nonempty = [i for i, t in enumerate(texts, start=1) if t.strip()]
        # A cell written with a style (a border) is part of the table even if empty.
        styled = [
            i
            for i, c in enumerate(sheet_row, start=1)
            if not isinstance(c, EmptyCell) and getattr(c, "has_style", False)
        ]
        records.append((r, texts, nonempty, styled))
    return records


def _coverage(
    merged: list[tuple[int, int, int, int]],
) -> tuple[dict[tuple[int, int], str], dict[int, int]]:
    """Given a sheet's merged ranges, return what each covered position is and the last
    merged column of each row.

    Position → "top-left" (keeps its value), "vertical" (empty Cell: a later row of the
    range, first column) or "omitted" (a later column of the range)."""
    covered: dict[tuple[int, int], str] = {}
    last_col_of_row: dict[int, int] = {}
    for r0, c0, r1, c1 in merged:
        for r in range(r0, r1 + 1):
            last_col_of_row[r] = max(last_col_of_row.get(r, 0), c1)
            for c in range(c0, c1 + 1):
                if (r, c) == (r0, c0):
                    covered[(r, c)] = "top-left"
                else:
                    covered[(r, c)] = "vertical" if c == c0 else "omitted"
    return covered, last_col_of_row


def _row_cells(
    s: int, r: int, texts: list[str], last: int, covered: dict[tuple[int, int], str]
) -> tuple[Cell, ...]:
    """Given a row's texts padded to ``last`` columns, return its cells (merged ranges as
    the module docstring says)."""
    return tuple(
        Cell(
            "" if covered.get((r, c)) == "vertical" else texts[c - 1],
            f"sheet {s} row {r} cell {c}",
        )
        for c in range(1, last + 1)
        if covered.get((r, c)) != "omitted"
    )


def _read_sheet(
    out: _Output, s: int, merged: list[tuple[int, int, int, int]], records: list[_Record]
) -> None:
    """Append sheet ``s``'s paragraphs and table rows to ``out``."""
    covered, last_col_of_row = _coverage(merged)
    # Formatting may run far right of the content: widths stop at the last column
    # that holds a value or a merge anywhere on the sheet.
    sheet_width = max(
        [rec[2][-1] for rec in records if rec[2]] + list(last_col_of_row.values()) + [0]
    )
    in_table = False
    pending: list[Row] = []  # empty formatted rows, kept if content follows soon
    for r, texts, nonempty, styled in records:
        last = max(
            nonempty[-1] if nonempty else 0,
            min(styled[-1] if styled else 0, sheet_width),
            last_col_of_row.get(r, 0),
        )
        row_merged = any((r, c) in covered for c in range(1, last + 1))
        if last == 0 or (not nonempty and not row_merged and not in_table):
            in_table = False
            pending.clear()
            continue
        texts = texts[:last] + [""] * (last - len(texts))
        if nonempty == [1] and not row_merged and len(styled) <= 1:
            out.rows(pending)  # a row of blank cells inside a table, held back
            pending.clear()
            out.para(texts[0], f"sheet {s} row {r}")
            in_table = False
            continue
        if not in_table:
            out.table += 1
            in_table = True
        row = Row(_row_cells(s, r, texts, last, covered), f"sheet {s} row {r}", table=out.table)
        if not nonempty and not row_merged:
            pending.append(row)
            if len(pending) > _MAX_EMPTY_RUN:
                pending.clear()
                in_table = False
            continue
        out.rows([*pending, row])
        pending.clear()


# More consecutive empty formatted rows than this are formatting, not table rows.
_MAX_EMPTY_RUN = 3


def _row_line(row: Row) -> str:
    return "\t".join(c.text.replace("\n", " ") for c in row.cells)


def format_value(value: object) -> str:
    """A cell value as text the way a spreadsheet shows it (General format)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _merged_ranges(wb: Workbook, ws: ReadOnlyWorksheet) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range of a read-only sheet."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    path = getattr(ws, "_worksheet_path", None)
    archive = getattr(wb, "_archive", None)
    if path is None or archive is None:
        return []
    out: list[tuple[int, int, int, int]] = []
    with archive.open(path) as f:
        parser = etree.iterparse(
            f,
            events=("end",),
            tag=_MAIN_NS + "mergeCell",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        for _, el in parser:
            ref = el.get("ref")
            if ref:
                try:
                    c0, r0, c1, r1 = range_boundaries(ref)
                except (ValueError, TypeError):
                    continue
                if None not in (c0, r0, c1, r1):
                    out.append((r0, c0, r1, c1))
            el.clear()
    return out
