"""The briefing workbook as printed: LibreOffice Calc turns it into a PDF, and each summary
sheet of 40 reports takes one page. Skips where LibreOffice has no Calc (or no poppler)."""

from __future__ import annotations

import collections
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from gxparse.readers.document import ReadError
from gxparse.readers.office import convert_with_soffice, find_soffice, has_cjk_font
from gxparse.reporting import export

# Sheets that print one page each for 40 reports (检查发现 lists every finding: a few).
ONE_PAGE = ("目录", "说明", "申请办理汇总", "处理决定汇总", "指标汇总", "指标定义", "检查发现汇总")


def _forty_reports(folder: Path) -> Path:
    from gxsynth import LAYOUTS, random_spec, render

    folder.mkdir(parents=True)
    rng = random.Random(20)
    layouts = sorted(LAYOUTS)
    for i in range(40):
        spec = random_spec(rng, "2021" if rng.random() < 0.75 else "2019")
        text = render(spec, layouts[i % len(layouts)], "zh", rng=random.Random(i))
        (folder / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    return folder


def _pages_per_sheet(pdf: bytes, sheets: list[str], tmp: Path) -> collections.Counter:
    """Pages per sheet, read from each page's header (its centre is the sheet's name)."""
    path = tmp / "wb.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    counts: collections.Counter = collections.Counter()
    for page in text.split("\f"):
        words = page.strip().splitlines()[0].split() if page.strip() else []
        name = next((s for s in sheets if s in words), None)
        if name:
            counts[name] += 1
    return counts


@pytest.mark.slow
def test_forty_reports_print_one_page_per_summary_sheet(tmp_path: Path) -> None:
    if find_soffice() is None or not has_cjk_font() or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice, a Chinese font and poppler are needed to print")
    import openpyxl

    import gxparse

    corpus = gxparse.read_reports(_forty_reports(tmp_path / "raw"))
    path = export.write_workbook(corpus, tmp_path / "b.xlsx", build_date="2026-12-06")
    try:
        pdf = convert_with_soffice(path.read_bytes(), ".xlsx", "pdf", timeout=300)
    except ReadError as exc:  # LibreOffice without Calc cannot open a workbook
        pytest.skip(f"LibreOffice cannot print a workbook here: {exc}")
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    pages = _pages_per_sheet(pdf, sheets, tmp_path)
    assert {s: pages[s] for s in ONE_PAGE} == dict.fromkeys(ONE_PAGE, 1)
    assert 1 <= pages["检查发现"] <= 8
    # Every sheet printed with its header (a page without one would be uncounted).
    assert set(pages) == set(sheets)
