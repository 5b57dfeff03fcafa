"""PDF reader: Word files in the official layout converted by LibreOffice, read back row by
row; scanned, encrypted and damaged PDFs made with the real tools."""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest
from gxsynth import documents as D
from gxsynth.model import ReportSpec, random_spec

from gxparse.readers import read_bytes
from gxparse.readers.document import Cell, Document, Para, ReadError, Row
from gxparse.readers.office import convert_with_soffice, find_soffice, has_cjk_font
from gxparse.readers.pdf import clean_text, read_pdf

needs_soffice = pytest.mark.skipif(
    find_soffice() is None or not has_cjk_font(),
    reason="LibreOffice or a Chinese font (fonts-wqy-microhei) not installed",
)

SPECS = {
    "2021": lambda: random_spec(random.Random(3), "2021"),
    "2019": lambda: random_spec(random.Random(2), "2019"),
    "2021-blanks": lambda: D.with_blanks(random_spec(random.Random(3), "2021"), 3),
}
ROW_SOURCE = re.compile(r"^page \d+ table \d+ row \d+$")
CELL_SOURCE = re.compile(r"^page \d+ table \d+ row \d+ cell (\d+)$")


@cache
def pdf_of(name: str) -> bytes:
    return D.to_pdf(SPECS[name]())


def _unwrap(text: str) -> str:
    """Cell text without the line breaks a narrow PDF column adds."""
    return text.replace("\n", "")


@needs_soffice
@pytest.mark.parametrize("name", list(SPECS))
def test_official_layout_rows_exactly(name: str) -> None:
    spec: ReportSpec = SPECS[name]()
    doc = read_bytes(pdf_of(name), "report.pdf")
    assert doc.source_format == "pdf"
    rows = [i for i in doc.items if isinstance(i, Row)]
    got = []
    for row in rows:
        assert ROW_SOURCE.match(row.source), row.source
        cells = []
        for c in row.cells:
            m = CELL_SOURCE.match(c.source)
            assert m and c.source.startswith(row.source + " "), c.source
            cells.append((int(m.group(1)), _unwrap(c.text)))
        got.append(cells)
    expected = [
        row
        for grid in (D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec))
        for row in D.expected_cells(grid)
    ]
    # Tables continued over a page break are new tables on their page, so compare the rows of
    # all tables in order; a row Word split over the break must have been joined back.
    assert got == expected


@needs_soffice
def test_text_outside_tables_in_reading_order() -> None:
    spec = SPECS["2021"]()
    doc = read_pdf(pdf_of("2021"))
    paras = [i for i in doc.items if isinstance(i, Para)]
    assert paras[0] == Para(D.title(spec), "page 1 line 1")
    texts = [p.text for p in paras]
    headings = [D.heading(n) for n in range(1, 7)]
    assert [t for t in texts if t in headings] == headings
    assert texts[-1] == D.published_line(spec)
    # Headings come right before their tables.
    kinds = [(type(i).__name__, getattr(i, "text", None)) for i in doc.items]
    first_row = next(k for k, (kind, _) in enumerate(kinds) if kind == "Row")
    assert kinds[first_row - 1] == ("Para", D.heading(2))
    assert D.title(spec) in doc.text and "\t" in doc.text


@needs_soffice
def test_split_row_is_joined() -> None:
    doc = read_pdf(pdf_of("2021"))
    if not doc.notes:
        pytest.skip("no row split over a page break in this rendering")
    assert all("joined" in n for n in doc.notes)


@needs_soffice
def test_pdfium_objects_are_closed_as_soon_as_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfium's pages, text pages and documents live in C: each page and its text page is
    closed before the next page is opened, and the document at the end."""
    import pypdfium2 as pdfium

    events: list[str] = []

    def logged(cls: type, name: str, label: str) -> None:
        original = getattr(cls, name)

        def wrapper(self: object, *args: object, **kwargs: object) -> object:
            if not kwargs.get("_by_parent"):
                events.append(label)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapper)

    logged(pdfium.PdfDocument, "get_page", "page")
    logged(pdfium.PdfPage, "get_textpage", "text")
    logged(pdfium.PdfTextPage, "close", "/text")
    logged(pdfium.PdfPage, "close", "/page")
    logged(pdfium.PdfDocument, "close", "/document")
    doc = read_pdf(pdf_of("2021"))
    pages = sorted({int(i.source.split()[1]) for i in doc.items})
    assert len(pages) >= 2
    assert events == ["page", "text", "/text", "/page"] * pages[-1] + ["/document"]


@needs_soffice
def test_encrypted_pdf_is_one_clear_error() -> None:
    options = (
        'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"secret"}}'
    )
    data = convert_with_soffice(D.to_docx(SPECS["2021"]()), ".docx", options)
    with pytest.raises(ReadError, match="encrypted PDF"):
        read_bytes(data, "locked.pdf")


@needs_soffice
def test_pdf_restricted_by_an_owner_password_only_is_read() -> None:
    """Copy/print restrictions without an open password: readable, as in a viewer."""
    options = (
        'pdf:writer_pdf_Export:{"RestrictPermissions":{"type":"boolean","value":"true"},'
        '"PermissionPassword":{"type":"string","value":"owner"},'
        '"EnableCopyingOfContent":{"type":"boolean","value":"false"}}'
    )
    spec = SPECS["2021"]()
    data = convert_with_soffice(D.to_docx(spec), ".docx", options)
    assert b"/Encrypt" in data
    doc = read_bytes(data, "restricted.pdf")
    assert doc.items[0].text == D.title(spec)


def test_pdf_without_text_layer_is_one_clear_error() -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 600), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 200), outline="black")
    buf = io.BytesIO()
    image.save(buf, "PDF")
    with pytest.raises(ReadError, match=r"no text layer \(scanned PDF\?\); OCR is out of scope"):
        read_bytes(buf.getvalue(), "scan.pdf")


@needs_soffice
def test_truncated_pdf_is_one_clear_error() -> None:
    data = pdf_of("2021")
    with pytest.raises(ReadError, match="PDF"):
        read_bytes(data[: len(data) // 3], "cut.pdf")


def test_not_really_a_pdf_is_one_clear_error() -> None:
    with pytest.raises(ReadError, match="damaged or truncated PDF"):
        read_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20, "fake.pdf")


# A Chinese font in vertical writing (Identity of UCS-2 codes, Adobe-GB1, not embedded).
VERTICAL_FONT = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-V"
    b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
    b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
    b" /FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6"
    b" /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120"
    b" /CapHeight 880 /StemV 93 >> >>] >>"
)


# The same font with 4-byte codes (UTF-32): pdfium reads U+20000's code as characters
# without a Unicode value, which its text leaves out.
UTF32_FONT = VERTICAL_FONT.replace(b"UniGB-UCS2-V", b"UniGB-UTF32-H").replace(
    b"/Supplement 2", b"/Supplement 5"
)
UTF32_TEXT = (
    b"BT /F2 12 Tf 20 150 Td <00004E2D0002000000006587> Tj ET BT /F1 10 Tf 20 100 Td (after) Tj ET"
)


def _minimal_pdf(
    content: bytes | list[bytes],
    mediabox: bytes = b"0 0 300 200",
    rotate: int = 0,
    fonts: dict[bytes, bytes] | None = None,
    forms: dict[bytes, tuple[bytes, bytes]] | None = None,
) -> bytes:
    """A PDF with one page per content stream (Helvetica as /F1, ``fonts`` beside it, and
    ``forms``: name → (matrix, content stream) of form XObjects), xref offsets correct."""
    contents = [content] if isinstance(content, bytes) else content
    fonts = {b"F1": b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", **(fonts or {})}
    n_pages = len(contents)
    first_font = 3 + 2 * n_pages
    font_refs = b" ".join(b"/%s %d 0 R" % (name, first_font + i) for i, name in enumerate(fonts))
    forms = forms or {}
    first_form = first_font + len(fonts)
    form_refs = b" ".join(b"/%s %d 0 R" % (name, first_form + i) for i, name in enumerate(forms))
    resources = b"/Font << %s >> /XObject << %s >>" % (font_refs, form_refs)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n_pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages),
    ]
    for i, stream in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Rotate %d /Contents %d 0 R"
            b" /Resources << %s >> >>" % (mediabox, rotate, 4 + 2 * i, resources)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects += list(fonts.values())
    for matrix, stream in forms.values():
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [-1000 -1000 1000 1000] /Matrix [%s]"
            b" /Resources << %s >> /Length %d >>\nstream\n"
            % (matrix, resources, len(stream))
            + stream
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _rows(doc: Document) -> list[list[tuple[str, str]]]:
    return [[(c.text, c.source) for c in r.cells] for r in doc.items if isinstance(r, Row)]


# Two columns; the first cell spans both rows.
TWO_ROWS = (
    b"20 20 m 280 20 l S 20 180 m 280 180 l S 20 20 m 20 180 l S 60 20 m 60 180 l S"
    b" 280 20 m 280 180 l S 60 100 m 280 100 l S"
    b" BT /F1 10 Tf 70 140 Td (a1) Tj ET BT /F1 10 Tf 70 60 Td (a2 7) Tj ET"
)


def test_vertical_writing_stays_in_its_merged_cell() -> None:
    # As Word writes it: font size 240 scaled by 0.05 (pdfium's loose box for vertical
    # writing is then 240 points wide and would reach into the next column).
    text = b" BT /F2 240 Tf 0.05 0 0 0.05 34 170 Tm <4E0930014E94> Tj ET"
    doc = read_pdf(_minimal_pdf(TWO_ROWS + text, fonts={b"F2": VERTICAL_FONT}))
    assert _rows(doc) == [
        [("三\n、\n五", "page 1 table 1 row 1 cell 1"), ("a1", "page 1 table 1 row 1 cell 2")],
        [("", "page 1 table 1 row 2 cell 1"), ("a2 7", "page 1 table 1 row 2 cell 2")],
    ]


@pytest.mark.parametrize("rotate", [0, 90, 270])
def test_rotated_page_is_read_as_displayed(rotate: int) -> None:
    # /Rotate turns the grid: the cell spanning both rows becomes the first row, spanning
    # both columns (90) or the last one (270); the texts stay in their cells.
    doc = read_pdf(_minimal_pdf(TWO_ROWS, rotate=rotate))
    widths = [len(r.cells) for r in doc.items if isinstance(r, Row)]
    assert widths == {0: [2, 2], 90: [1, 2], 270: [2, 1]}[rotate]
    texts = sorted(
        "".join(c.text.split()) for r in doc.items if isinstance(r, Row) for c in r.cells
    )
    # Turned text reads along its own direction (pdfplumber's rules for non-upright text).
    assert [t for t in texts if t] == {0: ["a1", "a27"], 90: ["a1", "a27"], 270: ["1a", "72a"]}[
        rotate
    ]


def test_table_drawn_inside_a_form_xobject() -> None:
    # The grid and its texts drawn at half size by a form (as some exporters wrap a page),
    # placed by the page's own matrix: cells where the form puts them.
    form = (b"0.5 0 0 0.5 0 0", TWO_ROWS)
    doc = read_pdf(
        _minimal_pdf(
            b"q 1 0 0 1 100 50 cm /Fm1 Do Q", forms={b"Fm1": form}, mediabox=b"0 0 300 200"
        )
    )
    assert [[c.text for c in r.cells] for r in doc.items if isinstance(r, Row)] == [
        ["", "a1"],
        ["", "a2 7"],
    ]


# A clipping rectangle and path (n: not painted) and a filled shape with curved corners.
CLIP_AND_CURVES = (
    b"q 10 10 280 180 re W n"
    b" 15 15 m 15 185 l 285 185 l 285 15 l h W n"
    b" 30 30 m 30 60 40 70 70 70 c 90 70 l 100 70 110 60 110 30 c f Q "
)


def test_clipping_paths_and_curves_draw_no_cells() -> None:
    # Clipping paths are not painted; the curved shape's one straight side crosses no
    # edge: only the painted grid makes cells.
    doc = read_pdf(_minimal_pdf(CLIP_AND_CURVES + TWO_ROWS))
    assert [[c.text for c in r.cells] for r in doc.items if isinstance(r, Row)] == [
        ["", "a1"],
        ["", "a2 7"],
    ]


def test_characters_without_unicode_print_nothing() -> None:
    # Before: the texts of the characters after them shifted onto the wrong boxes
    # ("\ufffd中\x02\ufffd\ufffd文"), as pdfium's text skips what it cannot map.
    doc = read_pdf(_minimal_pdf(UTF32_TEXT, fonts={b"F2": UTF32_FONT}))
    assert [(i.text, i.source) for i in doc.items] == [
        ("中文", "page 1 line 1"),
        ("after", "page 1 line 2"),
    ]


def test_page_limit_is_one_clear_error() -> None:
    data = _minimal_pdf([b"BT /F1 10 Tf 20 100 Td (page %d) Tj ET" % n for n in (1, 2, 3)])
    assert [i.text for i in read_pdf(data, max_pages=3).items] == ["page 1", "page 2", "page 3"]
    with pytest.raises(ReadError, match="PDF has 3 pages, more than the limit of 2"):
        read_pdf(data, max_pages=2)


def test_300_pages_read_in_bounded_memory() -> None:
    """A city's report with annexes: the memory a 300-page PDF takes beyond a 30-page one
    is the Document itself, not the pages (each is closed once read)."""
    code = (
        "import resource, sys; from gxparse.readers.pdf import read_pdf;"
        "data = open(sys.argv[1], 'rb').read();"
        "doc = read_pdf(data); assert len(doc.items) >= int(sys.argv[2]);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    page = TWO_ROWS + b"".join(
        b" BT /F1 8 Tf %d %d Td (%d) Tj ET" % (70 + 20 * (k % 10), 30 + 6 * (k // 10), k)
        for k in range(100)
    )
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (30, 300):
            path = Path(tmp) / f"{n}.pdf"
            path.write_bytes(_minimal_pdf([page] * n))
            out = subprocess.run(
                [sys.executable, "-c", code, str(path), str(n)],
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )
            peaks[n] = int(out.stdout.strip()) / 1024  # MiB
    assert peaks[300] - peaks[30] < 40, peaks


def test_doubled_bold_characters_are_collapsed() -> None:
    # Fake bold: every glyph printed twice, the second copy shifted by a fraction of a point.
    text = b"BT /F1 12 Tf 20 150 Td (Total 12) Tj ET BT /F1 12 Tf 20.3 150 Td (Total 12) Tj ET"
    doc = read_pdf(_minimal_pdf(text))
    assert [(i.text, i.source) for i in doc.items] == [("Total 12", "page 1 line 1")]


def test_ruled_table_with_merged_cells_from_lines() -> None:
    # A 3x3 grid of lines where the first row's cell spans all columns and the first
    # column's cell spans the last two rows.
    lines = [
        b"20 20 m 280 20 l S",
        b"100 80 m 280 80 l S",  # no line across the merged first column
        b"20 140 m 280 140 l S",
        b"20 180 m 280 180 l S",
        b"20 20 m 20 180 l S",
        b"100 20 m 100 140 l S",  # no lines through the merged header
        b"190 20 m 190 140 l S",
        b"280 20 m 280 180 l S",
    ]
    words = [
        b"BT /F1 10 Tf 30 160 Td (Header) Tj ET",
        b"BT /F1 10 Tf 30 110 Td (Side) Tj ET",
        b"BT /F1 10 Tf 110 110 Td (a1) Tj ET",
        b"BT /F1 10 Tf 200 110 Td (b1) Tj ET",
        b"BT /F1 10 Tf 110 50 Td (a2) Tj ET",
        b"BT /F1 10 Tf 200 50 Td (b2) Tj ET",
    ]
    doc = read_pdf(_minimal_pdf(b"\n".join(lines + words)))
    rows = [[(c.text, c.source) for c in r.cells] for r in doc.items if isinstance(r, Row)]
    assert rows == [
        [("Header", "page 1 table 1 row 1 cell 1")],
        [
            ("Side", "page 1 table 1 row 2 cell 1"),
            ("a1", "page 1 table 1 row 2 cell 2"),
            ("b1", "page 1 table 1 row 2 cell 3"),
        ],
        [
            ("", "page 1 table 1 row 3 cell 1"),
            ("a2", "page 1 table 1 row 3 cell 2"),
            ("b2", "page 1 table 1 row 3 cell 3"),
        ],
    ]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("本 年 新 收", "本年新收"),
        ("2023 年", "2023 年"),
        ("（一） 予以公开", "（一）予以公开"),
        ("Total 12", "Total 12"),
    ],
)
def test_spaces_between_cjk_characters_are_removed(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_to_pdf_refuses_without_a_chinese_font(monkeypatch: pytest.MonkeyPatch) -> None:
    import gxparse.readers.office as office

    monkeypatch.setattr(office, "has_cjk_font", lambda: False)
    with pytest.raises(ReadError, match="fonts-wqy-microhei"):
        D.to_pdf(SPECS["2021"]())


def _cells(*texts: str | None) -> list[Cell | None]:
    return [None if t is None else Cell(t, "") for t in texts]


@pytest.mark.parametrize(
    ("prev", "new", "joined"),
    [
        pytest.param(
            ("", "（四）无", "1.本机关", "3", "0"),
            ("", "法提供", "不掌握", "", ""),
            True,
            id="label-cut",
        ),
        pytest.param(
            ("", "（四）无法提供", "1.本机关不掌握", "", ""),
            ("", "", "", "3", "0"),
            True,
            id="numbers-pushed",
        ),
        pytest.param(
            ("", "", "1.属于国家秘密", "3", "0"),
            ("", "", "2.其他法律", "", ""),
            False,
            id="enumerated",
        ),
        pytest.param(
            ("信息内容", "本年处理决定数量", None), ("行政许可", "12", None), False, id="label"
        ),
        pytest.param(("", "结果维持", "总计"), ("1", "2", "3"), False, id="header-then-values"),
        pytest.param(
            ("", "（一）予以公开", "3", "0"), ("", "部分", "1", "0"), False, id="numbers-both"
        ),
    ],
)
def test_row_split_over_a_page_break(prev: tuple, new: tuple, joined: bool) -> None:
    from gxparse.readers.pdf import _continues_row

    assert _continues_row(_cells(*prev), _cells(*new)) is joined


def test_text_shortcuts_agree_with_the_general_word_extraction() -> None:
    """Single characters, single lines and upright text take shortcuts through pdfplumber's
    word and line rules; on random characters they must give its general answer."""
    from gxparse.readers import pdf_layout as L

    rng = random.Random(5)
    for _ in range(400):
        chars = []
        for _ in range(rng.randint(1, 12)):
            x0 = rng.uniform(0, 60)
            top = rng.choice([10.0, 10.5, 12.9, 14.0, 30.0]) + rng.uniform(-0.5, 0.5)
            text = rng.choice(["a", "1", "中", " ", "ﬁ", "、"])
            chars.append(L.Char(text, x0, top, x0 + rng.uniform(2, 9), top + 10, True, 10.0))
        words = L._words_by_run(chars, L.TOLERANCE)
        lines = L.cluster(words, lambda w: w.top, L.TOLERANCE)
        general = "\n".join(" ".join(w.text for w in line) for line in lines)
        assert L.extract_text(chars) == general, chars
        assert L.extract_words(chars) == words


def test_smallest_cells_agree_with_a_plain_search() -> None:
    """The smallest-cell search runs on the grid of the crossings by index; on random
    crossings (each with its vertical and horizontal edges as bits) it finds the cells of
    pdfplumber's plain search, in the same order."""
    from gxparse.readers import pdf_layout as L

    def plain(crossings: dict[tuple[float, float], list[int]]) -> list[tuple]:
        def joined(a: tuple[float, float], b: tuple[float, float]) -> bool:
            side = 0 if a[0] == b[0] else 1  # same x: a vertical edge, else horizontal
            return bool(crossings[a][side] & crossings[b][side])

        points = sorted(crossings)
        out = []
        for i, pt in enumerate(points):
            below = [p for p in points[i + 1 :] if p[0] == pt[0]]
            right = [p for p in points[i + 1 :] if p[1] == pt[1]]
            cell = next(
                (
                    (pt[0], pt[1], r[0], b[1])
                    for b in below
                    if joined(pt, b)
                    for r in right
                    if joined(pt, r)
                    and (r[0], b[1]) in crossings
                    and joined((r[0], b[1]), r)
                    and joined((r[0], b[1]), b)
                ),
                None,
            )
            if cell is not None:
                out.append(cell)
        return out

    rng = random.Random(11)
    found = 0
    for _ in range(1500):
        xs = rng.sample([0.0, 10.0, 20.5, 30.0, 47.0, 60.0], rng.randint(1, 6))
        ys = rng.sample([0.0, 8.0, 16.0, 31.5, 40.0], rng.randint(1, 5))
        crossings = {
            (x, y): [rng.choice([1, 2, 3]), rng.choice([4, 8, 12])]
            for x in xs
            for y in ys
            if rng.random() < 0.8
        }
        cells = L._cells(crossings)
        assert cells == plain(crossings), crossings
        found += len(cells)
    assert found > 2000  # the grids held cells, not only empty searches


def test_pdfium_is_called_by_one_thread_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfium is not thread-safe, not even on different documents; a thread pool (or a
    Dask worker's threads) may read several PDFs at once. Every call into it holds the
    reader's lock, and the threads still read what each reads alone."""
    from concurrent.futures import ThreadPoolExecutor

    import pypdfium2 as pdfium

    from gxparse.readers import pdf as P
    from gxparse.readers import pdf_layout as L

    unlocked: list[str] = []

    def checked(owner: object, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            if not P._PDFIUM.locked():
                unlocked.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    for owner, name in [
        (pdfium, "PdfDocument"),
        (pdfium.PdfDocument, "get_page"),
        (pdfium.PdfDocument, "close"),
        (L, "page_chars"),
        (L, "page_edges"),
    ]:
        checked(owner, name)
    pdfs = [
        _minimal_pdf([TWO_ROWS + b" BT /F1 9 Tf 70 %d Td (n%d) Tj ET" % (30 + k, k)] * 20)
        for k in range(6)
    ]
    alone = [_rows(read_pdf(p)) for p in pdfs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(lambda p: _rows(read_pdf(p)), pdfs)) == alone
    assert unlocked == []


def test_doubled_characters_are_found_wherever_they_are() -> None:
    """The quick look for fake bold finds exactly the pairs of one text whose whole-point
    positions are equal or neighbours (then ``dedupe_chars`` decides), on random pages."""
    from gxparse.readers import pdf_layout as L
    from gxparse.readers.pdf import _has_doubled_chars

    def brute(chars: list[L.Char]) -> bool:
        return any(
            a.text == b.text
            and abs(int(a.x0) - int(b.x0)) <= 1
            and abs(int(a.top) - int(b.top)) <= 1
            for i, a in enumerate(chars)
            for b in chars[i + 1 :]
        )

    rng = random.Random(2)
    found = 0
    for _ in range(3000):
        chars = [
            L.Char(rng.choice("ab"), rng.uniform(-3, 9), rng.uniform(-3, 9), 0, 0, True, 1)
            for _ in range(rng.randint(0, 6))
        ]
        assert _has_doubled_chars(chars) == brute(chars), chars
        found += brute(chars)
    assert 200 < found < 2800  # both answers were tried often


@pytest.mark.parametrize(
    ("text", "page", "furniture"),
    [
        ("3", 3, True),
        ("2", 3, True),  # a cover left unnumbered
        ("- 3 -", 7, True),
        ("第3页", 9, True),
        ("124", 1, False),  # a one-cell-per-line value at the page's foot
        ("0", 1, False),
        ("7", 3, False),
    ],
)
def test_a_bare_number_at_the_page_edge_is_a_page_number_only_if_it_is_this_pages(
    text: str, page: int, furniture: bool
) -> None:
    from gxparse.readers.pdf import is_page_number

    assert is_page_number(text, page) is furniture
