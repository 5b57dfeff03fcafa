"""Compare two PDF readers cell by cell: the reader at a git revision (``--ref``, default:
the commit the switch to pdfium started from, whose reader is built on pdfplumber) and the
one in the work tree (pdfium).

For every PDF of :mod:`pdf_corpus` (the real reports in ``../shared/real-reports``,
LibreOffice renderings of generated reports, rotated pages, hand-made PDFs) and the
hostile PDFs of the tests, both readers read the file and the whole parse runs on each
(:func:`gxparse.parsing.parse.parse_bytes`). Compared: the Document (every item's type, text and
source, every cell's text and source, the notes, or the error), and every row of the
seven parsed tables (value, status, raw, source, ...). Differences are printed, one
block per file; the exit code is 0 when there are none.

The old reader needs pdfplumber (``pip install pdfplumber==0.11.10`` once it is no
longer a dependency).

    .venv/bin/python benchmarks/compare_pdf_readers.py [--ref REV] [--out /tmp/gxparse-pdfs] [PDF ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pdf_corpus

from gxparse import readers
from gxparse.parsing.parse import TABLES, parse_bytes
from gxparse.readers.document import Document, Row

ROOT = Path(__file__).resolve().parents[1]
OLD_MODULE = "gxparse_reader_at_ref"
BEFORE_PDFIUM = "cf83ce1"  # the last commit whose PDF reader is built on pdfplumber


def load_old(ref: str) -> None:
    """Import the PDF reader as it is at ``ref`` under the name :data:`OLD_MODULE`."""
    src = subprocess.run(
        ["git", "show", f"{ref}:src/gxparse/readers/pdf.py"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader(OLD_MODULE, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[OLD_MODULE] = module
    exec(compile(src, f"{ref}:src/gxparse/readers/pdf.py", "exec"), module.__dict__)


def document_view(data: bytes, name: str) -> list[Any]:
    """What a reader made of a file: items (kind, text, source, cells), notes, or error."""
    try:
        doc: Document = readers.read_bytes(data, name)
    except Exception as exc:  # a ReadError, or a crash worth seeing
        return [("error", type(exc).__name__, str(exc))]
    out: list[Any] = []
    for item in doc.items:
        if isinstance(item, Row):
            out.append(("row", item.source, tuple((c.text, c.source) for c in item.cells)))
        else:
            out.append(("para", item.source, item.text))
    out.append(("notes", tuple(doc.notes)))
    return out


def tables_view(data: bytes, name: str) -> dict[str, list[tuple]]:
    tables = parse_bytes(data, name)
    out = {}
    for table in TABLES:
        rows = []
        for rec in tables.records(table):
            rows.append(tuple(sorted((k, repr(v)) for k, v in rec.items() if k != "parse_seconds")))
        out[table] = rows
    return out


def run(reader: str, data: bytes, name: str) -> tuple[list[Any], dict[str, list[tuple]], float]:
    readers.READERS["pdf"] = reader
    start = time.process_time()
    doc = document_view(data, name)
    seconds = time.process_time() - start
    return doc, tables_view(data, name), seconds


def diff(old: list[Any], new: list[Any], limit: int = 12) -> list[str]:
    import difflib

    lines = list(
        difflib.unified_diff(
            [repr(x) for x in old], [repr(x) for x in new], "old", "new", n=0, lineterm=""
        )
    )
    return lines[: limit * 2] + (["..."] if len(lines) > limit * 2 else [])


def hostile() -> dict[str, bytes]:
    """The hostile PDFs of the tests (image-only, encrypted, truncated, junk)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_hostile import encrypted_pdf, image_only_pdf

    return {
        "hostile-scan.pdf": image_only_pdf(),
        "hostile-locked.pdf": encrypted_pdf(),
        "hostile-cut.pdf": image_only_pdf()[:300],
        "hostile-junk.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 20,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default=BEFORE_PDFIUM)
    ap.add_argument("--out", type=Path, default=pdf_corpus.DEFAULT_OUT)
    ap.add_argument("pdfs", nargs="*", type=Path)
    args = ap.parse_args()
    if importlib.util.find_spec("pdfplumber") is None:
        print(
            f"the reader at {args.ref} needs pdfplumber: pip install pdfplumber==0.11.10",
            file=sys.stderr,
        )
        return 2
    load_old(args.ref)
    files = {p.name: p.read_bytes() for p in (args.pdfs or pdf_corpus.build(args.out))}
    if not args.pdfs:
        files.update(hostile())
    new_reader = readers.READERS["pdf"]
    differing = 0
    cells = 0
    t_old = t_new = 0.0
    for name, data in files.items():
        old_doc, old_tables, s_old = run(f"{OLD_MODULE}:read_pdf", data, name)
        new_doc, new_tables, s_new = run(new_reader, data, name)
        t_old += s_old
        t_new += s_new
        n_cells = sum(len(r[2]) for r in new_doc if r[0] == "row")
        cells += n_cells
        problems = []
        if old_doc != new_doc:
            problems += ["document:", *diff(old_doc, new_doc)]
        for table in TABLES:
            if old_tables[table] != new_tables[table]:
                problems += [f"table {table}:", *diff(old_tables[table], new_tables[table])]
        status = "DIFFERENT" if problems else "same"
        print(f"{name:<44} {status:<9} {n_cells:>5} cells  reader {s_old:6.3f} s → {s_new:6.3f} s")
        for line in problems:
            print("    " + line)
        differing += bool(problems)
    print(
        f"\n{len(files)} PDFs, {cells} table cells: {differing} differ; "
        f"reader CPU {t_old:.2f} s (at {args.ref}) → {t_new:.2f} s (work tree)"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
