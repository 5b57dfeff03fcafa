"""The declaration of the output tables (gxparse.contract) is the one place a column is
defined: the tables as built, the derived lists, dtypes, schemas, workbook headers,
docs/tables.md and the data contract all agree with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import gxparse
from gxparse import contract as K
from gxparse import dtypes as D
from gxparse import schemas as S
from gxparse import template as T
from gxparse.analysis import checks as C
from gxparse.parsing.parse import COLUMNS, parse_file
from gxparse.reporting import export

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
CONTRACT = ROOT.parent / "shared" / "spec" / "data-contract.md"

PANDAS_CHECKS = {
    "int": lambda dt: str(dt) == "Int64",
    "float": lambda dt: str(dt) == "Float64",
    "bool": lambda dt: str(dt) == "boolean",
    "date": lambda dt: str(dt) == "datetime64[s]",
    "text": pd.api.types.is_string_dtype,
    "code": lambda dt: isinstance(dt, pd.CategoricalDtype),
}


@pytest.fixture(scope="module")
def corpus() -> gxparse.Corpus:
    return gxparse.read_reports(RAW)


def test_a_corpus_has_exactly_the_declared_tables(corpus: gxparse.Corpus) -> None:
    for name, table in K.TABLES.items():
        df = getattr(corpus, name)
        assert tuple(df.columns) == table.names, name
        for c in table.columns:
            assert PANDAS_CHECKS[c.dtype](df[c.name].dtype), (name, c.name, df[c.name].dtype)
            if c.dtype == "code":
                assert tuple(df[c.name].cat.categories) == c.codes, (name, c.name)


def test_one_parsed_file_has_the_parse_stage_columns() -> None:
    tables = parse_file(RAW / "004_8884def07ca5fc07.txt")
    for name in K.TABLE_NAMES:
        assert tuple(tables.frame(name).columns) == K.columns("parse")[name], name
    assert K.columns("parse")["findings"][-2:] == ("location", "source")
    assert K.columns()["findings"][-2:] == ("decision", "note")
    assert [c for n, cs in K.columns().items() for c in cs if c not in COLUMNS[n]] == [
        "correction_reason",
        "correction_reason",
        "correction_reason",
        "decision",
        "note",
    ]


def test_the_lists_dtypes_schemas_and_headers_are_the_declared_ones() -> None:
    assert COLUMNS == K.columns("parse")
    assert C.TABLE_COLUMNS == K.columns()
    assert C.FINDING_COLUMNS == K.TABLES["findings"].names
    assert D.TABLE_NAMES == K.TABLE_NAMES == tuple(K.TABLES)
    assert D.CATEGORIES["reports"] == {
        "template": ("2021", "2019"),
        "parse_status": ("ok", "partial", "failed"),
        "level": tuple(e.code for e in T.LEVELS),
    }
    assert D.CATEGORIES["findings"]["check"] == tuple(c.code for c in C.CHECKS)
    assert sorted(D._INT) == [
        ("appeals", "value"),
        ("applications", "value"),
        ("reports", "n_unplaced"),
        ("reports", "year"),
    ]
    assert sorted(D._FLOAT) == [("disclosure", "value"), ("narrative", "value")]
    for name, table in K.TABLES.items():
        assert set(S.SCHEMAS[name].columns) == set(table.names), name
        assert export.SHEET_NAMES[name] == table.zh
        for c in table.columns:
            assert export.HEADERS[c.name] == c.zh, (name, c.name)
    assert S.SCHEMAS["findings"].columns["decision"].required is False
    assert S.SCHEMAS["reports"].columns["year"].required is True


def test_statuses_split_the_template_statuses() -> None:
    assert set(K.VALUED_STATUSES) | set(K.EMPTY_STATUSES) == set(T.STATUS_CODES)
    assert not set(K.VALUED_STATUSES) & set(K.EMPTY_STATUSES)
    assert C.KNOWN_STATUSES == K.VALUED_STATUSES
    assert S.EMPTY_STATUSES == frozenset({"blank", "missing"})


def test_a_name_with_two_headers_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    sections = K.TABLES["sections"]
    cols = tuple(replace(c, zh="来源") if c.name == "source" else c for c in sections.columns)
    monkeypatch.setitem(K.TABLES, "sections", replace(sections, columns=cols))
    with pytest.raises(ValueError, match="'source' has two headers: 出处, 来源"):
        K.headers()


def test_parsing_does_not_load_the_checks() -> None:
    code = (
        "import sys; from gxparse.parsing.parse import parse_file; "
        f"parse_file({str(RAW / '004_8884def07ca5fc07.txt')!r}).frame('findings'); "
        "print('gxparse.analysis.checks' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# One edit in the declaration, then every module that derives from it is loaded again (in
# a child process, so this session's modules stay as they are).
EDIT = """
import importlib, json, sys
from dataclasses import replace
import openpyxl
from gxparse import contract as K

reports = K.TABLES["reports"]
cols = [replace(c, zh="机关全称") if c.name == "agency" else c for c in reports.columns]
cols = [replace(c, dtype="float") if c.name == "year" else c for c in cols]
cols = [replace(c, codes=("2021", "2019", "2025")) if c.name == "template" else c for c in cols]
cols.append(K.Column("checked_by", "text", "核对人", "Checked by", "Who checked it"))
K.TABLES["reports"] = replace(reports, columns=tuple(cols))

from gxparse.analysis import checks

from gxparse import dtypes, schemas, tablesdoc

from gxparse.reporting import export

from gxparse.parsing import parse
for m in (dtypes, schemas, parse, checks, export):
    importlib.reload(m)
row = ["r1", "r1.txt", "txt", None, "某局", "某局", None, None, None, 2023, "2025", None, "ok",
       None, 0, None, "utf-8", None, None, "张三"]
frame = parse.frame_of("reports", [[v] for v in row])
schemas.validate({"reports": frame})
export.write_workbook({"reports": frame}, sys.argv[1], build_date="2025-01-01")
sheet = openpyxl.load_workbook(sys.argv[1], read_only=True)[export.SHEET_NAMES["reports"]]
print(json.dumps({
    "parse": parse.COLUMNS["reports"][-2:],
    "checks": checks.TABLE_COLUMNS["reports"][-2:],
    "categories": dtypes.CATEGORIES["reports"]["template"],
    "dtypes": [str(frame[c].dtype) for c in ("year", "template", "checked_by")],
    "schema": [c.name for c in schemas.SCHEMAS["reports"].columns["year"].checks],
    "new in schema": "checked_by" in schemas.SCHEMAS["reports"].columns,
    "header": next(sheet.iter_rows(values_only=True)),
    "doc": [line for line in tablesdoc.render().splitlines() if "核对人" in line],
}, ensure_ascii=False))
"""


def test_one_edit_in_the_declaration_reaches_every_use(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", EDIT, str(tmp_path / "book.xlsx")],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout)
    assert got == {
        "parse": ["duplicate_of", "checked_by"],
        "checks": ["duplicate_of", "checked_by"],
        "categories": ["2021", "2019", "2025"],
        "dtypes": ["Float64", "category", "str"],
        "schema": ["numeric dtype"],
        "new in schema": True,
        "header": [
            *("报告编号", "源文件", "文件格式", "SHA-256", "机关名称（原文）", "机关全称"),
            *("省级", "地市级", "县级", "年度", "模板版本", "发布日期", "解析状态", "错误"),
            *("未归位数字", "层级代码", "层级", "文本编码", "读取备注", "重复于", "核对人"),
        ],
        "doc": ["| `checked_by` | text | 核对人 | Checked by | yes | parse | Who checked it |  |"],
    }


def test_tables_doc_is_current() -> None:
    from gxparse.tablesdoc import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m gxparse.tablesdoc"


# ---------------------------------------------------------------------------------------
# The data contract (the shared spec), when present
# ---------------------------------------------------------------------------------------
DTYPE_WORDS = {"int": "int", "int64": "int", "float": "float", "bool": "bool", "date": "date"}


def _contract_sections(text: str) -> dict[str, str]:
    """``### name — ...`` table sections of the contract, by table name."""
    parts = re.split(r"^###? ", text, flags=re.M)
    return {p.split()[0]: p for p in parts if p.split() and p.split()[0] in K.TABLES}


def _contract_columns(section: str) -> list[tuple[str, str]]:
    """(name, annotation) of each column the section's first code span lists."""
    block = section.split("`", 2)[1].replace("\n", " ")
    return [(m[1], m[2] or "") for m in re.finditer(r"(\w+)\s*(?:\(([^()]*)\))?", block)]


def _declared_type(annotation: str) -> str | None:
    word = re.split(r"[\s:,]", annotation.strip(), maxsplit=1)[0].lower()
    return DTYPE_WORDS.get(word)


def _code_tables(section: str) -> dict[str, list[str]]:
    """Markdown tables whose first header is a column: column → codes in its first cells."""
    out: dict[str, list[str]] = {}
    for block in re.findall(r"((?:^\|.*\n)+)", section, flags=re.M):
        rows = [[c.strip().strip("`") for c in r.strip("|").split("|")] for r in block.splitlines()]
        out[rows[0][0]] = [r[0] for r in rows[2:]]
    return out


def _code_lines(section: str) -> dict[str, list[str]]:
    """Lines ``column: `code` label, ...`` → column → codes."""
    return {
        m[1]: re.findall(r"`(\w+)`", m[2])
        for m in re.finditer(r"^(\w+): (`.*?)\.$", section, flags=re.M | re.S)
    }


@pytest.mark.skipif(not CONTRACT.exists(), reason="the shared data contract is not here")
def test_the_declaration_agrees_with_the_data_contract() -> None:
    text = CONTRACT.read_text(encoding="utf-8")
    sections = _contract_sections(text)
    assert set(sections) == set(K.TABLES)
    for name, section in sections.items():
        table = K.TABLES[name]
        listed = _contract_columns(section)
        assert [n for n, _ in listed] == [c.name for c in table.columns if c.contract], name
        for col, note in listed:
            declared = table.column(col)
            kind = _declared_type(note)
            assert kind is None or kind == declared.dtype, (name, col, note)
            if "|" in note and "..." not in note:
                codes = tuple(c.strip(" '") for c in note.split("|"))
                assert codes == declared.codes, (name, col)
        for col, codes in {**_code_tables(section), **_code_lines(section)}.items():
            if col in table.names:
                assert set(codes) == set(table.column(col).codes or ()), (name, col)
    at_least = re.findall(r"`(\w+)`", sections["narrative"].split("At least:", 1)[1])
    assert len(at_least) == 3
    assert set(at_least) <= set(K.TABLES["narrative"].column("metric").codes or ())
    status = _code_tables(text.split("## Cell status", 1)[1])["status"]
    assert set(status) == set(T.STATUS_CODES)
    empty = re.findall(r"^\| `(\w+)` \|.*\| NA \|$", text, flags=re.M)
    assert tuple(empty) == K.EMPTY_STATUSES


def test_the_contract_reader_finds_what_it_compares() -> None:
    """The contract's parser reads columns, dtypes and code sets (so the test above
    cannot pass by reading nothing)."""
    section = textwrap.dedent(
        """\
        reports — one row per report
        `report_id, year (int), template ('2021' | '2019'), parse_status (ok|partial|failed)`

        | item | label |
        | --- | --- |
        | regulations | 规章 |

        applicant: `natural_person` 自然人,
        `total` 总计.
        """
    )
    assert _contract_columns(section) == [
        ("report_id", ""),
        ("year", "int"),
        ("template", "'2021' | '2019'"),
        ("parse_status", "ok|partial|failed"),
    ]
    assert _declared_type("date, where printed") == "date"
    assert _declared_type("bool: 余/多/约") == "bool"
    assert _code_tables(section) == {"item": ["regulations"]}
    assert _code_lines(section) == {"applicant": ["natural_person", "total"]}
