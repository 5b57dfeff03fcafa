"""Items inside the table parts → labelled rows of value cells.

Whatever the layout, a table row becomes a :class:`TableRow`: the label text (the cells
that are words) and the value cells after it (numbers or empty). A paragraph inside a
table part ("行政处罚 6", "0 0 0 … 0") is split at whitespace the same way. A label
followed directly by a run of digits ("行政许可3960181") is *glued*: the cell boundaries
are lost, and the mapper decides whether that can still be read (one cell) or not.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from gxparse import template as T
from gxparse.normalize import (
    has_digit,
    is_blank_marker,
    is_garbled_value,
    is_page_furniture,
    nfkc,
    parse_number,
)
from gxparse.parsing.glued import runs_between_labels, segment
from gxparse.readers.document import Cell, Item, Para, cells_of

# A cell of a line of text; a unit set off from its number by one space ("5 件") belongs
# to that number's cell, not to the words of a label.
_NUMBER_UNIT = "|".join(map(re.escape, T.CELL_UNITS))
_SPACED_UNIT = re.compile(rf"[\d０-９] (?:{_NUMBER_UNIT})(?=\s|$)")
_TOKEN_WITH_UNIT = re.compile(rf"[\d０-９][\d０-９.,，．]* (?:{_NUMBER_UNIT})(?=\s|$)|\S+")
_TOKEN = re.compile(r"\S+")
_GLUED = re.compile(r"^(?P<label>.*?[^\d\s.,，])(?P<digits>\d[\d.,]*)$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_COLUMN_GAP = re.compile(r"\S\s{2,}\S")
_GAP_SPLIT = re.compile(r"\s{2,}|\t")
_WS_SPLIT = re.compile(r"\s+")
_TEXT_OF = itemgetter(0)  # Cell.text, taken in C


class _memo:
    """A property computed once per instance. Unlike ``functools.cached_property`` (which
    takes a lock on every first access in Python 3.11), it costs nothing once set."""

    def __init__(self, func):
        self.func = func
        self.name = func.__name__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


@dataclass(frozen=True)
class TableRow:
    label: str
    values: tuple[Cell, ...]
    source: str
    glued: Cell | None = None
    label_cells: tuple[str, ...] = ()
    # Every cell of a table row (for aligning a row against the rest of its table) ...
    all_cells: tuple[Cell, ...] = ()
    # ... or, for a line of text, the display column (centre) of each value token.
    positions: tuple[float, ...] = ()
    # For a line of text: every word of the label with its display columns (start, end),
    # so header lines can lay out the columns of a table that has no clear data row.
    spans: tuple[tuple[str, int, int], ...] = ()

    @_memo
    def numbers(self) -> list[Cell]:
        return [c for c in self.values if parse_number(c.text) is not None]

    @_memo
    def has_numbers(self) -> bool:
        return bool(self.numbers) or self.glued is not None


# What a cell's text is, decided once per distinct text (cell texts repeat across reports).
_WORDS, _NUMBER, _BLANK, _GARBLED = 0, 1, 2, 3


@lru_cache(maxsize=65_536)
def _cell_kind(text: str) -> int:
    if parse_number(text) is not None:
        return _NUMBER
    if is_blank_marker(text):
        return _BLANK
    return _GARBLED if is_garbled_value(text) else _WORDS


# A TableRow, built without the frozen dataclass's per-field __setattr__ (tens per report).
_new_object = object.__new__
_set_attribute = object.__setattr__


def _table_row(
    label: str,
    values: tuple[Cell, ...],
    source: str,
    glued: Cell | None,
    label_cells: tuple[str, ...],
    all_cells: tuple[Cell, ...],
    positions: tuple[float, ...],
    spans: tuple[tuple[str, int, int], ...],
    numbers: list[Cell],
) -> TableRow:
    row = _new_object(TableRow)
    _set_attribute(
        row,
        "__dict__",
        {
            "label": label,
            "values": values,
            "source": source,
            "glued": glued,
            "label_cells": label_cells,
            "all_cells": all_cells,
            "positions": positions,
            "spans": spans,
            "numbers": numbers,  # known already (see TableRow.numbers, has_numbers)
            "has_numbers": bool(numbers) or glued is not None,
        },
    )
    return row


class _Shape(NamedTuple):
    """What a line (or a row's cell texts) says, apart from where it is: the same lines
    recur across reports ("1.属于国家秘密 0 0 0 0 0 0 0", headers), so this is cached."""

    label: str
    values: tuple[str, ...]  # value texts (paragraphs) ...
    first_value: int  # ... or where a row's value cells start
    glued: str | None  # digits run into the label
    glued_cell: int  # the cell they are in (rows)
    label_cells: tuple[str, ...]
    positions: tuple[float, ...]
    spans: tuple[tuple[str, int, int], ...]
    numbers: tuple[int, ...]  # which value cells are numbers


# Lines longer than this (prose inside a table part) are read without the cache.
_CACHED_LINE = 200


def from_cells(cells: tuple[Cell, ...], source: str) -> TableRow:
    """Split a row's cells into label (word cells) and trailing value cells."""
    return _row_of_cells(_shape_of(tuple(map(_TEXT_OF, cells))), cells, source)


def _row_of_cells(shape: _Shape, cells: tuple[Cell, ...], source: str) -> TableRow:
    values = cells[shape.first_value :]
    glued = None if shape.glued is None else Cell(shape.glued, cells[shape.glued_cell].source)
    return _table_row(
        shape.label,
        values,
        source,
        glued,
        shape.label_cells,
        cells,
        (),
        (),
        [values[i] for i in shape.numbers],
    )


def _shape_of(texts: tuple[str, ...], kinds: list[int] | None = None) -> _Shape:
    if kinds is None:
        kinds = [_cell_kind(t) for t in texts]
    last_text = -1
    for i, k in enumerate(kinds):
        # Words; or an unreadable value before any words (garbled cells after words are values).
        if k == _WORDS or (k == _GARBLED and last_text < 0):
            last_text = i
    label_cells = tuple([s for t in texts[: last_text + 1] if (s := t.strip())])
    numbers = tuple(i for i, k in enumerate(kinds[last_text + 1 :]) if k == _NUMBER)
    glued = None
    if last_text >= 0 and not numbers:
        m = _GLUED.match(nfkc(texts[last_text]).strip())
        if m and _CJK.search(m.group("label")):
            glued = m.group("digits")
    return _Shape(
        " ".join(label_cells), (), last_text + 1, glued, last_text, label_cells, (), (), numbers
    )


def from_para(para: Para) -> TableRow:
    """Split a paragraph into a label and the numbers after it (whitespace-separated)."""
    text, source = para
    shape = _para_shape(text) if len(text) <= _CACHED_LINE else _para_shape_of(text)
    return _row_of_para(shape, source)


def _row_of_para(shape: _Shape, source: str) -> TableRow:
    values = cells_of(shape.values, source)
    return _table_row(
        shape.label,
        values,
        source,
        None if shape.glued is None else Cell(shape.glued, source),
        shape.label_cells,
        (),
        shape.positions,
        shape.spans,
        [values[i] for i in shape.numbers],
    )


@lru_cache(maxsize=8_192)
def _para_shape(text: str) -> _Shape:
    return _para_shape_of(text)


def _para_shape_of(text: str) -> _Shape:
    # (Most lines have no such unit: the plain split is the cheaper scan.)
    tokenizer = _TOKEN_WITH_UNIT if _SPACED_UNIT.search(text) else _TOKEN
    matches = list(tokenizer.finditer(text))
    tokens = [m.group(0) for m in matches]
    k = len(tokens)
    while k > 1 and _cell_kind(tokens[k - 1]) != _WORDS:  # a value, blank or garbled cell
        k -= 1
    if k == 1 and _cell_kind(tokens[0]) in (_NUMBER, _BLANK):
        k = 0
    values = tuple(tokens[k:])
    cols = token_columns(text, matches)
    positions = tuple([(a + b) / 2 for a, b in cols[k:]])
    normal = list(map(nfkc, tokens))
    label = " ".join(normal[:k])
    glued = None
    if not values and tokens:
        m = _GLUED.match(normal[-1])
        if m and _CJK.search(m.group("label")):
            glued = m.group("digits")
            label = " ".join([*normal[:-1], m.group("label")])
    # Column gaps are runs of 2+ spaces; a single space may sit inside a label ("规 章").
    printed = label_text(tokens[:k], text, matches)
    if glued is not None:
        printed = printed[: len(printed) - len(glued)]
    aligned = _COLUMN_GAP.search(text) is not None
    label_cells = tuple([p for p in (_GAP_SPLIT if aligned else _WS_SPLIT).split(printed) if p])
    return _Shape(
        label,
        values,
        0,
        glued,
        -1,
        label_cells or tuple(label.split()),
        positions,
        tuple([(t, a, b) for t, (a, b) in zip(normal, cols, strict=True)]),
        tuple(i for i, t in enumerate(values) if _cell_kind(t) == _NUMBER),
    )


def label_text(tokens: list[str], text: str, matches: list[re.Match[str]]) -> str:
    """The label part of a line as printed (NFKC), keeping its own spacing."""
    if not tokens:
        return ""
    return nfkc(text[matches[0].start() : matches[len(tokens) - 1].end()]).strip()


def token_columns(text: str, matches: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Display columns (start, end) of each token of a line: CJK and full-width characters
    take two columns, as in pdftotext -layout output."""
    if text.isascii():
        return [m.span() for m in matches]
    out, col, pos = [], 0, 0
    for m in matches:
        a, b = m.span()
        gap = text[pos:a]
        col += len(gap) if gap.isascii() else display_width(gap)
        start = col
        tok = text[a:b]
        col += len(tok) if tok.isascii() else display_width(tok)
        out.append((start, col))
        pos = b
    return out


@lru_cache(maxsize=8192)
def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


@lru_cache(maxsize=65_536)
def display_width(text: str) -> int:
    """Columns a monospace terminal gives the text (CJK and full-width characters take 2)."""
    return sum(1 if ch.isascii() else _char_width(ch) for ch in text)


def table_rows(items: list[Item], segment_keys: tuple[str, ...] = ()) -> list[TableRow]:
    """All rows of a table part, in order, paragraphs included. A paragraph that runs
    several rows together (crawler text) is cut at the label keys given."""
    out = []
    for item in items:
        if isinstance(item, Para):
            if not item.text.strip() or is_page_furniture(item.text):
                continue
            if (
                segment_keys
                and "  " not in item.text  # column-aligned lines are not crawler text
                and runs_between_labels(item.text)
                and has_digit(item.text)
            ):
                for seg in segment(item.text, segment_keys):
                    glued = Cell(seg.run, item.source) if seg.run else None
                    out.append(TableRow(seg.label, (), item.source, glued, (seg.label,)))
                continue
            out.append(from_para(item))
        else:
            cells = item.cells
            texts = tuple(map(_TEXT_OF, cells))
            if sum(map(len, texts)) <= _CACHED_LINE:
                shapes = _row_shapes(texts)
            else:
                shapes = _row_shapes_of(texts)
            for a, b, shape in shapes:
                out.append(
                    _row_of_cells(shape, cells[a:b] if a or b < len(cells) else cells, item.source)
                )
    return out


@lru_cache(maxsize=8_192)
def _row_shapes(texts: tuple[str, ...]) -> tuple[tuple[int, int, _Shape], ...]:
    return _row_shapes_of(texts)


def _row_shapes_of(texts: tuple[str, ...]) -> tuple[tuple[int, int, _Shape], ...]:
    """The rows in one row's cells (see :func:`_merged_row_cuts`), as (start, end, shape)."""
    kinds = [_cell_kind(t) for t in texts]
    bounds = (0, *_merged_row_cuts(kinds, texts), len(texts))
    return tuple((a, b, _shape_of(texts[a:b], kinds[a:b])) for a, b in itertools.pairwise(bounds))


def _merged_row_cuts(kinds: list[int], texts: tuple[str, ...]) -> list[int]:
    """Where words follow numbers: two table rows run together (a Word export that lost
    the blank line between them) are cut there, so the second row's numbers never go to
    the first row's label. Empty cells just before the second row's label may pad that
    label (its group column) as well as end the first row: they go with the label, so
    the first row never counts them as its cells."""
    cuts: list[int] = []
    seen_number = False
    for i, k in enumerate(kinds):
        if k == _NUMBER:
            seen_number = True
        elif seen_number and k != _BLANK:
            cut = i
            while not texts[cut - 1].strip():
                cut -= 1
            cuts.append(cut)
            seen_number = False
    return cuts


def resolve_values(values: tuple[Cell, ...], n: int) -> tuple[Cell, ...] | None:
    """The n value cells of a row, or None when which cell is which cannot be known.

    Exactly n cells: positional. Otherwise drop empty cells at both ends (merged-cell
    artefacts of tab exports). Anything else is ambiguous."""
    if len(values) == n:
        return values
    lo, hi = 0, len(values)
    while lo < hi and not values[lo].text.strip():
        lo += 1
    while hi > lo and not values[hi - 1].text.strip():
        hi -= 1
    trimmed = values[lo:hi]
    if len(trimmed) == n:
        return trimmed
    # An empty cell between numbers may be a printed blank: which column it is cannot be
    # told from this row alone (the table's grid may still tell, see tables.align).
    if not trimmed and len(values) > n:
        # A row of only empty cells, wider than the table: every cell is blank.
        return values[:n]
    return None
