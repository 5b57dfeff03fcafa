"""Streaming .xlsx output for sheets of hundreds of thousands of rows, through XlsxWriter.

openpyxl spends about 10 µs on a cell, even in write-only mode; the briefing workbook of
10,000 reports has millions of cells. XlsxWriter in ``constant_memory`` mode writes each
row to disk as it is appended, with flat memory. This module is the small surface
:mod:`gxparse.reporting.export` needs on top of it: styles as plain values, rows of
``(value, style)`` pairs, text always written as text (never a formula or a link).

    with Workbook(path) as wb:
        bold = wb.style(Style(bold=True))
        about = wb.add_sheet("About", widths=[12, 30])  # first tab, filled last
        sheet = wb.add_sheet("Data", widths=[12, 30], freeze_header=True)
        sheet.append([("name", bold), ("value", bold)])
        sheet.append([("a", 0), (1.5, wb.style(Style(number_format="0.0")))])
        sheet.close(autofilter=True)
        about.append([("rows", 0), (1, 0)])

Tabs are in the order the sheets were added; a sheet may be filled after later ones (rows
of one sheet are appended in order).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

__all__ = ["Link", "PrintSetup", "Sheet", "Style", "Workbook", "column_letter"]


def column_letter(n: int) -> str:
    """Excel's name of the ``n``-th column (1 → A, 27 → AA)."""
    return xl_col_to_name(n - 1)


@dataclass(frozen=True)
class Style:
    """A cell style. Colours are ``RRGGBB`` hex; ``number_format`` an Excel format code;
    ``vertical`` is ``"top"``, ``"center"`` or ``"bottom"``."""

    bold: bool = False
    size: float | None = None
    color: str | None = None
    fill: str | None = None
    number_format: str | None = None
    wrap: bool = False
    vertical: str | None = None

    def properties(self) -> dict[str, Any]:
        """The style as XlsxWriter format properties."""
        props: dict[str, Any] = {}
        if self.bold:
            props["bold"] = True
        if self.size is not None:
            props["font_size"] = self.size
        if self.color:
            props["font_color"] = "#" + self.color
        if self.fill:
            props.update(pattern=1, bg_color="#" + self.fill)
        if self.number_format:
            props["num_format"] = self.number_format
        if self.wrap:
            props["text_wrap"] = True
        if self.vertical:
            props["valign"] = "vcenter" if self.vertical == "center" else self.vertical
        return props


@dataclass(frozen=True)
class Link:
    """A cell value: ``text`` linking to cell A1 of the workbook's sheet ``sheet``."""

    sheet: str
    text: str


@dataclass(frozen=True)
class PrintSetup:
    """How a sheet prints. ``margins`` in inches (``left``, ``right``, ``top``, ``bottom``);
    ``fit_width``: scale so that all columns fit one page wide, ``fit_height`` pages tall
    (0: as many as needed); ``repeat_rows``/``repeat_columns``: leading rows/columns
    printed on every page (Excel's print titles); ``header``/``footer``: Excel's header and
    footer codes (``&A`` the sheet name, ``&P`` the page, ``&N`` the pages);
    ``paper``: Excel's paper code (9 = A4); ``print_area``: (first row, first column, last
    row, last column), 0-based."""

    landscape: bool = True
    fit_width: bool = True
    fit_height: int = 0
    repeat_rows: int = 1
    repeat_columns: int = 0
    header: str = ""
    footer: str = ""
    margins: dict[str, float] = field(
        default_factory=lambda: {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.6}
    )
    gridlines: bool = True
    across_then_down: bool = False
    paper: int = 9
    print_area: tuple[int, int, int, int] | None = None


class Sheet:
    """One worksheet; rows are appended in order, then :meth:`close` (optional)."""

    def __init__(self, book: Workbook, worksheet: Any) -> None:
        self.book = book
        self._ws = worksheet
        self.n_rows = 0
        self.n_cols = 0

    def append(self, cells: Iterable[tuple[object, int]], *, height: float | None = None) -> None:
        """Append a row: ``(value, style)`` per column, from column A. ``None``, an empty
        text and NaN are an empty cell (kept, for its style, when the style is not 0).
        ``height`` (points) sets the row's height, e.g. to fit wrapped text."""
        ws, r, formats = self._ws, self.n_rows, self.book._formats
        if height is not None:
            ws.set_row(r, height)
        for j, (value, style) in enumerate(cells):
            fmt = formats[style]
            if (
                value is None
                or value == ""
                or (isinstance(value, float) and not math.isfinite(value))
            ):
                if fmt is not None:
                    ws.write_blank(r, j, None, fmt)
                    self.n_cols = max(self.n_cols, j + 1)
                continue
            if isinstance(value, Link):
                target = "internal:'" + value.sheet.replace("'", "''") + "'!A1"
                ws.write_url(r, j, target, fmt, string=value.text)
            elif isinstance(value, bool):
                ws.write_boolean(r, j, value, fmt)
            elif isinstance(value, int | float):
                ws.write_number(r, j, value, fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, j, value, fmt)
            else:
                ws.write_string(r, j, str(value), fmt)
            self.n_cols = max(self.n_cols, j + 1)
        self.n_rows += 1

    def print_setup(self, setup: PrintSetup) -> None:
        """Set how the sheet prints (see :class:`PrintSetup`)."""
        ws = self._ws
        ws.set_paper(setup.paper)
        if setup.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(**setup.margins)
        if setup.fit_width:
            ws.fit_to_pages(1, setup.fit_height)
        if setup.repeat_rows:
            ws.repeat_rows(0, setup.repeat_rows - 1)
        if setup.repeat_columns:
            ws.repeat_columns(0, setup.repeat_columns - 1)
        if setup.header:
            ws.set_header(setup.header, {"margin": setup.margins["top"] / 2})
        if setup.footer:
            ws.set_footer(setup.footer, {"margin": setup.margins["bottom"] / 2})
        if setup.gridlines:
            ws.hide_gridlines(0)  # gridlines on screen and on paper
        if setup.across_then_down:
            ws.print_across()
        if setup.print_area is not None:
            ws.print_area(*setup.print_area)

    def close(self, *, autofilter: bool = False) -> None:
        """With ``autofilter`` the header row gets filter buttons over every written row and
        column. (The sheet's rows are written when the workbook closes.)"""
        if autofilter:
            self._ws.autofilter(0, 0, max(1, self.n_rows) - 1, max(1, self.n_cols) - 1)


class Workbook:
    """An .xlsx file written sheet by sheet; call :meth:`close` (or use it as a context
    manager) to finish the file, :meth:`abort` to give up on it."""

    def __init__(self, path: str | Path) -> None:
        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,  # rows go to disk as they are appended
                "strings_to_formulas": False,  # report text such as "=1+1" stays text
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._styles: dict[Style, int] = {Style(): 0}
        self._formats: list[Any] = [None]
        self._closed = False

    def style(self, style: Style) -> int:
        """The index of a cell style (registered on first use)."""
        if style not in self._styles:
            self._styles[style] = len(self._formats)
            self._formats.append(self._book.add_format(style.properties()))
        return self._styles[style]

    def add_sheet(
        self, title: str, *, widths: Sequence[float] = (), freeze_header: bool = False
    ) -> Sheet:
        """Add a sheet named ``title`` (a valid, unique Excel sheet name) as the last tab."""
        ws = self._book.add_worksheet(title)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        if freeze_header:
            ws.freeze_panes(1, 0)
        return Sheet(self, ws)

    def close(self) -> None:
        """Write the workbook file."""
        if self._closed:
            return
        self._closed = True
        self._write_parts()

    def _write_parts(self) -> None:
        self._book.close()

    def abort(self) -> None:
        """Give up without finishing the file (the caller deletes it)."""
        self._closed = True

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
