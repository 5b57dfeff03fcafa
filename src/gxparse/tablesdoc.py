"""docs/tables.md, written from :mod:`gxparse.contract` (run ``python -m gxparse.tablesdoc``).

The reference of the output tables is generated, so it can never disagree with them."""

from __future__ import annotations

from pathlib import Path

from gxparse import contract as K
from gxparse.templatedoc import write_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "tables.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _codes(column: K.Column) -> str:
    return ", ".join(f"`{c}`" for c in column.codes) if column.codes else ""


def _table(table: K.Table) -> list[str]:
    keys = ", ".join(f"`{k}`" for k in table.keys) or "none (a report may have several rows)"
    lines = [
        f"## {table.name} — {table.zh}",
        "",
        f"{table.description}. Key: {keys}.",
        "",
        "| column | dtype | 中文 | English | contract | added by | description | codes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in table.columns:
        dtype = c.dtype + ("" if c.nullable else ", not null")
        if c.minimum is not None:
            dtype += f", ≥ {c.minimum}"
        contract = "yes" if c.contract else "gxparse"
        cells = [f"`{c.name}`", dtype, c.zh, c.en, contract, c.stage, c.description, _codes(c)]
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return [*lines, ""]


def render() -> str:
    """The tables reference as Markdown."""
    lines = [
        "# The output tables",
        "",
        "Generated from `src/gxparse/contract.py` by `python -m gxparse.tablesdoc`; do not edit.",
        "Columns are in the tables' order. *contract*: `yes` where the data contract names",
        "the column, `gxparse` for gxparse's additions (optional when validating). *added by*:",
        "`parse` for what one parsed file yields, `review` for what the review step adds",
        "(analyst corrections and decisions). Code columns hold one of their codes, in the",
        "order given (the categories' order); see docs/template.md for their labels.",
        "",
        "| dtype | pandas dtype |",
        "|---|---|",
        *(f"| {d} | `{p}` |" for d, p in K.PANDAS_DTYPES.items()),
        "",
        "Text columns of the findings and those the review step adds are pandas `string`.",
        "",
    ]
    for table in K.TABLES.values():
        lines += _table(table)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    return write_doc(DOC, render())


if __name__ == "__main__":
    raise SystemExit(main())
