"""Plain text (as exported by sites, Word, PDF tools) → Document.

Recognised line layouts, decided line by line so one file may mix them:

* **cell per line** (Word export): a line that starts with a tab and holds no other tab is
  one cell; a line without the leading tab continues the previous cell ("商业\\n企业",
  "\\n0"); a blank line ends the row.
* **tab-separated rows**: a line with tabs is one row, cells split at tabs (unless it holds
  sentences: a crawler's text that runs a whole report into one line is a paragraph).
* **pipe rows**: ``| a | b |`` lines (Markdown tables); separator lines are skipped.
* anything else is a paragraph. Paragraphs inside the table parts that hold a label and
  numbers separated by spaces are split into cells later (see :mod:`gxparse.parsing.rows`).
"""

from __future__ import annotations

import re
import threading

from gxparse.normalize import without_furniture
from gxparse.readers.decode import decode_bytes
from gxparse.readers.document import Cell, Document, Item, Para, Row, cells_of
from gxparse.readers.layout import is_chrome, normalise_layout

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A line this long is a crawler's text of several paragraphs (or a whole report); the page
# numbers a PDF printed between them stand inside it.
_CRAWLER_LINE = 200
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def read_text(data: bytes) -> Document:
    """Decode bytes (see :func:`gxparse.readers.decode.decode_bytes`) and split into items."""
    text, encoding = decode_bytes(data)
    doc = text_to_document(text)
    doc.encoding = encoding
    return doc


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them (only CR, LF and CRLF break lines)."""
    return _LINE_BREAK.split(text)


def _cell_source(start: int, text: str) -> str:
    """Source of a cell that starts on line ``start`` and may continue on later lines:
    the line holding its first visible character."""
    offset = 0
    for part in text.split("\n"):
        if part.strip():
            return f"line {start + offset}"
        offset += 1
    return f"line {start}"


# "line N" strings, made once per process and shared by every report's items.
_LINE_SOURCES: list[str] = ["line 0"]
_LINE_SOURCES_LOCK = threading.Lock()  # files read on threads (e.g. a Dask thread pool)


def _line_sources(n: int) -> list[str]:
    """``["line 0", "line 1", …, "line n"]`` (index = line number)."""
    if len(_LINE_SOURCES) <= n:
        with _LINE_SOURCES_LOCK:  # two threads must not both append the same numbers
            start = len(_LINE_SOURCES)
            _LINE_SOURCES.extend([f"line {i}" for i in range(start, n + 1)])
    return _LINE_SOURCES


_new_tuple = tuple.__new__  # builds the named tuples below without their Python __new__


def text_to_document(text: str) -> Document:
    """Split decoded text into paragraphs and table rows, keeping 1-based line numbers.
    Meaningless whitespace and invisible characters are removed first
    (:func:`gxparse.readers.layout.normalise_layout`); the lines stay the file's lines."""
    text = normalise_layout(text)
    lines = split_lines(text)
    sources = _line_sources(len(lines))
    items: list[Item] = []
    block: list[tuple[int, str]] = []  # (start line, cell text) of a cell-per-line row
    append = items.append
    for no, line in enumerate(lines, start=1):
        tabs = line.count("\t")
        if tabs == 1 and line[0] == "\t":
            # One cell of a cell-per-line row; "\t" or "\t " alone is an empty cell.
            block.append((no, line[1:]))
            continue
        if not line or line.isspace():
            _flush_block(block, items, sources)
            continue
        if not tabs and "|" not in line and is_chrome(line):
            continue  # page chrome (breadcrumbs, print bars, footers): never content
        if block:
            if not tabs and "|" not in line:
                start, prev = block[-1]
                block[-1] = (start, prev + "\n" + line)
                continue
            _flush_block(block, items, sources)
        item = _line_item(line, tabs, sources[no])
        if item is not None:
            append(item)
    _flush_block(block, items, sources)
    return Document(items=items, source_format="txt", text=text)


def _flush_block(block: list[tuple[int, str]], items: list[Item], sources: list[str]) -> None:
    """Append the cell-per-line row collected in ``block`` (if any) to ``items``; empty
    ``block``."""
    if block:
        cells = tuple(
            [
                _new_tuple(Cell, (t, sources[n] if "\n" not in t else _cell_source(n, t)))
                for n, t in block
            ]
        )
        items.append(_new_tuple(Row, (cells, sources[block[0][0]], None)))
        block.clear()


def _line_item(line: str, tabs: int, src: str) -> Item | None:
    """Given a line that is not part of a cell-per-line row, return its row (tab-separated
    or pipe cells) or paragraph; None for a pipe table's separator line."""
    if tabs and line.count("。") < 2:
        return _new_tuple(Row, (cells_of(line.split("\t"), src), src, None))
    if "|" in line and line.count("|") >= 2 and line.count("。") < 2:
        if _PIPE_SEPARATOR.match(line):
            return None
        body = line.strip()
        # One outer pipe each side is the table's border; more pipes are empty cells.
        body = body[1:] if body.startswith("|") else body
        body = body[:-1] if body.endswith("|") else body
        parts = body.split("|")
        return _new_tuple(Row, (cells_of(parts, src), src, None))
    if len(line) > _CRAWLER_LINE:
        line = without_furniture(line)
    return _new_tuple(Para, (line, src))
