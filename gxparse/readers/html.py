"""Web pages (.html/.htm as saved from government sites) → Document.

1. Decode the bytes here, not in the parser: a BOM wins, then valid UTF-8, then the
   declared charset (a page declaring gb2312 or gbk is decoded as GB18030, its superset,
   because such pages do hold GB18030-only characters), then
   :func:`gxparse.decode.decode_bytes`.
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
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gxparse import template as T
from gxparse.decode import decode_bytes
from gxparse.document import Cell, Document, Item, Para, ReadError, Row

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

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
_HEADING_MARKERS = tuple(p.zh for p in T.PARTS)
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
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    text, encoding = decode_html(data)
    try:
        with warnings.catch_warnings():
            # XHTML pages (<?xml ...?> first) are common on government sites.
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            soup = BeautifulSoup(text, "lxml")
    except Exception as exc:
        raise ReadError(f"unreadable HTML ({type(exc).__name__}: {exc})") from None
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": "navigation"}):
        tag.decompose()
    # Page headers and footers, but not an article's own header (it holds the title).
    # (<form> is never dropped: ASP.NET sites wrap the whole page in one.)
    for tag in soup.find_all(("header", "footer")):
        if tag.find_parent(("article", "main", "section")) is None:
            tag.decompose()
    root = find_article(soup)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    doc = Document(
        items=walker.items, source_format="html", encoding=encoding, text="\n".join(walker.lines)
    )
    if not walker.items:
        raise ReadError("HTML page without any text")
    return doc


def find_article(soup: BeautifulSoup) -> Tag:
    """Given a parsed page, return the element holding the report: the lowest common
    ancestor of the part headings, the tables with template labels and the title line
    nearest before the first heading."""
    body = soup.body or soup
    markers = []
    for s in body.find_all(string=True):
        t = _WS.sub("", str(s))
        if len(t) < 60 and any(h in t for h in _HEADING_MARKERS):
            markers.append(s.parent)
    tables = [t for t in body.find_all("table") if any(k in t.get_text() for k in _LABEL_MARKERS)]
    # Innermost such tables only (a layout frame also "contains" the labels).
    tables = [t for t in tables if not t.find("table")]
    anchors = markers + tables
    if not anchors:
        return body
    first = anchors[0]
    title = None
    for s in body.find_all(string=True):
        if s.parent is first or first in s.parents:
            break
        t = _WS.sub("", str(s))
        if all(m in t for m in _TITLE_MARKERS) and len(t) < 80:
            title = s.parent
    if title is not None:
        anchors.append(title)
    article = _common_ancestor(anchors) or body
    # A single heading or table is not an article: climb to the block that holds it.
    while article is not body and article.name not in _CONTAINERS and article.parent is not None:
        article = article.parent
    return article


def _common_ancestor(elements: list[Tag]) -> Tag | None:
    chain = [elements[0], *elements[0].parents]
    common = None
    for cand in chain:
        if all(e is cand or cand in e.parents for e in elements[1:]):
            common = cand
            break
    return common


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
        text = _clean("".join(self.buffer))
        self.buffer.clear()
        if text:
            self.paragraphs += 1
            self.items.append(Para(text, f"paragraph {self.paragraphs}"))
            self.lines.append(text)

    def walk(self, el: Tag) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

        for child in el.children:
            if isinstance(child, (Comment, Doctype, Declaration, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                self.buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
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

    def table(self, table: Tag) -> None:
        rows = _own_rows(table)
        if any(cell.find("table") for tr in rows for cell in _own_cells(tr)):
            self.walk_frame(rows)
            return
        self.tables += 1
        number = self.tables
        pending: dict[int, tuple[int, bool]] = {}  # col → (rows left, emits empty Cell)
        for r, tr in enumerate(rows, start=1):
            out: list[Cell] = []
            col = 0
            for td in _own_cells(tr):
                col = _fill_pending(pending, out, col, f"table {number} row {r}")
                colspan = _span(td.get("colspan"))
                rowspan = _span(td.get("rowspan"), len(rows) - r + 1)
                out.append(Cell(cell_text(td), f"table {number} row {r} cell {col + 1}"))
                if rowspan > 1:
                    for k in range(colspan):
                        pending[col + k] = (rowspan - 1, k == 0)
                col += colspan
            # Rowspans reaching past the last cell of this row.
            while any(k >= col for k in pending):
                col = min(k for k in pending if k >= col)
                col = _fill_pending(pending, out, col, f"table {number} row {r}")
            if out:
                self.items.append(Row(tuple(out), f"table {number} row {r}", table=number - 1))
                self.lines.append("\t".join(c.text.replace("\n", " ") for c in out))

    def walk_frame(self, rows: list[Tag]) -> None:
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
    try:
        n = int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1
    if n == 0:  # rowspan="0": to the end of the table section
        return max(1, limit)
    return max(1, min(n, limit, 1000))


def _own_rows(table: Tag) -> list[Tag]:
    """The table's rows, not those of tables nested in its cells."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _own_cells(tr: Tag) -> list[Tag]:
    return tr.find_all(["td", "th"], recursive=False)


def cell_text(td: Tag) -> str:
    """Given a td/th, return its text: lines at <br>/<p>/<div>, whitespace collapsed,
    ``&nbsp;`` as blank."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        t = _clean("".join(buf))
        buf.clear()
        if t:
            lines.append(t)

    def walk(el: Tag) -> None:
        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
            elif isinstance(child, Tag):
                if child.name == "br":
                    flush()
                elif child.name in _BLOCK_TAGS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    walk(td)
    flush()
    return "\n".join(lines)


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
    raise ReadError("web archive (MHTML) without an HTML part")
