"""End to end: the same reports as Word, PDF, web page, spreadsheet and text in GB18030 and
UTF-16 parse to exactly the values printed (status ``reported`` where a number is printed,
``blank`` where the cell is empty), and the real published HTML and PDF reports parse."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from gxsynth import documents as D
from gxsynth.model import ReportSpec, random_spec
from gxsynth.text import tab_rows

import gxparse
from gxparse.readers.office import find_soffice, has_cjk_font

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real-reports"

SPECS: dict[str, Callable[[], ReportSpec]] = {
    "2021": lambda: random_spec(random.Random(31), "2021"),
    "2019": lambda: random_spec(random.Random(32), "2019"),
    "2021-blanks": lambda: D.with_blanks(random_spec(random.Random(33), "2021"), 33),
    "2019-blanks": lambda: D.with_blanks(random_spec(random.Random(34), "2019"), 34),
    "2021-large": lambda: random_spec(random.Random(7), "2021", agency="淮安市人民政府"),
}

RENDER: dict[str, tuple[str, Callable[[ReportSpec], bytes]]] = {
    "docx": (".docx", D.to_docx),
    "html": (".html", lambda s: D.to_html(s).encode("utf-8")),
    "html-gb2312": (".htm", lambda s: D.to_html(s, charset="gb2312").encode("gb18030")),
    "xlsx": (".xlsx", D.to_xlsx),
    "pdf": (".pdf", D.to_pdf),
    # Larger type, cells centred vertically: table rows split over page breaks.
    "pdf-16pt": (".pdf", lambda s: D.to_pdf(s, font_pt=16, centre=True)),
    # ... and the column headers repeated at the top of every page.
    "pdf-14pt-headers": (
        ".pdf",
        lambda s: D.to_pdf(s, font_pt=14, centre=True, repeat_header=True),
    ),
    # Text: tab-separated rows. An empty cell is printed as a dash there, because a row
    # like "一、本年新收…\t\t\t5" cannot say whether its empty cells are merged label
    # cells or empty numbers (the parser then honestly reports missing).
    "txt-gb18030": (".txt", lambda s: tab_rows(s, blank="—").encode("gb18030")),
    "txt-utf16": (".txt", lambda s: tab_rows(s, blank="—").encode("utf-16")),
}
SOURCE_FORMAT = {
    "pdf-16pt": "pdf",
    "pdf-14pt-headers": "pdf",
    "html-gb2312": "html",
    "txt-gb18030": "txt",
    "txt-utf16": "txt",
}

CELLS = {
    "disclosure": ("disclosure", ("item", "measure")),
    "applications": ("applications", ("row", "applicant")),
    "appeals": ("appeals", ("proceeding", "result")),
}


def mismatches(spec: ReportSpec, report: gxparse.Corpus, fmt: str) -> list[str]:
    """Every cell whose status, value or raw text differs from what the spec printed."""
    out = []
    for table, (attr, keys) in CELLS.items():
        df = getattr(report, table)
        got = {tuple(r[k] for k in keys): r for _, r in df.iterrows()}
        printed: dict = getattr(spec, attr)
        for key, text in printed.items():
            row = got.get(key)
            if row is None:
                out.append(f"{table} {key}: absent")
                continue
            if text is None:
                if row["status"] != "blank" or not pd.isna(row["value"]):
                    out.append(f"{table} {key}: {row['status']} {row['value']!r}, printed empty")
                continue
            value = row["value"]
            if (
                row["status"] != "reported"
                or pd.isna(value)
                or Decimal(str(value)) != Decimal(text)
            ):
                out.append(f"{table} {key}: {row['status']} {value!r}, printed {text!r}")
            elif fmt != "xlsx" and str(row["raw"]).strip() != text:
                out.append(f"{table} {key}: raw {row['raw']!r}, printed {text!r}")
    return out


@pytest.mark.parametrize("fmt", list(RENDER))
@pytest.mark.parametrize("name", list(SPECS))
def test_every_format_parses_to_the_printed_values(name: str, fmt: str, tmp_path: Path) -> None:
    if fmt.startswith("pdf") and (find_soffice() is None or not has_cjk_font()):
        pytest.skip("LibreOffice or a Chinese font (fonts-wqy-microhei) not installed")
    if fmt.startswith("pdf") and name.endswith("large"):
        pytest.skip("one PDF per template and blank pattern is enough")
    spec = SPECS[name]()
    suffix, render = RENDER[fmt]
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(render(spec))
    report = gxparse.read_report(path)
    meta = report.reports.iloc[0]
    assert meta["parse_status"] == "ok", (meta["error"], report.findings.to_string())
    assert meta["source_format"] == SOURCE_FORMAT.get(fmt, fmt)
    assert meta["template"] == spec.template
    assert int(meta["year"]) == spec.year
    assert meta["n_unplaced"] == 0
    assert mismatches(spec, report, fmt) == []


def _real(name: str) -> Path:
    path = REAL_DIR / name
    if not path.is_file():
        pytest.skip(f"real report not available: {path}")
    return path


REAL = {
    "h23_pingtan2024.html": (r"^table \d+ row \d+ cell \d+$", "html"),
    "h02_hongze2023.pdf": (r"^page \d+ table \d+ row \d+ cell \d+$", "pdf"),
    "h03_hongze2024.pdf": (r"^page \d+ table \d+ row \d+ cell \d+$", "pdf"),
    "h04_huaian2024.pdf": (r"^page \d+ table \d+ row \d+ cell \d+$", "pdf"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REAL))
def test_real_reports_parse(name: str) -> None:
    pattern, fmt = REAL[name]
    report = gxparse.read_report(_real(name))
    meta = report.reports.iloc[0]
    assert meta["parse_status"] == "ok"
    assert meta["source_format"] == fmt
    assert meta["template"] == "2021"
    assert meta["n_unplaced"] == 0
    for table in CELLS:
        df = report.__getattribute__(table)
        reported = df[df["status"] == "reported"]
        assert len(reported) >= 0.85 * len(df)
        assert reported["source"].str.match(pattern).all()


def _via_libreoffice(kind: str) -> Callable[[ReportSpec], bytes]:
    from gxparse.readers.office import convert_with_soffice

    def render(spec: ReportSpec) -> bytes:
        if kind == "docx":  # Word → ODF → Word: the DOCX as LibreOffice writes it
            odt = convert_with_soffice(D.to_docx(spec), ".docx", "odt")
            return convert_with_soffice(odt, ".odt", "docx")
        if kind == "html":  # Word → web page as LibreOffice saves it
            return convert_with_soffice(D.to_docx(spec), ".docx", "html")
        # web page → PDF: tables drawn by LibreOffice's HTML layout
        return convert_with_soffice(D.to_html(spec).encode(), ".html", "pdf:writer_web_pdf_Export")

    return render


OTHER_TOOLS = {
    "docx-libreoffice": (".docx", "docx", _via_libreoffice("docx")),
    "html-libreoffice": (".html", "html", _via_libreoffice("html")),
    "pdf-from-html": (".pdf", "pdf", _via_libreoffice("pdf")),
}


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
@pytest.mark.parametrize("fmt", list(OTHER_TOOLS))
@pytest.mark.parametrize("name", ["2021-blanks", "2019"])
def test_renderings_by_other_tools(name: str, fmt: str, tmp_path: Path) -> None:
    """The same reports as another tool writes them parse to the same values."""
    if fmt.startswith("pdf") and not has_cjk_font():
        pytest.skip("no Chinese font (fonts-wqy-microhei) for LibreOffice's PDF export")
    spec = SPECS[name]()
    suffix, source_format, render = OTHER_TOOLS[fmt]
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(render(spec))
    report = gxparse.read_report(path)
    meta = report.reports.iloc[0]
    assert meta["parse_status"] == "ok", meta["error"]
    assert meta["source_format"] == source_format
    assert mismatches(spec, report, fmt) == []


def test_a_batch_of_good_and_broken_documents_goes_on(tmp_path: Path) -> None:
    """Each broken document fails alone with its reason; the others parse."""
    import io
    import zipfile

    from PIL import Image

    spec = SPECS["2021"]()
    docx = D.to_docx(spec)
    files = {
        "good_word.docx": docx,
        "good_page.html": D.to_html(spec).encode(),
        "good_sheet.xlsx": D.to_xlsx(spec),
        "cut.docx": docx[: len(docx) // 2],
        "cut.xlsx": D.to_xlsx(spec)[:-300],
        "fake.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 8,
    }
    scan = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(scan, "PDF")
    files["scan.pdf"] = scan.getvalue()
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("word/media/pad.bin", b"\0" * (40 * 1024 * 1024))
    files["bomb.docx"] = bomb.getvalue()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    corpus = gxparse.read_reports(sorted(tmp_path.iterdir()))
    status = dict(zip(corpus.reports["source_file"], corpus.reports["parse_status"], strict=True))
    errors = dict(zip(corpus.reports["source_file"], corpus.reports["error"], strict=True))
    good = ("good_word.docx", "good_page.html", "good_sheet.xlsx")
    assert {n: status[n] for n in good} == dict.fromkeys(good, "ok")
    expected = {
        "cut.docx": "truncated",
        "cut.xlsx": "truncated",
        "fake.pdf": "damaged or truncated PDF",
        "scan.pdf": "no text layer",
        "bomb.docx": "zip bomb",
    }
    for name, reason in expected.items():
        assert status[name] == "failed", name
        assert name in errors[name] and reason in errors[name], errors[name]
    assert set(corpus.applications["report_id"]) == {"good_word", "good_page", "good_sheet"}
