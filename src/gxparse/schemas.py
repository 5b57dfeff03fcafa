"""Schemas of the seven tidy tables (pandera), derived from their declaration.

A schema failure is a bug in gxparse (the parser produced something the contract does not
allow), not a finding about a report. Columns, types, code sets and keys come from the
declaration of the tables (:data:`gxparse.contract.TABLES`).

What is declared, per table: the contract's columns and their types, the code sets
(items, measures, rows, applicants, proceedings, results, statuses, sections, levels,
checks, severities), one row per cell, and status/value consistency: ``reported``,
``derived`` and ``corrected`` cells hold a value; ``blank`` and ``missing`` cells hold NA.

:func:`validate` checks every table present and raises :class:`TableSchemaError` listing
every failure at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import pandas as pd
import pandera.pandas as pa

from gxparse import contract as K
from gxparse import dtypes as D
from gxparse import template as T

VALUED_STATUSES = frozenset(K.VALUED_STATUSES)
EMPTY_STATUSES = frozenset(K.EMPTY_STATUSES)
SOURCE_FORMATS = ("txt", "md", "docx", "doc", "pdf", "html", "htm", "xlsx", "xls", "csv", "wps")
PARSE_STATUSES = D.PARSE_STATUSES
SECTIONS = D.CATEGORIES["sections"]["section"]
LEVEL_CODES = D.CATEGORIES["reports"]["level"]


class TableSchemaError(ValueError):
    """One or more tables break their schema; the message lists every failure."""


# ---------------------------------------------------------------------------------------
# Column-level type checks that accept the equivalent pandas spellings (str/object,
# Int64/int64, Float64/float64), since pandas 3 and Parquet round trips differ.
# ---------------------------------------------------------------------------------------


def _series_check(pred: Callable[[pd.Series], bool], name: str) -> pa.Check:
    """A column type check; an all-NA column passes (its dtype says nothing)."""
    return pa.Check(lambda s: bool(s.isna().all() or pred(s)), name=name, error=name)


def _is_text(s: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(s.dtype):
        return True
    if isinstance(s.dtype, pd.CategoricalDtype):
        # A code column (gxparse.dtypes): text values stored as categories.
        return all(isinstance(v, str) for v in s.dtype.categories)
    vals = s.dropna()
    return s.dtype == object and all(isinstance(v, str) for v in vals)


def _is_int(s: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(s.dtype)


def _is_number(s: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return True
    vals = s.dropna()
    return s.dtype == object and all(
        isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in vals
    )


def _is_bool(s: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(s.dtype)


def _is_date(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return True
    vals = s.dropna()
    if s.dtype == object and all(hasattr(v, "year") and hasattr(v, "month") for v in vals):
        return True
    # ISO strings (CSV round trip) are accepted when they all parse.
    if _is_text(s):
        return pd.to_datetime(vals, errors="coerce", format="ISO8601").notna().all()
    return len(vals) == 0


TEXT = _series_check(_is_text, "text")
INT = _series_check(_is_int, "integer dtype")
NUMBER = _series_check(_is_number, "numeric dtype")
BOOL = _series_check(_is_bool, "boolean dtype")
DATE = _series_check(_is_date, "date")


def _declared_categories(codes: tuple[str, ...]) -> pa.Check:
    """A categorical code column has exactly the declared categories, in declared order
    (plain text passes: a CSV read back has no categories)."""

    def ok(s: pd.Series) -> bool:
        if not isinstance(s.dtype, pd.CategoricalDtype):
            return True
        return tuple(s.dtype.categories) == codes

    return pa.Check(ok, name="declared categories", error="categories differ from the codes")


def text(
    nullable: bool = True, codes: tuple[str, ...] | None = None, required: bool = True
) -> pa.Column:
    """A text column, optionally restricted to a code set. A code column may be plain text
    or categorical (see :mod:`gxparse.dtypes`); categorical, its categories are the codes."""
    checks = [TEXT]
    if codes is not None:
        checks.append(pa.Check.isin(list(codes), error=f"one of {len(codes)} codes"))
        checks.append(_declared_categories(codes))
    return pa.Column(None, checks=checks, nullable=nullable, required=required)


def _status_value_consistent(df: pd.DataFrame) -> pd.Series:
    """Row-wise: reported/derived/corrected ⇒ value present; blank/missing ⇒ value NA."""
    has = df["value"].notna()
    valued = df["status"].isin(VALUED_STATUSES)
    empty = df["status"].isin(EMPTY_STATUSES)
    return (valued & has) | (empty & ~has)


def _unique(*keys: str) -> pa.Check:
    return pa.Check(
        lambda df: ~df.duplicated(list(keys), keep=False),
        name=f"one row per {'/'.join(keys)}",
        error=f"duplicate {'/'.join(keys)}",
    )


_DISCLOSURE_PAIRS = {
    (item, m) for layout in T.DISCLOSURE_LAYOUT.values() for item, ms in layout.items() for m in ms
}

# Rules of one table beyond its columns and key (logic, so not in the declaration).
_TABLE_RULES: dict[str, tuple[pa.Check, ...]] = {
    "reports": (
        pa.Check(
            lambda df: (df["parse_status"] == "failed") | df["error"].isna(),
            name="error only when failed",
            error="error set on a report that did not fail",
        ),
    ),
    "disclosure": (
        pa.Check(
            lambda df: pd.Series(
                [
                    (i, m) in _DISCLOSURE_PAIRS
                    for i, m in zip(df["item"], df["measure"], strict=True)
                ],
                index=df.index,
            ),
            name="item/measure pair in a template layout",
            error="item/measure pair",
        ),
    ),
}
_TYPE_CHECKS = {"int": INT, "float": NUMBER, "bool": BOOL, "date": DATE}


def column_schema(column: K.Column) -> pa.Column:
    """A declared column's pandera column: its type, code set and nullability. A column
    the contract does not name is optional (a file written before gxparse added it)."""
    if column.dtype in ("text", "code"):
        return text(nullable=column.nullable, codes=column.codes, required=column.contract)
    checks = [_TYPE_CHECKS[column.dtype]]
    if column.minimum is not None:
        checks.append(pa.Check.ge(column.minimum))
    return pa.Column(None, checks=checks, nullable=column.nullable, required=column.contract)


def table_schema(table: K.Table) -> pa.DataFrameSchema:
    """A declared table's schema: its columns, one row per key, and for a table of cells
    (one with a status) status/value consistency."""
    checks = []
    if "status" in table.names:
        checks.append(
            pa.Check(
                _status_value_consistent, name="status/value consistency", error="status/value"
            )
        )
    if table.keys:
        checks.append(_unique(*table.keys))
    checks += _TABLE_RULES.get(table.name, ())
    return pa.DataFrameSchema(
        {c.name: column_schema(c) for c in table.columns}, checks=checks, name=table.name
    )


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    name: table_schema(table) for name, table in K.TABLES.items()
}


def validate(tables: Mapping[str, pd.DataFrame]) -> None:
    """Given tables by name, validate each one that has a schema; raise
    :class:`TableSchemaError` listing every failure of every table."""
    problems = []
    for name, df in tables.items():
        schema = SCHEMAS.get(name)
        if schema is None:
            continue
        try:
            schema.validate(df, lazy=True)
        except pa.errors.SchemaErrors as e:
            fc = e.failure_cases
            frame_level = fc["schema_context"] == "DataFrameSchema"
            fc = fc.assign(column=fc["column"].where(~frame_level, "(rows)"))
            fc = fc.drop_duplicates(["column", "check", "index"])
            for (col, check), g in fc.groupby(["column", "check"], sort=False, dropna=False):
                rows = ", ".join(str(i) for i in g["index"].head(5).tolist())
                cases = ", ".join(repr(x) for x in g["failure_case"].head(3).tolist())
                problems.append(
                    f"{name}.{col}: {check} — {len(g)} failure(s), rows [{rows}], e.g. {cases}"
                )
    if problems:
        raise TableSchemaError("schema failures:\n" + "\n".join(problems))


__all__ = ["SCHEMAS", "TableSchemaError", "column_schema", "table_schema", "validate"]
