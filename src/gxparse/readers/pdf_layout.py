"""Page geometry for the PDF reader: characters and ruling lines from pdfium, the table
grid rebuilt from the lines, and text put back together from the characters.

Given what pdfium reports about a page (its text page's characters, its path objects), the
functions here return the same characters, edges, table cells and texts as pdfplumber's
"lines" table strategy and default text extraction (tolerances of 3 points), on which the
reader was built and its tests written. The algorithms follow pdfplumber's
(``edges_to_intersections`` → ``intersections_to_cells`` → ``cells_to_tables``; MIT
licence), on tuples instead of dicts, with the quadratic point searches indexed.

Coordinates are pdfplumber's: points from the top-left corner of the page as displayed
(``/Rotate`` applied), ``x0 < x1`` and ``top < bottom``.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import math
import struct
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

import pypdfium2.raw as pdfium_c

TOLERANCE = 3.0  # snap, join, intersection and text tolerances (pdfplumber's defaults)
EDGE_MIN_LENGTH = 3.0
EDGE_MIN_LENGTH_PREFILTER = 1.0
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom


class Char(NamedTuple):
    """One printed character: its text and box, and whether it stands upright."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    upright: bool
    size: float


_X0 = itemgetter(1)  # a Char's x0


class Edge(NamedTuple):
    """A horizontal ("h") or vertical ("v") ruling line."""

    orientation: str
    x0: float
    top: float
    x1: float
    bottom: float


class View:
    """The map from PDF user space to pdfplumber's page coordinates: the page rotation
    applied as pdfminer's device matrix, the y axis flipped, the media box offsets kept."""

    def __init__(self, mediabox: Sequence[float], rotation: int) -> None:
        x0, y0, x1, y1 = mediabox
        rotation %= 360
        if rotation == 90:
            self.ctm = (0.0, -1.0, 1.0, 0.0, -y0, x1)
        elif rotation == 180:
            self.ctm = (-1.0, 0.0, 0.0, -1.0, x1, y1)
        elif rotation == 270:
            self.ctm = (0.0, 1.0, -1.0, 0.0, y1, -x0)
        else:
            self.ctm = (1.0, 0.0, 0.0, 1.0, -x0, -y0)
        lx, hx = sorted((x0, x1))
        ly, hy = sorted((y0, y1))
        box = (ly, lx, hy, hx) if rotation in (90, 270) else (lx, ly, hx, hy)
        self.height = box[3] - box[1]
        self.width = box[2] - box[0]
        self.dx = box[0]
        self.dtop = self.height - box[3]

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Given a point in user space, return its (x, top) on the displayed page."""
        a, b, c, d, e, f = self.ctm
        return a * x + c * y + e + self.dx, self.height - (b * x + d * y + f) + self.dtop

    def upright(self, m: Sequence[float]) -> bool:
        """Whether text drawn with the linear part ``m`` (a, b, c, d) stands upright on the
        displayed page (pdfminer's test on the matrix with the page rotation applied)."""
        a1, b1, c1, d1 = m
        a0, b0, c0, d0 = self.ctm[:4]
        a = a1 * a0 + b1 * c0
        b = a1 * b0 + b1 * d0
        c = c1 * a0 + d1 * c0
        d = c1 * b0 + d1 * d0
        return 0 < a * d and b * c <= 0


class _Handle(ctypes.c_void_p):
    """A pdfium handle returned as it is: ctypes converts the results of its plain types
    to Python ints, which it would pass back truncated to a C int."""


class _Calls:
    """The pdfium functions called once per character, path segment or page object
    (the same library, already loaded by pypdfium2). The hot ones are declared without
    argument types: ctypes then passes handles and ``byref`` pointers as they are and
    Python ints as C ints, twice as fast as converting by declared types. Every pointer
    handed to them is therefore a ctypes object, never a Python int (a page object's
    address, returned as an int, is wrapped in ``c_void_p`` first)."""

    def __init__(self) -> None:
        from pypdfium2_raw import bindings

        lib = bindings._libs["pdfium"]
        vp, i32, f64 = ctypes.c_void_p, ctypes.c_int, ctypes.c_double

        def declare(name: str, restype: Any, *argtypes: Any) -> Any:
            fn = lib[name]  # a new function object: pypdfium2's own stays as it is
            fn.restype, fn.argtypes = restype, (list(argtypes) if argtypes else None)
            return fn

        self.loose_box = declare("FPDFText_GetLooseCharBox", i32)
        # The text object's address, only compared: a plain int.
        self.text_object = declare("FPDFText_GetTextObject", ctypes.c_size_t)
        self.matrix = declare("FPDFText_GetMatrix", i32)
        self.font_size = declare("FPDFText_GetFontSize", f64)
        self.is_generated = declare("FPDFText_IsGenerated", i32)
        self.origin = declare("FPDFText_GetCharOrigin", i32)
        # Every page object is asked for its type; few are paths. Its address as a plain
        # int and a declared argument cost less than a handle object per page object.
        self.page_object = declare("FPDFPage_GetObject", ctypes.c_size_t)
        self.object_type = declare("FPDFPageObj_GetType", i32, vp)
        self.object_matrix = declare("FPDFPageObj_GetMatrix", i32)
        self.draw_mode = declare("FPDFPath_GetDrawMode", i32)
        self.count_segments = declare("FPDFPath_CountSegments", i32)
        self.segment = declare("FPDFPath_GetPathSegment", _Handle)
        self.segment_point = declare("FPDFPathSegment_GetPoint", i32)
        self.segment_type = declare("FPDFPathSegment_GetType", i32)
        self.segment_close = declare("FPDFPathSegment_GetClose", i32)
        # An unsigned long index: declared, as a C int would not fill the register.
        self.form_count = declare("FPDFFormObj_CountObjects", i32, vp)
        self.form_object = declare("FPDFFormObj_GetObject", ctypes.c_size_t, vp, ctypes.c_ulong)


_calls: _Calls | None = None
_UNPRINTED = {c: "\n" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
_new_char = _new_edge = tuple.__new__


_CharInfo = tuple[bool, float, float, int, float]


def _char_info(key: tuple[float, ...], view: View) -> _CharInfo:
    """What the boxes of characters drawn with a matrix's linear part and a font size
    (``key``) need (see :func:`page_chars`)."""
    a, b, c, d, fs = key
    scale = math.hypot(c, d)
    if abs(b) < 1e-6 and abs(c) < 1e-6:
        kind, size = (0 if d > 0 else 1), fs * abs(d)
    elif abs(a) < 1e-6 and abs(d) < 1e-6:
        kind, size = (2 if c < 0 else 3), fs * abs(c)
    else:
        kind, size = 4, fs * scale
    vertical_hint = fs if abs(scale - 1.0) > 0.01 else -1.0
    return (view.upright((a, b, c, d)), size, vertical_hint, kind, fs * scale)


# One call reads a pdfium struct's floats: FS_RECTF (left, top, right, bottom) and
# FS_MATRIX's linear part (a, b, c, d).
_RECT = struct.Struct("4f").unpack
_LINEAR = struct.Struct("4f").unpack_from


def page_chars(textpage: Any, view: View) -> list[Char]:
    """Given a pdfium text page, return its printed characters in content order (the
    spaces and line breaks pdfium generates between runs are left out). Each box spans
    the advance width and, from the baseline's descent, one font size (pdfminer's box)."""
    text = _page_text(textpage)
    if not text:
        return []
    return _text_chars(_get_calls(), textpage, text, view)


def _get_calls() -> _Calls:
    """Return the pdfium calls, declared on first use."""
    global _calls
    if _calls is None:
        _calls = _Calls()
    return _calls


def _page_text(textpage: Any) -> str:
    """Given a pdfium text page, return its text: a character per index, unprinted ones "\\n"."""
    n = pdfium_c.FPDFText_CountChars(textpage)
    if n <= 0:
        return ""
    buf = ctypes.create_string_buffer((n + 1) * 2)
    got = pdfium_c.FPDFText_GetText(
        textpage, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort))
    )
    text = buf.raw[: max(got - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(text) != n:
        # The text leaves out characters without a Unicode value (0): take them one by one.
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(n))
    # A character without a Unicode value, or a control character, prints nothing: it is
    # dropped as pdfium's own line breaks are (pdfminer gives no character for them).
    return text.translate(_UNPRINTED)


def _text_chars(calls: _Calls, textpage: Any, text: str, view: View) -> list[Char]:
    """Given a text page and its text, return its printed characters with their boxes."""
    tp = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
    loose, generated = calls.loose_box, calls.is_generated
    get_matrix, font_size = calls.matrix, calls.font_size
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    rect_ref, matrix_ref = ctypes.byref(rect), ctypes.byref(matrix)
    ox, oy = ctypes.c_double(), ctypes.c_double()
    ca, cb, cc, cd, ce, cf = view.ctm
    dx, h0 = view.dx, view.height + view.dtop
    # Per matrix and font size: (upright, size, font size when the scale is not 1, how to
    # fix the box: 0 baseline up, 1 baseline down, 2 up to the left, 3 up to the right,
    # 4 other, size of a square).
    known: dict[tuple[float, ...], _CharInfo] = {}
    last_key: tuple[float, ...] = ()
    info: _CharInfo = (True, 0.0, -1.0, 0, 0.0)  # set with last_key
    out: list[Char] = []
    append = out.append
    for i, ch in enumerate(text):
        if ch.isspace() and (ch in "\r\n" or generated(tp, i)):
            continue
        if not loose(tp, i, rect_ref) or not get_matrix(tp, i, matrix_ref):
            continue
        key = (*_LINEAR(matrix), font_size(tp, i))
        if key != last_key:  # runs of characters share a matrix and font size
            info = known.get(key)
            if info is None:
                info = known[key] = _char_info(key, view)
            last_key = key
        upright, size, vertical_hint, kind, square = info
        left, high, right, low = _RECT(rect)
        # The loose box reaches from the descent to the font's ascent; pdfminer's from the
        # descent to one font size above it. Move the side away from the descent.
        if abs(right - left - vertical_hint) <= 1e-3 * vertical_hint:
            # Vertical writing (Identity-V): pdfium's loose box is one unscaled font size
            # wide, but the character's origin is the lower left corner of pdfminer's box,
            # a square of one font size.
            calls.origin(tp, i, ctypes.byref(ox), ctypes.byref(oy))
            left, low = ox.value, oy.value
            right, high, size = left + square, low + square, square
        elif kind == 0:
            high = low + size
        elif kind == 1:
            low = high - size
        elif kind == 2:
            left = right - size
        elif kind == 3:
            right = left + size
        px = ca * left + cc * low + ce + dx
        pt = h0 - (cb * left + cd * low + cf)
        qx = ca * right + cc * high + ce + dx
        qt = h0 - (cb * right + cd * high + cf)
        append(
            _new_char(
                Char,
                (
                    ch,
                    px if px < qx else qx,
                    pt if pt < qt else qt,
                    qx if px < qx else px,
                    qt if pt < qt else pt,
                    upright,
                    size,
                ),
            )
        )
    return out


def page_edges(page: Any, view: View) -> list[Edge]:
    """Given a pdfium page, return the edges of its stroked or filled paths, as pdfminer
    and pdfplumber make them: a two-point subpath is a line (horizontal when both ends
    share a y, else vertical); any other subpath gives one edge per axis-parallel segment
    between consecutive points (Bézier curves by their end points, a closed subpath back
    to its start). Paths inside form XObjects count, placed by the form's matrix."""
    calls = _get_calls()
    ctx = _PathContext(calls, view)
    page_object, object_type = calls.page_object, calls.object_type
    out: list[Edge] = []
    handle = ctypes.c_void_p(ctypes.cast(page, ctypes.c_void_p).value)
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = page_object(handle, i)
        if obj:
            kind = object_type(obj)
            if kind == _PATH or kind == _FORM:
                _object_edges(ctx, ctypes.c_void_p(obj), kind, None, out, 0)
    return out


class _PathContext:
    """What reading a page's paths needs: the pdfium calls, the ctypes values pdfium
    writes a path's matrix, draw mode and points into (made once per page), and the
    page's view."""

    def __init__(self, calls: _Calls, view: View) -> None:
        self.calls = calls
        self.matrix = pdfium_c.FS_MATRIX()
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.xy = (ctypes.c_float * 2)()
        self.matrix_ref = ctypes.byref(self.matrix)
        self.fill_ref, self.stroke_ref = ctypes.byref(self.fill), ctypes.byref(self.stroke)
        self.x_ref, self.y_ref = ctypes.byref(self.xy, 0), ctypes.byref(self.xy, 4)
        self.ctm = view.ctm
        self.dx, self.h0 = view.dx, view.height + view.dtop


_PATH, _FORM = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
_MOVETO, _BEZIERTO = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_BEZIERTO
_MAX_FORM_DEPTH = 16
_MATRIX = struct.Struct("6f").unpack  # FS_MATRIX: a, b, c, d, e, f
_POINT = struct.Struct("2f").unpack  # a segment's point: x, y


def _compose(m1: Sequence[float], m0: Sequence[float]) -> tuple[float, ...]:
    """``m1`` then ``m0`` (PDF matrices a b c d e f)."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m0
    return (
        a1 * a0 + b1 * c0,
        a1 * b0 + b1 * d0,
        c1 * a0 + d1 * c0,
        c1 * b0 + d1 * d0,
        e1 * a0 + f1 * c0 + e0,
        e1 * b0 + f1 * d0 + f0,
    )


def _object_edges(
    ctx: _PathContext,
    obj: ctypes.c_void_p,
    kind: int,
    parent: tuple[float, ...] | None,
    out: list[Edge],
    depth: int,
) -> None:
    """Given a path or form object (placed by ``parent``'s matrix), add its edges to ``out``."""
    calls = ctx.calls
    if not calls.object_matrix(obj, ctx.matrix_ref):
        return
    m = _MATRIX(ctx.matrix)
    if parent is not None:
        m = _compose(m, parent)
    if kind == _FORM:
        if depth < _MAX_FORM_DEPTH:
            _form_edges(ctx, obj, m, out, depth)
        return
    if calls.draw_mode(obj, ctx.fill_ref, ctx.stroke_ref) and not (
        ctx.fill.value or ctx.stroke.value
    ):
        return
    _path_edges(_subpaths(ctx, obj, m), out)


def _form_edges(
    ctx: _PathContext, form: ctypes.c_void_p, m: tuple[float, ...], out: list[Edge], depth: int
) -> None:
    """Given a form object and its matrix ``m``, add the edges of its paths and forms."""
    calls = ctx.calls
    for j in range(calls.form_count(form)):
        child = calls.form_object(form, j)
        if child:
            child_kind = calls.object_type(child)
            if child_kind == _PATH or child_kind == _FORM:
                _object_edges(ctx, ctypes.c_void_p(child), child_kind, m, out, depth + 1)


def _path_edges(subpaths: list[list[tuple[float, float]]], out: list[Edge]) -> None:
    """Given a path's subpaths (:func:`_subpaths`), add their edges to ``out``."""
    for pts in subpaths:
        if len(pts) < 2:
            continue
        if len(pts) == 2 or (len(pts) == 3 and pts[2] == pts[0]):
            (x0, t0), (x1, t1) = pts[0], pts[1]
            out.append(
                _new_edge(
                    Edge,
                    ("h" if t0 == t1 else "v", min(x0, x1), min(t0, t1), max(x0, x1), max(t0, t1)),
                )
            )
            continue
        for (x0, t0), (x1, t1) in itertools.pairwise(pts):
            if x0 == x1:
                out.append(_new_edge(Edge, ("v", x0, min(t0, t1), x1, max(t0, t1))))
            elif t0 == t1:
                out.append(_new_edge(Edge, ("h", min(x0, x1), t0, max(x0, x1), t1)))


def _subpaths(
    ctx: _PathContext, obj: ctypes.c_void_p, m: tuple[float, ...]
) -> list[list[tuple[float, float]]]:
    """A path's subpaths as points on the displayed page (Bézier curves by their end
    points; a closed subpath ends back at its start)."""
    calls = ctx.calls
    a, b, c, d, e, f = m
    ca, cb, cc, cd, ce, cf = ctx.ctm
    dx, h0 = ctx.dx, ctx.h0
    xy, xr, yr = ctx.xy, ctx.x_ref, ctx.y_ref
    segment, get_point = calls.segment, calls.segment_point
    get_type, get_close = calls.segment_type, calls.segment_close
    subpaths: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    bezier = 0
    for k in range(calls.count_segments(obj)):
        seg = segment(obj, k)
        if not seg or not get_point(seg, xr, yr):
            continue
        t = get_type(seg)
        x, y = _POINT(xy)
        ux = a * x + c * y + e
        uy = b * x + d * y + f
        p = (ca * ux + cc * uy + ce + dx, h0 - (cb * ux + cd * uy + cf))
        if t == _MOVETO:
            if current:
                subpaths.append(current)
            current = [p]
            bezier = 0
            continue  # a lone point: closing it adds nothing
        if t == _BEZIERTO:
            bezier += 1
            if bezier % 3 == 0:  # two control points, then the end point
                current.append(p)
        else:
            current.append(p)
            bezier = 0
        # Whether the segment closes the subpath, asked only when that adds a point.
        if current and current[-1] != current[0] and get_close(seg):
            current.append(current[0])
    if current:
        subpaths.append(current)
    return subpaths


# --- clustering ------------------------------------------------------------------------


def _cluster_ids(values: Iterable[float], tolerance: float) -> dict[float, int]:
    """Given values, return each distinct value's cluster number: sorted values chained
    while each is within ``tolerance`` of the previous one."""
    out: dict[float, int] = {}
    last: float | None = None
    k = -1
    for v in sorted(set(values)):
        if last is None or v > last + tolerance:
            k += 1
        out[v] = k
        last = v
    return out


def cluster(
    objs: list[Any], key: Callable[[Any], float], tolerance: float, preserve_order: bool = False
) -> list[list[Any]]:
    """pdfplumber's ``cluster_objects``: objects grouped by the cluster of ``key``; groups
    in cluster order (or, with ``preserve_order``, runs of one cluster in input order)."""
    ids = _cluster_ids(map(key, objs), tolerance)
    tagged = [(ids[key(o)], o) for o in objs]
    if not preserve_order:
        tagged.sort(key=lambda t: t[0])
    return [[o for _, o in grp] for _, grp in itertools.groupby(tagged, key=lambda t: t[0])]


# --- tables ----------------------------------------------------------------------------


# Per orientation: the field an edge's line is at, and the fields where it starts and
# ends along that line (x0, top, x1, bottom are fields 1 to 4).
_AXES = {"h": (2, 1, 3), "v": (1, 2, 4)}


def merge_edges(edges: list[Edge], tolerance: float = TOLERANCE) -> list[Edge]:
    """Edges snapped to the average position of those within ``tolerance`` across, then
    joined where they meet or overlap along (gaps up to ``tolerance``), then the short ones
    (under 3 points) dropped. Horizontal lines first, each orientation's lines in order."""
    out: list[Edge] = []
    for orientation, (at, lo, hi) in _AXES.items():
        kept = [
            e for e in edges if e[0] == orientation and e[hi] - e[lo] >= EDGE_MIN_LENGTH_PREFILTER
        ]
        ids = _cluster_ids([e[at] for e in kept], tolerance)
        lines: dict[int, list[Edge]] = {}
        for e in kept:
            lines.setdefault(ids[e[at]], []).append(e)
        for k in sorted(lines):
            group = lines[k]
            avg = sum(e[at] for e in group) / len(group)
            # Snapped: moved across to the line, the far side by as much (pdfplumber's).
            if orientation == "h":
                spans = [[e[1], e[3], e[4] + (avg - e[2])] for e in group]
            else:
                spans = [[e[2], e[4], e[3] + (avg - e[1])] for e in group]
            spans.sort(key=itemgetter(0))
            joined = [spans[0]]
            for span in spans[1:]:
                last = joined[-1]
                if span[0] <= last[1] + tolerance:
                    if span[1] > last[1]:
                        last[1] = span[1]
                else:
                    joined.append(span)
            for start, end, far in joined:
                if end - start < EDGE_MIN_LENGTH:
                    continue
                if orientation == "h":
                    out.append(_new_edge(Edge, ("h", start, avg, end, far)))
                else:
                    out.append(_new_edge(Edge, ("v", avg, start, far, end)))
    return out


def find_tables(edges: list[Edge], tolerance: float = TOLERANCE) -> list[list[BBox]]:
    """Given a page's edges, return its tables, each as its cells (x0, top, x1, bottom),
    top to bottom: the smallest rectangles whose four corners are crossings of edges and
    whose sides run along edges, grouped into tables by shared corners (tables of a
    single cell left out)."""
    edges = merge_edges(edges, tolerance)
    v_edges = sorted((e for e in edges if e[0] == "v"), key=lambda e: (e[1], e[2]))
    h_edges = sorted((e for e in edges if e[0] == "h"), key=lambda e: (e[2], e[1]))
    # Each crossing's vertical and horizontal edges. pdfplumber keeps their boxes; an edge
    # stands for its box here, since only edges of one orientation are ever compared. A
    # set of edges is an int with one bit per distinct edge: sets meet where bits do.
    bits: dict[Edge, int] = {}
    for e in itertools.chain(v_edges, h_edges):
        bits.setdefault(e, 1 << len(bits))
    h_rows = [(h[2], h[1], h[3], bits[h]) for h in h_edges]  # top, x0, x1, bit
    h_tops = [h[0] for h in h_rows]
    crossings: dict[tuple[float, float], list[int]] = {}
    for v in v_edges:  # the horizontal edges at heights the vertical one reaches
        _, x, top, _, bottom = v
        v_bit = bits[v]
        lo = bisect.bisect_left(h_tops, top - tolerance)
        hi = bisect.bisect_right(h_tops, bottom + tolerance)
        for h_top, h_x0, h_x1, h_bit in h_rows[lo:hi]:
            if (
                top <= h_top + tolerance
                and bottom >= h_top - tolerance
                and x >= h_x0 - tolerance
                and x <= h_x1 + tolerance
            ):
                at = crossings.get((x, h_top))
                if at is None:
                    crossings[(x, h_top)] = [v_bit, h_bit]
                else:
                    at[0] |= v_bit
                    at[1] |= h_bit
    return _group_cells(_cells(crossings))


def _cells(crossings: dict[tuple[float, float], list[int]]) -> list[BBox]:
    """pdfplumber's smallest cells: for each crossing, in order of x then top, the first
    crossing below it, then the first to its right, each joined to it by an edge, whose
    corner closes the rectangle. The crossings are laid on the grid of their distinct x
    and top values (column i, row j at ``i * n_rows + j``), searched by index."""
    points = sorted(crossings)
    xs = sorted({p[0] for p in points})
    ys = sorted({p[1] for p in points})
    row_of = {y: j for j, y in enumerate(ys)}
    n_rows = len(ys)
    # A crossing's [vertical edge bits, horizontal edge bits], or None.
    grid: list[Any] = [None] * (len(xs) * n_rows)
    cols: list[list[int]] = [[] for _ in xs]  # per column, its crossings' rows, rising
    i, last_x = -1, None
    for p in points:
        if p[0] != last_x:
            i, last_x = i + 1, p[0]
        j = row_of[p[1]]
        grid[i * n_rows + j] = crossings[p]
        cols[i].append(j)
    rows: list[list[int]] = [[] for _ in ys]  # per row, its crossings' columns, rising
    for i, col in enumerate(cols):
        for j in col:
            rows[j].append(i)
    out: list[BBox] = []
    for i, col in enumerate(cols):
        for k in range(len(col) - 1):
            found = _cell_at(grid, n_rows, i, col[k], col[k + 1 :], rows[col[k]])
            if found is not None:
                out.append((xs[i], ys[col[k]], xs[found[0]], ys[found[1]]))
    return out


def _cell_at(
    grid: list[Any],
    n_rows: int,
    i: int,
    j: int,
    downs: list[int],
    row: list[int],
) -> tuple[int, int] | None:
    """The far corner (column, row) of the smallest cell whose top left corner is the
    crossing at column ``i``, row ``j`` (see :func:`_cells`): ``downs`` are the rows of
    the crossings below it, ``row`` the columns of the crossings in its row. The
    crossings to the right are tested for an edge once each, and only as far as the
    search goes."""
    scanned = bisect.bisect_right(row, i)
    n_right = len(row)
    if scanned == n_right:
        return None
    v_at, h_at = grid[i * n_rows + j]
    joined: list[int] = []  # the columns to the right joined to the corner, found so far
    for down in downs:
        down_v, down_h = grid[i * n_rows + down]
        if not v_at & down_v:
            continue
        k = 0
        while True:
            if k == len(joined):
                while scanned < n_right and not h_at & grid[row[scanned] * n_rows + j][1]:
                    scanned += 1
                if scanned == n_right:
                    break
                joined.append(row[scanned])
                scanned += 1
            right = joined[k]
            k += 1
            at = grid[right * n_rows + down]
            if at is not None and at[0] & grid[right * n_rows + j][0] and at[1] & down_h:
                return (right, down)
    return None


def _group_cells(cells: list[BBox]) -> list[list[BBox]]:
    """Cells grouped as pdfplumber's ``cells_to_tables`` groups them (repeated passes
    adding the cells that share a corner with the group), groups of one cell dropped."""
    # Each cell's corners as a set: the passes test and add them by their stored hashes.
    remaining = [
        (c, frozenset(((c[0], c[1]), (c[0], c[3]), (c[2], c[1]), (c[2], c[3])))) for c in cells
    ]
    tables: list[list[BBox]] = []
    corners: set[tuple[float, float]] = set()
    current: list[BBox] = []
    while remaining:
        before = len(current)
        keep = []
        for cell, cc in remaining:
            if not current or not corners.isdisjoint(cc):
                corners.update(cc)
                current.append(cell)
            else:
                keep.append((cell, cc))
        remaining = keep
        if len(current) == before:
            tables.append(current)
            corners = set()
            current = []
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def table_bbox(cells: list[BBox]) -> BBox:
    return (
        min(c[0] for c in cells),
        min(c[1] for c in cells),
        max(c[2] for c in cells),
        max(c[3] for c in cells),
    )


def table_rows(cells: list[BBox]) -> list[tuple[BBox, list[BBox | None]]]:
    """Given a table's cells, return its rows top to bottom: each row's box and, for every
    column start of the table, the cell starting there in this row or None."""
    xs = sorted({c[0] for c in cells})
    out: list[tuple[BBox, list[BBox | None]]] = []
    ordered = sorted(cells, key=lambda c: (c[1], c[0]))
    for top, grp in itertools.groupby(ordered, key=itemgetter(1)):
        group = list(grp)  # one top, x0 rising; one cell per (x0, top), a crossing
        at = {c[0]: c for c in group}
        box = (group[0][0], top, max([c[2] for c in group]), max([c[3] for c in group]))
        out.append((box, [at.get(x) for x in xs]))
    return out


# --- text ------------------------------------------------------------------------------


def _line_key(upright: bool) -> Callable[[Char], float]:
    return (lambda c: c.top) if upright else (lambda c: c.x0)


def _char_order(upright: bool) -> Callable[[Char], tuple[float, float]]:
    return (lambda c: (c.x0, c.x0)) if upright else (lambda c: (c.top, c.bottom))


def _begins_word(prev: Char, cur: Char, upright: bool, tol: float) -> bool:
    if upright:
        ax, bx, cx, ay, cy = prev.x0, prev.x1, cur.x0, prev.top, cur.top
    else:
        ax, bx, cx, ay, cy = prev.top, prev.bottom, cur.top, prev.x0, cur.x0
    return cx < ax or cx > bx + tol or abs(cy - ay) > tol


class Word(NamedTuple):
    text: str
    top: float
    bottom: float


def _word(chars: list[Char]) -> Word:
    top, bottom = chars[0].top, chars[0].bottom
    for c in chars:
        if c.top < top:
            top = c.top
        if c.bottom > bottom:
            bottom = c.bottom
    return Word("".join([LIGATURES.get(c.text, c.text) for c in chars]), top, bottom)


def extract_words(chars: list[Char], tol: float = TOLERANCE) -> list[Word]:
    """pdfplumber's ``extract_words`` with its defaults: runs of characters of one
    orientation, each cut into lines (clustered by top, or by x0 for rotated text) and
    the lines into words at blanks and at gaps wider than ``tol``."""
    if all(c.upright for c in chars):
        return _upright_words(chars, tol)
    return _words_by_run(chars, tol)


def _words_by_run(chars: list[Char], tol: float) -> list[Word]:
    """pdfplumber's word extraction, for any mix of orientations."""
    words: list[Word] = []
    for upright, run in itertools.groupby(chars, key=lambda c: c.upright):
        for line in cluster(list(run), _line_key(upright), tol):
            line.sort(key=_char_order(upright))
            current: list[Char] = []
            for ch in line:
                if ch.text.isspace():
                    if current:
                        words.append(_word(current))
                    current = []
                elif current and _begins_word(current[-1], ch, upright, tol):
                    words.append(_word(current))
                    current = [ch]
                else:
                    current.append(ch)
            if current:
                words.append(_word(current))
    return words


def _upright_words(chars: list[Char], tol: float) -> list[Word]:
    """:func:`extract_words` of upright characters, without the general machinery."""
    ids = _cluster_ids([c.top for c in chars], tol)
    lines: dict[int, list[Char]] = {}
    for c in chars:
        lines.setdefault(ids[c.top], []).append(c)
    words: list[Word] = []
    new_word = tuple.__new__
    for k in sorted(lines):
        current: list[str] = []
        prev: Char | None = None
        top = bottom = 0.0
        for ch in sorted(lines[k], key=_X0):
            text = ch.text
            if text.isspace():
                if current:
                    words.append(new_word(Word, ("".join(current), top, bottom)))
                current, prev = [], None
                continue
            if prev is not None and (
                ch.x0 < prev.x0 or ch.x0 > prev.x1 + tol or abs(ch.top - prev.top) > tol
            ):
                words.append(new_word(Word, ("".join(current), top, bottom)))
                current, prev = [], None
            if prev is None:
                top, bottom = ch.top, ch.bottom
            else:
                if ch.top < top:
                    top = ch.top
                if ch.bottom > bottom:
                    bottom = ch.bottom
            current.append(LIGATURES.get(text, text))
            prev = ch
        if current:
            words.append(new_word(Word, ("".join(current), top, bottom)))
    return words


def extract_text(chars: list[Char], tol: float = TOLERANCE) -> str:
    """pdfplumber's ``extract_text`` with its defaults: words joined by a space, lines
    (words clustered by top) by a line break."""
    if not chars:
        return ""
    if len(chars) == 1:
        text = chars[0].text
        return "" if text.isspace() else LIGATURES.get(text, text)
    tops = [c.top for c in chars]
    if all(c.upright for c in chars):
        if max(tops) - min(tops) <= tol:
            return _one_line(chars, tol)
        text = _upright_lines(chars, tops, tol)
        if text is not None:
            return text
    # The words clustered into lines by top (``cluster``, without its general machinery).
    words = extract_words(chars, tol)
    ids = _cluster_ids([w.top for w in words], tol)
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(ids[w.top], []).append(w.text)
    return "\n".join([" ".join(lines[k]) for k in sorted(lines)])


def _upright_lines(chars: list[Char], tops: list[float], tol: float) -> str | None:
    """:func:`extract_text` of upright characters when each line of characters (clustered
    by top) has its tops within ``tol``: then no word's top strays from its line, the
    lines of words are those of characters, and each is :func:`_one_line`. None when a
    line's tops spread further (the general path decides)."""
    ids = _cluster_ids(tops, tol)
    rows: dict[int, list[Char]] = {}
    for c in chars:
        rows.setdefault(ids[c.top], []).append(c)
    lines: list[str] = []
    for k in sorted(rows):
        row = rows[k]
        row_tops = [c.top for c in row]
        if max(row_tops) - min(row_tops) > tol:
            return None
        text = _one_line(row, tol)
        if text:  # a line of blanks makes no word
            lines.append(text)
    return "\n".join(lines)


def _one_line(chars: list[Char], tol: float) -> str:
    """:func:`extract_text` of upright characters whose tops lie within ``tol``: one line,
    however the clustering goes, so only the cuts between words remain."""
    words: list[str] = []
    current: list[str] = []
    prev: Char | None = None
    for ch in sorted(chars, key=_X0):
        text = ch.text
        if text.isspace():
            if current:
                words.append("".join(current))
            current, prev = [], None
            continue
        if prev is not None and (ch.x0 < prev.x0 or ch.x0 > prev.x1 + tol):
            words.append("".join(current))
            current = []
        current.append(LIGATURES.get(text, text))
        prev = ch
    if current:
        words.append("".join(current))
    return " ".join(words)


def text_lines(chars: list[Char], tol: float = TOLERANCE) -> list[tuple[str, float, float]]:
    """pdfplumber's ``extract_text_lines(strip=True)``: (text, top, bottom) of each line of
    words, the words kept in the order they were found and cut where the top changes."""
    out: list[tuple[str, float, float]] = []
    for line in cluster(extract_words(chars, tol), lambda w: w.top, tol, preserve_order=True):
        text = " ".join(w.text for w in line)
        if text.strip():
            out.append((text, min(w.top for w in line), max(w.bottom for w in line)))
    return out


def dedupe_chars(chars: list[Char], tolerance: float = 1.0) -> list[Char]:
    """pdfplumber's ``dedupe_chars``: of the characters with the same text, orientation and
    size whose positions cluster within ``tolerance``, the first by (top, x0) is kept; the
    order of the page is kept."""
    index = {id(c): i for i, c in enumerate(chars)}
    kept: list[Char] = []
    ordered = sorted(chars, key=lambda c: (c.upright, c.text, c.size))
    for _, grp in itertools.groupby(ordered, key=lambda c: (c.upright, c.text, c.size)):
        for row in cluster(list(grp), lambda c: c.top, tolerance):
            for col in cluster(row, lambda c: c.x0, tolerance):
                kept.append(min(col, key=lambda c: (c.top, c.x0)))
    kept.sort(key=lambda c: index[id(c)])
    return kept
