"""The web-page and Word readers before and after the switch to lxml, cell by cell, and
what each costs next to its format's floor.

The old readers (BeautifulSoup for web pages, python-docx for Word) are loaded from a git
revision (``--old``, default: the commit the switch started from) beside the installed
ones. Every HTML/MHT/DOCX file below is read by both; the script prints each file whose
Document (every paragraph and cell: text, source, table) or parsed tables (every row of
every table: value, status, raw, source) differ, with both answers. The old web-page reader
needs beautifulsoup4, no longer a dependency (``pip install beautifulsoup4==4.15.0``):
without it only the Word files are compared.

Files: the web pages in ``../shared/real-reports``; the real and wild text reports there
rendered as a web page and a Word document (a paragraph per line, tab-separated lines as
table rows); generated reports (:mod:`gxsynth`) in the official layout (both
templates, merged headers, blanks, GBK pages, Word variants) and in every text layout
rendered the same way; the hostile files of ``tests/test_hostile.py`` that are web pages
or Word documents.

Cost: the median over files of the parse's CPU time (:func:`gxparse.parsing.parse.parse_bytes`,
what ``parse_file`` runs) divided by the floor's, measured in the same run; the floor of a
web page is lxml's parse plus its text (:func:`html_floor`), of a Word document unzipping
and parsing ``word/document.xml`` (:func:`docx_floor`). Targets: at most 10× each.
``benchmarks/bench_formats.py`` can import :func:`html_floor`, :func:`docx_floor` and
:func:`sample_files`.

    .venv/bin/python benchmarks/compare_readers.py [--old REV] [--repeat 5] [--seeds 6]
"""

from __future__ import annotations

import argparse
import html
import importlib
import io
import random
import statistics
import subprocess
import sys
import time
import types
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # gxsynth

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# The last commit with the BeautifulSoup and python-docx readers.
OLD_REVISION = "cf83ce1"
TARGET = 10.0
_FORMATS = ("html", "mht", "docx")
_SUFFIXES = (".html", ".htm", ".mht", ".mhtml", ".docx")


# ---------------------------------------------------------------------------------------
# Floors
# ---------------------------------------------------------------------------------------
def html_floor(data: bytes) -> None:
    """The bare extraction of a web page: lxml's HTML parse and the page's text."""
    from lxml import etree

    root = etree.HTML(data)
    if root is not None:
        "".join(root.itertext())


def docx_floor(data: bytes) -> None:
    """The bare extraction of a Word document: unzip and parse ``word/document.xml``."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        etree.fromstring(zf.read("word/document.xml"))


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------
def _page(lines: list[str], charset: str = "utf-8") -> str:
    """A text report as a saved web page: a paragraph per line, runs of tab-separated
    lines as a table."""
    out: list[str] = []
    rows: list[str] = []

    def close() -> None:
        if rows:
            out.append('<table border="1">' + "".join(rows) + "</table>")
            rows.clear()

    for line in lines:
        if "\t" in line:
            cells = "".join(f"<td>{html.escape(c)}</td>" for c in line.split("\t"))
            rows.append(f"<tr>{cells}</tr>")
        else:
            close()
            out.append(f"<p>{html.escape(line)}</p>")
    close()
    body = "\n".join(out)
    return (
        f'<html><head><meta charset="{charset}"><title>报告</title></head><body>'
        f'<div class="nav"><a href="/">首页</a></div><div class="content">{body}</div>'
        "</body></html>"
    )


def _archive(page: str) -> bytes:
    """A web page saved as a web archive (.mht), its HTML part in GB18030."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    archive = MIMEMultipart("related")
    archive.attach(MIMEText(page, "html", "gb18030"))
    return archive.as_bytes()


def _word(lines: list[str]) -> bytes:
    """A text report as a Word document: a paragraph per line, runs of tab-separated
    lines as a table (as wide as its widest row)."""
    import docx

    document = docx.Document()
    block: list[list[str]] = []

    def close() -> None:
        if block:
            width = max(len(r) for r in block)
            table = document.add_table(rows=len(block), cols=width)
            for r, cells in enumerate(block):
                for c, text in enumerate(cells):
                    table.cell(r, c).text = text
            block.clear()

    for line in lines:
        if "\t" in line:
            block.append(line.split("\t"))
        else:
            close()
            document.add_paragraph(line)
    close()
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _text_reports() -> Iterator[tuple[str, str]]:
    for folder in ("real-reports", "wild-reports"):
        for path in sorted((SHARED / folder).glob("*.txt")):
            from gxparse.readers.decode import decode_bytes

            yield f"{folder}/{path.stem}", decode_bytes(path.read_bytes())[0]


def sample_files(seeds: int = 6, hostile: bool = True) -> Iterator[tuple[str, str, bytes]]:
    """(group, name with extension, bytes) of every web page and Word document this
    script compares. Groups: ``real`` (pages as published), ``generated`` (generated
    reports in the official layout), ``text layout`` (real and generated text reports
    rendered a paragraph per line), ``hostile``."""
    from gxsynth import LAYOUTS, render
    from gxsynth import documents as D
    from gxsynth.model import random_spec

    for path in sorted((SHARED / "real-reports").glob("*")):
        if path.suffix.lower() in _SUFFIXES:
            yield "real", f"real/{path.name}", path.read_bytes()
    for name, text in _text_reports():
        lines = text.split("\n")
        yield "text layout", f"{name}.html", _page(lines).encode("utf-8")
        yield "text layout", f"{name}.docx", _word(lines)
    for seed in range(seeds):
        for template in ("2019", "2021"):
            spec = random_spec(random.Random(seed), template)
            if seed % 2:
                spec = D.with_blanks(spec, seed)
            tag = f"synth/{template}-{seed}"
            yield "generated", f"{tag}.html", D.to_html(spec).encode("utf-8")
            yield "generated", f"{tag}-gbk.html", D.to_html(spec, charset="gbk").encode("gb18030")
            yield "generated", f"{tag}.mht", _archive(D.to_html(spec, charset="gb2312"))
            yield "generated", f"{tag}.docx", D.to_docx(spec)
            yield (
                "generated",
                f"{tag}-big-centre-header.docx",
                D.to_docx(spec, font_pt=12, centre=True, repeat_header=True),
            )
            layout = sorted(LAYOUTS)[seed % len(LAYOUTS)]
            lines = render(spec, layout).split("\n")
            yield "text layout", f"{tag}-{layout}.html", _page(lines).encode("utf-8")
            yield "text layout", f"{tag}-{layout}.docx", _word(lines)
    if hostile:
        yield from _hostile_files()


def _hostile_files() -> Iterator[tuple[str, str, bytes]]:
    from gxparse.readers import detect_format
    from gxparse.readers.document import ReadError

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import test_hostile
    except ImportError:  # pytest not installed
        return
    finally:
        sys.path.pop(0)
    for case in test_hostile.CASES:
        data = case.make()
        data = data.encode("utf-8") if isinstance(data, str) else data
        try:
            fmt = detect_format(data, case.filename)
        except ReadError:
            fmt = None
        if fmt in _FORMATS or Path(case.filename).suffix in _SUFFIXES:
            yield "hostile", f"hostile/{case.filename}", data


# ---------------------------------------------------------------------------------------
# Old and new readers
# ---------------------------------------------------------------------------------------
def load_old(revision: str) -> dict[str, str]:
    """Load the readers of ``revision`` as modules; return the READERS entries naming
    them (only those whose libraries are installed)."""
    entries = {}
    for fmt, module in (("html", "html"), ("docx", "docx")):
        need = "bs4" if fmt == "html" else "docx"
        if importlib.util.find_spec(need) is None:
            print(f"({need} is not installed: the old {fmt} reader is not compared)")
            continue
        source = subprocess.run(
            ["git", "show", f"{revision}:src/gxparse/readers/{module}.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        name = f"_old_{module}_reader"
        mod = types.ModuleType(name)
        sys.modules[name] = mod
        exec(compile(source, f"{revision}:src/gxparse/readers/{module}.py", "exec"), mod.__dict__)
        if fmt == "html":
            entries["html"] = f"{name}:read_html"
            entries["mht"] = f"{name}:read_mht"
        else:
            entries["docx"] = f"{name}:read_docx"
    return entries


def _document(data: bytes, name: str) -> object:
    from gxparse.readers import read_bytes
    from gxparse.readers.document import ReadError

    try:
        doc = read_bytes(data, name)
    except ReadError as exc:
        return ("ReadError", str(exc))
    except RecursionError:
        return ("RecursionError",)
    items = [
        (type(i).__name__, i.source, getattr(i, "table", None), _item_text(i)) for i in doc.items
    ]
    return (items, doc.text, doc.encoding, doc.source_format, doc.notes)


def _item_text(item: object) -> object:
    cells = getattr(item, "cells", None)
    if cells is None:
        return item.text  # type: ignore[attr-defined]
    return tuple((c.text, c.source) for c in cells)


def _tables(data: bytes, name: str) -> dict[str, list[tuple]]:
    from gxparse.parsing.parse import TABLES, parse_bytes

    rt = parse_bytes(data, name)
    out = {}
    for table in TABLES:
        df = getattr(rt, table)
        out[table] = [
            tuple("<NA>" if _isna(v) else v for v in row) for row in df.itertuples(index=False)
        ]
    return out


def _isna(v: object) -> bool:
    try:
        return bool(v != v) or v is None or str(v) == "<NA>"
    except (TypeError, ValueError):
        return False


def _with_readers(entries: dict[str, str], fn: Callable[[], object]) -> object:
    from gxparse import readers

    saved = dict(readers.READERS)
    readers.READERS.update(entries)
    try:
        return fn()
    finally:
        readers.READERS.clear()
        readers.READERS.update(saved)


def _diff(old: object, new: object) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for table in old:
            a, b = old[table], new[table]
            if a != b:
                gone = [r for r in a if r not in b]
                came = [r for r in b if r not in a]
                lines.append(f"    {table}: {len(gone)} rows only old, {len(came)} only new")
                lines += [f"      old {r}" for r in gone[:5]] + [f"      new {r}" for r in came[:5]]
        return "\n".join(lines)
    if (
        isinstance(old, tuple)
        and isinstance(new, tuple)
        and isinstance(old[0], list)
        and isinstance(new[0], list)
    ):
        lines = []
        a, b = old[0], new[0]
        for k in range(max(len(a), len(b))):
            x = a[k] if k < len(a) else None
            y = b[k] if k < len(b) else None
            if x != y:
                lines += [f"    item {k}: old {x}", f"    item {k}: new {y}"]
                if len(lines) > 12:
                    break
        for label, x, y in zip(
            ("text", "encoding", "format", "notes"), old[1:], new[1:], strict=True
        ):
            if x != y:
                lines.append(f"    {label}: old {str(x)[:200]!r} new {str(y)[:200]!r}")
        return "\n".join(lines)
    return f"    old {str(old)[:300]}\n    new {str(new)[:300]}"


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", default=OLD_REVISION, help="git revision of the old readers")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per file (median)")
    ap.add_argument("--seeds", type=int, default=6, help="generated specs per template")
    args = ap.parse_args(argv)

    from gxparse.parsing.parse import parse_bytes
    from gxparse.readers import detect_format
    from gxparse.readers.document import ReadError

    old = load_old(args.old)
    files = list(sample_files(args.seeds))
    compared = same = 0
    ratios: dict[str, dict[str, list[float]]] = {}
    for group, name, data in files:
        base = Path(name).name
        try:
            fmt = detect_format(data, base)
        except ReadError:
            fmt = None
        read_new = partial(_document, data, base)
        doc_new = read_new()
        if fmt in old:
            compared += 1
            doc_old = _with_readers(old, read_new)
            tab_old = _with_readers(old, partial(_tables, data, base))
            tab_new = _tables(data, base)
            if doc_old == doc_new and tab_old == tab_new:
                same += 1
            else:
                print(f"DIFFERENT {name}")
                if doc_old != doc_new:
                    print("  document:\n" + _diff(doc_old, doc_new))
                if tab_old != tab_new:
                    print("  tables:\n" + _diff(tab_old, tab_new))
        floor = {"html": html_floor, "docx": docx_floor}.get(fmt or "")  # (not .mht)
        if floor is None or isinstance(doc_new[0], str):  # type: ignore[index]
            continue  # not read: no cost to compare
        parse = partial(parse_bytes, data, base)
        f_cpu = _cpu(partial(floor, data), args.repeat)
        r = ratios.setdefault(
            (fmt or "", group), {"floor": [], "new": [], "old": [], "new ms": [], "old ms": []}
        )
        r["floor"].append(f_cpu)
        new_cpu = _cpu(parse, args.repeat)
        r["new"].append(new_cpu / f_cpu)
        r["new ms"].append(new_cpu)
        if fmt in old:
            old_cpu = _cpu(partial(_with_readers, old, parse), args.repeat)
            r["old"].append(old_cpu / f_cpu)
            r["old ms"].append(old_cpu)
    print(
        f"\n{compared} files read by the old and new readers: {same} the same, "
        f"{compared - same} different"
    )
    print("\nparse CPU time ÷ floor, median over files (target ≤ 10× on real and generated):")
    for fmt in ("html", "docx"):
        for groups in (("real", "generated"), ("text layout",), ("hostile",)):
            r = {
                k: [x for g in groups for x in ratios.get((fmt, g), {}).get(k, [])]
                for k in ("floor", "new", "old", "new ms", "old ms")
            }
            if not r["new"]:
                continue
            old_txt = (
                f"old {statistics.median(r['old ms']) * 1000:5.1f} ms = "
                f"{statistics.median(r['old']):4.1f}×, "
                if r["old"]
                else ""
            )
            print(
                f"  {fmt:4} {' + '.join(groups):20} {len(r['new']):3} files, floor "
                f"{statistics.median(r['floor']) * 1000:.2f} ms: {old_txt}"
                f"new {statistics.median(r['new ms']) * 1000:5.1f} ms = "
                f"{statistics.median(r['new']):4.1f}×"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
