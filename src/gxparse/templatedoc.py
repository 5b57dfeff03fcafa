"""docs/template.md, written from :mod:`gxparse.template` (run ``python -m gxparse.templatedoc``).

The reference tables in the docs are generated, so they can never disagree with the parser."""

from __future__ import annotations

import sys
from pathlib import Path

from gxparse import template as T

DOC = Path(__file__).resolve().parents[2] / "docs" / "template.md"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def _keys(e: T.Entry) -> str:
    return ", ".join(f"`{k}`" for k in e.keys)


def _identities() -> list[str]:
    """The identities of each version, then the crosswalk between the versions."""
    lines = ["## Identities (勾稽关系)", ""]
    # A 2021 report printing （六） undivided adds two column identities.
    rows = [(v, i) for v in T.TEMPLATES for i in T.identities(v)]
    rows += [("2021, （六） undivided", i) for i in T.undivided_identities()]
    lines += _table(
        ["template", "code", "中文", "table", "holds in each", "left", "right"],
        [
            [
                v,
                i.code,
                i.zh,
                i.table,
                "column" if i.across == "rows" else "row",
                " + ".join(i.left),
                " + ".join(i.right),
            ]
            for v, i in rows
        ],
    )
    lines += ["## Crosswalk between the 2021 and 2019 templates", ""]
    lines += _table(
        ["table", "2021", "2019", "comparable", "note"],
        [
            [c.table, ", ".join(c.codes_2021), ", ".join(c.codes_2019), str(c.comparable), c.note]
            for c in T.CROSSWALK
        ],
    )
    return lines


def render() -> str:
    """The template reference as Markdown."""
    lines = [
        "# The report template",
        "",
        "Generated from `src/gxparse/template.py` by `python -m gxparse.templatedoc`; do not edit.",
        "Keys are the label fragments the parser matches on normalised text (NFKC, no spaces or",
        "punctuation); a key starting with `=` must equal the whole label.",
        "",
        "## Parts",
        "",
    ]
    lines += _table(
        ["no.", "code", "中文", "English", "keys"],
        [[str(p.number), p.code, p.zh, p.en, ", ".join(p.keys)] for p in T.PARTS],
    )
    lines += ["## Part 二: items", ""]
    lines += _table(
        ["code", "中文", "English", "templates", "keys"],
        [[e.code, e.zh, e.en, ", ".join(e.templates), _keys(e)] for e in T.DISCLOSURE_ITEMS],
    )
    lines += ["## Part 二: measures", ""]
    lines += _table(
        ["code", "中文", "English", "templates", "unit", "keys"],
        [
            [e.code, e.zh, e.en, ", ".join(e.templates), e.unit or "", _keys(e)]
            for e in T.DISCLOSURE_MEASURES
        ],
    )
    for version, layout in T.DISCLOSURE_LAYOUT.items():
        lines += [f"### Part 二 layout, {version} template", ""]
        lines += _table(["item", "measures"], [[i, ", ".join(ms)] for i, ms in layout.items()])
    lines += ["## Part 三: applicant columns", ""]
    lines += _table(
        ["code", "中文", "English", "keys"], [[e.code, e.zh, e.en, _keys(e)] for e in T.APPLICANTS]
    )
    lines += ["## Part 三: rows", ""]
    lines += _table(
        ["code", "中文", "English", "templates", "group", "keys"],
        [
            [e.code, e.zh, e.en, ", ".join(e.templates), e.parent or "", _keys(e)]
            for e in T.APPLICATION_ROWS
        ],
    )
    lines += _identities()
    lines += ["## Part 四: proceedings × results", ""]
    lines += _table(
        ["code", "中文", "English", "keys"],
        [[e.code, e.zh, e.en, _keys(e)] for e in (*T.PROCEEDINGS, *T.RESULTS)],
    )
    lines += ["## Cell statuses", ""]
    lines += _table(["code", "中文", "English"], [[e.code, e.zh, e.en] for e in T.STATUSES])
    lines += ["## Levels of government bodies", ""]
    lines += _table(
        ["code", "中文", "English", "name suffixes"],
        [[e.code, e.zh, e.en, _keys(e)] for e in T.LEVELS],
    )
    lines += ["## Prose figures", ""]
    lines += _table(
        ["code", "中文", "English", "unit"],
        [[e.code, e.zh, e.en, e.unit or ""] for e in T.NARRATIVE_METRICS],
    )
    lines += _table(
        ["channel", "中文", "English", "keys"],
        [["channel_" + e.code, e.zh, e.en, _keys(e)] for e in T.CHANNELS],
    )
    return "\n".join(lines).rstrip() + "\n"


def write_doc(doc: Path, text: str) -> int:
    """Write a generated doc (this one, docs/tables.md) and say so; the exit status."""
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    print(f"wrote {doc}", file=sys.stderr)
    return 0


def main() -> int:
    return write_doc(DOC, render())


if __name__ == "__main__":
    raise SystemExit(main())
