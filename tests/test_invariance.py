"""Metamorphic tests: the same report in another layout gives the same cells.

Every seed, every text report in ../shared (the real and the wild ones; skipped when absent)
and generated reports are read clean and after each layout-only transformation of
:mod:`gxsynth.transforms`, alone and combined. Under a meaning-preserving one every
cell (status, value, raw after NFKC without whitespace) must be unchanged; under a lossy
one no cell may be reported with another number. benchmarks/invariance.py prints the same
comparison with the share of cells each lossy transformation keeps.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from gxsynth import LAYOUTS, NUMBERING_STYLES, random_spec, render
from gxsynth.compare import Readings, table_readings
from gxsynth.transforms import COMBINATIONS, LOSSY, PRESERVING, combine

from gxparse.parsing.parse import parse_bytes, parse_file
from gxparse.readers.office import find_soffice, has_cjk_font

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GENERATED = 8

# Known misses, each a strict xfail so that a fix is noticed: none now.
KNOWN: set[tuple[str, str]] = set()


def _files() -> list[str]:
    names = [f"seed/{p.name}" for p in sorted((ROOT / "data/raw").glob("*.txt"))]
    for folder in ("real-reports", "wild-reports"):
        names += [f"{folder}/{p.name}" for p in sorted((SHARED / folder).glob("*.txt"))]
    return names + [f"generated/{i}" for i in range(GENERATED)]


@cache
def _text(name: str) -> str:
    folder, _, file = name.partition("/")
    if folder == "seed":
        return (ROOT / "data/raw" / file).read_text(encoding="utf-8-sig")
    if folder == "generated":
        i = int(file)
        rng = random.Random(i)
        spec = random_spec(rng, template=("2019", "2021")[i % 2])
        layout = sorted(LAYOUTS)[i % len(LAYOUTS)]
        return render(spec, layout, numbering=NUMBERING_STYLES[i % len(NUMBERING_STYLES)])
    return (SHARED / folder / file).read_text(encoding="utf-8-sig")


def _read(text: str) -> Readings:
    return table_readings(parse_bytes(text.encode("utf-8"), "report.txt"))


@cache
def _clean(name: str) -> Readings:
    return _read(_text(name))


RUNS = [(n, (n,)) for n in PRESERVING] + [("+".join(c), c) for c in COMBINATIONS]


def _params(runs):
    out = []
    for label, names in runs:
        for f in _files():
            marks = (
                [pytest.mark.xfail(strict=True, reason="known")]
                if any((n, f) in KNOWN for n in names)
                else []
            )
            out.append(pytest.param(names, f, marks=marks, id=f"{label}-{f}"))
    return out


def test_the_corpus_has_what_the_tests_need() -> None:
    assert sum(f.startswith("seed/") for f in _files()) == 5
    # Every file with a complete table is read with cells (the comparisons are not vacuous).
    for f in _files():
        if f.startswith("wild-reports/"):
            continue  # cut-off excerpts: some hold no complete row
        assert any(v[0] == "reported" for v in _clean(f).values()), f


@pytest.mark.parametrize(("names", "name"), _params(RUNS))
def test_meaning_preserving_layout_changes_leave_every_cell(names, name) -> None:
    rng = random.Random(f"{names}:{name}")
    got = _read(combine(_text(name), names, rng))
    ref = _clean(name)
    assert {k: got.get(k) for k in ref if got.get(k) != ref[k]} == {}


@pytest.mark.parametrize(("names", "name"), _params([(n, (n,)) for n in LOSSY]))
def test_lossy_layout_changes_never_change_a_number(names, name) -> None:
    got = _read(combine(_text(name), names, random.Random(f"{names}:{name}")))
    ref = _clean(name)
    changed = {
        k: (ref[k], got[k])
        for k in ref
        if k in got
        and got[k][0] == "reported"
        and ref[k][0] in ("reported", "blank", "derived")
        and got[k][1] != ref[k][1]
    }
    assert changed == {}


def test_a_transformation_that_moves_a_number_is_caught() -> None:
    """The comparison can fail: swapping two printed numbers changes the cells."""
    text = _text("seed/000_6f1ea477f42cf686.txt")
    ref = _clean("seed/000_6f1ea477f42cf686.txt")
    reported = [k for k, v in ref.items() if v[0] == "reported" and v[1] not in (0.0, None)]
    assert reported
    swapped = text.replace("\t0\t", "\t7\t", 1)
    assert _read(swapped) != ref


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
@pytest.mark.parametrize("name", _files())
def test_the_same_text_in_another_encoding(name: str, encoding: str) -> None:
    """The encodings Chinese sites serve text in: every cell as read from UTF-8."""
    got = table_readings(parse_bytes(_text(name).encode(encoding), "report.txt"))
    assert got == _clean(name)


def _as_web_page(text: str) -> bytes:
    """The text as a site's web page prints it: each line its own paragraph."""
    import html

    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n") if line.strip())
    return (
        '<html><head><meta charset="utf-8"><title>年报</title></head>'
        f'<body><div class="article">{body}</div></body></html>'
    ).encode()


@pytest.mark.parametrize("name", [f for f in _files() if not f.startswith("generated/")])
def test_the_same_report_as_a_web_page_of_paragraphs(name: str) -> None:
    """Another format, same cells: the text read as HTML paragraphs. Lines holding only
    whitespace (a Word export's empty cell) have no paragraph of their own, so a cell may
    turn missing; no number may change."""
    ref = _clean(name)
    got = table_readings(parse_bytes(_as_web_page(_text(name)), "report.html"))
    changed = {
        k: (ref[k], got.get(k))
        for k in ref
        if ref[k][0] != "missing" and got.get(k, ("missing",))[0] != "missing" and got[k] != ref[k]
    }
    assert changed == {}
    kept = [k for k in ref if ref[k][0] == "reported" and got.get(k) == ref[k]]
    assert len(kept) >= 0.9 * sum(1 for v in ref.values() if v[0] == "reported")


_SOFFICE = find_soffice()
# Pages whose one-cell-per-line tables put a number at a page's foot once printed.
_PRINTED = (
    "wild-reports/002_xiashihaozhen2022.txt",
    "wild-reports/010_wangcang_lyj2019.txt",
    "wild-reports/016_xuwangzhen2025.txt",
    "seed/000_6f1ea477f42cf686.txt",
)


@pytest.mark.slow
@pytest.mark.skipif(
    _SOFFICE is None or not has_cjk_font(), reason="LibreOffice or a Chinese font missing"
)
@pytest.mark.parametrize(
    ("target", "suffix"), [("pdf", ".pdf"), ("docx:MS Word 2007 XML", ".docx")]
)
def test_the_same_web_page_printed_by_libreoffice(tmp_path: Path, target: str, suffix: str) -> None:
    """The web page of paragraphs as LibreOffice prints it to PDF or saves it as Word: the
    same reported cells. (In the PDF a number that falls at a page's foot is a cell, not
    the page's number.)"""
    names = [n for n in _PRINTED if n.startswith("seed/") or (SHARED / n).is_file()]
    for i, name in enumerate(names):
        (tmp_path / f"r{i}.html").write_bytes(_as_web_page(_text(name)))
    subprocess.run(
        [_SOFFICE, "--headless", "--convert-to", target, "--outdir", str(tmp_path)]
        + [str(tmp_path / f"r{i}.html") for i in range(len(names))],
        check=True,
        capture_output=True,
        timeout=240,
    )
    for i, name in enumerate(names):
        ref = _clean(name)
        got = table_readings(parse_file(tmp_path / f"r{i}{suffix}"))
        reported = {k: v[:2] for k, v in ref.items() if v[0] == "reported"}
        assert {k: got.get(k, ("missing", None))[:2] for k in reported} == reported, name


_CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)


def _web_pages_with_tables() -> dict[str, bytes]:
    """Web pages whose tables are real markup: generated ones of both templates, and the
    real h23 page (an article body only) when ../shared is present."""
    from gxsynth import documents

    pages = {
        f"generated-{t}": documents.to_html(random_spec(random.Random(7), template=t)).encode()
        for t in ("2019", "2021")
    }
    real = SHARED / "real-reports" / "h23_pingtan2024.html"
    if real.is_file():
        pages["h23"] = b'<html><head><meta charset="utf-8"></head><body>' + real.read_bytes()
    return pages


@pytest.mark.slow
@pytest.mark.skipif(_CHROMIUM is None, reason="headless Chromium is not installed")
def test_the_same_web_page_printed_by_chromium(tmp_path: Path) -> None:
    """A web page printed to PDF by headless Chromium, as sites make their PDFs: every cell
    (status and value) and the body and year are the same as read from the page."""
    pages = dict(_web_pages_with_tables())
    names = [n for n in _PRINTED if n.startswith("seed/") or (SHARED / n).is_file()]
    pages.update({f"paragraphs-{i}": _as_web_page(_text(n)) for i, n in enumerate(names)})
    for name, page in pages.items():
        src = tmp_path / f"{name}.html"
        src.write_bytes(page)
        pdf = tmp_path / f"{name}.pdf"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"]
        subprocess.run(
            [_CHROMIUM, *flags, f"--print-to-pdf={pdf}", src.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        ref, got = parse_file(src), parse_file(pdf)
        want = {k: v[:2] for k, v in table_readings(ref).items() if v[0] == "reported"}
        assert want, name
        cells = table_readings(got)
        assert {k: cells.get(k, ("missing", None))[:2] for k in want} == want, name
        for fact in ("agency", "year"):
            assert got.reports[fact].iloc[0] == ref.reports[fact].iloc[0], (name, fact)
