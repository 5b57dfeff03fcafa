"""The shape every reader produces: a report as an ordered list of paragraphs and table rows.

Readers (text, DOCX, PDF, HTML, XLSX, ...) differ only in how they reach this shape; from
here on the pipeline (sections → tables → frames → checks) is the same for every format.
Each item carries ``source``: where a person finds it in the original ("line 51",
"table 2 row 5 cell 3", "page 3 table 1 row 5 cell 3").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple


class Cell(NamedTuple):
    """One table cell: its text exactly as printed, and where it is. (A named tuple: a
    report has hundreds, and it is the cheapest immutable record to build.)"""

    text: str
    source: str


_new_tuple = tuple.__new__


def cells_of(texts: Iterable[str], source: str) -> tuple[Cell, ...]:
    """Cells of one source line (built in C: a report has hundreds of cells)."""
    return tuple(map(_new_tuple, repeat(Cell), zip(texts, repeat(source))))


class Para(NamedTuple):
    """A paragraph (or heading, or line) of running text. (Named tuples, like Cell: a
    report has hundreds of items, and a frozen dataclass costs twice as much to build.)"""

    text: str
    source: str


class Row(NamedTuple):
    """One table row. ``table`` numbers the tables of the document (0-based) when known."""

    cells: tuple[Cell, ...]
    source: str
    table: int | None = None


Item = Para | Row


@dataclass
class Document:
    """A report as read: items in reading order plus what the reader learned on the way."""

    items: list[Item]
    source_format: str
    encoding: str | None = None
    # Extracted plain text (one string, lines as printed), used for prose and facts.
    text: str = ""
    notes: list[str] = field(default_factory=list)


class ReadError(Exception):
    """A file that cannot be read. The message names the reason; the caller adds the file."""
