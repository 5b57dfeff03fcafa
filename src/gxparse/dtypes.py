"""The dtypes of the seven tables, code columns as categoricals with fixed categories.

The dtypes and code sets are those the declaration of the tables gives
(:data:`gxparse.contract.TABLES`). Every code column (a status, a template row, a
check, ...) is a ``pandas.Categorical`` whose categories are the codes the template
(:mod:`gxparse.template`) or the check catalog (:data:`gxparse.analysis.checks.CHECKS`) declares,
in their printed order, whether a corpus uses them or not. So two corpora (two years, two regions, a Parquet file read back) have the
same dtypes, ``pd.concat`` keeps them categorical, and sorting or grouping by a code
follows the template's order. A code column takes one byte per row instead of a string.

A value outside a column's categories is never turned into NaN: :func:`categorical` adds
it after the declared codes and warns (:class:`UnknownCodeWarning`); the schemas
(:mod:`gxparse.schemas`) then report it as a code outside the code set.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from gxparse import contract as K
from gxparse.contract import PARSE_STATUSES, TABLE_NAMES

__all__ = [
    "CATEGORIES",
    "PARSE_STATUSES",
    "TABLE_NAMES",
    "UnknownCodeWarning",
    "categorical",
    "category_dtype",
    "column",
    "concat_frames",
]

# table → code column → its categories, in template (printed) order.
CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    name: {c.name: c.codes for c in t.columns if c.dtype == "code" and c.codes is not None}
    for name, t in K.TABLES.items()
}


def _of(dtype: str) -> frozenset[tuple[str, str]]:
    return frozenset(
        (t.name, c.name) for t in K.TABLES.values() for c in t.columns if c.dtype == dtype
    )


# Numeric, boolean and date columns; every other column is text ("str").
_FLOAT = _of("float")
_INT = _of("int")
_BOOL = _of("bool")
_DATE = _of("date")


class UnknownCodeWarning(UserWarning):
    """A code column held a value its declared categories lack (kept, not lost)."""


_DTYPES: dict[tuple[str, ...], pd.CategoricalDtype] = {}


def category_dtype(table: str, name: str) -> pd.CategoricalDtype | None:
    """The categorical dtype of a code column, or None when the column is not a code."""
    cats = CATEGORIES.get(table, {}).get(name)
    if cats is None:
        return None
    dtype = _DTYPES.get(cats)
    if dtype is None:
        dtype = _DTYPES[cats] = pd.CategoricalDtype(list(cats), ordered=False)
    return dtype


def categorical(
    values: Sequence[Any] | pd.Series | np.ndarray, dtype: pd.CategoricalDtype, where: str = ""
) -> pd.Categorical:
    """``values`` as a Categorical of ``dtype``. A value outside its categories is kept as
    an extra category (after the declared ones) with an :class:`UnknownCodeWarning`;
    NA stays NA. ``where`` names the column in the warning."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            if values.dtype == dtype:
                return values.array  # type: ignore[return-value]
        values = values.astype(object).where(values.notna(), None).tolist()
    elif isinstance(values, np.ndarray):
        values = values.tolist()
    # A dict lookup per value: several times faster than matching against the categories'
    # (Arrow-backed) index, and the codes fit in one byte.
    lookup = _lookup(dtype)
    codes = np.fromiter(map(lookup.get, values, repeat(-2)), dtype=np.int16, count=len(values))
    unknown = codes == -2
    if unknown.any():
        odd = [v for v, u in zip(values, unknown.tolist(), strict=True) if u]
        na = [v is None or (isinstance(v, float) and v != v) or v is pd.NA for v in odd]
        extra = list(dict.fromkeys(str(v) for v, isna in zip(odd, na, strict=True) if not isna))
        if extra:
            warnings.warn(
                f"{where or 'a code column'}: {', '.join(map(repr, extra[:5]))} "
                f"{'is' if len(extra) == 1 else 'are'} not among the declared codes; kept as "
                "extra categories",
                UnknownCodeWarning,
                stacklevel=2,
            )
            dtype = pd.CategoricalDtype([*dtype.categories, *extra], ordered=dtype.ordered)
            lookup = _lookup(dtype)
        codes = (
            np.fromiter(
                (lookup.get(v if isinstance(v, str) else str(v), -1) for v in values),
                dtype=np.int16,
                count=len(values),
            )
            if extra
            else np.where(unknown, -1, codes)
        )
    return pd.Categorical.from_codes(codes, dtype=dtype)


_LOOKUPS: dict[int, tuple[pd.CategoricalDtype, dict[Any, int]]] = {}


def _lookup(dtype: pd.CategoricalDtype) -> dict[Any, int]:
    memo = _LOOKUPS.get(id(dtype))
    if memo is None or memo[0] is not dtype:
        memo = _LOOKUPS[id(dtype)] = (dtype, {c: i for i, c in enumerate(dtype.categories)})
    return memo[1]


def column(table: str, name: str, values: Sequence[Any] | pd.Series) -> Any:
    """One column of a table in its declared dtype (an array for a DataFrame)."""
    key = (table, name)
    cat = category_dtype(table, name)
    if cat is not None:
        return categorical(values, cat, f"{table}.{name}")
    if key in _FLOAT or key in _INT:
        floats = _floats(values)
        return pd.array(floats, dtype="Float64") if key in _FLOAT else _ints(floats)
    if key in _BOOL:
        return pd.array(list(values) if not isinstance(values, pd.Series) else values, "boolean")
    if key in _DATE:
        # Dates to the second (as parsed from date objects); Parquet gives back
        # milliseconds, so the unit is fixed here for a round trip to be exact.
        if isinstance(values, pd.Series) and pd.api.types.is_datetime64_dtype(values.dtype):
            return values.astype("datetime64[s]").array
        dates = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")
        return dates.astype("datetime64[s]").array
    if isinstance(values, pd.Series):
        if values.dtype == object:
            return values.astype("string").array
        return values.array  # text already, or a column the contract does not declare
    # Text built from the parser's values: pandas' default text dtype ("str"), as inferred
    # for such columns before; fixed here so that every chunk of a corpus agrees.
    return _text(values)


def _text(values: Sequence[Any]) -> Any:
    """Strings and None (NaN) as pandas' "str" array. Arrow reads such a list in one C
    pass, four times faster than pandas' own per-value check; anything else (a number in a
    text column) takes pandas' path, which turns it into its text."""
    try:
        arrow = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.array(np.asarray(values, dtype=object), dtype="str")
    return pd.array(arrow, dtype="str")


def _floats(values: Sequence[Any] | pd.Series) -> np.ndarray:
    """Numbers as float64 with NaN for NA; text that is not a number becomes NaN (as
    ``pd.to_numeric(errors="coerce")``)."""
    if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    try:
        # None → NaN in one C loop: the common case, numbers and None from the parser.
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        s = pd.Series(values, dtype=object).where(lambda x: x.notna(), None)
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _ints(floats: np.ndarray) -> Any:
    # float64 → Int64 refuses a fraction (as astype does): a count is never silently rounded.
    return pd.Series(floats).astype("Int64").array


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat`` that keeps categoricals whose categories differ (a frame with an extra
    code): their categories are united, declared codes first, instead of falling back to
    object. The index is reset."""
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame()
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    first = frames[0]
    fixed = {}
    for col in first.columns:
        columns = [f[col] for f in frames if col in f.columns]
        dtype = columns[0].dtype
        if isinstance(dtype, pd.CategoricalDtype) and any(c.dtype != dtype for c in columns):
            cats: dict[Any, None] = {}
            for c in columns:
                # A plain column's values join the categories too: none may become NaN.
                values = c.dtype.categories if isinstance(c.dtype, pd.CategoricalDtype) else c
                cats.update(dict.fromkeys(v for v in values if not pd.isna(v)))
            fixed[col] = pd.CategoricalDtype(list(cats), ordered=dtype.ordered)
    if fixed:
        frames = [f.astype({c: d for c, d in fixed.items() if c in f.columns}) for f in frames]
    return pd.concat(frames, ignore_index=True)
