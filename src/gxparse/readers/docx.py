"""Word (.docx) → Document: paragraphs and tables in document order, tables as grids.

The main document part (``word/document.xml``, found through the package's
relationships) is parsed with lxml and its body walked directly: python-docx would parse
every other part too (styles, numbering, theme) and build a proxy object per element,
most of a read's time, while ``row.cells`` repeats a merged cell once per grid position
and ``doc.tables`` misses nested tables.

Merged cells, decided once for every reader (HTML and PDF do the same):

* a horizontally merged cell (``w:gridSpan``) appears once; the grid positions it also
  covers are omitted;
* a vertically merged continuation cell (``w:vMerge`` without ``restart``) yields an empty
  Cell, so the label merged down the rows is read once, in its first row.

``source``: "paragraph N" (1-based over the body's paragraphs, empty ones included) and
"table T row R cell C" (1-based; T counts every table, nested ones too, in document order;
C is the grid column where the cell starts).

A table whose rows all have a single cell (a layout frame around the whole report) is read
as a container: its paragraphs ("table T row R paragraph K") and tables are emitted as if
they were in the body. A table nested inside a data table is emitted right after the row
that holds it. Legacy horizontal merges (``w:hMerge``) are read like ``w:gridSpan``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gxparse.readers.document import Cell, Document, Item, Para, ReadError, Row

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Iterator

    from lxml.etree import _Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC = W + "p", W + "tbl", W + "tr", W + "tc"
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"}
_TEXT_SKIP = {W + "delText", W + "instrText", MC_FALLBACK, W + "pPr", W + "rPr"}
_T, _TAB, _TABS, _BR, _CR, _NB_HYPHEN = (
    W + "t",
    W + "tab",
    W + "tabs",
    W + "br",
    W + "cr",
    W + "noBreakHyphen",
)
_TC_PR, _GRID_SPAN, _V_MERGE, _H_MERGE, _VAL = (
    W + "tcPr",
    W + "gridSpan",
    W + "vMerge",
    W + "hMerge",
    W + "val",
)
_PACKAGE_RELS = "_rels/.rels"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


@dataclass
class _State:
    items: list[Item] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    paragraphs: int = 0
    tables: int = 0


def read_docx(data: bytes) -> Document:
    """Given the bytes of a .docx file, return its paragraphs and table rows in order."""
    body, names = _main_document(data)
    state = _State()
    if body is not None:
        _walk_blocks(body, state)
    if not state.items:
        has_images = any("/media/" in name for name in names)
        raise ReadError("word_only_images" if has_images else "word_without_text")
    return Document(items=state.items, source_format="docx", text="\n".join(state.lines))


def _main_document(data: bytes) -> tuple[_Element | None, list[str]]:
    """Given a .docx package, return the body of its main document part (None when it has
    none) and the names of the package's members.

    The main part is the target of the package's ``officeDocument`` relationship
    (``_rels/.rels``), as in every OPC reader; only that part is parsed."""
    import zipfile

    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            part = _main_part_name(zf, names)
            if part is None:
                raise ReadError("no_main_part")
            if part not in names:
                raise ReadError("word_part_missing", part=part)
            xml = zf.read(part)
        # As python-docx reads it: whitespace-only text between elements dropped, no
        # entity resolved (the pre-flight guard refused entity declarations already).
        parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
        root = etree.fromstring(xml, parser)
    except ReadError:
        raise
    except Exception as exc:  # zipfile/lxml errors of a damaged package
        raise ReadError("damaged_word", detail=f"{type(exc).__name__}: {exc}") from None
    if etree.QName(root).localname != "document":
        raise ReadError("main_part_not_body", part=part)
    return root.find(W + "body"), names


def _main_part_name(zf: zipfile.ZipFile, names: list[str]) -> str | None:
    """The member name of the package's main document part, from ``_rels/.rels``."""
    import posixpath

    from lxml import etree

    if _PACKAGE_RELS not in names:
        return None
    rels = etree.fromstring(zf.read(_PACKAGE_RELS), etree.XMLParser(resolve_entities=False))
    for rel in rels.iter(_REL):
        kind = rel.get("Type", "")
        if kind.endswith("/officeDocument") and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            return posixpath.normpath(target.lstrip("/")) if target else None
    return None


def _children(el: _Element) -> Iterator[_Element]:
    """Child elements, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag in _WRAPPERS:
            yield from _children(child)
        else:
            yield child


def paragraph_text(p: _Element) -> str:
    """Given a w:p element, return its visible text (tabs as "\\t", breaks as "\\n")."""
    # One pass over the paragraph's elements (lxml's iter() runs in C): deleted text and
    # field codes are other tags (w:delText, w:instrText), and the only such element in the
    # paragraph's properties is a tab stop (w:tabs/w:tab).
    parts: list[str] = []
    inner = False
    for el in p.iter():
        tag = el.tag
        if tag == _T:
            parts.append(el.text or "")
        elif tag == _TAB:
            if el.getparent().tag != _TABS:
                parts.append("\t")
        elif tag == _BR or tag == _CR:
            parts.append("\n")
        elif tag == _NB_HYPHEN:
            parts.append("-")
        elif tag == _P:
            if inner:  # a paragraph inside a text box of this paragraph: its own line
                parts.append("\n")
            inner = True
        elif tag == MC_FALLBACK:
            return _paragraph_text_skipping(p)
    return "".join(parts)


def _paragraph_text_skipping(p: _Element) -> str:
    """:func:`paragraph_text` of a paragraph holding alternative content: the fallback
    copy (``mc:Fallback``) of a text box is skipped, as are properties."""
    parts: list[str] = []
    stack = [iter(p)]
    while stack:
        try:
            el = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        tag = el.tag
        if not isinstance(tag, str) or tag in _TEXT_SKIP:
            continue
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "sym":
            continue
        elif tag == _P:
            # A paragraph inside a text box of this paragraph: its own line.
            parts.append("\n")
            stack.append(iter(el))
        elif len(el):
            stack.append(iter(el))
    return "".join(parts)


def _walk_blocks(container: _Element, state: _State, frame: str | None = None) -> None:
    """Paragraphs and tables of the body, or of a layout frame's cell (``frame``: its
    source prefix, "table T row R"; its paragraphs are numbered within the cell)."""
    k = 0
    for el in _children(container):
        if el.tag == _P:
            k += 1
            if frame is None:
                state.paragraphs += 1
            text = paragraph_text(el)
            if text.strip():
                src = f"paragraph {state.paragraphs}" if frame is None else f"{frame} paragraph {k}"
                state.items.append(Para(text, src))
                state.lines.append(text)
        elif el.tag == _TBL:
            _walk_table(el, state)


def _child(el: _Element, tag: str) -> _Element | None:
    """The first child of ``el`` with this tag (property elements come first: a loop in
    Python is quicker than ``find``, which goes through ElementPath)."""
    for child in el:
        if child.tag == tag:
            return child
    return None


def _int_attr(el: _Element | None, name: str, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, int(el.get(W + name, default)))
    except ValueError:
        return default


def _walk_table(tbl: _Element, state: _State) -> None:
    """Append a table's rows to ``state`` (a layout frame's content as running content; a
    table nested in a row right after that row)."""
    state.tables += 1
    number = state.tables
    rows = [el for el in _children(tbl) if el.tag == _TR]
    row_cells = [[el for el in _children(tr) if el.tag == _TC] for tr in rows]
    if row_cells and all(len(cells) <= 1 for cells in row_cells):
        # A layout frame: read what it holds as running content.
        for r, cells in enumerate(row_cells, start=1):
            for tc in cells:
                _walk_blocks(tc, state, frame=f"table {number} row {r}")
        return
    for r, (tr, cells) in enumerate(zip(rows, row_cells, strict=True), start=1):
        out, nested = _row_cells(tr, cells, f"table {number} row {r}")
        state.items.append(Row(tuple(out), f"table {number} row {r}", table=number - 1))
        state.lines.append("\t".join(c.text.replace("\n", " ") for c in out))
        for child in nested:
            _walk_table(child, state)


def _row_cells(
    tr: _Element, cells: list[_Element], row_src: str
) -> tuple[list[Cell], list[_Element]]:
    """Given a table row and its cells, return the row's Cells (``w:gridBefore`` as empty
    leading cells) and the tables nested in them."""
    tr_pr = _child(tr, W + "trPr")
    col = _int_attr(_child(tr_pr, W + "gridBefore") if tr_pr is not None else None, "val", 0)
    out: list[Cell] = [Cell("", f"{row_src} cell {c}") for c in range(1, col + 1)]
    nested: list[_Element] = []
    for tc in cells:
        span, continuation, covered = _merge(tc)
        if covered:
            col += span  # covered by the cell to its left: omitted, like gridSpan
            continue
        src = f"{row_src} cell {col + 1}"
        if continuation:
            out.append(Cell("", src))
        else:
            out.append(Cell(_cell_text(tc, nested), src))
        col += span
    return out, nested


def _merge(tc: _Element) -> tuple[int, bool, bool]:
    """Given a table cell, return its column span, whether it continues a vertical merge
    and whether a legacy horizontal merge (``w:hMerge``, old Word, WPS) covers it."""
    tc_pr = _child(tc, _TC_PR)
    if tc_pr is None:
        return 1, False, False
    grid_span = vmerge = hmerge = None
    for prop in tc_pr:
        tag = prop.tag
        if tag == _GRID_SPAN:
            grid_span = grid_span if grid_span is not None else prop
        elif tag == _V_MERGE:
            vmerge = vmerge if vmerge is not None else prop
        elif tag == _H_MERGE:
            hmerge = hmerge if hmerge is not None else prop
    span = max(1, _int_attr(grid_span, "val", 1))
    continuation = vmerge is not None and vmerge.get(_VAL, "continue") != "restart"
    covered = hmerge is not None and hmerge.get(_VAL, "continue") != "restart"
    return span, continuation, covered


def _cell_text(tc: _Element, nested: list[_Element]) -> str:
    """Given a table cell, return its paragraphs' text; append the tables it holds to
    ``nested``."""
    paras = []
    for child in _children(tc):
        if child.tag == _P:
            paras.append(paragraph_text(child))
        elif child.tag == _TBL:
            nested.append(child)
    return "\n".join(paras).strip("\n")
