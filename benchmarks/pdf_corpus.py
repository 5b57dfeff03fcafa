"""PDFs to compare and time the PDF reader on, written to a folder (cached by name).

The real reports in ``../shared/real-reports`` (when present), LibreOffice renderings of
generated reports (both templates, three seeds each, 9 pt / 14 pt with repeated headers /
16 pt centred, which move the page breaks and split rows over pages), a landscape
rendering, copies whose pages carry ``/Rotate`` 90, 180 and 270, a rendering of the HTML
version, and small hand-made PDFs (merged cells drawn with lines or rectangles, fake bold,
vertical writing, a form XObject, clipping paths and curves, unmapped codes). Renderings need
LibreOffice and a Chinese font; without them only the real and hand-made PDFs are made.

    .venv/bin/python benchmarks/pdf_corpus.py [--out /tmp/gxparse-pdfs]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # gxsynth

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = ROOT.parent / "shared" / "real-reports"
DEFAULT_OUT = Path("/tmp/gxparse-pdfs")


def _tests() -> ModuleType:
    """The PDF reader's tests, whose PDF maker and pieces of content are used here."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_readers_pdf

    return test_readers_pdf


def minimal_pdf(content: bytes, mediabox: str = "0 0 300 200") -> bytes:
    """A one-page PDF (Helvetica) with the given content stream."""
    return _tests()._minimal_pdf(content, mediabox.encode())


def vertical_pdf(placing: bytes) -> bytes:
    """A two-row table whose first cell, spanning both rows, holds vertical writing."""
    t = _tests()
    text = b" BT /F2 " + placing + b" <4E0930014E94> Tj ET"
    return t._minimal_pdf(t.TWO_ROWS + text, fonts={b"F2": t.VERTICAL_FONT})


MERGED_GRID = b"\n".join(
    [
        b"20 20 m 280 20 l S",
        b"100 80 m 280 80 l S",
        b"20 140 m 280 140 l S",
        b"20 180 m 280 180 l S",
        b"20 20 m 20 180 l S",
        b"100 20 m 100 140 l S",
        b"190 20 m 190 140 l S",
        b"280 20 m 280 180 l S",
        b"0.5 w 30 30 m 60 60 l S",  # a diagonal stroke: no edge
        b"BT /F1 10 Tf 30 160 Td (Header) Tj ET",
        b"BT /F1 10 Tf 30 110 Td (Side) Tj ET",
        b"BT /F1 10 Tf 110 110 Td (a1) Tj ET",
        b"BT /F1 10 Tf 200 110 Td (b1) Tj ET",
        b"BT /F1 10 Tf 110 50 Td (a2 12) Tj ET",
        b"BT /F1 10 Tf 200 50 Td (b2) Tj ET",
    ]
)
RECT_GRID = b"\n".join(
    [
        b"20 100 120 40 re S 140 100 120 40 re S 20 60 120 40 re f 140 60 120 40 re S",
        b"BT /F1 10 Tf 30 120 Td (left) Tj ET BT /F1 10 Tf 150 120 Td (right 7) Tj ET",
        b"BT /F1 10 Tf 30 80 Td (under) Tj ET BT /F1 10 Tf 150 80 Td (3) Tj ET",
        b"BT /F1 10 Tf 20 180 Td (Title above) Tj ET BT /F1 9 Tf 140 10 Td (- 1 -) Tj ET",
    ]
)
FAKE_BOLD = b"BT /F1 12 Tf 20 150 Td (Total 12) Tj ET BT /F1 12 Tf 20.3 150 Td (Total 12) Tj ET"


def _rotated(data: bytes, degrees: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            page.set_rotation(degrees)
            page.close()
        buf = io.BytesIO()
        pdf.save(buf)
        return buf.getvalue()
    finally:
        pdf.close()


def _landscape_docx(spec: object) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from gxsynth import documents as D

    document = docx.Document(io.BytesIO(D.to_docx(spec)))  # type: ignore[arg-type]
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def rendered() -> dict[str, Callable[[], bytes]]:
    """Name → maker of each LibreOffice rendering of a generated report."""
    from gxsynth import documents as D
    from gxsynth.model import random_spec

    from gxparse.readers.office import convert_with_soffice

    out: dict[str, Callable[[], bytes]] = {}
    for template in ("2021", "2019"):
        for seed in (1, 2, 3):

            def spec(t: str = template, s: int = seed) -> object:
                return random_spec(random.Random(s), t)

            key = f"gen{template}-s{seed}"
            out[f"{key}-9pt.pdf"] = lambda sp=spec: D.to_pdf(sp())
            out[f"{key}-14pt-headers.pdf"] = lambda sp=spec: D.to_pdf(
                sp(), font_pt=14, centre=True, repeat_header=True
            )
            out[f"{key}-16pt-centre.pdf"] = lambda sp=spec: D.to_pdf(sp(), font_pt=16, centre=True)
    spec21 = random_spec(random.Random(3), "2021")
    out["gen2021-blanks.pdf"] = lambda: D.to_pdf(D.with_blanks(spec21, 3))
    out["gen2021-landscape.pdf"] = lambda: convert_with_soffice(
        _landscape_docx(spec21), ".docx", "pdf"
    )
    out["gen2021-from-html.pdf"] = lambda: convert_with_soffice(
        D.to_html(spec21).encode(), ".html", "pdf:writer_web_pdf_Export"
    )
    return out


def build(out: Path) -> list[Path]:
    """Write every PDF that can be made here to ``out`` (kept when already there)."""
    from gxparse.readers.office import find_soffice, has_cjk_font

    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    if REAL_DIR.is_dir():
        for path in sorted(REAL_DIR.glob("*.pdf")):
            made.append(path)
    small = {
        "hand-merged-lines.pdf": lambda: minimal_pdf(MERGED_GRID),
        "hand-rect-cells.pdf": lambda: minimal_pdf(RECT_GRID),
        "hand-fake-bold.pdf": lambda: minimal_pdf(FAKE_BOLD),
        "hand-rect-cells-offset-box.pdf": lambda: minimal_pdf(RECT_GRID, "10 -5 310 195"),
        "hand-vertical-writing.pdf": lambda: vertical_pdf(b"240 Tf 0.05 0 0 0.05 34 170 Tm"),
        "hand-vertical-writing-unscaled.pdf": lambda: vertical_pdf(b"12 Tf 34 170 Td"),
        "hand-unmapped-codes.pdf": lambda: _tests()._minimal_pdf(
            _tests().UTF32_TEXT, fonts={b"F2": _tests().UTF32_FONT}
        ),
        "hand-form-xobject.pdf": lambda: _tests()._minimal_pdf(
            b"q 1 0 0 1 100 50 cm /Fm1 Do Q",
            forms={b"Fm1": (b"0.5 0 0 0.5 0 0", _tests().TWO_ROWS)},
        ),
        "hand-clip-and-curves.pdf": lambda: _tests()._minimal_pdf(
            _tests().CLIP_AND_CURVES + _tests().TWO_ROWS
        ),
    }
    makers: dict[str, Callable[[], bytes]] = dict(small)
    if find_soffice() is not None and has_cjk_font():
        makers.update(rendered())
    for name, make in makers.items():
        path = out / name
        if not path.exists():
            path.write_bytes(make())
        made.append(path)
    for name in ("gen2021-s3-9pt.pdf", "hand-rect-cells.pdf"):
        base = out / name
        for degrees in (90, 180, 270):
            path = out / name.replace(".pdf", f"-rotate{degrees}.pdf")
            if base.exists() and not path.exists():
                path.write_bytes(_rotated(base.read_bytes(), degrees))
            if path.exists():
                made.append(path)
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
