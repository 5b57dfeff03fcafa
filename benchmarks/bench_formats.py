"""Parse cost per format next to that format's floor, and what 10,000 reports cost.

For each format the script times, in the same run and on the same files, gxparse's
:func:`gxparse.parsing.parse.parse_file` and the format's floor, the bare extraction any reader
has to do:

- PDF: pdfium opens the file and takes every page's text (``pypdfium2``);
- web page: lxml parses the HTML and takes its text;
- Word: unzip and parse ``word/document.xml`` with lxml;
- text: decode the bytes (UTF-8, else GB18030) and split the lines.

CPU time (``time.process_time``), the median of ``--repeat`` interleaved rounds per file.
The ratio of a format is the median over its files of parse ÷ floor. Targets (issue 19):
PDF ≤ 4×, web page ≤ 10×, Word ≤ 10×; the script prints and never fails.

Files: the real reports in ``../shared/real-reports`` (PDF, web page, text) when present,
and generated reports (:mod:`gxsynth`, both templates) rendered as PDF (LibreOffice
with a Chinese font, when installed), web page, Word and text.

The projection: 10,000 reports mixed as collections are (40% PDF, 40% web pages, 10% Word,
10% text), each format at its mean parse time here, on one core and on all cores
(``os.cpu_count()``, perfect sharing: the pool's overhead is left out).

    .venv/bin/python benchmarks/bench_formats.py [--repeat 5] [--seeds 3] [--pdf-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The web page and Word floors are compare_readers.py's (this folder is on the path when
# the script runs), so the two benchmarks measure the same bare extraction.
from compare_readers import docx_floor, html_floor

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # gxsynth

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real-reports"
MIX = {"pdf": 0.4, "html": 0.4, "docx": 0.1, "txt": 0.1}
TARGETS = {"pdf": 4.0, "html": 10.0, "docx": 10.0}
N_REPORTS = 10_000


def pdf_floor(data: bytes) -> None:
    """pdfium opens the PDF and takes each page's text."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()


def txt_floor(data: bytes) -> None:
    """Decode the bytes and split the lines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    text.splitlines()


FLOORS: dict[str, Callable[[bytes], None]] = {
    "pdf": pdf_floor,
    "html": html_floor,
    "docx": docx_floor,
    "txt": txt_floor,
}
SUFFIX_FORMAT = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx", ".txt": "txt"}


def files(folder: Path, seeds: int, pdf_dir: Path | None) -> list[tuple[str, Path]]:
    """(format, path) of every file to time: real reports, then generated ones written to
    ``folder`` (PDFs taken from ``pdf_dir`` when given, else rendered here)."""
    from gxsynth import documents as D
    from gxsynth import text as S
    from gxsynth.model import random_spec

    from gxparse.readers.office import find_soffice, has_cjk_font

    out: list[tuple[str, Path]] = []
    if REAL_DIR.is_dir():
        for path in sorted(REAL_DIR.iterdir()):
            fmt = SUFFIX_FORMAT.get(path.suffix.lower())
            if fmt:
                out.append((fmt, path))
    can_pdf = find_soffice() is not None and has_cjk_font()
    for i in range(seeds):
        template = "2021" if i % 2 == 0 else "2019"
        spec = random_spec(random.Random(100 + i), template)
        stem = folder / f"generated_{template}_{i}"
        made = {
            ".html": D.to_html(spec).encode(),
            ".docx": D.to_docx(spec),
            ".txt": S.render(spec).encode(),
        }
        for suffix, data in made.items():
            path = stem.with_suffix(suffix)
            path.write_bytes(data)
            out.append((SUFFIX_FORMAT[suffix], path))
        if pdf_dir is None and can_pdf:
            path = stem.with_suffix(".pdf")
            path.write_bytes(D.to_pdf(spec))
            out.append(("pdf", path))
    if pdf_dir is not None:
        out += [("pdf", p) for p in sorted(pdf_dir.glob("*.pdf")) if not p.name.startswith("hand")]
    return out


def cpu(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """The median CPU time of each function over ``repeat`` interleaved rounds."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.process_time()
            fn()
            times[i].append(time.process_time() - start)
    return [statistics.median(t) for t in times]


def main(argv: list[str] | None = None) -> int:
    from gxparse.parsing.parse import parse_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3, help="generated reports per format")
    ap.add_argument("--pdf-dir", type=Path, help="take the generated PDFs from here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        todo = files(Path(tmp), args.seeds, args.pdf_dir)
        if not todo:
            print("no files to time", file=sys.stderr)
            return 1
        header = f"{'file':<36}{'format':>7}{'floor ms':>10}{'parse ms':>10}{'ratio':>8}"
        print(header)
        print("-" * len(header))
        ratios: dict[str, list[float]] = {}
        parse_s: dict[str, list[float]] = {}
        floor_s: dict[str, list[float]] = {}
        for fmt, path in todo:
            data = path.read_bytes()
            floor = FLOORS[fmt]
            parse_file(path)  # warm imports and caches
            t_floor, t_parse = cpu(
                [lambda d=data, f=floor: f(d), lambda p=path: parse_file(p)], args.repeat
            )
            ratio = t_parse / t_floor if t_floor > 0 else float("inf")
            ratios.setdefault(fmt, []).append(ratio)
            parse_s.setdefault(fmt, []).append(t_parse)
            floor_s.setdefault(fmt, []).append(t_floor)
            print(
                f"{path.name[:35]:<36}{fmt:>7}{t_floor * 1e3:>10.2f}{t_parse * 1e3:>10.2f}"
                f"{ratio:>7.1f}×"
            )
        print(f"\n{'format':<8}{'files':>6}{'floor ms':>10}{'parse ms':>10}{'ratio':>8}  target")
        for fmt in FLOORS:
            if fmt not in ratios:
                print(f"{fmt:<8}{0:>6}  (no files)")
                continue
            median = statistics.median(ratios[fmt])
            target = TARGETS.get(fmt)
            verdict = (
                ""
                if target is None
                else f"≤ {target:g}×: " + ("met" if median <= target else "NOT met")
            )
            print(
                f"{fmt:<8}{len(ratios[fmt]):>6}{statistics.median(floor_s[fmt]) * 1e3:>10.2f}"
                f"{statistics.median(parse_s[fmt]) * 1e3:>10.2f}{median:>7.1f}×  {verdict}"
            )
        known = {fmt: statistics.mean(parse_s[fmt]) for fmt in MIX if fmt in parse_s}
        if set(known) == set(MIX):
            one_core = sum(N_REPORTS * share * known[fmt] for fmt, share in MIX.items())
            cores = os.cpu_count() or 1
            parts = ", ".join(
                f"{fmt} {N_REPORTS * share * known[fmt] / one_core:.0%}"
                for fmt, share in MIX.items()
            )
            print(
                f"\n{N_REPORTS:,} reports (40% PDF, 40% web pages, 10% Word, 10% text): "
                f"{one_core / 60:.1f} min on one core, {one_core / cores / 60:.1f} min on "
                f"{cores} cores ({parts})"
            )
        else:
            print("\nno projection: a format has no files here")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
