"""The text renderers print every cell of a spec exactly once, where its layout puts it,
and the perturbations keep every value readable."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
from gxsynth import (
    LAYOUTS,
    NUMBERING_STYLES,
    PERTURBATIONS,
    ReportSpec,
    perturb,
    random_spec,
    render,
)
from gxsynth.text import NUMBER_FORMATS, display_width, part_heading, title

from gxparse import template as T

TEMPLATES = ("2021", "2019")


def unique_spec(template: str, seed: int = 0, blanks: float = 0.0) -> ReportSpec:
    """A spec whose every cell prints a distinct number (10000, 10001, ...), some None."""
    rng = random.Random(seed)
    spec = random_spec(rng, template)
    k = 10000
    for cells in (spec.disclosure, spec.applications, spec.appeals):
        for key in cells:
            cells[key] = None if rng.random() < blanks else str(k)
            k += 1
    return spec


def all_cells(spec: ReportSpec) -> dict[tuple[str, str, str], str | None]:
    out: dict[tuple[str, str, str], str | None] = {}
    for name, cells in (
        ("disclosure", spec.disclosure),
        ("applications", spec.applications),
        ("appeals", spec.appeals),
    ):
        for (a, b), v in cells.items():
            out[(name, a, b)] = v
    return out


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+", unicodedata.normalize("NFKC", text))


def app_values(spec: ReportSpec, row: str) -> list[str]:
    return [spec.applications[(row, a)] or "" for a in T.APPLICANT_CODES]


def sub_label(row: T.Entry) -> str:
    """The label as printed in the row's own cell (grouped rows drop the group's （三）)."""
    m = re.match(r"^（[一二三四五六七八九十]+）(?=\d)", row.zh)
    return row.zh[m.end() :] if m and row.parent not in ("outcomes", None) else row.zh


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("blanks", [0.0, 0.2], ids=["full", "blanks"])
def test_every_cell_printed_exactly_once(layout: str, template: str, blanks: float) -> None:
    spec = unique_spec(template, seed=3, blanks=blanks)
    text = render(spec, layout, rng=random.Random(1))
    found = numbers(text)
    for key, v in all_cells(spec).items():
        if v is not None:
            assert found.count(v) == 1, (key, v)
    printed = {v for v in all_cells(spec).values() if v is not None}
    assert [n for n in found if len(n) == 5 and n not in printed] == []


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("numbering", NUMBERING_STYLES)
def test_part_headings_in_order(layout: str, template: str, numbering: str) -> None:
    spec = random_spec(random.Random(5), template)
    lines = render(spec, layout, numbering).split("\n")
    positions = []
    for n in range(1, 7):
        heading = part_heading(n, numbering)
        hits = [i for i, ln in enumerate(lines) if ln.lstrip("# ") == heading.lstrip("# ")]
        assert len(hits) == 1, (n, heading)
        positions.append(hits[0])
    assert positions == sorted(positions)


def test_heading_styles() -> None:
    assert [part_heading(3, s) for s in NUMBERING_STYLES] == [
        "三、收到和处理政府信息公开申请情况",
        "3、 收到和处理政府信息公开申请情况",
        "# 三、收到和处理政府信息公开申请情况",
        "（三）收到和处理政府信息公开申请情况",
    ]
    with pytest.raises(ValueError, match="numbering"):
        part_heading(1, "roman")
    with pytest.raises(ValueError, match="layout"):
        render(random_spec(random.Random(0)), "docx")


@pytest.mark.parametrize("layout", ["tab_rows", "pipe_rows", "space_rows"])
def test_title_line(layout: str) -> None:
    spec = random_spec(random.Random(2), agency="测试县人民政府")
    lines = [ln.strip().lstrip("# ") for ln in render(spec, layout).split("\n")]
    assert title(spec) == f"测试县人民政府{spec.year}年政府信息公开工作年度报告"
    assert title(spec) in lines


# ---------------------------------------------------------------------------------------
# Exact structure per layout
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("blanks", [0.0, 0.25], ids=["full", "blanks"])
def test_tab_rows_structure(template: str, blanks: float) -> None:
    spec = unique_spec(template, seed=7, blanks=blanks)
    lines = render(spec, "tab_rows").split("\n")
    rows = [ln.split("\t") for ln in lines if "\t" in ln]
    for r in T.application_rows(template):
        label = sub_label(r)
        hits = [cells for cells in rows if label in cells]
        assert len(hits) == 1, label
        cells = hits[0]
        assert len(cells) == 10
        start = cells.index(label) + (2 if r.parent is None else 1)  # top rows span 2 cells
        assert cells[start : start + 7] == app_values(spec, r.code)
        assert all(c == "" for c in cells[start + 7 :])
    received = next(c for c in rows if c[0] == T.APPLICATION_ROW_BY_CODE["received_new"].zh)
    assert received == [
        T.APPLICATION_ROW_BY_CODE["received_new"].zh,
        "",
        *app_values(spec, "received_new"),
        "",
    ]
    for (item, measure), v in spec.disclosure.items():
        entry = next(e for e in T.DISCLOSURE_ITEMS if e.code == item)
        # The 2019 form prints 规范性文件 (the entry's first key), not 行政规范性文件.
        item_zh = entry.keys[0] if (template, item) == ("2019", "normative_documents") else entry.zh
        cells = next(c for c in rows if c[0] == item_zh)
        k = T.DISCLOSURE_LAYOUT[template][item].index(measure)
        assert cells[1 + k] == (v or "")
        assert len(cells) == 4
    appeal_line = rows[-1]
    assert appeal_line == [spec.appeals[c] or "" for c in T.APPEAL_CELLS]


def word_rows(text: str) -> list[list[str]]:
    """Rows of the cell-per-line layout: cells start with a tab, other lines continue the
    cell above, a blank line ends the row."""
    rows: list[list[str]] = []
    cur: list[str] = []
    for ln in text.split("\n"):
        if ln.startswith("\t"):
            cur.append(ln[1:])
        elif ln == "":
            if cur:
                rows.append(cur)
            cur = []
        elif cur:
            cur[-1] += "\n" + ln
    return rows


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("blanks", [0.0, 0.25], ids=["full", "blanks"])
def test_cell_per_line_structure(template: str, blanks: float) -> None:
    spec = unique_spec(template, seed=8, blanks=blanks)
    text = render(spec, "cell_per_line", rng=random.Random(4))
    assert "\t\n" in text  # some numbers start on the next line, as in seed 002
    rows = word_rows(text)
    for r in T.application_rows(template):
        label = sub_label(r)
        hits = [cells for cells in rows if label in cells]
        assert len(hits) == 1, label
        cells = hits[0]
        values = cells[cells.index(label) + 1 :]
        assert [v.strip() for v in values] == app_values(spec, r.code)
        depth = 1 if r.parent is None else 2 if r.parent == "outcomes" else 3
        assert len(cells) == depth + 7
    header = next(c for c in rows if "商业\n企业" in c)
    assert header == [
        "",
        "",
        "商业\n企业",
        "科研\n机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "",
    ]
    assert [v.strip() for v in rows[-1]] == [spec.appeals[c] or "" for c in T.APPEAL_CELLS]
    for line in text.split("\n"):
        assert not line.startswith("\t") or line.count("\t") == 1


@pytest.mark.parametrize("template", TEMPLATES)
def test_pipe_rows_structure(template: str) -> None:
    spec = unique_spec(template, seed=9, blanks=0.2)
    lines = render(spec, "pipe_rows").split("\n")
    table_lines = [ln for ln in lines if ln.startswith("|")]
    for i, ln in enumerate(lines):
        if ln.startswith("|") and not lines[i - 1].startswith("|"):
            assert re.fullmatch(r"\|(---\|)+", lines[i + 1]), "separator after the first row"
    rows = [
        [c.strip() for c in ln[1:-1].split("|")] for ln in table_lines if not ln.startswith("|---")
    ]
    for r in T.application_rows(template):
        label = sub_label(r)
        cells = next(c for c in rows if label in c)
        start = cells.index(label) + (2 if r.parent is None else 1)
        assert cells[start : start + 7] == app_values(spec, r.code)
    assert all(ln.startswith("#") for ln in lines if "总体情况" in ln)


@pytest.mark.parametrize("template", TEMPLATES)
def test_space_rows_columns_align(template: str) -> None:
    """pdftotext -layout: every value starts at its column's display position, so an empty
    cell is a gap at a known place."""
    spec = unique_spec(template, seed=10, blanks=0.25)
    lines = render(spec, "space_rows").split("\n")
    starts: dict[int, set[int]] = {j: set() for j in range(7)}
    for r in T.application_rows(template):
        label = sub_label(r)
        line = next(ln for ln in lines if re.search(rf"(^|\s){re.escape(label)}(\s|$)", ln))
        for j, v in enumerate(app_values(spec, r.code)):
            if v:
                i = line.index(v)
                starts[j].add(display_width(line[:i]))
        tokens = re.split(r"\s{2,}", line[line.index(label) + len(label) :].strip())
        assert tokens == [v for v in app_values(spec, r.code) if v] or tokens == [""]
    assert all(len(s) == 1 for s in starts.values())
    assert len({next(iter(s)) for s in starts.values()}) == 7


@pytest.mark.parametrize("template", TEMPLATES)
def test_markdown_broken_wraps_labels_without_losing_cells(template: str) -> None:
    spec = unique_spec(template, seed=11, blanks=0.1)
    text = render(spec, "markdown_broken", rng=random.Random(2))
    lines = text.split("\n")
    start = next(
        i
        for i, ln in enumerate(lines)
        if ln.startswith(T.APPLICATION_ROW_BY_CODE["received_new"].zh)
    )
    end = next(
        i
        for i, ln in enumerate(lines)
        if ln.startswith(T.APPLICATION_ROW_BY_CODE["carried_forward"].zh)
    )
    body = [ln.split("\t") for ln in lines[start : end + 1]]
    # Rebuild each row: a line with values starts a row, lines without continue its label.
    rebuilt: list[tuple[str, list[str]]] = []
    side = ""
    for cells in body:
        if len(cells) == 8:  # a top row: label + 7 values
            rebuilt.append((cells[0], cells[1:]))
            continue
        assert len(cells) == 9
        side += cells[0]
        if rebuilt and not any(cells[2:]) and rebuilt[-1][0] and _is_cont(rebuilt, cells, spec):
            rebuilt[-1] = (rebuilt[-1][0] + cells[1], rebuilt[-1][1])
        else:
            rebuilt.append((cells[1], cells[2:]))
    labels = [sub_label(r) for r in T.application_rows(template)]
    assert [lab for lab, _ in rebuilt] == labels
    for r, (_, values) in zip(T.application_rows(template), rebuilt, strict=True):
        assert values == app_values(spec, r.code)
    # The group labels run down the first column in pieces.
    for g in T.APPLICATION_GROUPS:
        if template in g.templates:
            assert g.zh in side
    assert any(len(cells[0]) in (2, 3) and cells[0] for cells in body)
    assert any(not any(cells[2:]) for cells in body if len(cells) == 9), "some label wraps"


def _is_cont(rebuilt: list[tuple[str, list[str]]], cells: list[str], spec: ReportSpec) -> bool:
    """A line without values continues the row above unless it starts a new label."""
    return not re.match(r"^(（[一二三四五六七]）|\d+\.)", cells[1])


def test_markdown_broken_part_four_on_one_line() -> None:
    spec = unique_spec("2021", seed=12)
    lines = render(spec, "markdown_broken").split("\n")
    assert " ".join(spec.appeals[c] for c in T.APPEAL_CELLS) in lines
    spec.appeals[("review", "other")] = None
    lines = render(spec, "markdown_broken").split("\n")
    assert "\t".join(spec.appeals[c] or "" for c in T.APPEAL_CELLS) in lines


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_blank_marker(layout: str) -> None:
    spec = unique_spec("2021", seed=13)
    spec.applications[("granted", "enterprise")] = None
    text = render(spec, layout, blank="无")
    line = next(
        ln for ln in text.split("\n") if spec.applications[("granted", "natural_person")] in ln
    )
    assert "无" in line or layout == "cell_per_line"
    if layout == "cell_per_line":
        assert "\t无\n" in text


# ---------------------------------------------------------------------------------------
# Perturbations
# ---------------------------------------------------------------------------------------
def readable(text: str) -> str:
    """What a robust reader would see: NFKC, LF line endings, no page junk."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n"))
    junk = re.compile(r"^\s*(第\s*\d+\s*页(\s*共\s*\d+\s*页)?|——\s*\d+\s*——|-\s*\d+\s*-)\s*$")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # thousands separators
    return "\n".join(ln for ln in text.split("\n") if not junk.match(ln))


@pytest.mark.parametrize("kind", PERTURBATIONS + NUMBER_FORMATS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("template", TEMPLATES)
def test_perturbation_keeps_every_value(layout: str, kind: str, template: str) -> None:
    spec = unique_spec(template, seed=14, blanks=0.1)
    text = render(spec, layout, rng=random.Random(3))
    for seed in range(4):
        damaged = perturb(text, random.Random(seed), [kind])
        found = numbers(readable(damaged))
        for key, v in all_cells(spec).items():
            if v is not None:
                assert found.count(v) == 1, (kind, seed, key, v)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_perturbations_change_the_text(layout: str) -> None:
    spec = unique_spec("2021", seed=15)
    text = render(spec, layout, rng=random.Random(3))
    rng = random.Random(0)
    assert perturb(text, rng, ["crlf"]).count("\r\n") == text.count("\n")
    assert "\r" not in perturb(text, rng, ["spaces"])
    full = perturb(text, rng, ["fullwidth"])
    assert re.search("[０-９]", full)
    # (in aligned columns a wide digit takes a space back, so compare without spaces)
    assert re.sub(" +", "", unicodedata.normalize("NFKC", full)) == re.sub(
        " +", "", unicodedata.normalize("NFKC", text)
    )
    for kind in ("spaces", "label_breaks", "junk", "heading_breaks"):
        assert any(perturb(text, random.Random(s), [kind]) != text for s in range(3)), kind
    spaced = perturb(text, random.Random(1), ["spaces"])
    assert re.sub(r" +", "", spaced) == re.sub(r" +", "", text)


def test_label_breaks_in_word_export_continue_the_cell() -> None:
    spec = unique_spec("2021", seed=16)
    text = render(spec, "cell_per_line")
    broken = perturb(text, random.Random(0), ["label_breaks"])
    assert word_rows(broken) != word_rows(text)
    unbroken = [[c.replace("\n", "") for c in row] for row in word_rows(broken)]
    assert unbroken == [[c.replace("\n", "") for c in row] for row in word_rows(text)]


def test_junk_never_splits_a_word_row() -> None:
    spec = unique_spec("2019", seed=17)
    text = render(spec, "cell_per_line")
    damaged = perturb(text, random.Random(2), ["junk"])
    assert damaged != text
    assert word_rows(readable(damaged)) == word_rows(readable(text))


def test_unknown_perturbation() -> None:
    with pytest.raises(ValueError, match="unknown perturbations"):
        perturb("x", random.Random(0), ["typos"])


@pytest.mark.parametrize("template", TEMPLATES)
def test_random_spec_identities_hold(template: str) -> None:
    """random_spec prints reports whose template identities all hold (the benchmark's
    identity breaks are injected on purpose, not by accident)."""
    for seed in range(500):
        cells = random_spec(random.Random(seed), template).applications
        for a in T.APPLICANT_CODES:
            v = {r.code: int(cells[(r.code, a)]) for r in T.application_rows(template)}
            assert (
                v["received_new"] + v["carried_over"] == v["total_handled"] + v["carried_forward"]
            ), (seed, a)
            assert v["total_handled"] == sum(v[r] for r in T.OUTCOME_ROWS[template]), (seed, a)
            assert min(v.values()) >= 0
        for r in T.application_rows(template):
            assert int(cells[(r.code, "total")]) == sum(
                int(cells[(r.code, a)]) for a in T.APPLICANT_PARTS
            )


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_number_formats(layout: str) -> None:
    spec = unique_spec("2021", seed=18)
    text = render(spec, layout, rng=random.Random(3))
    assert re.search(r"\d{2},\d{3}", perturb(text, random.Random(0), ["thousands"]))
    assert "10,0" not in text
    with_units = perturb(text, random.Random(0), ["units"])
    assert re.search(r"\d件", with_units)
    assert re.sub(r"(?<=\d)件", "", with_units).replace(" ", "") == text.replace(" ", "")


def test_2019_labels_follow_the_2019_form() -> None:
    text = render(random_spec(random.Random(1), "2019"), "tab_rows")
    lines = text.split("\n")
    assert any(ln.startswith("规范性文件\t") for ln in lines)
    assert not any(ln.startswith("行政规范性文件") for ln in lines)
    assert "\t处理决定数量" in text and "本年处理决定数量" not in text
    text_2021 = render(random_spec(random.Random(1), "2021"), "tab_rows")
    assert "行政规范性文件\t" in text_2021 and "本年处理决定数量" in text_2021
