"""One file → the contract's seven tables for that report.

The flow, one module per step: read bytes (:mod:`gxparse.readers`) → items
(:mod:`gxparse.readers.document`) → parts (:mod:`gxparse.parsing.sections`) → labelled rows
(:mod:`gxparse.parsing.rows`) → template cells (:mod:`gxparse.parsing.tables`, :mod:`gxparse.parsing.derive`) →
facts and prose figures (:mod:`gxparse.parsing.facts`, :mod:`gxparse.parsing.narrative`) → frames.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gxparse import template as T
from gxparse.contract import columns
from gxparse.dtypes import TABLE_NAMES, column
from gxparse.normalize import is_page_furniture
from gxparse.parsing.derive import appeal_equations, application_equations, derive
from gxparse.parsing.facts import (
    Facts,
    agency_in_prose,
    find_published,
    find_title,
    level_of,
    locate,
    normalise_agency,
    year_from_period,
    year_from_text,
)
from gxparse.parsing.narrative import Figure, disclosure_figures, fee_figures, request_figures
from gxparse.parsing.rows import TableRow, table_rows
from gxparse.parsing.sections import (
    Region,
    cut_at,
    recover_region,
    region_text,
    split_at_table,
    split_parts,
)
from gxparse.parsing.stream import merge, read_stream
from gxparse.parsing.tables import (
    MISSING,
    SEGMENT_KEYS,
    TableResult,
    Unplaced,
    detect_template,
    map_appeals,
    map_applications,
    map_disclosure,
    opens_applications,
    opens_disclosure,
)
from gxparse.readers.document import Document, Item, Para, ReadError, Row, source_zh
from gxparse.reasons import Reason, failure_text

log = logging.getLogger(__name__)

# The contract's seven tables, in order (declared in gxparse.contract).
TABLES: tuple[str, ...] = TABLE_NAMES

# The columns one parsed file yields, in order (the review step adds the rest).
COLUMNS: dict[str, tuple[str, ...]] = columns("parse")


class ReportTables:
    """The seven tables of one report (or of many).

    A parsed report keeps each table as columns: one tuple of values per column, in
    :data:`COLUMNS` order. Columns are cheap to build, to pickle (a process pool, the
    cache) and to concatenate (:func:`gxparse.batch.corpus.concat` extends one list per column
    instead of reading a dict per row); each DataFrame is built on first access. A corpus
    holds DataFrames only."""

    def __init__(
        self,
        records: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        frames: Mapping[str, pd.DataFrame] | None = None,
        *,
        columns: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        **tables: pd.DataFrame,
    ) -> None:
        self._columns: dict[str, tuple[Sequence[Any], ...]] = {
            name: tuple(cols) for name, cols in (columns or {}).items()
        }
        for name, recs in (records or {}).items():
            self._columns[name] = _columns_of(name, recs)
        self._frames = {**(frames or {}), **tables}

    @classmethod
    def from_rows(cls, rows: Mapping[str, Sequence[Sequence[Any]]]) -> ReportTables:
        """Tables given as rows (tuples in :data:`COLUMNS` order)."""
        return cls(columns={name: _transpose(name, r) for name, r in rows.items()})

    def frame(self, name: str) -> pd.DataFrame:
        """One table as a DataFrame in its declared dtypes (built once, then kept)."""
        if name not in self._frames:
            self._frames[name] = frame_of(name, self.columns(name))
        return self._frames[name]

    def columns(self, name: str) -> tuple[Sequence[Any], ...]:
        """The values of one table, one sequence per column in :data:`COLUMNS` order."""
        if name in self._columns:
            return self._columns[name]
        if name in self._frames:
            df = self._frames[name]
            return tuple(
                df[c].astype(object).where(df[c].notna(), None).tolist()
                if c in df.columns
                else [None] * len(df)
                for c in COLUMNS[name]
            )
        return tuple(() for _ in COLUMNS[name])

    def has_columns(self, name: str) -> bool:
        """Whether the table is held as columns (not only as a DataFrame)."""
        return name in self._columns or name not in self._frames

    def records(self, name: str) -> list[dict]:
        """The rows of one table as dicts (from the columns, or from the frame)."""
        if name in self._columns or name not in self._frames:
            cols = self._columns.get(name, ())
            return [dict(zip(COLUMNS[name], row, strict=True)) for row in zip(*cols, strict=True)]
        return self._frames[name].to_dict("records")

    def with_report_id(
        self, report_id: str, note: str | None = None, source_file: str | None = None
    ) -> ReportTables:
        """The same tables (as columns) under another ``report_id``, with ``note`` added to
        the report's ``notes``; with ``source_file``, the reports row names the file so
        (its ``error`` too, which starts with the file's name)."""
        columns: dict[str, tuple[Sequence[Any], ...]] = {}
        for name in TABLES:
            cols = list(self.columns(name))
            if cols[0] and cols[0][0] != report_id:
                cols[0] = (report_id,) * len(cols[0])  # every table's first column
            if name == "reports":
                if note:
                    at = COLUMNS["reports"].index("notes")
                    cols[at] = tuple(_add_note(n, note) for n in cols[at])
                if source_file is not None:
                    at = COLUMNS["reports"].index("source_file")
                    err = COLUMNS["reports"].index("error")
                    cols[err] = tuple(
                        _renamed_error(e, old, source_file)
                        for e, old in zip(cols[err], cols[at], strict=True)
                    )
                    cols[at] = (source_file,) * len(cols[at])
            columns[name] = tuple(cols)
        return ReportTables(columns=columns)

    def set_frame(self, name: str, df: pd.DataFrame) -> None:
        self._frames[name] = df
        self._columns.pop(name, None)  # the frame is now the truth for this table

    def as_dict(self) -> dict[str, pd.DataFrame]:
        return {name: self.frame(name) for name in TABLES}

    def __getstate__(self) -> dict:
        # Columns are enough to rebuild the frames; pickling them is far cheaper.
        if self._columns:
            frames = {n: df for n, df in self._frames.items() if n not in self._columns}
            return {"_columns": self._columns, "_frames": frames}
        return self.__dict__

    def __setstate__(self, state: dict) -> None:
        if "_records" in state:  # pickled by gxparse 0.1 (rows as dicts)
            state = {
                "_columns": {n: _columns_of(n, r) for n, r in state["_records"].items()},
                "_frames": state.get("_frames", {}),
            }
        self.__dict__.update(state)

    reports = property(
        lambda self: self.frame("reports"), lambda self, df: self.set_frame("reports", df)
    )
    disclosure = property(
        lambda self: self.frame("disclosure"), lambda self, df: self.set_frame("disclosure", df)
    )
    applications = property(
        lambda self: self.frame("applications"), lambda self, df: self.set_frame("applications", df)
    )
    appeals = property(
        lambda self: self.frame("appeals"), lambda self, df: self.set_frame("appeals", df)
    )
    narrative = property(
        lambda self: self.frame("narrative"), lambda self, df: self.set_frame("narrative", df)
    )
    findings = property(
        lambda self: self.frame("findings"), lambda self, df: self.set_frame("findings", df)
    )
    sections = property(
        lambda self: self.frame("sections"), lambda self, df: self.set_frame("sections", df)
    )


def _renamed_error(error: object, old: object, new: str) -> object:
    """A failed file's error names the file first (see :func:`failed`): the new name."""
    if isinstance(error, str) and isinstance(old, str) and error.startswith(f"{old}: "):
        return f"{new}: {error[len(old) + 2 :]}"
    return error


def _add_note(notes: object, note: str) -> str:
    return note if notes is None or pd.isna(notes) or notes == "" else f"{notes}; {note}"


def _transpose(name: str, rows: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    if not rows:
        return tuple(() for _ in COLUMNS[name])
    return tuple(zip(*rows, strict=True))


def _columns_of(name: str, records: Sequence[Mapping[str, Any]]) -> tuple[tuple[Any, ...], ...]:
    """Dict rows → columns in :data:`COLUMNS` order (absent keys are NA, extra keys dropped)."""
    cols = COLUMNS[name]
    return _transpose(name, [tuple(r.get(c) for c in cols) for r in records])


def frame_of(table: str, columns: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """A table's DataFrame from its columns (in :data:`COLUMNS` order), in declared dtypes."""
    names = COLUMNS[table]
    if len(columns) != len(names):
        raise ValueError(f"{table}: {len(columns)} columns given, {len(names)} declared")
    data = {c: column(table, c, v) for c, v in zip(names, columns, strict=True)}
    return pd.DataFrame(data, columns=list(names))


def empty_frame(table: str) -> pd.DataFrame:
    return frame_of(table, [() for _ in COLUMNS[table]])


def typed(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """Give a table its declared column order and dtypes: code columns categorical with
    the template's codes (:mod:`gxparse.dtypes`), numbers nullable, the rest text. Extra
    columns keep their dtype (text when they hold objects)."""
    df = df.reindex(columns=[*COLUMNS[table], *(c for c in df.columns if c not in COLUMNS[table])])
    out = {c: column(table, c, df[c]) for c in df.columns}
    return pd.DataFrame(out, columns=df.columns).reset_index(drop=True)


def _cell_rows(
    report_id: str, result: TableResult, names: tuple[str, str], units: dict[str, str] | None = None
) -> tuple[tuple[Any, ...], ...]:
    """The cells of one table part as columns, in :data:`COLUMNS` order of its table."""
    table = "disclosure" if units is not None else "applications"
    if not result.cells:
        return _transpose(table, [])
    # Built column by column, in C where possible (keys and CellValues are tuples): a
    # report has ~200 cells.
    first, second = zip(*result.cells, strict=True)
    status, value, raw, source, _unresolved = zip(*result.cells.values(), strict=True)
    value = tuple([None if v is None else float(v) for v in value])
    if "derived" in status:
        source = tuple(
            _DERIVED_SOURCE if st == "derived" else src
            for st, src in zip(status, source, strict=True)
        )
    ids = (report_id,) * len(first)
    if units is not None:
        unit = tuple(map(_printed_unit, raw, map(units.get, second)))
        return (ids, first, second, value, unit, status, raw, source)
    return (ids, first, second, value, status, raw, source)


_DERIVED_SOURCE = "derived from the template identities"


def _printed_unit(raw: str | None, unit: str | None) -> str | None:
    """The unit an amount was printed in: "152790元" is in 元 although the column's unit is
    万元 (the data contract: the value is the number as printed, the unit says in what)."""
    if unit != T.AMOUNT_UNIT or not raw:
        return unit
    printed = raw.strip()
    if printed.endswith(T.AMOUNT_UNIT) or printed.endswith(T.AMOUNT_UNIT[0]):
        return T.AMOUNT_UNIT
    if printed.endswith(T.YUAN):
        return T.YUAN
    return unit


# Where the status column is in each cell table (parse_status looks for "missing").
_STATUS_AT = {t: COLUMNS[t].index("status") for t in ("disclosure", "applications", "appeals")}


def _order(result: TableResult, keys: list[tuple[str, str]]) -> TableResult:
    """Cells in template order (known keys first, then anything extra as found)."""
    if len(keys) == len(result.cells) and keys == list(result.cells):
        return result  # already in template order (the usual case)
    ordered = {k: result.cells[k] for k in keys if k in result.cells}
    ordered.update({k: v for k, v in result.cells.items() if k not in ordered})
    return TableResult(ordered, result.unplaced, result.notes)


def _opening(opens: Callable[[TableRow], bool]) -> Callable[[Item], bool]:
    """An item test from a row test: any table row of the item passes."""
    return lambda item: any(map(opens, table_rows([item])))


# Table parts found by what opens their tables when their headings are lost, in order.
_OPENERS = (
    (T.PART_BY_CODE["active_disclosure"], _opening(opens_disclosure)),
    (T.PART_BY_CODE["applications"], _opening(opens_applications)),
)


def _region(regions: list[Region], code: str) -> Region | None:
    return next((r for r in regions if r.part.code == code), None)


_SENTENCE_END = ("。", "！", "？", "；", "：", "!", "?", ";", ":")


def _paras(items, start: int, end: int) -> list[tuple[str, str]]:
    """Logical paragraphs of a region: lines wrapped by a PDF (no closing punctuation)
    are joined to the next line; the source is the paragraph's first line."""
    out: list[tuple[str, str]] = []
    open_line = False
    for i in items[start:end]:
        if isinstance(i, Para) and is_page_furniture(i.text):
            continue  # a page break inside a paragraph
        if not isinstance(i, Para) or not i.text.strip():
            open_line = False
            continue
        text = i.text.strip()
        if open_line and out:
            out[-1] = (out[-1][0] + text, out[-1][1])
        else:
            out.append((text, i.source))
        open_line = not text.endswith(_SENTENCE_END)
    return out


# The table of each part that has one (for the findings on numbers left unplaced).
_TABLE_OF_PART = {
    "active_disclosure": "disclosure",
    "applications": "applications",
    "appeals": "appeals",
}
_UNLABELLED = Reason.of("unlabelled_row", part="applications")


def _unplaced_findings(report_id: str, unplaced: list[Unplaced]) -> list[tuple[Any, ...]]:
    """One finding per source line and reason, listing every number it left unplaced
    (rows in :data:`COLUMNS` order of ``findings``)."""
    groups: dict[tuple[str, Reason], list[str]] = {}
    for u in unplaced:
        groups.setdefault((u.source, u.reason), []).append(u.text)
    out = []
    for (source, reason), texts in groups.items():
        numbers = " ".join(texts)
        message = (
            f"{source_zh(source)}的{len(texts)}个数字“{numbers}”未能对应到任何表格单元格："
            f"{reason.text('zh')}。"
        )
        out.append(
            (
                report_id,
                "unplaced_number",  # check
                "warning",  # severity
                _TABLE_OF_PART.get(reason.get("part")),  # table
                None,  # row
                None,  # col
                None,  # expected
                numbers,  # actual
                message,
                f"unplaced:{source}",  # location
                source,
            )
        )
    return out


_NOTE_REASONS = 8  # reasons a note spells out; the findings list every one


def _unplaced_note(unplaced: Sequence[Unplaced]) -> str:
    """The note of a report with numbers left unplaced: how many, and why, each reason
    with the numbers it left and where ("898989 at line 10 (part 二 normative_documents:
    digits of 3 cells run together)"), so the report itself says why it is ambiguous. Each
    reason is rendered from its code in English, like the other notes."""
    groups: dict[tuple[str, Reason], list[str]] = {}
    for u in unplaced:
        groups.setdefault((u.source, u.reason), []).append(u.text)
    why = [
        f"{' '.join(texts)} at {source} ({reason.text('en')})"
        for (source, reason), texts in list(groups.items())[:_NOTE_REASONS]
    ]
    if len(groups) > _NOTE_REASONS:
        why.append(f"and {len(groups) - _NOTE_REASONS} more (the unplaced_number findings)")
    return (
        f"{len(unplaced)} number(s) in parts 二–四 could not be placed without guessing: "
        + ", ".join(why)
    )


def _cut_at_end(result: TableResult, last: str) -> None:
    """A row label printed as the text's very last line, with nothing after it, was cut off
    (a truncated page): its cells are missing, not empty."""
    for key, cell in result.cells.items():
        if cell.status == "blank" and not (cell.raw or "").strip() and cell.source == last:
            result.cells[key] = MISSING


def _read_as_stream(
    items: list[Item],
    table_regions: Mapping[str, Region | None],
    template: str,
    *results: TableResult,
) -> list[Any]:
    """The row reader's results for parts 二–四, completed by the stream reader
    (:mod:`gxparse.parsing.stream`) when the parts are text (no rows of a real grid). Returns the
    notes, then the three results as the last element."""
    found = [r for r in table_regions.values() if r is not None]
    if not found:
        return [results]
    span = items[min(r.start for r in found) : max(r.end for r in found)]
    if any(isinstance(i, Row) and i.table is not None for i in span):
        return [results]
    stream = read_stream(span, template)
    notes: list[Any] = []
    merged = []
    for part, result in zip(T.TABLE_PARTS, results, strict=True):
        out, note = merge(result, stream.parts[part], stream.placed, part, template)
        merged.append(out)
        if note:
            notes.append(note)
    return [*notes, tuple(merged)]


def _split(items: list[Item]) -> tuple[list[Item], list[Region], int | None]:
    """Given a document's items, return them (cut at part 二's table when its heading is
    lost), their part regions, and where a second report starts (None: no second)."""
    items, regions, restart = split_parts(items)
    if not any(r.part.code == "active_disclosure" for r in regions):
        # Crawler text with no part 二 heading: its table starts at the first 第二十条.
        split = split_at_table(items, T.DISCLOSURE_HEADER_KEYS[1])
        if split is not items:
            items, regions, restart = split_parts(split)
    return items, regions, restart


def _first_report(
    doc: Document, items: list[Item], regions: list[Region], restart: int
) -> tuple[list[Region], list[Unplaced]]:
    """Given a file holding two reports, return the first one's regions and every number of
    the second as unplaced (noted on ``doc``)."""
    second_report = [
        Unplaced(c.text.strip(), c.source, Reason.of("second_report"))
        for r in table_rows(items[restart:])
        for c in r.numbers
    ]
    doc.notes.append(f"a second report starts at {items[restart].source}; only the first is read")
    return cut_at(regions, restart), second_report


def _facts(doc: Document, items: list[Item], regions: list[Region]) -> Facts:
    """Given the document and its regions, return the facts its head prints (agency, year,
    publication date, place)."""
    first = regions[0].start - 1 if regions else min(len(items), 40)
    head = [(i.text, i.source) for i in items[: max(first, 0)] if isinstance(i, Para)]
    if not head:
        head = [(i.text, i.source) for i in items[:10] if isinstance(i, Para)]
    agency_raw, year, title_src = find_title(head or [(doc.text[:200], "line 1")])
    if agency_raw is None and doc.title:
        # The article does not print its title; the web page's own title names the body.
        agency_raw, page_year, title_src = find_title([(doc.title, "page title")])
        year = year if year is not None else page_year
    if agency_raw is None:
        # No title anywhere: the opening sentence may name the body as its subject.
        paras = [(i.text, i.source) for i in items if isinstance(i, Para)][:12]
        agency_raw, title_src = agency_in_prose(paras)
    text = doc.text or "\n".join(t for t, _ in head)
    if year is None:
        year = year_from_period(text)
    if year is None:
        year = year_from_text(text)
    published = find_published(text, year)
    agency = normalise_agency(agency_raw) if agency_raw else None
    province = city = county = None
    if agency:
        province, city, county = locate(agency, doc.text)
    level = level_of(agency) if agency else None
    return Facts(agency_raw, agency, year, published, province, city, county, level, title_src)


def _table_regions(
    doc: Document, items: list[Item], regions: list[Region]
) -> tuple[dict[str, Region | None], int]:
    """Given the items and their regions, return the region of each table part and how many
    of them were found by their tables rather than their headings (noted on ``doc``).
    Raises :class:`ReadError` when the text has no part at all."""
    # A table part whose heading was lost is found by its table's first rows; its content
    # had stayed in the part before it. The prose parts keep the regions of the headings.
    # With no part heading at all, the tables are looked for in the whole text.
    spans = regions or (
        [Region(T.PART_BY_CODE["overview"], "", 0, len(items), items[0].source)] if items else []
    )
    recovered = 0
    for part, opens in _OPENERS:
        if (got := recover_region(items, spans, part, opens)) is not None:
            spans, found = got
            recovered += 1
            doc.notes.append(
                f"part {part.zh} heading not in its place; table read from {found.source}"
            )
    table_regions = {code: _region(spans, code) for code in T.TABLE_PARTS}
    if not any(table_regions.values()) and len(regions) < 2:
        raise ReadError("not_a_report")
    return table_regions, recovered


def _rows_by_part(
    items: list[Item], table_regions: Mapping[str, Region | None]
) -> dict[str, list[TableRow]]:
    """Given the table parts' regions, return each part's labelled rows."""
    return {
        code: table_rows(items[region.start : region.end], SEGMENT_KEYS[code]) if region else []
        for code, region in table_regions.items()
    }


def _appeal_rows(
    appeals_like: list[TableRow], part4_rows: list[TableRow], part4_found: bool
) -> tuple[list[TableRow], list[TableRow]]:
    """Given part 三's unlabelled rows of fifteen numbers and part 四's own rows, return the
    rows read as part 四 and the rows left unlabelled. With no part 四 heading, the last
    such row is part 四's table."""
    if part4_found:
        return part4_rows, appeals_like
    return appeals_like[-1:], appeals_like[:-1]


def _map_tables(
    rows_by_part: Mapping[str, list[TableRow]], part4_found: bool, template: str
) -> tuple[TableResult, TableResult, TableResult]:
    """Given each table part's rows, return the three parts' cells as the row reader
    places them."""
    disclosure = map_disclosure(rows_by_part["active_disclosure"], template)
    applications, appeals_like = map_applications(rows_by_part["applications"], template)
    appeal_rows, unlabelled = _appeal_rows(appeals_like, rows_by_part["appeals"], part4_found)
    for r in unlabelled:
        applications.unplaced += [
            Unplaced(c.text.strip(), c.source, _UNLABELLED) for c in r.numbers
        ]
    return disclosure, applications, map_appeals(appeal_rows)


def _read_tables(
    items: list[Item],
    table_regions: Mapping[str, Region | None],
    rows_by_part: Mapping[str, list[TableRow]],
    template: str,
) -> tuple[tuple[TableResult, TableResult, TableResult], list[Any]]:
    """Given the table parts' regions and rows, return the three parts' final cells (read,
    completed by the stream reader, derived, in template order) and the stream's notes."""
    results = _map_tables(rows_by_part, table_regions["appeals"] is not None, template)
    stream_notes = _read_as_stream(items, table_regions, template, *results)
    disclosure, applications, appeals = stream_notes.pop()
    if items:
        for result in (disclosure, applications, appeals):
            _cut_at_end(result, items[-1].source)
    applications.cells = derive(
        applications.cells, application_equations(template, applications.cells)
    )
    appeals.cells = derive(appeals.cells, appeal_equations())

    disclosure = _order(
        disclosure, [(i, m) for i, ms in T.DISCLOSURE_LAYOUT[template].items() for m in ms]
    )
    applications = _order(
        applications, [(r.code, a) for r in T.application_rows(template) for a in T.APPLICANT_CODES]
    )
    appeals = _order(appeals, list(T.APPEAL_CELLS))
    return (disclosure, applications, appeals), stream_notes


def _parse_status(
    cell_columns: Mapping[str, Sequence[Sequence[Any]]],
    missing_parts: list[str],
    unplaced: list[Unplaced],
    lost_heading: bool,
) -> str:
    """Given the cell tables and what went wrong, return ``ok`` or ``partial``."""
    any_missing = any("missing" in cols[_STATUS_AT[n]] for n, cols in cell_columns.items())
    if not any_missing and not missing_parts and not unplaced and not lost_heading:
        return "ok"
    return "partial"


def _figures(
    items: list[Item], regions: list[Region], table_regions: Mapping[str, Region | None]
) -> list[Figure]:
    """Given the items and their regions, return the figures the prose prints: part 一's
    (disclosures, requests) and part 五's fees (the whole text's without a part 五)."""
    overview = _region(regions, "overview")
    part2 = table_regions["active_disclosure"]
    o_start, o_end = (
        (overview.start, overview.end)
        if overview
        else (0, part2.start - 1 if part2 else len(items))
    )
    overview_paras = _paras(items, o_start, o_end)
    other = _region(regions, "other")
    figures: list[Figure] = disclosure_figures(overview_paras) + request_figures(overview_paras)
    figures += fee_figures(
        _paras(items, other.start, other.end) if other else _paras(items, 0, len(items))
    )
    return figures


def _notes(notes: list[str], missing_parts: list[str], unplaced: Sequence[Unplaced]) -> str:
    """Given the readers' and mappers' notes, return the report's notes as one text, with
    the parts not found and the numbers left unplaced (see :func:`_unplaced_note`)."""
    return "; ".join(
        notes
        + [f"part {T.PART_BY_CODE[c].zh} not found" for c in missing_parts]
        + ([_unplaced_note(unplaced)] if unplaced else [])
    )


def _narrative_rows(report_id: str, figures: list[Figure]) -> list[tuple[Any, ...]]:
    """Given the prose figures, return their narrative rows (in :data:`COLUMNS` order)."""
    return [
        (
            report_id,
            f.metric,
            float(f.value),
            f.approximate,
            f.quote,
            f.label,
            f.parent,
            f.unit,
            f.source,
        )
        for f in figures
    ]


def parse_document(
    doc: Document, report_id: str, source_file: str = "", sha256: str = ""
) -> ReportTables:
    """Map a read Document to the seven tables."""
    items, regions, restart = _split(doc.items)
    second_report: list[Unplaced] = []
    if restart is not None:
        # Two reports in one file: read the first; count every number of the second.
        regions, second_report = _first_report(doc, items, regions, restart)
    facts = _facts(doc, items, regions)
    table_regions, recovered = _table_regions(doc, items, regions)
    rows_by_part = _rows_by_part(items, table_regions)
    all_rows = [r for rows in rows_by_part.values() for r in rows]
    template = detect_template(all_rows, facts.year, doc.text)
    (disclosure, applications, appeals), stream_notes = _read_tables(
        items, table_regions, rows_by_part, template
    )
    units = {m.code: m.unit for m in T.DISCLOSURE_MEASURES}

    unplaced = disclosure.unplaced + applications.unplaced + appeals.unplaced + second_report
    cell_columns = {
        "disclosure": _cell_rows(report_id, disclosure, ("item", "measure"), units),
        "applications": _cell_rows(report_id, applications, ("row", "applicant")),
        "appeals": _cell_rows(report_id, appeals, ("proceeding", "result")),
    }
    missing_parts = [c for c, r in table_regions.items() if r is None]
    # A heading found by its table: the tables were read, but the report is damaged.
    parse_status = _parse_status(cell_columns, missing_parts, unplaced, recovered > 0)
    figures = _figures(items, regions, table_regions)
    findings = _unplaced_findings(report_id, unplaced)
    notes = _notes(
        doc.notes + stream_notes + disclosure.notes + applications.notes + appeals.notes,
        missing_parts,
        unplaced,
    )
    # Rows as tuples in COLUMNS order (see ReportTables: stored and pickled as columns).
    report = (
        report_id,
        source_file,
        doc.source_format,
        sha256,
        facts.agency_raw,
        facts.agency,
        facts.province,
        facts.city,
        facts.county,
        facts.year,
        template,
        facts.published,
        parse_status,
        None,  # error
        len(unplaced),  # n_unplaced
        facts.level,
        doc.encoding,
        notes or None,
        None,  # duplicate_of: set across the corpus (gxparse.batch.corpus.mark_duplicates)
    )
    sections = [
        (report_id, r.part.code, r.heading, region_text(items, r), r.source) for r in regions
    ]
    return ReportTables(
        columns={
            "reports": _transpose("reports", [report]),
            **cell_columns,
            "narrative": _transpose("narrative", _narrative_rows(report_id, figures)),
            "findings": _transpose("findings", findings),
            "sections": _transpose("sections", sections),
        }
    )


def failed(
    report_id: str,
    source_file: str,
    reason: str,
    sha256: str = "",
    source_format: str | None = None,
) -> ReportTables:
    """The tables of a file that could not be read: one reports row saying why."""
    row = dict.fromkeys(COLUMNS["reports"])
    row.update(
        report_id=report_id,
        source_file=source_file,
        source_format=source_format,
        sha256=sha256,
        parse_status="failed",
        error=f"{source_file}: {reason}",
        n_unplaced=0,
    )
    return ReportTables({"reports": [row]})


def parse_bytes(data: bytes, filename: str) -> ReportTables:
    """Parse one file's bytes; never raises for a bad file (returns a failed report)."""
    from gxparse.readers import read_bytes

    report_id = Path(filename).stem
    sha = hashlib.sha256(data).hexdigest()
    try:
        doc = read_bytes(data, filename)
        return parse_document(doc, report_id, filename, sha)
    except ReadError as exc:
        return failed(report_id, filename, str(exc), sha)
    except RecursionError:
        return failed(report_id, filename, failure_text("nested_too_deeply"), sha)
    except Exception as exc:  # a bug in gxparse must not stop the batch
        log.exception("internal error parsing %s", filename)
        return failed(
            report_id,
            filename,
            failure_text("internal_error", detail=f"{type(exc).__name__}: {exc}"),
            sha,
        )


def parse_file(path: str | Path) -> ReportTables:
    """Parse one file from disk (read-only)."""
    from gxparse.readers.guard import check_path

    p = Path(path)
    try:
        check_path(p)  # an oversized file is refused before it is read into memory
        data = p.read_bytes()
    except ReadError as exc:
        return failed(p.stem, p.name, str(exc))
    except OSError as exc:
        return failed(p.stem, p.name, failure_text("cannot_read", detail=exc.strerror or exc))
    return parse_bytes(data, p.name)
