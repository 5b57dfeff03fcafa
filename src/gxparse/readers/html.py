"""Web pages (.html/.htm as saved from government sites) → Document.

1. Decode the bytes here, not in the parser: a BOM wins, then valid UTF-8, then the
   declared charset (a page declaring gb2312 or gbk is decoded as GB18030, its superset,
   because such pages do hold GB18030-only characters), then
   :func:`gxparse.readers.decode.decode_bytes`. The text is parsed by lxml's HTML parser
   (libxml2), directly on its element tree.
2. Drop what is never the report: script, style, nav, iframes, and page-level header and
   footer elements (an article's own header stays: it holds the title).
3. Find the article: the smallest element holding the report title line, the part
   headings (一、总体情况 …) and the tables with template labels; the whole body when
   the page holds none of them.
4. Walk the article in document order: block text → Para, table rows → Row. Tables are
   expanded into a grid exactly like DOCX: a colspan cell appears once and the positions
   it also covers are omitted; a rowspan continuation yields an empty Cell. ``&nbsp;`` is
   a blank; ``<p>``, ``<div>`` and ``<br>`` inside a cell become "\\n". A table that holds
   another table is a layout frame and is read as running content.

``source``: "table T row R cell C" (1-based, C = grid column) and "paragraph N".
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gxparse import template as T
from gxparse.readers.decode import decode_bytes
from gxparse.readers.document import Cell, Document, Item, Para, ReadError, Row

if TYPE_CHECKING:
    from lxml.etree import _Element

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_GB_FAMILY = {
    "gb2312",
    "gbk",
    "x-gbk",
    "gb_2312-80",
    "cp936",
    "ms936",
    "csgb2312",
    "gb18030",
    "euc-cn",
    "windows-936",
}
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "iframe",
    "template",
    "svg",
    "button",
    "select",
    "object",
    "head",
    "title",
)
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article main aside blockquote pre "
    "address figure figcaption center hr tr caption fieldset".split()
)
_CONTAINERS = frozenset("div article section main body td th center blockquote".split())
_WS = re.compile(r"[ \t\r\n\f\u00a0\u3000\u200b]+")
_HEADING_RE = re.compile("|".join(re.escape(p.zh) for p in T.PARTS))
_TITLE_MARKERS = ("政府信息公开", "年度报告")
_LABEL_MARKERS = (
    T.APPLICATION_ROWS[0].keys[0],
    T.APPLICANTS[0].zh,
    T.PROCEEDINGS[0].zh,
    T.DISCLOSURE_HEADER_KEYS[0],
)


def decode_html(data: bytes) -> tuple[str, str]:
    """Given a page's bytes, return (text, encoding used)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if not data.isascii():
        # Bytes that are valid UTF-8 (and not plain ASCII) are UTF-8 whatever the page
        # declares: GBK text is practically never valid UTF-8, while pages re-saved as
        # UTF-8 often keep their old gb2312 declaration.
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    m = _META_CHARSET.search(data[:8192])
    if m:
        declared = m.group(1).decode("ascii", "replace").lower()
        enc = "gb18030" if declared in _GB_FAMILY else declared
        try:
            codecs.lookup(enc)
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)


def read_html(data: bytes) -> Document:
    """Given the bytes of a saved web page, return the article's paragraphs and table rows."""
    from lxml import etree

    text, encoding = decode_html(data)
    # The text is parsed as UTF-8 bytes: lxml refuses a str that carries an XML encoding
    # declaration (XHTML pages, common on government sites), and the bytes' own <meta>
    # charset must not override the decoding above.
    parser = etree.HTMLParser(encoding="utf-8")
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    except Exception as exc:
        raise ReadError("unreadable_html", detail=f"{type(exc).__name__}: {exc}") from None
    for error in parser.error_log:
        # libxml2 stops at a limit (256 levels of nesting): what follows would be lost.
        if error.type_name == "ERR_RESOURCE_LIMIT":
            if "depth" in error.message:
                raise ReadError("nested_too_deeply")
            raise ReadError("unreadable_html", detail=error.message)
    if root is None:
        raise ReadError("html_without_text")
    page_title = " ".join((root.findtext(".//title") or "").split()) or None
    _drop_all(root.iter(*_DROP_TAGS))
    _drop_all(root.xpath('//*[@role="navigation"]'))
    # Page headers and footers, but not an article's own header (it holds the title).
    # (<form> is never dropped: ASP.NET sites wrap the whole page in one.)
    _drop_all(
        el
        for el in root.iter("header", "footer")
        if next(el.iterancestors("article", "main", "section"), None) is None
    )
    article = find_article(root)
    walker = _Walker()
    walker.walk(article)
    walker.flush()
    doc = Document(
        items=walker.items,
        source_format="html",
        encoding=encoding,
        text="\n".join(walker.lines),
        title=page_title,
    )
    if not walker.items:
        raise ReadError("html_without_text")
    return doc


def _drop_all(elements: Iterable[_Element]) -> None:
    """Remove elements with what they hold; the text after each (its tail) stays, as a
    string of its own (behind an empty comment), where it was."""
    from lxml import etree

    for el in list(elements):
        parent = el.getparent()
        if parent is None:
            continue
        if el.tail:
            stub = etree.Comment()
            stub.tail = el.tail
            parent.replace(el, stub)
        else:
            parent.remove(el)


def _strings(el: _Element) -> list[tuple[str, _Element]]:
    """The text strings below ``el`` in document order, each with the element holding it
    (comments' text is not page text)."""
    out = []
    for s in el.xpath(".//text()"):
        parent = s.getparent()
        if s.is_tail:
            parent = parent.getparent()
        out.append((str(s), parent))
    return out


def _inside(el: _Element, ancestor: _Element) -> bool:
    return el is ancestor or any(a is ancestor for a in el.iterancestors())


def find_article(root: _Element) -> _Element:
    """Given a parsed page, return the element holding the report: the lowest common
    ancestor of the part headings, the tables with template labels and the title line
    nearest before the first heading."""
    body = next(root.iter("body"), root)
    strings = _strings(body)
    markers = []
    for s, parent in strings:
        t = _WS.sub("", s)
        if len(t) < 60 and _HEADING_RE.search(t):
            markers.append(parent)
    tables = [
        t
        for t in body.iter("table")
        if any(k in t.xpath("string()") for k in _LABEL_MARKERS)
        # Innermost such tables only (a layout frame also "contains" the labels).
        and next(t.iterdescendants("table"), None) is None
    ]
    anchors = markers + tables
    if not anchors:
        return body
    first = anchors[0]
    title = None
    for s, parent in strings:
        if _inside(parent, first):
            break
        t = _WS.sub("", s)
        if all(m in t for m in _TITLE_MARKERS) and len(t) < 80:
            title = parent
    if title is not None:
        anchors.append(title)
    article = _common_ancestor(anchors)
    if article is None:
        article = body
    # A single heading or table is not an article: climb to the block that holds it.
    while article is not body and article.tag not in _CONTAINERS:
        parent = article.getparent()
        if parent is None:
            break
        article = parent
    return article


def _common_ancestor(elements: list[_Element]) -> _Element | None:
    for cand in [elements[0], *elements[0].iterancestors()]:
        if all(_inside(e, cand) for e in elements[1:]):
            return cand
    return None


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass
class _Walker:
    items: list[Item] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    buffer: list[str] = field(default_factory=list)
    paragraphs: int = 0
    tables: int = 0

    def flush(self) -> None:
        if not self.buffer:
            return
        text = _clean("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.paragraphs += 1
            self.items.append(Para(text, f"paragraph {self.paragraphs}"))
            self.lines.append(text)

    def walk(self, el: _Element) -> None:
        buffer = self.buffer
        if el.text:
            buffer.append(el.text)
        for child in el:
            name = child.tag
            if isinstance(name, str):  # not a comment or processing instruction
                if name == "br":
                    self.flush()
                elif name == "table":
                    self.flush()
                    self.table(child)
                elif name in _BLOCK_TAGS or name == "td" or name == "th":
                    self.flush()
                    self.walk(child)
                    self.flush()
                else:
                    self.walk(child)
            if child.tail:
                buffer.append(child.tail)

    def table(self, table: _Element) -> None:
        nested = next(table.iterdescendants("table"), None) is not None
        rows = _own_rows(table) if nested else list(table.iter("tr"))
        if nested and any(
            next(cell.iterdescendants("table"), None) is not None
            for tr in rows
            for cell in _own_cells(tr)
        ):
            self.walk_frame(rows)
            return
        self.tables += 1
        number = self.tables
        pending: dict[int, tuple[int, bool]] = {}  # col → (rows left, emits empty Cell)
        for r, tr in enumerate(rows, start=1):
            out: list[Cell] = []
            col = 0
            row_source = f"table {number} row {r}"
            for td in _own_cells(tr):
                if pending:
                    col = _fill_pending(pending, out, col, row_source)
                colspan = _span(td.get("colspan"))
                rowspan = _span(td.get("rowspan"), len(rows) - r + 1)
                out.append(Cell(cell_text(td), f"{row_source} cell {col + 1}"))
                if rowspan > 1:
                    for k in range(colspan):
                        pending[col + k] = (rowspan - 1, k == 0)
                col += colspan
            # Rowspans reaching past the last cell of this row.
            while any(k >= col for k in pending):
                col = min(k for k in pending if k >= col)
                col = _fill_pending(pending, out, col, row_source)
            if out:
                self.items.append(Row(tuple(out), row_source, table=number - 1))
                self.lines.append("\t".join(c.text.replace("\n", " ") for c in out))

    def walk_frame(self, rows: list[_Element]) -> None:
        for tr in rows:
            for td in _own_cells(tr):
                self.flush()
                self.walk(td)
                self.flush()


def _fill_pending(
    pending: dict[int, tuple[int, bool]], out: list[Cell], col: int, row_source: str
) -> int:
    """Step over the grid positions a rowspan from an earlier row covers, from ``col`` on:
    an empty Cell for the first column of each span, nothing for the others. Return the
    next free column."""
    while col in pending:
        left, emits = pending[col]
        if emits:
            out.append(Cell("", f"{row_source} cell {col + 1}"))
        if left <= 1:
            del pending[col]
        else:
            pending[col] = (left - 1, emits)
        col += 1
    return col


def _span(value: object, limit: int = 1000) -> int:
    if value is None:
        return 1
    try:
        n = int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1
    if n == 0:  # rowspan="0": to the end of the table section
        return max(1, limit)
    return max(1, min(n, limit, 1000))


def _own_rows(table: _Element) -> list[_Element]:
    """The table's rows, not those of tables nested in its cells."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _own_cells(tr: _Element) -> list[_Element]:
    return [c for c in tr if c.tag == "td" or c.tag == "th"]


def cell_text(td: _Element) -> str:
    """Given a td/th, return its text: lines at <br>/<p>/<div>, whitespace collapsed,
    ``&nbsp;`` as blank."""
    if not len(td):  # text only: most cells
        text = td.text
        return _clean(text) if text else ""
    lines: list[str] = []
    buf: list[str] = []
    _cell_walk(td, lines, buf)
    _cell_flush(lines, buf)
    return "\n".join(lines)


def _cell_flush(lines: list[str], buf: list[str]) -> None:
    if buf:
        t = _clean("".join(buf))
        buf.clear()
        if t:
            lines.append(t)


def _cell_walk(el: _Element, lines: list[str], buf: list[str]) -> None:
    if el.text:
        buf.append(el.text)
    for child in el:
        name = child.tag
        if isinstance(name, str):  # not a comment
            if name == "br":
                _cell_flush(lines, buf)
            elif name in _BLOCK_TAGS:
                _cell_flush(lines, buf)
                _cell_walk(child, lines, buf)
                _cell_flush(lines, buf)
            else:
                _cell_walk(child, lines, buf)
        if child.tail:
            buf.append(child.tail)


def read_mht(data: bytes) -> Document:
    """Given a web archive (.mht/.mhtml, also Word's "single file web page", sometimes
    published under a .doc name), return the Document of its HTML part."""
    import email
    from email import policy

    message = email.message_from_bytes(data, policy=policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes) or not payload:
                continue
            charset = part.get_content_charset()
            if charset:
                enc = "gb18030" if charset.lower() in _GB_FAMILY else charset
                try:
                    payload = codecs.BOM_UTF8 + payload.decode(enc).encode("utf-8")
                except (LookupError, UnicodeDecodeError):
                    pass
            doc = read_html(payload)
            doc.source_format = "mht"
            return doc
    raise ReadError("mhtml_without_html")
