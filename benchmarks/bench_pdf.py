"""PDF parsing time per report next to pdfplumber's own text and table extraction.

CPU seconds, best of ``--repeat`` interleaved rounds. For each PDF: the baseline is pdfplumber alone doing ``extract_text()`` and
``extract_tables()`` on every page; gxparse is timed three ways: the PDF reader alone
(bytes → Document), the parse (:func:`gxparse.parse.parse_file`: guard, reader, parts,
tables, prose figures) and the parse plus the checks (:func:`gxparse.read_report`). The
overhead is the parse over the baseline; target: at most +30 %.

PDFs: the real reports in ``../shared/real-reports`` when present, plus reports generated
from random specs (Word → PDF by LibreOffice, when installed).

    .venv/bin/python benchmarks/bench_pdf.py [--repeat 3] [--generated 3] [PDF ...]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

import gxparse
from gxparse.parse import parse_file
from gxparse.readers.pdf import read_pdf

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real-reports"
TARGET = 0.30


def baseline(data: bytes) -> None:
    """pdfplumber's own text and table extraction of every page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()


def best_of(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """The best CPU time of each function over ``repeat`` interleaved rounds (CPU time and
    interleaving keep other load on the machine from favouring one side)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - start)
    return best


def generated(n: int, folder: Path) -> list[Path]:
    from gxparse.readers.office import find_soffice, has_cjk_font
    from gxparse.synth.documents import to_pdf, with_blanks
    from gxparse.synth.model import random_spec

    if find_soffice() is None or not has_cjk_font() or n <= 0:
        return []
    out = []
    for i in range(n):
        spec = random_spec(random.Random(100 + i), "2021" if i % 2 == 0 else "2019")
        if i % 3 == 2:
            spec = with_blanks(spec, i)
        path = folder / f"generated_{i}.pdf"
        path.write_bytes(to_pdf(spec))
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--generated", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = list(args.pdfs) or sorted(REAL_DIR.glob("*.pdf"))
        paths += generated(args.generated, Path(tmp))
        if not paths:
            print("no PDFs to time", file=sys.stderr)
            return 1
        header = (
            f"{'report':<22}{'pages':>6}{'pdfplumber s':>14}{'reader s':>10}{'parse s':>10}"
            f"{'+checks s':>11}{'overhead':>10}"
        )
        print(header)
        print("-" * len(header))
        ratios, reader_ratios = [], []
        for path in paths:
            data = path.read_bytes()
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                pages = len(pdf.pages)
            gxparse.read_report(path)  # warm imports and caches
            base, reader, parse, checked = best_of(
                [
                    lambda data=data: baseline(data),
                    lambda data=data: read_pdf(data),
                    lambda path=path: parse_file(path),
                    lambda path=path: gxparse.read_report(path),
                ],
                args.repeat,
            )
            ratio = parse / base - 1
            ratios.append(ratio)
            reader_ratios.append(reader / base - 1)
            print(
                f"{path.stem[:21]:<22}{pages:>6}{base:>14.3f}{reader:>10.3f}{parse:>10.3f}"
                f"{checked:>11.3f}{ratio:>+10.0%}"
            )
        print(f"\nmedian overhead of the PDF reader alone: {statistics.median(reader_ratios):+.0%}")
        median = statistics.median(ratios)
        verdict = "ok" if median <= TARGET else "over target"
        print(
            f"\nmedian overhead of the parse over pdfplumber: {median:+.0%} (target ≤ +{TARGET:.0%}: {verdict})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
