"""Analyst decisions as data: corrections to cells, and decisions on findings.

Two plain CSV files (UTF-8, a BOM from Excel is fine), re-applied on every run:

``data/corrections.csv`` — ``report_id, table, row, col, value, reason``
    Applied to the cell tables *before* the checks. ``table`` is ``disclosure``,
    ``applications`` or ``appeals``; ``row``/``col`` are the table's codes (item/measure,
    row/applicant, proceeding/result). The cell's ``value`` is replaced, its ``status``
    becomes ``corrected``, ``raw`` keeps the printed text, and ``correction_reason`` (a new
    column, NA elsewhere) keeps the reason. A correction for a report that is not in the
    tables is ignored (the file may cover a larger archive than one run); a correction for
    a cell the report lacks adds that cell.

``data/reviews.csv`` — ``report_id, check, location, decision, note``
    Applied to the findings *after* the checks; ``decision`` is ``confirmed`` or
    ``dismissed``. A finding matches a review on ``(report_id, check, location)``;
    ``location`` is the finding's stable, report-independent key (e.g.
    ``applications:balance:natural_person``). Precedence, first match wins:

    1. exact ``(report_id, check, location)``;
    2. carried forward: for checks whose catalog entry has ``decision_carries`` (a body's
       habits: peers, template, timeliness, copied text, year gaps), a decision on an
       earlier report of the same body (same ``agency``, see
       :func:`gxparse.analysis.checks.body_keys`) with the same check and location —
       so a dismissal stays dismissed next year; the most recent earlier decision wins;
    3. wildcard: ``report_id`` = ``*`` applies to every report (``location`` = ``*`` to
       every location of the check).

    Identity breaks and other per-number findings do not carry forward: next year's
    numbers are new numbers, and need a new look.

A malformed line in either file (wrong number of fields, an unknown code, a value that is
not a number, an empty required field) raises :class:`AnalystFileError` naming the file and
the line; nothing is applied.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

import pandas as pd

from gxparse import template as T
from gxparse.analysis import checks as C
from gxparse.dtypes import categorical

REVIEW_COLUMNS: tuple[str, ...] = ("report_id", "check", "location", "decision", "note")
CORRECTION_COLUMNS: tuple[str, ...] = ("report_id", "table", "row", "col", "value", "reason")
DECISIONS: tuple[str, ...] = ("confirmed", "dismissed")
WILDCARD = "*"

DEFAULT_REVIEWS = Path("data/reviews.csv")
DEFAULT_CORRECTIONS = Path("data/corrections.csv")

# Codes each cell table accepts in ``row`` and ``col``.
_ROW_CODES: dict[str, frozenset[str]] = {
    "disclosure": frozenset(i.code for i in T.DISCLOSURE_ITEMS),
    "applications": frozenset(r.code for r in T.APPLICATION_ROWS),
    "appeals": frozenset(p.code for p in T.PROCEEDINGS),
}
_COL_CODES: dict[str, frozenset[str]] = {
    "disclosure": frozenset(m.code for m in T.DISCLOSURE_MEASURES),
    "applications": frozenset(T.APPLICANT_CODES),
    "appeals": frozenset(r.code for r in T.RESULTS),
}
_INTEGER_TABLES = frozenset({"applications", "appeals"})


class AnalystFileError(ValueError):
    """A malformed line in an analyst file; the message names the file and the line."""

    def __init__(self, path: str | os.PathLike[str], line: int, reason: str) -> None:
        self.path, self.line, self.reason = str(path), line, reason
        super().__init__(f"{path}, line {line}: {reason}")


@dataclass(frozen=True)
class _Line:
    number: int
    fields: dict[str, str]


def _read_lines(path: str | os.PathLike[str], columns: tuple[str, ...]) -> list[_Line]:
    """Given a CSV path and its expected header, return its data lines with their physical
    line numbers. Blank lines are skipped; a missing file reads as no lines."""
    p = Path(path)
    if not p.exists():
        return []
    with p.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        out: list[_Line] = []
        header: list[str] | None = None
        start = 1
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not row or all(not c.strip() for c in row):
                continue
            cells = [c.strip() for c in row]
            if header is None:
                header = cells
                if tuple(header) != columns:
                    raise AnalystFileError(
                        path, line, f"header must be {','.join(columns)}, got {','.join(header)}"
                    )
                continue
            if len(cells) != len(columns):
                raise AnalystFileError(
                    path, line, f"expected {len(columns)} fields, got {len(cells)}"
                )
            out.append(_Line(line, dict(zip(columns, cells, strict=True))))
    return out


def _require(path: str | os.PathLike[str], line: _Line, names: tuple[str, ...]) -> None:
    for name in names:
        if not line.fields[name]:
            raise AnalystFileError(path, line.number, f"empty {name}")


def load_reviews(path: str | os.PathLike[str] = DEFAULT_REVIEWS) -> pd.DataFrame:
    """Given the path of reviews.csv, return its decisions as a table
    (report_id, check, location, decision, note, line). Raises :class:`AnalystFileError` on
    the first malformed line."""
    rows = []
    for line in _read_lines(path, REVIEW_COLUMNS):
        _require(path, line, ("report_id", "check", "location", "decision"))
        f = line.fields
        if f["check"] not in C.CHECK_BY_CODE:
            raise AnalystFileError(path, line.number, f"unknown check {f['check']!r}")
        if f["decision"] not in DECISIONS:
            raise AnalystFileError(
                path,
                line.number,
                f"decision must be one of {', '.join(DECISIONS)}, got {f['decision']!r}",
            )
        rows.append({**f, "line": line.number})
    return _reviews_frame(rows)


def _reviews_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*REVIEW_COLUMNS, "line"])
    return df.astype({c: "string" for c in REVIEW_COLUMNS} | {"line": "Int64"})


def load_corrections(path: str | os.PathLike[str] = DEFAULT_CORRECTIONS) -> pd.DataFrame:
    """Given the path of corrections.csv, return its corrections as a table
    (report_id, table, row, col, value (float), reason, line). Raises
    :class:`AnalystFileError` on the first malformed line."""
    rows = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line in _read_lines(path, CORRECTION_COLUMNS):
        _require(path, line, CORRECTION_COLUMNS)
        f = line.fields
        table = f["table"]
        if table not in _ROW_CODES:
            raise AnalystFileError(
                path, line.number, f"table must be one of {', '.join(_ROW_CODES)}, got {table!r}"
            )
        if f["row"] not in _ROW_CODES[table]:
            raise AnalystFileError(path, line.number, f"unknown {table} row {f['row']!r}")
        if f["col"] not in _COL_CODES[table]:
            raise AnalystFileError(path, line.number, f"unknown {table} column {f['col']!r}")
        try:
            value = float(f["value"])
        except ValueError:
            raise AnalystFileError(
                path, line.number, f"value {f['value']!r} is not a number"
            ) from None
        if table in _INTEGER_TABLES and not value.is_integer():
            raise AnalystFileError(path, line.number, f"{table} values are whole numbers")
        key = (f["report_id"], table, f["row"], f["col"])
        if key in seen:
            raise AnalystFileError(
                path, line.number, f"same cell already corrected on line {seen[key]}"
            )
        seen[key] = line.number
        rows.append({**f, "value": value, "line": line.number})
    return _corrections_frame(rows)


def _corrections_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*CORRECTION_COLUMNS, "line"])
    return df.astype(
        {c: "string" for c in CORRECTION_COLUMNS if c != "value"}
        | {"value": "Float64", "line": "Int64"}
    )


def apply_corrections(
    tables: Mapping[str, pd.DataFrame], corrections: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Given tables and corrections (from :func:`load_corrections`), return new tables
    whose corrected cells carry the new value, status ``corrected``, the printed ``raw``
    and ``correction_reason``. Tables are not modified in place; tables without
    corrections are returned as they are (plus an all-NA ``correction_reason`` column)."""
    out = dict(tables)
    for table, (rk, ck) in C.CELL_KEYS.items():
        df = tables.get(table)
        if df is None:
            continue
        # Shallow: copy-on-write copies only the columns a correction writes to, so a
        # corpus's cell tables are not duplicated for a handful of corrected cells.
        df = df.copy(deep=False)
        if "correction_reason" not in df.columns:
            df["correction_reason"] = pd.Series(pd.NA, index=df.index, dtype="string")
        mine = corrections[corrections["table"] == table] if not corrections.empty else corrections
        if mine.empty:
            out[table] = df
            continue
        # Only the rows of the corrected reports are indexed: a dict of every cell of a
        # large corpus would cost more than the whole table.
        wanted = {str(r) for r in mine["report_id"]}
        near = df[df["report_id"].astype(str).isin(wanted).to_numpy(dtype=bool)]
        present = set(near["report_id"].astype(str))
        index = {
            (str(a), str(b), str(c)): i
            for i, a, b, c in zip(near.index, near["report_id"], near[rk], near[ck], strict=True)
        }
        added = []
        value_dtype = df["value"].dtype
        for rec in mine.to_dict("records"):
            rid = str(rec["report_id"])
            if rid not in present:
                continue
            value = rec["value"]
            key = (rid, str(rec["row"]), str(rec["col"]))
            if key in index:
                i = index[key]
                df.loc[i, "value"] = value
                df.loc[i, "status"] = "corrected"
                df.loc[i, "correction_reason"] = rec["reason"]
            else:
                added.append(
                    {
                        "report_id": rid,
                        rk: rec["row"],
                        ck: rec["col"],
                        "value": value,
                        "status": "corrected",
                        "raw": pd.NA,
                        "source": f"corrections.csv line {rec['line']}",
                        "correction_reason": rec["reason"],
                    }
                )
        if added:
            dtypes = df.dtypes
            df = pd.concat([df, pd.DataFrame(added)], ignore_index=True)
            # Appended plain text turns a code column to text; it gets its categories back.
            for c, dtype in dtypes.items():
                if isinstance(dtype, pd.CategoricalDtype) and df[c].dtype != dtype:
                    df[c] = categorical(df[c], dtype, f"{table}.{c}")
        df["value"] = df["value"].astype(value_dtype)
        out[table] = df
    return out


def apply_reviews(
    findings: pd.DataFrame, reviews: pd.DataFrame, reports: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Given findings, reviews (from :func:`load_reviews`) and optionally the reports
    table (for carrying decisions forward within a body), return the findings with
    ``decision`` and ``note`` filled where a review matches (see the module docstring for
    the precedence). Findings without a match keep their decision (NA by default)."""
    out = findings.copy()
    for c in ("decision", "note"):
        if c not in out.columns:
            out[c] = pd.NA
        out[c] = out[c].astype("string")
    if reviews.empty or out.empty:
        return out
    exact: dict[tuple[str, str, str], tuple[str, str]] = {}
    wild: dict[tuple[str, str], tuple[str, str]] = {}
    for rec in reviews.to_dict("records"):
        val = (str(rec["decision"]), "" if pd.isna(rec["note"]) else str(rec["note"]))
        if rec["report_id"] == WILDCARD:
            wild[(str(rec["check"]), str(rec["location"]))] = val
        else:
            exact[(str(rec["report_id"]), str(rec["check"]), str(rec["location"]))] = val
    body: dict[str, tuple[str, int]] = {}
    if reports is not None and not reports.empty:
        keys = C.body_keys(reports)
        for rid, yr in zip(reports["report_id"], reports["year"], strict=True):
            if str(rid) in keys and not pd.isna(yr):
                body[str(rid)] = (keys[str(rid)], int(yr))
    # Carried decisions: (agency, check, location) -> [(year, report_id, decision, note)].
    carried: dict[tuple[str, str, str], list[tuple[int, str, str, str]]] = {}
    for (rid, check, loc), (dec, note) in exact.items():
        spec = C.CHECK_BY_CODE.get(check)
        if spec is None or not spec.decision_carries or rid not in body:
            continue
        ag, yr = body[rid]
        carried.setdefault((ag, check, loc), []).append((yr, rid, dec, note))
    decisions, notes = [], []
    for rid, check, loc, d0, n0 in zip(
        out["report_id"], out["check"], out["location"], out["decision"], out["note"], strict=True
    ):
        hit = _match(str(rid), str(check), str(loc), exact, carried, wild, body)
        decisions.append(d0 if hit is None else hit[0])
        notes.append(n0 if hit is None else hit[1])
    out["decision"] = pd.array(decisions, dtype="string")
    out["note"] = pd.array(notes, dtype="string")
    return out


def _match(
    rid: str,
    check: str,
    loc: str,
    exact: Mapping[tuple[str, str, str], tuple[str, str]],
    carried: Mapping[tuple[str, str, str], list[tuple[int, str, str, str]]],
    wild: Mapping[tuple[str, str], tuple[str, str]],
    body: Mapping[str, tuple[str, int]],
) -> tuple[str, str] | None:
    """The decision for one finding, by precedence exact > carried > wildcard."""
    if (rid, check, loc) in exact:
        return exact[(rid, check, loc)]
    if rid in body:
        ag, yr = body[rid]
        earlier = [c for c in carried.get((ag, check, loc), []) if c[0] < yr]
        if earlier:
            year, src, dec, note = max(earlier)
            return dec, f"{note}（沿用{year}年报告{src}的决定）"
    for key in ((check, loc), (check, WILDCARD)):
        if key in wild:
            return wild[key]
    return None


def renamed_ids(reports: pd.DataFrame) -> dict[str, list[str]]:
    """Given the reports table, return the reports whose ``report_id`` is not their file's
    name without its extension (it collided with another file's, see
    :func:`gxparse.batch.corpus.report_ids`): that name -> the ids this run gave them."""
    out: dict[str, list[str]] = {}
    if reports.empty or "source_file" not in reports.columns:
        return out
    for rid, name in zip(reports["report_id"], reports["source_file"], strict=True):
        if pd.isna(name):
            continue
        stem = PurePath(str(name)).stem
        if stem != str(rid):
            out.setdefault(stem, []).append(str(rid))
    return out


def renamed_id_findings(
    corrections: pd.DataFrame,
    reviews: pd.DataFrame,
    reports: pd.DataFrame | None,
    files: tuple[str, str] = (DEFAULT_CORRECTIONS.name, DEFAULT_REVIEWS.name),
) -> pd.DataFrame:
    """Given the analyst's corrections and reviews, the reports table and the two files'
    names, return a finding (``analyst_id_renamed``) on each report that a line of either
    file names by an id this run no longer gives it: a file whose name collided with
    another file's got a qualified id (``index`` -> ``2022/index``). Such a line applies to
    no report — ids not in the run are ignored, as the files may cover a larger archive —
    so without this finding it would stop applying silently."""
    renamed = renamed_ids(reports) if reports is not None else {}
    present = set() if reports is None else {str(r) for r in reports["report_id"]}
    found: list[C.Finding] = []
    for kind, name, frame in (
        ("corrections", files[0], corrections),
        ("reviews", files[1], reviews),
    ):
        for rec in frame.to_dict("records"):
            old = str(rec["report_id"])
            if old == WILDCARD or old in present or old not in renamed:
                continue
            what = (
                f"{rec['table']}:{rec['row']}:{rec['col']}"
                if kind == "corrections"
                else f"{rec['check']}:{rec['location']}"
            )
            for new in renamed[old]:
                found.append(
                    C.Finding(
                        report_id=new,
                        check="analyst_id_renamed",
                        table=str(rec["table"]) if kind == "corrections" else None,
                        row=str(rec["row"]) if kind == "corrections" else None,
                        col=str(rec["col"]) if kind == "corrections" else None,
                        expected=new,
                        actual=old,
                        message=(
                            f"{name}第{rec['line']}行所指报告“{old}”在本次运行中因文件重名"
                            f"改称“{new}”，该行未生效；如指本报告，请将编号改为“{new}”"
                        ),
                        location=f"{kind}:{old}:{what}",
                        source=f"{name} line {rec['line']}",
                    )
                )
    return C.findings_frame(found)


def corrected_cells(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every cell an analyst corrected, from the three cell tables, with a ``table`` column."""
    frames = [
        df[df["status"] == "corrected"].assign(table=name)
        for name in ("disclosure", "applications", "appeals")
        if (df := tables.get(name)) is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def check_corpus(
    tables: Mapping[str, pd.DataFrame],
    *,
    config: C.CheckConfig | None = None,
    corrections_path: str | os.PathLike[str] | None = DEFAULT_CORRECTIONS,
    reviews_path: str | os.PathLike[str] | None = DEFAULT_REVIEWS,
) -> dict[str, pd.DataFrame]:
    """Given the parser's tables (its ``findings`` included), return all tables after the
    analyst's corrections, with ``findings`` = the parser's own findings + every check's
    (re-run on the corrected cells; earlier check findings in ``tables`` are replaced),
    decisions applied. A report's per-line ``unplaced_number`` findings give way to its
    one ``unplaced_numbers`` finding, which lists them. Both files are read (and validated) before anything is applied;
    a ``None`` path skips that file."""
    corrections = load_corrections(corrections_path) if corrections_path else _corrections_frame([])
    reviews = load_reviews(reviews_path) if reviews_path else _reviews_frame([])
    out = apply_corrections(tables, corrections)
    found = C.run_checks(out, config)
    files = tuple(
        Path(p).name if p else d.name
        for p, d in ((corrections_path, DEFAULT_CORRECTIONS), (reviews_path, DEFAULT_REVIEWS))
    )
    stale = renamed_id_findings(corrections, reviews, tables.get("reports"), files)
    if not stale.empty:
        found = pd.concat([found, stale], ignore_index=True)
    parsed = tables.get("findings")
    if parsed is not None and not parsed.empty:
        # Keep the parser's own findings; drop earlier runs of the checks (re-run here).
        parsed = parsed[~parsed["check"].isin(C.RUN_CHECK_CODES)].copy()
        # One finding per fact: a report's unplaced numbers are listed line by line in its
        # one unplaced_numbers finding, which replaces the parser's per-line ones.
        merged = set(found.loc[found["check"] == "unplaced_numbers", "report_id"].astype(str))
        per_line = parsed["check"].eq("unplaced_number") & parsed["report_id"].astype(str).isin(
            merged
        )
        parsed = parsed[~per_line.fillna(False)]
        for c in C.FINDING_COLUMNS:
            if c not in parsed.columns:
                parsed[c] = pd.NA
        parsed = parsed[list(C.FINDING_COLUMNS)].astype("string")
        found = pd.concat([parsed, found], ignore_index=True)
    out["findings"] = apply_reviews(found, reviews, out.get("reports"))
    return out


__all__ = [
    "AnalystFileError",
    "apply_corrections",
    "apply_reviews",
    "check_corpus",
    "corrected_cells",
    "load_corrections",
    "load_reviews",
    "renamed_id_findings",
    "renamed_ids",
]
