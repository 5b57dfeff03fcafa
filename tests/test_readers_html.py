"""HTML reader: saved government pages (navigation, scripts, footers, rowspan/colspan,
declared charsets) read back cell by cell."""

from __future__ import annotations

import html
import random

import pytest
from gxsynth import documents as D
from gxsynth.model import ReportSpec, random_spec

from gxparse.parsing.parse import parse_bytes
from gxparse.readers import read_bytes
from gxparse.readers.document import Para, Row
from gxparse.readers.html import decode_html, read_html


def specs() -> list[ReportSpec]:
    return [
        random_spec(random.Random(1), "2021"),
        random_spec(random.Random(2), "2019"),
        D.with_blanks(random_spec(random.Random(3), "2021"), 3),
        D.with_blanks(random_spec(random.Random(4), "2019"), 4),
    ]


@pytest.mark.parametrize("spec", specs(), ids=["2021", "2019", "2021-blanks", "2019-blanks"])
def test_official_layout_cells_exactly(spec: ReportSpec) -> None:
    doc = read_bytes(D.to_html(spec).encode("utf-8"), "report.html")
    assert doc.source_format == "html"
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        assert D.document_cells(doc, t) == D.expected_cells(grid)


@pytest.mark.parametrize("spec", specs(), ids=["2021", "2019", "2021-blanks", "2019-blanks"])
def test_same_items_as_docx(spec: ReportSpec) -> None:
    """Merged cells are decided once: HTML and DOCX give the same rows and cells."""
    html_doc = read_bytes(D.to_html(spec).encode("utf-8"), "r.html")
    docx_doc = read_bytes(D.to_docx(spec), "r.docx")

    def shape(doc):
        return [
            (i.text if isinstance(i, Para) else [(c.text, c.source) for c in i.cells])
            for i in doc.items
            if isinstance(i, Row) or i.text.strip()
        ]

    rows = [s for s in shape(html_doc) if isinstance(s, list)]
    assert rows == [s for s in shape(docx_doc) if isinstance(s, list)]
    assert [s for s in shape(html_doc) if isinstance(s, str)] == [
        s for s in shape(docx_doc) if isinstance(s, str)
    ]


def test_article_found_among_navigation_scripts_and_footer() -> None:
    spec = random_spec(random.Random(7))
    doc = read_html(D.to_html(spec).encode("utf-8"))
    paras = [i.text for i in doc.items if isinstance(i, Para)]
    assert paras[0] == D.title(spec)
    assert paras[-1] == D.published_line(spec)
    joined = "\n".join(paras)
    for junk in ("首页", "当前位置", "网站标识码", "统计", "console"):
        assert junk not in joined
    assert doc.items[0].source == "paragraph 1"


def test_rowspan_colspan_nbsp_and_breaks() -> None:
    page = """<html><body><div>
    <p>三、收到和处理政府信息公开申请情况</p>
    <table>
      <tr><td rowspan="2" colspan="2">&nbsp;</td><td colspan="3">申请人情况</td></tr>
      <tr><td>自然<br>人</td><th><p>商业</p><p>企业</p></th><td>总计</td></tr>
      <tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td>
          <td> 5 </td><td>&nbsp;</td><td>5</td></tr>
      <tr><td>（二）部分公开</td><td>1</td><td>0</td></tr>
    </table></div></body></html>"""
    doc = read_html(page.encode("utf-8"))
    rows = [[(c.text, c.source) for c in r.cells] for r in doc.items if isinstance(r, Row)]
    assert rows == [
        [("", "table 1 row 1 cell 1"), ("申请人情况", "table 1 row 1 cell 3")],
        [
            ("", "table 1 row 2 cell 1"),
            ("自然\n人", "table 1 row 2 cell 3"),
            ("商业\n企业", "table 1 row 2 cell 4"),
            ("总计", "table 1 row 2 cell 5"),
        ],
        [
            ("三、本年度办理结果", "table 1 row 3 cell 1"),
            ("（一）予以公开", "table 1 row 3 cell 2"),
            ("5", "table 1 row 3 cell 3"),
            ("", "table 1 row 3 cell 4"),
            ("5", "table 1 row 3 cell 5"),
        ],
        [
            ("", "table 1 row 4 cell 1"),
            ("（二）部分公开", "table 1 row 4 cell 2"),
            ("1", "table 1 row 4 cell 3"),
            ("0", "table 1 row 4 cell 4"),
        ],
    ]


def test_rowspan_past_the_end_of_a_short_row() -> None:
    page = """<body><table>
      <tr><td>行政复议</td><td rowspan="3">总计</td></tr>
      <tr><td>1</td></tr>
      <tr></tr>
    </table></body>"""
    rows = [[c.text for c in r.cells] for r in read_html(page.encode()).items]
    assert rows == [["行政复议", "总计"], ["1", ""], [""]]


def test_gb2312_declared_page_with_gb18030_only_characters() -> None:
    spec = random_spec(random.Random(8), agency="𠮷䶮镇人民政府")
    page = D.to_html(spec, charset="gb2312").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        page.decode("gbk")
    _, encoding = decode_html(page)
    assert encoding == "gb18030"
    doc = read_bytes(page, "page.htm")
    assert doc.encoding == "gb18030"
    assert doc.items[0].text == "𠮷䶮镇人民政府" + D.title(spec)[len("𠮷䶮镇人民政府") :]


def test_undeclared_and_bom_pages_decode() -> None:
    spec = random_spec(random.Random(9))
    body = D.to_html(spec).replace(
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', ""
    )
    doc = read_bytes(body.encode("gb18030"), "p.html")
    assert doc.items[0].text == D.title(spec)
    doc = read_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"), "p.html")
    assert doc.encoding == "utf-8-sig"
    doc = read_bytes(body.encode("utf-16"), "p.html")
    assert doc.items[0].text == D.title(spec)


def test_layout_frame_tables_are_running_content() -> None:
    page = """<body><table><tr><td>
      <p>一、总体情况</p><p>本年公开12条。</p>
      <table><tr><td>行政处罚</td><td>6</td></tr></table>
    </td></tr></table></body>"""
    doc = read_html(page.encode())
    assert [type(i).__name__ for i in doc.items] == ["Para", "Para", "Row"]
    assert [c.text for c in doc.items[2].cells] == ["行政处罚", "6"]
    assert doc.items[2].source == "table 1 row 1"


def test_page_of_scripts_only_is_one_clear_error() -> None:
    from gxparse.readers.document import ReadError

    page = "<html><head><script>" + "var a=1;" * 1000 + "</script></head><body></body></html>"
    with pytest.raises(ReadError, match="without any text"):
        read_bytes(page.encode(), "x.html")


def test_blanked_cells_print_empty() -> None:
    spec = D.with_blanks(random_spec(random.Random(10)), 10, share=1.0)
    doc = read_html(D.to_html(spec).encode())
    values = [r for r in doc.items if isinstance(r, Row) and r.table == 2][-1]
    assert [c.text for c in values.cells] == [""] * 15


def test_page_wrapped_in_a_form_and_article_header_keeps_the_title() -> None:
    spec = random_spec(random.Random(12))
    html = D.to_html(spec)
    html = html.replace("<body>", '<body><form id="form1" method="post">').replace(
        "</body>", "</form></body>"
    )
    html = html.replace('<div class="article-content">', "<article><header>").replace(
        f'<h1 class="title">{D.title(spec)}</h1>',
        f'<h1 class="title">{D.title(spec)}</h1></header>',
    )
    html = html.replace("</div>\n</div>\n<footer>", "</article>\n</div>\n<footer>")
    doc = read_html(html.encode())
    assert doc.items[0].text == D.title(spec)
    assert "网站标识码" not in doc.text
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        assert D.document_cells(doc, t) == D.expected_cells(grid)


def test_utf8_page_still_declaring_gb2312_and_gbk_page_declaring_utf8() -> None:
    spec = random_spec(random.Random(13))
    utf8_declared_gb = D.to_html(spec, charset="gb2312").encode("utf-8")
    assert read_bytes(utf8_declared_gb, "a.html").items[0].text == D.title(spec)
    gbk_declared_utf8 = D.to_html(spec, charset="utf-8").encode("gbk")
    doc = read_bytes(gbk_declared_utf8, "b.html")
    assert doc.items[0].text == D.title(spec)
    assert doc.encoding == "gb18030"


def test_web_archive_saved_by_word_under_a_doc_name() -> None:
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    spec = D.with_blanks(random_spec(random.Random(14), "2019"), 14)
    archive = MIMEMultipart("related")
    archive.attach(MIMEText(D.to_html(spec, charset="gb2312"), "html", "gb18030"))
    data = archive.as_bytes()
    doc = read_bytes(data, "report.doc")
    assert doc.source_format == "mht"
    assert "extension says doc, content is mht" in doc.notes
    assert doc.items[0].text == D.title(spec)
    grids = [D.disclosure_grid(spec), D.applications_grid(spec), D.appeals_grid(spec)]
    for t, grid in enumerate(grids):
        assert D.document_cells(doc, t) == D.expected_cells(grid)


def test_heading_inside_a_comment_does_not_widen_the_article() -> None:
    """A commented-out heading is not page text: the sidebar holding it stays out."""
    spec = random_spec(random.Random(15))
    page = D.to_html(spec).replace(
        '<div class="main">',
        '<div class="sidebar"><p>友情链接：市人民政府网</p><!-- 一、总体情况 --></div>\n'
        '<div class="main">',
    )
    doc = read_bytes(page.encode("utf-8"), "a.html")
    paras = [i.text for i in doc.items if isinstance(i, Para)]
    assert "友情链接：市人民政府网" not in paras
    assert paras[0] == D.title(spec)


def test_text_after_a_dropped_element_stays_in_its_paragraph() -> None:
    page = (
        "<html><body><div><p>本年度共收到申请<script>x()</script>12件，"
        "<button>打印</button>均已办结。</p></div></body></html>"
    )
    doc = read_bytes(page.encode("utf-8"), "a.html")
    assert [i.text for i in doc.items] == ["本年度共收到申请12件，均已办结。"]


def test_page_nested_beyond_the_parser_limit_is_one_clear_error() -> None:
    """libxml2 stops at 256 levels of nesting; what follows would be lost silently."""
    from gxparse.readers.document import ReadError

    page = (
        "<html><body>" + "<div>" * 300 + "年度报告" + "</div>" * 300 + "<p>后文</p></body></html>"
    )
    with pytest.raises(ReadError, match="nested too deeply"):
        read_html(page.encode("utf-8"))


def test_reading_web_pages_and_word_needs_neither_beautifulsoup_nor_python_docx() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import random, sys\n"
        "from gxsynth import documents as D\n"
        "from gxsynth.model import random_spec\n"
        "spec = random_spec(random.Random(1))\n"
        "page, word = D.to_html(spec).encode(), D.to_docx(spec)\n"
        "for name in [m for m in sys.modules if m.split('.')[0] in ('docx', 'bs4')]:\n"
        "    del sys.modules[name]\n"
        "from gxparse.readers import read_bytes\n"
        "read_bytes(page, 'a.html'); read_bytes(word, 'a.docx')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'docx', 'bs4'}))\n"
    )
    # tests/ holds gxsynth; the child process does not get pytest's pythonpath.
    tests = str(Path(__file__).resolve().parent)
    path = os.pathsep.join([tests, *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_page_title_names_the_body_when_the_article_does_not() -> None:
    """A saved page whose article starts at part 一: the agency and year come from the
    page's own <title> ("…年度报告_<site name>"), not from nowhere."""
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "data" / "raw" / "000_6f1ea477f42cf686.txt"
    lines = [ln for ln in seed.read_text(encoding="utf-8").split("\n") if ln.strip()]
    body = "".join(f"<p>{html.escape(ln)}</p>" for ln in lines[1:])  # without its title
    page = (
        f'<html><head><meta charset="utf-8"><title>{html.escape(lines[0])}_济源市人民政府'
        f'</title></head><body><div class="article">{body}</div></body></html>'
    )
    rep = parse_bytes(page.encode("utf-8"), "page.html").reports.iloc[0]
    assert (rep["agency_raw"], rep["year"]) == ("承留镇人民政府", 2023)
