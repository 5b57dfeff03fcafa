"""Parsed tables against the spec they were printed from, cell by cell.

The tests (hostile files, property tests) and the fuzz benchmark compare what the parser
read with what a :class:`~gxsynth.model.ReportSpec` printed; both sides become the
same plain mapping ``(table, key, key) → (status, value)``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from gxsynth.model import ReportSpec

__all__ = ["CELL_KEYS", "Cells", "Readings", "spec_cells", "table_cells", "table_readings"]

# The cell tables and the two code columns that name a cell in each.
CELL_KEYS: dict[str, tuple[str, str]] = {
    "disclosure": ("item", "measure"),
    "applications": ("row", "applicant"),
    "appeals": ("proceeding", "result"),
}

Cells = dict[tuple[str, str, str], tuple[str, float | None]]


def table_cells(tables: Any, report_id: str | None = None) -> Cells:
    """Every template cell of parsed tables (a ReportTables or a corpus), optionally of one
    report: (table, key, key) → (status, value)."""
    out: Cells = {}
    for table, (a, b) in CELL_KEYS.items():
        df = getattr(tables, table)
        if report_id is not None:
            df = df[df["report_id"] == report_id]
        for r in df.itertuples(index=False):
            v = r.value
            out[(table, getattr(r, a), getattr(r, b))] = (
                str(r.status),
                None if pd.isna(v) else float(v),
            )
    return out


def spec_cells(spec: ReportSpec) -> Cells:
    """What the tables must say for a spec whose printed cells are plain numbers or None
    (None: an empty cell, read as blank)."""
    out: Cells = {}
    for table in CELL_KEYS:
        for (a, b), printed in getattr(spec, table).items():
            out[(table, a, b)] = (
                ("blank", None) if printed is None else ("reported", float(printed))
            )
    return out


Readings = dict[tuple[str, str, str], tuple[str, float | None, str | None]]


def _raw_key(raw: object) -> str | None:
    if raw is None or (not isinstance(raw, str) and pd.isna(raw)):
        return None
    from gxparse.normalize import compact

    return compact(str(raw))


def table_readings(tables: Any) -> Readings:
    """Every template cell as read: (table, key, key) → (status, value, raw after NFKC with
    whitespace removed). Two readings of the same report in two layouts must be equal; the
    source line may differ."""
    out: Readings = {}
    for table, (a, b) in CELL_KEYS.items():
        df = getattr(tables, table)
        for r in df.itertuples(index=False):
            v = r.value
            out[(table, getattr(r, a), getattr(r, b))] = (
                str(r.status),
                None if pd.isna(v) else float(v),
                _raw_key(r.raw),
            )
    return out
