"""The shape every reader produces: a report as an ordered list of paragraphs and table rows.

Readers (text, DOCX, PDF, HTML, XLSX, ...) differ only in how they reach this shape; from
here on the pipeline (sections → tables → frames → checks) is the same for every format.
Each item carries ``source``: where a person finds it in the original ("line 51",
"table 2 row 5 cell 3", "page 3 table 1 row 5 cell 3").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from gxparse.reasons import failure_text


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
    # The page's own title where the format has one (a web page's <title>): the report's
    # title when the article does not print it.
    title: str | None = None


class ReadError(Exception):
    """A file that cannot be read, for the reason ``code`` of
    :data:`gxparse.reasons.FAILURES` with its parameters. The message is the catalog's
    English one; the caller adds the file."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(failure_text(code, **params))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its code, not its message (it may cross a process boundary).
        return (_read_error, (self.code, self.params))


def _read_error(code: str, params: dict[str, Any]) -> ReadError:
    return ReadError(code, **params)


_SOURCE_WORDS = (
    (re.compile(r"line (\d+)"), "第{}行"),
    (re.compile(r"page (\d+)"), "第{}页"),
    (re.compile(r"sheet (.+?)(?= row |$)"), "工作表“{}”"),
    (re.compile(r"table (\d+)"), "表{}"),
    (re.compile(r"row (\d+)"), "第{}行"),
    (re.compile(r"cell (\d+)"), "第{}格"),
)


def source_zh(source: str) -> str:
    """A ``source`` in Chinese for a message: "line 64" → "第64行", "page 3 table 1 row 5
    cell 3" → "第3页表1第5行第3格", "sheet 表1 row 2 cell 4" → "工作表“表1”第2行第4格".
    Text that is not one of these forms is returned as it is."""
    out, rest = [], source.strip()
    while rest:
        for pattern, zh in _SOURCE_WORDS:
            m = pattern.match(rest)
            if m:
                out.append(zh.format(m.group(1)))
                rest = rest[m.end() :].lstrip()
                break
        else:
            return source
    return "".join(out)
