"""Labelled rows → template cells with a status, the printed text and a source.

One function per table (part 二, 三, 四). Rows are identified by their label, never by
their position, so extra rows, lost rows and reordered rows do not shift values. A row
is placed only when its value cells can be told apart; otherwise its cells are
``missing`` and its numbers are listed as unplaced — never guessed.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from gxparse import template as T
from gxparse.normalize import is_blank_marker, label_key, nfkc, parse_number, strip_enumerators
from gxparse.parsing.glued import split_run
from gxparse.parsing.rows import TableRow, resolve_values
from gxparse.readers.document import Cell
from gxparse.reasons import Reason

Key = tuple[str, str]


class CellValue(NamedTuple):
    """A template cell as read: status, number, printed text, source. (A named tuple: a
    report makes hundreds, and a frozen dataclass costs three times as much to build.)"""

    status: str
    value: Decimal | None = None
    raw: str | None = None
    source: str | None = None
    # Missing because its row prints numbers that cannot be aligned (not because the text
    # lost it): the cell may be blank, so no identity may fill it.
    unresolved: bool = False


UNRESOLVED = CellValue("missing", unresolved=True)
# Shared: a template cell the report does not print (cells are immutable, so one will do).
MISSING = CellValue("missing")


@dataclass(frozen=True)
class Unplaced:
    """A number inside parts 二–四 that no cell took, and why (rendered from the catalog of
    :mod:`gxparse.reasons` when a finding says it)."""

    text: str
    source: str
    reason: Reason


@dataclass
class TableResult:
    cells: dict[Key, CellValue] = field(default_factory=dict)
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=65_536)
def _reading(text: str) -> tuple[str, Decimal | None, bool]:
    """(status, number, unresolved) of a printed cell text; cached, cell texts repeat."""
    number = parse_number(text)
    if number is None:
        if is_blank_marker(text):
            return "blank", None, False
        # Printed but unreadable ("12.", "二"): neither a number nor an empty cell.
        return "missing", None, True
    return "reported", number, False


@lru_cache(maxsize=65_536)
def _is_fraction(value: Decimal) -> bool:
    return value != value.to_integral_value()


@lru_cache(maxsize=65_536)
def _placing(text: str, integer: bool) -> tuple[str, Decimal | None, bool, str | None]:
    """(status, number, unresolved, problem) of a cell text placed on a template cell:
    ``problem`` (a reason code) says why the text cannot be the cell's value (cached, like
    _reading)."""
    status, number, unresolved = _reading(text)
    if status == "missing":
        return status, number, unresolved, "unreadable_cell"
    if integer and number is not None and _is_fraction(number):
        return status, number, unresolved, "fraction_count"
    return status, number, unresolved, None


_new_tuple = tuple.__new__


# Where a row's numbers go, for the reasons it gives: the part's and the row's template
# codes (None: the part's table as a whole).
Where = tuple[str, str | None]
_PART4: Where = ("appeals", None)


def _at(where: Where, code: str, **params: object) -> Reason:
    """The reason ``code`` for numbers of the row (or part) ``where``."""
    part, row = where
    return Reason.of(code, part=part, row=row, **params)


def _numbers_unplaced(row: TableRow, reason: Reason) -> list[Unplaced]:
    out = [Unplaced(c.text.strip(), c.source, reason) for c in row.numbers]
    if row.glued is not None:
        out.append(Unplaced(row.glued.text, row.glued.source, reason))
    return out


# --------------------------------------------------------------------------------------
# Label matching
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Matcher:
    entries: tuple[T.Entry, ...]
    contains: tuple[tuple[str, ...], ...]
    equals: tuple[tuple[str, ...], ...]
    # The same keys, flattened for one pass over a label: (key, its length, entry index)
    # for "contains" keys, and entry indexes by "equals" key.
    flat: tuple[tuple[str, int, int], ...] = ()
    equal_to: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Sequence[T.Entry]) -> _Matcher:
        contains = tuple(
            tuple(label_key(k) for k in e.keys if not k.startswith("=")) for e in entries
        )
        equals = tuple(
            tuple(label_key(k[1:]) for k in e.keys if k.startswith("=")) for e in entries
        )
        flat = tuple((k, len(k), i) for i, keys in enumerate(contains) for k in keys if k)
        equal_to: dict[str, list[int]] = {}
        for i, keys in enumerate(equals):
            for k in dict.fromkeys(keys):
                equal_to.setdefault(k, []).append(i)
        return cls(
            tuple(entries), contains, equals, flat, {k: tuple(v) for k, v in equal_to.items()}
        )

    def scores(self, label: str, last_piece: str) -> list[tuple[int, int]]:
        """(score, index) of every entry the label matches; score = matched key length."""
        return _scores(self, label, last_piece)

    def _scores(self, label: str, last_piece: str) -> list[tuple[int, int]]:
        key = label_key(label)
        tail = label_key(strip_enumerators(last_piece))
        best: dict[int, int] = {}
        for k, n, i in self.flat:
            if n > best.get(i, 0) and k in key:
                best[i] = n
        for i in self.equal_to.get(tail, ()):
            if len(tail) > best.get(i, 0):
                best[i] = len(tail)
        return [(best[i], i) for i in sorted(best) if best[i]]

    def match(
        self, label: str, last_piece: str, after: int = -1, prefer: Sequence[bool] | None = None
    ) -> int | None:
        """Index of the entry a label names: the longest key wins; among equals, entries
        of the preferred template, then the first entry after ``after`` (printed order)."""
        return _match(self, label, last_piece, after, None if prefer is None else tuple(prefer))

    def _match(
        self, label: str, last_piece: str, after: int, prefer: tuple[bool, ...] | None
    ) -> int | None:
        scores = self.scores(label, last_piece)
        if not scores:
            return None

        def rank(si: tuple[int, int]) -> tuple[int, int, int, int]:
            score, i = si
            preferred = 1 if prefer is None or prefer[i] else 0
            return (score, preferred, 1 if i > after else 0, -i)

        return max(scores, key=rank)[1]


@lru_cache(maxsize=200_000)
def _match(
    matcher: _Matcher, label: str, last_piece: str, after: int, prefer: tuple[bool, ...] | None
) -> int | None:
    return matcher._match(label, last_piece, after, prefer)


@lru_cache(maxsize=200_000)
def _scores(matcher: _Matcher, label: str, last_piece: str) -> list[tuple[int, int]]:
    return matcher._scores(label, last_piece)


@lru_cache(maxsize=256)
def _matcher_of(entries: tuple[T.Entry, ...]) -> _Matcher:
    """One matcher per set of entries, so that its label lookups stay cached."""
    return _Matcher.of(entries)


_ITEMS = _Matcher.of(T.DISCLOSURE_ITEMS)
_MEASURES = _Matcher.of(T.DISCLOSURE_MEASURES)
_APP_ROWS = _Matcher.of(T.APPLICATION_ROWS)
_PROCEEDINGS = _Matcher.of(T.PROCEEDINGS)
_ARTICLE20 = label_key("第二十条")
_DISCLOSURE_HEADERS = tuple(label_key(k) for k in T.DISCLOSURE_HEADER_KEYS)
_APP_HEADERS = tuple(label_key(k) for k in T.APPLICATION_HEADER_KEYS)


def _last_piece(row: TableRow) -> str:
    if row.label_cells:
        return row.label_cells[-1]
    return row.label


# --------------------------------------------------------------------------------------
# Template version
# --------------------------------------------------------------------------------------
_MARKERS = {v: tuple(label_key(m) for m in ms) for v, ms in T.VERSION_MARKERS.items()}


def detect_template(rows: Sequence[TableRow], year: int | None, text: str = "") -> str:
    """'2021' or '2019', from label fragments only one version prints in the table rows,
    else in the whole ``text`` (a crawler's line whose parts were not told apart); the
    report year decides when neither carries evidence."""
    for source in ("".join(label_key(r.label) for r in rows), label_key(text) if text else ""):
        votes = {v: sum(source.count(m) for m in ms) for v, ms in _MARKERS.items()}
        if votes["2021"] != votes["2019"]:
            return max(votes, key=lambda v: votes[v])
    if year is not None and year < 2020:
        return "2019"
    return "2021"


# --------------------------------------------------------------------------------------
# Part 二
# --------------------------------------------------------------------------------------
# The measures an item has in either template version.
_ALLOWED_MEASURES = {
    i.code: frozenset(m for lay in T.DISCLOSURE_LAYOUT.values() for m in lay.get(i.code, ()))
    for i in T.DISCLOSURE_ITEMS
}


_DISCLOSURE_WHAT = {i.code: ("active_disclosure", i.code) for i in T.DISCLOSURE_ITEMS}


@lru_cache(maxsize=4_096)
def _measures_named(label_cells: tuple[str, ...]) -> tuple[str, ...]:
    """The measure codes that the label cells of a header line name, in order."""
    found = (_MEASURES.match(c, c) for c in label_cells)
    return tuple(T.DISCLOSURE_MEASURES[i].code for i in found if i is not None)


@functools.cache
def _item_keys(item: str, cols: tuple[str, ...]) -> tuple[Key, ...]:
    return tuple((item, m) for m in cols)


@functools.cache
def _measure_entries(cols: tuple[str, ...]) -> tuple[T.Entry, ...]:
    return tuple(T.measure(m) for m in cols)


@functools.cache
def _measure_kinds(cols: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("amount" if m in T.AMOUNT_MEASURES else "count" for m in cols)


def _header_measures(row: TableRow, key: str) -> tuple[str, ...]:
    """Given a part 二 row and its label key, return the measures it names when it is a
    header line (no numbers, and a header word or a measure name in its label), else ()."""
    found = _measures_named(row.label_cells)
    if (
        found
        and not row.has_numbers
        and any(h in key for h in _DISCLOSURE_HEADERS + tuple(label_key(m) for m in found))
    ):
        return found
    return ()


def _disclosure_item(row: TableRow, key: str) -> tuple[str | None, Reason | None]:
    """Given a part 二 row and its label key, return the item it names, or None and why its
    numbers are unplaced (None: it prints none)."""
    if not key:
        return None, Reason.of("no_label", part="active_disclosure") if row.has_numbers else None
    idx = _ITEMS.match(row.label, _last_piece(row))
    if idx is None:
        if row.has_numbers:
            return None, Reason.of("unknown_label", part="active_disclosure", label=row.label)
        return None, None
    if _names_two_rows(row, _ITEMS):
        # "行政处罚 | 行政强制 | 0": a row that lost its numbers ran into the next one.
        return None, Reason.of("two_rows_named", part="active_disclosure", label=row.label)
    return T.DISCLOSURE_ITEMS[idx].code, None


def _item_columns(
    item: str, measures: tuple[str, ...] | None, row: TableRow, template: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Given an item's row and the measures of the header above it (None: no header),
    return the columns that tell whether the item was printed before, and the columns the
    row is read in."""
    layout = T.DISCLOSURE_LAYOUT[template]
    default = tuple(
        layout.get(item)
        or T.DISCLOSURE_LAYOUT["2019" if template == "2021" else "2021"].get(item, ())
    )
    # A header fits an item only if it names measures the item can have (a lost
    # 第二十条第（九）项 header must not lend its neighbour's columns to 政府集中采购).
    if not measures or not set(measures) <= _ALLOWED_MEASURES[item]:
        return default, default
    cols = measures
    if item in layout and len(measures) != len(layout[item]) and len(row.values) < len(measures):
        # A header of another table shape (e.g. 2019 header before a 2021 row): trust the
        # printed header only when it fits the row.
        cols = default
    if len(row.values) == len(default) > len(measures) and set(measures) < set(default):
        return cols, default  # the header lost a cell; the row still has all of the item's
    return cols, cols


def _item_row(
    row: TableRow,
    cols: tuple[str, ...],
    header: tuple[tuple[str, ...], TableRow] | None,
    columns_hold: Callable[[], bool],
) -> TableRow:
    """Given an item's row and the columns it is read in, return the row with its value
    cells as the header above it (or a bare line of text) says they are."""
    if header is not None and cols == header[0]:
        return _under_header(row, header[1], _measure_entries(cols), columns_hold())
    if not row.values and row.glued is None and row.spans:
        # A line of text naming the item and nothing else: its cells are empty.
        return TableRow(row.label, tuple(Cell("", row.source) for _ in cols), row.source)
    return row


def map_disclosure(rows: Sequence[TableRow], template: str) -> TableResult:
    """Part 二's small tables: items × measures, columns read from the header rows."""
    res = TableResult()
    # The header above the rows: the measures it names, and the header row itself.
    header: tuple[tuple[str, ...], TableRow] | None = None
    rows = join_wrapped_labels(rows, _ITEMS, _is_disclosure_header, named_stays=True)
    # Computed once, and only when a row needs its header's columns.
    columns_hold = functools.cache(lambda: _columns_hold(rows))
    for row in rows:
        key = label_key(row.label)
        if key and _ARTICLE20 in key and not row.has_numbers:
            header = None  # a 第二十条 clause line opens another table: its header follows
            continue
        if key and (measures := _header_measures(row, key)):
            header = (measures, row)
            continue
        item, reason = _disclosure_item(row, key)
        if reason is not None:
            res.unplaced += _numbers_unplaced(row, reason)
        if item is None:
            continue
        checked, cols = _item_columns(item, header[0] if header else None, row, template)
        if not res.cells.keys().isdisjoint(_item_keys(item, checked)):
            res.unplaced += _numbers_unplaced(
                row, Reason.of("printed_twice", part="active_disclosure", row=item)
            )
            continue
        row = _item_row(row, cols, header, columns_hold)
        _place_row(res, row, _item_keys(item, cols), _DISCLOSURE_WHAT[item], _measure_kinds(cols))
    for item, ms in T.DISCLOSURE_LAYOUT[template].items():
        for m in ms:
            res.cells.setdefault((item, m), MISSING)
    return res


@dataclass(frozen=True)
class Grid:
    """Where the rows of one table put their value cells, learned from its unambiguous rows:
    for cell rows, the index of the first value cell per row width; for lines of text, the
    display column of each value column. Used only to place a row that is ambiguous alone
    (a blank cell at either end)."""

    starts: dict[tuple[int, int], int]
    columns: tuple[float, ...]
    # Every first value cell seen, by row width alone (see align).
    widths: dict[int, frozenset[int]] = field(default_factory=dict)


def _shape(row: TableRow) -> tuple[int, int]:
    """(cells in the row, cells before its values): rows of one shape share a grid."""
    return len(row.all_cells), len(row.all_cells) - len(row.values)


def learn_grid(rows: Sequence[TableRow], n: int) -> Grid:
    starts: dict[tuple[int, int], set[int]] = {}
    widths: dict[int, set[int]] = {}
    placed: list[tuple[float, ...]] = []
    for r in rows:
        nums = r.numbers
        if len(nums) != n or len(r.values) < n:
            continue
        if r.all_cells:
            first = next(i for i, c in enumerate(r.all_cells) if c is nums[0])
            if r.all_cells[first : first + n] == tuple(nums):
                starts.setdefault(_shape(r), set()).add(first)
                widths.setdefault(len(r.all_cells), set()).add(first)
        elif r.positions and len(r.values) == n:
            placed.append(r.positions)
    columns: tuple[float, ...] = ()
    if len(placed) >= 2:
        cols = [sorted(p[i] for p in placed) for i in range(n)]
        medians = [c[len(c) // 2] for c in cols]
        # The spread that three rows in four stay within: text whose tabs became spaces
        # puts each row's numbers wherever its label ends, and half of them may still
        # happen to share a place.
        spread = [
            sorted(abs(x - m) for x in c)[(3 * len(c)) // 4]
            for c, m in zip(cols, medians, strict=True)
        ]
        gaps = [b - a for a, b in itertools.pairwise(medians)]
        # Columns must be clearly apart and most rows close to their column.
        if all(g > 2 for g in gaps) and all(sp <= 2 for sp in spread):
            columns = tuple(medians)
    return Grid(
        {w: next(iter(s)) for w, s in starts.items() if len(s) == 1},
        columns,
        {w: frozenset(s) for w, s in widths.items()},
    )


def _window(row: TableRow, start: int, n: int) -> tuple[Cell, ...] | None:
    """The row's n cells from ``start``, if they are value cells holding every number of
    the row and the row's other value cells are empty (padding)."""
    window = row.all_cells[start : start + n]
    inside = {id(c) for c in window}
    outside_values = [c for c in row.values if id(c) not in inside]
    if len(window) == n and all(not c.text.strip() for c in outside_values):
        if all(id(c) in inside for c in row.numbers) and all(
            id(c) in {id(v) for v in row.values} for c in window
        ):
            return window
    return None


def align(
    row: TableRow,
    grid: Grid,
    n: int,
    total_last: bool = False,
) -> tuple[Cell, ...] | None:
    """The row's n value cells placed by the table's grid, or None if it does not fit.

    A row of a shape no unambiguous row has (一、… then the empty half of its merged
    label cell, then numbers with an empty cell at the end) is placed only where exactly
    one of its possible windows survives (with ``total_last``: a window whose printed
    parts add up to more than its printed total cannot be the row), and that window starts
    where rows of the same width start their values."""
    if row.all_cells:
        start = grid.starts.get(_shape(row))
        if start is not None and (window := _window(row, start, n)) is not None:
            return window
        known = grid.widths.get(len(row.all_cells))
        if known:
            fits = [
                (s, w)
                for s in range(len(row.all_cells) - n + 1)
                if (w := _window(row, s, n)) is not None
                and not (total_last and _parts_exceed_total(w))
            ]
            if len(fits) == 1 and fits[0][0] in known:
                return fits[0][1]
    if grid.columns and row.positions and len(row.positions) == len(row.values):
        gaps = [b - a for a, b in zip(grid.columns, grid.columns[1:], strict=False)]
        tol = min(gaps) / 2 if gaps else 2
        out: list[Cell | None] = [None] * n
        last = -1
        for cell, pos in zip(row.values, row.positions, strict=True):
            i = min(range(n), key=lambda j: abs(grid.columns[j] - pos))
            if abs(grid.columns[i] - pos) >= tol or i <= last:
                return None
            out[i] = cell
            last = i
        return tuple(c if c is not None else Cell("", row.source) for c in out)
    return None


def _tabs_as_spaces(rows: Sequence[TableRow]) -> bool:
    """Whether the lines' gaps are tabs turned into spaces: every run of two or more spaces
    between the words is a multiple of one tab width, and some run is two tabs or more
    (an empty cell). Laid-out columns leave gaps of every width."""
    gaps: list[int] = []
    for row in rows:
        spans = row.spans
        gaps += [b[1] - a[2] for a, b in itertools.pairwise(spans) if b[1] - a[2] >= 2]
    if len(gaps) < 4:
        return False
    return any(all(g % w == 0 for g in gaps) and any(g >= 2 * w for g in gaps) for w in (4, 2))


def _columns_hold(rows: Sequence[TableRow]) -> bool:
    """Whether part 二's lines of text may be laid out in columns: no line that prints all
    of its header's numbers prints one beside, rather than under, its header word, and the
    numbers each header word stands over line up one above another (left-, right- or
    centre-aligned). Text whose tabs became spaces has no columns, only gaps: each row's
    numbers start wherever its label ends, and their place beside a header word says
    nothing."""
    if _tabs_as_spaces(rows):
        return False
    header: list[tuple[int, int]] | None = None
    headers = 0  # header lines seen: each starts a table of its own columns
    column: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (table, column) -> spans
    for row in rows:
        if not row.spans:
            continue
        if not row.has_numbers:
            words = [
                (s, e)
                for w, s, e in _header_words(row.spans, _MEASURES)
                if _MEASURES.match(w, w) is not None
            ]
            if words:
                header, headers = words, headers + 1
            continue
        if header is None:
            continue
        spans = [(vs, ve) for w, vs, ve in row.spans if parse_number(w) is not None]
        if len(row.values) == len(spans) == len(header):
            if any(_beside(sp, h) for sp, h in zip(spans, header, strict=True)):
                return False
            cols = list(range(len(header)))
        else:
            cols = [_nearest(sp, header) for sp in spans]
        for i, sp in zip(cols, spans, strict=True):
            column.setdefault((headers, i), []).append(sp)
    return all(_lined_up(spans) for spans in column.values())


def _beside(value: tuple[int, int], head: tuple[int, int]) -> bool:
    """A value that stands beside its header word, not under it."""
    return value[1] <= head[0] - _SLACK or value[0] >= head[1] + _SLACK


def _nearest(value: tuple[int, int], heads: Sequence[tuple[int, int]]) -> int:
    """The header word a value stands nearest to (left, right or centre)."""
    vs, ve = value
    return min(
        range(len(heads)),
        key=lambda j: min(
            abs(vs - heads[j][0]), abs(ve - heads[j][1]), abs(vs + ve - sum(heads[j])) / 2
        ),
    )


def _lined_up(spans: Sequence[tuple[int, int]]) -> bool:
    """Whether values of one column stand one above another: their starts, their ends or
    their centres agree."""
    return any(
        max(xs) - min(xs) <= _SLACK
        for xs in (
            [s for s, _ in spans],
            [e for _, e in spans],
            [(s + e) / 2 for s, e in spans],
        )
    )


def _under_header(
    row: TableRow, header: TableRow, measures: Sequence[T.Entry], columns_hold: bool = True
) -> TableRow:
    """A part 二 row whose cells cannot be told apart alone, read under its header: the
    same cell positions (table rows of the header's width) or the header words' columns
    (lines of text). Returns the row unchanged when the header does not settle it."""
    n = len(measures)
    if resolve_values(row.values, n) is not None:
        return row
    if row.all_cells and header.all_cells and len(row.all_cells) == len(header.all_cells):
        matcher = _matcher_of(tuple(measures))
        idx = [
            i for i, c in enumerate(header.all_cells) if matcher.match(c.text, c.text) is not None
        ]
        inside = {id(row.all_cells[i]) for i in idx} if len(idx) == n else set()
        if inside and all(id(c) in inside or not c.text.strip() for c in row.values):
            return TableRow(
                row.label, tuple(row.all_cells[i] for i in idx), row.source, None, row.label_cells
            )
    if row.spans and header.spans and columns_hold:
        cells = _align_to_headers(row, [header], measures, n)
        if cells is not None:
            return TableRow(row.label, cells, row.source, None, row.label_cells)
    return row


def _place_glued(
    res: TableResult,
    glued: Cell,
    keys: Sequence[Key],
    what: Where,
    kinds: Sequence[str] | None,
    check: Callable[[list[Decimal]], bool] | None,
) -> bool:
    """Given a row's numbers run together into one run of digits, place the run's only
    reading on ``keys``; with none (or several), mark them missing and the run unplaced."""
    n = len(keys)
    reading = split_run(glued.text, kinds or ["count"] * n, check)
    if reading is not None:
        pieces, needed_identity = reading
        status = "derived" if needed_identity else "reported"
        for k, piece in zip(keys, pieces, strict=True):
            res.cells[k] = CellValue(status, Decimal(piece), piece, glued.source)
        return True
    for k in keys:
        res.cells.setdefault(k, UNRESOLVED)
    res.unplaced.append(
        Unplaced(glued.text, glued.source, _at(what, "digits_run_together", cells=n))
    )
    return False


def _row_cells(
    row: TableRow,
    n: int,
    check: Callable[[list[Decimal]], bool] | None,
    grid: Grid | Callable[[], Grid] | None,
) -> tuple[Cell, ...] | None:
    """Given a row and its n columns, return its n value cells: told apart alone, else by
    the table's grid (when given); None when they cannot be told apart."""
    values = row.values
    cells = values if len(values) == n else resolve_values(values, n)
    if cells is None and grid is not None:
        # Part 三 rows end in their total: a window it contradicts is not the row's.
        total_last = check is _row_total_holds
        cells = align(row, grid() if callable(grid) else grid, n, total_last)
    return cells


def _set_cells(
    res: TableResult, keys: Sequence[Key], cells: Sequence[Cell], what: Where, integer: bool
) -> None:
    """Given a row's value cells, one per key, set each key's cell; a text that cannot be
    the cell's value is kept as printed on a missing cell and listed as unplaced."""
    placed = res.cells
    for k, (text, source) in zip(keys, cells, strict=True):
        status, number, unresolved, why = _placing(text, integer)
        if why is not None:
            # Unreadable, or a fraction where a count is due: kept as printed, never a value.
            res.unplaced.append(Unplaced(text.strip(), source, _at(what, why)))
            placed[k] = CellValue("missing", None, text, source, unresolved=True)
        else:
            # Built without the named tuple's Python-level __new__ (hundreds per report).
            placed[k] = _new_tuple(CellValue, (status, number, text, source, unresolved))


def _extra_numbers(row: TableRow, cells: Sequence[Cell], what: Where) -> list[Unplaced]:
    """Given a row and the value cells placed from it, return the numbers of its other
    value cells (an extra column): reported, not dropped."""
    # The resolved cells are some of the row's value cells: as many means all of them.
    if len(cells) >= len(row.values):
        return []
    used = {id(c) for c in cells}
    return [
        Unplaced(c.text.strip(), c.source, _at(what, "extra_cell"))
        for c in row.values
        if id(c) not in used and parse_number(c.text) is not None
    ]


def _place_row(
    res: TableResult,
    row: TableRow,
    keys: Sequence[Key],
    what: Where,
    kinds: Sequence[str] | None = None,
    check: Callable[[list[Decimal]], bool] | None = None,
    grid: Grid | Callable[[], Grid] | None = None,
    integer: bool = False,
) -> bool:
    """Place a row's value cells on ``keys``; on ambiguity mark them missing."""
    if row.glued is not None and not row.numbers:
        return _place_glued(res, row.glued, keys, what, kinds, check)
    n = len(keys)
    cells = _row_cells(row, n, check, grid)
    if cells is None:
        for k in keys:
            res.cells.setdefault(k, UNRESOLVED)
        res.unplaced += _numbers_unplaced(
            row, _at(what, "cells_for_columns", cells=len(row.values), columns=n)
        )
        return False
    _set_cells(res, keys, cells, what, integer)
    res.unplaced += _extra_numbers(row, cells, what)
    return True


# --------------------------------------------------------------------------------------
# Part 三
# --------------------------------------------------------------------------------------
_SUB_NUMBER = re.compile(r"^\s*(\d)\s*[.．、]")
_ROW_SUB_NUMBER = tuple(
    int(m.group(1)) if (m := re.search(r"(\d)[.．]", nfkc(r.zh))) else None
    for r in T.APPLICATION_ROWS
)


def _only_generic(row: TableRow, idx: int, matcher: _Matcher | None = None) -> bool:
    """The row matched entry ``idx`` (of part 三's rows, or of ``matcher``) only through a
    generic whole-label key ("=其他")."""
    key = label_key(row.label)
    return not any(k and k in key for k in (matcher or _APP_ROWS).contains[idx])


_HAS_GENERIC_KEY = tuple(any(k.startswith("=") for k in r.keys) for r in T.APPLICATION_ROWS)


def _number_agrees(last_piece: str, idx: int) -> bool:
    """A label matched only by a generic word ("其他") must carry the row's own number."""
    if not _HAS_GENERIC_KEY[idx]:
        return True
    m = _SUB_NUMBER.match(nfkc(last_piece))
    return m is None or _ROW_SUB_NUMBER[idx] is None or int(m.group(1)) == _ROW_SUB_NUMBER[idx]


def _next_sub_item(last_piece: str, last: int) -> int | None:
    """A label whose words are garbled ("2.其他法律行政止公开") but whose number continues
    the group of the row before it: the template's next row in that group, if its number
    is the one printed."""
    m = _SUB_NUMBER.match(nfkc(last_piece))
    if m is None or last < 0 or last + 1 >= len(T.APPLICATION_ROWS):
        return None
    prev, nxt = T.APPLICATION_ROWS[last], T.APPLICATION_ROWS[last + 1]
    if nxt.parent == prev.parent and _ROW_SUB_NUMBER[last + 1] == int(m.group(1)):
        return last + 1
    return None


_GROUPS = _Matcher.of(T.APPLICATION_GROUPS)
# Per row code: its seven template cells, and how notes and reasons name the row.
_APP_KEYS = {r.code: tuple((r.code, a) for a in T.APPLICANT_CODES) for r in T.APPLICATION_ROWS}
_APP_WHAT = {r.code: ("applications", r.code) for r in T.APPLICATION_ROWS}
# With a 法人或其他组织 subtotal column a row prints 8 numbers: person, subtotal, 5 kinds, total.
_WITH_SUBTOTAL = len(T.APPLICANT_CODES) + 1


def _subtotal_fits(nums: list[Decimal]) -> bool:
    return nums[1] == sum(nums[2:-1]) and nums[-1] == nums[0] + nums[1]


def _has_subtotal_column(rows: Sequence[TableRow]) -> bool:
    """True when every row printing 8 numbers has a column 2 that is the sum of the five
    kinds of organisation (and at least one such row has a non-zero subtotal)."""
    wide = [
        [parse_number(c.text) for c in r.numbers] for r in rows if len(r.numbers) == _WITH_SUBTOTAL
    ]
    return bool(wide) and all(_subtotal_fits(n) for n in wide) and any(n[1] for n in wide)


def _drop_subtotal_column(row: TableRow) -> TableRow:
    nums = row.numbers
    if len(nums) != _WITH_SUBTOTAL:
        return row
    values = tuple(c for c in row.values if c is not nums[1])
    return TableRow(row.label, values, row.source, row.glued, row.label_cells)


_STARTS_ROW = re.compile(
    r"^\s*(?:\d\s*[.．、]|[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+\s*[、.．])"
)


def _starts_row(row: TableRow) -> bool:
    return bool(_STARTS_ROW.match(nfkc(_last_piece(row))))


def _words_only(row: TableRow) -> bool:
    return (
        bool(row.label_cells)
        and not row.has_numbers
        and all(not c.text.strip() for c in row.values)
    )


def _joined(first: TableRow, second: TableRow, keep: TableRow) -> TableRow:
    """Join two label fragments column by column; keep ``keep``'s values."""
    a, b = list(first.label_cells), list(second.label_cells)
    if not first.all_cells and not second.all_cells:
        # Lines of text: a wrapped label simply continues.
        a, b = ["".join(a)], ["".join(b)]
    if a and b:
        cells = [*a[:-1], *b[:-1], a[-1] + b[-1]] if len(a) > 1 or len(b) > 1 else [a[-1] + b[-1]]
    else:
        cells = a + b
    return TableRow(
        " ".join(cells),
        keep.values,
        keep.source,
        keep.glued,
        tuple(cells),
        keep.all_cells,
        keep.positions,
    )


def _is_disclosure_header(row: TableRow) -> bool:
    key = label_key(row.label)
    return (
        _ARTICLE20 in key
        or any(h in key for h in _DISCLOSURE_HEADERS)
        or any(_MEASURES.match(c, c) is not None for c in row.label_cells)
    )


_OPENING_ROWS = ("received_new", "carried_over")  # the first rows of part 三's table
_OPENING_KEYS = tuple(
    label_key(k) for r in T.APPLICATION_ROWS if r.code in _OPENING_ROWS for k in r.keys
)


# "第二十条第（一）项": the sub-header over each of part 二's small tables.
_ARTICLE20_CLAUSE = re.compile(rf"{_ARTICLE20}第[一二三四五六七八九十0-9]+项")


def opens_disclosure(row: TableRow) -> bool:
    """A header only part 二's tables print: a 第二十条 clause line alone, or two measure
    names (本年新制作数量 …). Finds the tables when the part's heading was lost."""
    if row.has_numbers or "。" in row.label:
        return False
    if _ARTICLE20_CLAUSE.fullmatch(label_key(strip_enumerators(row.label))):
        return True
    named = {_MEASURES.match(c, c) for c in row.label_cells}
    return len(named - {None}) >= 2


# Applicant columns other than 总计, with their label keys.
_NAMED_APPLICANTS = tuple(
    (a.code, tuple(label_key(k.lstrip("=")) for k in a.keys))
    for a in T.APPLICANTS
    if a.code != "total"
)


def _names(text: str, keys: tuple[str, ...]) -> bool:
    """The text names a column by one of its label keys (a long key may sit inside it)."""
    key = label_key(text)
    return any(k == key or (len(k) > 2 and k in key) for k in keys)


def opens_applications(row: TableRow) -> bool:
    """A row only part 三's table holds at its top: its header (申请人情况, the 勾稽关系
    note, applicant column names) or one of its first two rows printing its numbers. Finds
    the table when the part's heading was lost."""
    if not row.has_numbers:
        # A header prints no numbers; a sentence ("…法人或其他组织的申请。") is no header.
        # Part 四's header also prints 总计 (twice): only named applicants count.
        if "。" in row.label:
            return False
        key = label_key(row.label)
        named = {a for c in row.label_cells for a, keys in _NAMED_APPLICANTS if _names(c, keys)}
        return any(h in key for h in _APP_HEADERS) or len(named) >= 2
    if len(row.values) < 2:
        return False  # a sentence ("本年新收申请5件") is no table row
    key = label_key(strip_enumerators(row.label))
    return any(key.startswith(k) for k in _OPENING_KEYS)


def _is_application_header(row: TableRow) -> bool:
    return _application_header_labels(row.label, row.label_cells)


@lru_cache(maxsize=65_536)
def _application_header_labels(label: str, label_cells: tuple[str, ...]) -> bool:
    key = label_key(label)
    # Applicant column names make a header only in numbers: one "其他" may be a fragment of
    # the side label "其他处理" wrapped onto its own line.
    return any(h in key for h in _APP_HEADERS) or sum(map(_matches_applicant, label_cells)) >= 2


_APPLICANT_KEYS = tuple(label_key(k.lstrip("=")) for a in T.APPLICANTS for k in a.keys)


@lru_cache(maxsize=65_536)
def _matches_applicant(text: str) -> bool:
    return _names(text, _APPLICANT_KEYS)


def _bare_row_line(row: TableRow) -> bool:
    """A line of text (not a table row, not crawler text) holding only a row's label."""
    return bool(row.spans) and not row.values and row.glued is None and _starts_row(row)


def _cells_naming(row: TableRow) -> frozenset[int]:
    """The part 三 rows that the label cells of one row name, each on its own, by a
    distinctive key (a side-label fragment "其他" names nothing)."""
    return _labels_naming(row.label_cells)


@lru_cache(maxsize=65_536)
def _labels_naming(label_cells: tuple[str, ...]) -> frozenset[int]:
    named = set()
    for c in label_cells:
        i = _APP_ROWS.match(c, c)
        if i is not None and not _only_generic(TableRow(c, (), ""), i):
            named.add(i)
    return frozenset(named)


def _names_two_rows(row: TableRow, matcher: _Matcher) -> bool:
    """Two label cells of one row each name a different row of the table."""
    named = {matcher.match(c, c) for c in row.label_cells} - {None}
    return len(named) > 1


def _same_row(above: TableRow, below: TableRow, matcher: _Matcher) -> bool:
    """A fragment may continue the label above only if it names no other row."""
    own = matcher.match(below.label, _last_piece(below))
    theirs = matcher.match(above.label, _last_piece(above))
    return own is None or theirs is None or own == theirs or _names_group_of(theirs, own, matcher)


def _renames(before: TableRow, after: TableRow, matcher: _Matcher) -> bool:
    """Joining a fragment made a row that named one row of the table name another (not a
    row of the group its label named, nor where it was named only by a bare 其他)."""
    now = matcher.match(after.label, _last_piece(after))
    if now is None:
        return False
    theirs = matcher.match(before.label, _last_piece(before))
    if theirs is None:
        # Named by nothing yet, but numbered: the fragments must not name a row of
        # another number ("4.无正当理" + "…重新出具已获取信息" is row 5's label).
        return matcher is _APP_ROWS and _other_number(_last_piece(after), now)
    if _only_generic(before, theirs, matcher):
        return False
    return now != theirs and not _names_group_of(theirs, now, matcher)


def _other_number(last_piece: str, idx: int) -> bool:
    """The label prints a sub-item number (1.–8.) that is not part 三 row ``idx``'s."""
    m = _SUB_NUMBER.match(nfkc(last_piece))
    return m is not None and _ROW_SUB_NUMBER[idx] not in (None, int(m.group(1)))


def _names_group_of(theirs: int, own: int, matcher: _Matcher) -> bool:
    """The label above matched only by its group's words ("（六）其他处理 1.申请人无正"),
    and the fragment below names a row of that group."""
    entries = matcher.entries
    parent = entries[own].parent
    group = next((g for g in T.APPLICATION_GROUPS if g.code == parent), None)
    return group is not None and bool(set(entries[theirs].keys) & set(group.keys))


def _names_its_own_row(above: TableRow, words: TableRow, matcher: _Matcher) -> bool:
    """Whether a line of words names a row by itself while the row above names none, and
    the two are not the halves of that row's label ("政府" + "集中采购" are; "行政处" +
    "行政强制" are not: 行政处罚 was cut, and 行政强制 is its own row). The halves may have
    a group's side label between them ("（六） 1.申请人无正当理由逾" + "其他处 期不补正…"):
    the words' cells after it continue the label above."""
    idx = matcher.match(words.label, _last_piece(words))
    if idx is None or matcher.match(above.label, _last_piece(above)) is not None:
        return False
    label = label_key(strip_enumerators(matcher.entries[idx].zh))
    head = label_key(strip_enumerators(_last_piece(above)))
    cells = [label_key(c) for c in words.label_cells] or [label_key(words.label)]
    return not any(head + "".join(cells[j:]) in label for j in range(len(cells)))


def join_wrapped_labels(
    rows: Sequence[TableRow],
    matcher: _Matcher | None = None,
    header: Callable[[TableRow], bool] = lambda r: False,
    width: int | None = None,
    named_stays: bool = False,
) -> list[TableRow]:
    """Rejoin row labels that a PDF or Word export wrapped onto lines of their own.

    A line of words with empty value cells that does not start a row (no 1. / （三） / 四、)
    continues the label above it; a line that starts a row but prints no numbers, followed
    by a line of numbers whose words do not start a row, is the first half of that label.
    A label alone takes the numbers on the next line unless it already prints its own
    cells: as many as the numbers, or ``width`` (the table's columns). With
    ``named_stays``, a line of words that names a row by itself is that row, not the end
    of a row above whose words name none ("行政处 0" then "行政强制": 行政处罚 cut, and
    行政强制 printed empty); without, it is still not that end, but its empty cells may
    be the tail of its own wrapped label whose first line was lost: it keeps no cells."""
    matcher = matcher or _APP_ROWS
    out: list[TableRow] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        words_only = _words_only(row)
        if not words_only or header(row):  # a row of values, or a header: kept as it is
            out.append(row)
            i += 1
            continue
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if (
            words_only
            and _starts_row(row)
            and nxt is not None
            and nxt.has_numbers
            and nxt.label_cells
            and not _starts_row(nxt)
            and matcher.match(nxt.label, _last_piece(nxt)) is None
        ):
            out.append(_joined(row, nxt, nxt))
            i += 2
            continue
        if (
            words_only
            and nxt is not None
            and nxt.has_numbers
            and not nxt.label_cells
            # A row that prints as many (empty) cells as the numbers below, or as the
            # table has columns, is complete: the numbers are a row whose label was lost.
            and len(row.values) < min(len(nxt.values), width or len(nxt.values))
            and matcher.match(row.label, _last_piece(row)) is not None
        ):
            # A label alone, its numbers on the next line(s) (cells split one per line).
            out.append(
                TableRow(
                    row.label,
                    nxt.values,
                    nxt.source,
                    nxt.glued,
                    row.label_cells,
                    nxt.all_cells,
                    nxt.positions,
                )
            )
            i += 2
            continue
        if (
            words_only
            and not _starts_row(row)
            and out
            and out[-1].has_numbers
            and out[-1].label_cells  # words never continue a row that has no label
            and _same_row(out[-1], row, matcher)
            and not (named_stays and _names_its_own_row(out[-1], row, matcher))
        ):
            joined = _joined(out[-1], row, out[-1])
            if _renames(out[-1], joined, matcher) or _names_its_own_row(out[-1], row, matcher):
                # The fragments add up to another row's name, or name one by themselves
                # (its own line of numbers was lost): that row's label, not the end of
                # this one. Its empty cells are the tail of a label's line, not that
                # row's blanks: no cells.
                out.append(TableRow(row.label, (), row.source, None, row.label_cells))
            else:
                out[-1] = joined
            i += 1
            continue
        out.append(row)
        i += 1
    return out


_SUB_ROWS = tuple(r.code for r in T.APPLICATION_ROWS if r.parent == "other_handling")
_UNDIVIDED = T.label("row", "other")


def _undivided_beside_sub_rows(res: TableResult, template: str) -> None:
    """（六）其他处理 with numbers in a 2021 table that also prints its sub-rows is either the
    group's subtotal (all three sub-rows printed) or sub-row 1 whose label was lost: never
    the 2019 undivided cell. A subtotal is noted; otherwise its numbers are unplaced."""
    if template != "2021":
        return
    keys = [("other", a) for a in T.APPLICANT_CODES]
    placed = [k for k in keys if k in res.cells and res.cells[k].status in ("reported", "blank")]
    printed = {r for r in _SUB_ROWS if any((r, a) in res.cells for a in T.APPLICANT_CODES)}
    if not placed or not printed:
        return
    cells = [res.cells.pop(k) for k in keys if k in res.cells]
    if printed == set(_SUB_ROWS):
        res.notes.append(f"part 三: subtotal row {_UNDIVIDED} is not a template cell")
        return
    for c in cells:
        if c.status == "reported":
            res.unplaced.append(
                Unplaced(
                    c.raw or "",
                    c.source or "",
                    Reason.of("undivided_beside_sub_rows", part="applications", row="other"),
                )
            )


def _blank_if_bare(row: TableRow, ncol: int) -> tuple[TableRow, bool]:
    """Given a part 三 row, return it as read and whether every one of its cells is empty
    (a line of text that names a row and prints nothing after it has ``ncol`` empty cells)."""
    if _bare_row_line(row) and not _is_application_header(row):
        cells = tuple(Cell("", row.source) for _ in range(ncol))
        return TableRow(row.label, cells, row.source, None, row.label_cells), True
    return row, len(row.values) >= ncol and not row.has_numbers


def _nothing_to_place(row: TableRow, key: str, all_blank: bool) -> bool:
    """Given a part 三 row, return whether it has no cells to place: no numbers and not all
    blank, or a header line."""
    if not row.has_numbers and not all_blank:
        return True
    return not row.has_numbers and bool(key) and any(h in key for h in _APP_HEADERS)


def _application_index(
    row: TableRow, key: str, last: int, prefer: tuple[bool, ...]
) -> tuple[int | None, Reason | None]:
    """Given a part 三 row, the last row placed and the template's preferred rows, return
    the index of the template row it names (None: none), or why its numbers are unplaced."""
    idx = _APP_ROWS.match(row.label, _last_piece(row), last, prefer) if key else None
    if idx is not None and not prefer[idx] and _only_generic(row, idx):
        idx = None  # "（六）其他" (cut) in a 2019 report is not the 2021 row （六）3.其他
    if idx is not None and _HAS_GENERIC_KEY[idx] and not _number_agrees(_last_piece(row), idx):
        idx = None  # "2.其他" cut from "2.其他法律…" is not （六）3.其他
    if (
        idx is not None
        and len(named := _cells_naming(row)) > 1
        and len({i for i in named if prefer[i]}) > 1
    ):
        # Two row labels on one line: a row that lost its numbers ran into the next.
        return None, Reason.of("two_rows_named", part="applications", label=row.label)
    if idx is None and key:
        idx = _next_sub_item(_last_piece(row), last)
    return idx, None


def _names_group(row: TableRow, key: str) -> bool:
    """Given a part 三 row that names no template row, return whether it is the subtotal
    row of a group （三）–（六） (not a template cell, checked by its parts)."""
    return row.has_numbers and bool(key) and _GROUPS.match(row.label, _last_piece(row)) is not None


def _leftovers_unplaced(res: TableResult, leftovers: list[TableRow]) -> list[TableRow]:
    """Given part 三's rows that name no row, return those that look like part 四's fifteen
    numbers (no label); the others' numbers are unplaced."""
    appeals_like = [
        r for r in leftovers if not label_key(r.label) and len(r.values) == len(T.APPEAL_CELLS)
    ]
    for r in leftovers:
        if r not in appeals_like:
            res.unplaced += _numbers_unplaced(
                r, Reason.of("unknown_label", part="applications", label=r.label)
            )
    return appeals_like


def map_applications(rows: Sequence[TableRow], template: str) -> tuple[TableResult, list[TableRow]]:
    """Part 三: rows by label × the seven applicant columns. Also returns the unlabelled
    rows that look like part 四's fifteen numbers (for reports whose part 四 heading was
    lost)."""
    res = TableResult()
    ncol = len(T.APPLICANT_CODES)
    prefer = tuple(template in e.templates for e in T.APPLICATION_ROWS)
    last = -1
    leftovers: list[TableRow] = []
    rows = join_wrapped_labels(rows, _APP_ROWS, _is_application_header, ncol)
    subtotal_column = _has_subtotal_column(rows)
    # Learned only if a row cannot be placed alone (most tables never need it).
    grid = functools.cache(lambda: learn_grid(rows, ncol))
    if subtotal_column:
        res.notes.append(f"part 三: a {T.LEGAL_PERSON_ZH} subtotal column was read and left out")
    for row in rows:
        key = label_key(row.label)
        row, all_blank = _blank_if_bare(row, ncol)
        if _nothing_to_place(row, key, all_blank):
            continue
        idx, reason = _application_index(row, key, last, prefer)
        if reason is not None:
            res.unplaced += _numbers_unplaced(row, reason)
            continue
        if idx is None:
            if _names_group(row, key):
                res.notes.append(
                    f"part 三: subtotal row {row.label!r} ({row.source}) is not a template cell"
                )
            elif row.has_numbers:
                leftovers.append(row)
            continue
        code = T.APPLICATION_ROWS[idx].code
        keys = _APP_KEYS[code]
        if not res.cells.keys().isdisjoint(keys):
            res.unplaced += _numbers_unplaced(
                row, Reason.of("printed_twice", part="applications", row=code)
            )
            continue
        if subtotal_column:
            row = _drop_subtotal_column(row)
        _place_row(res, row, keys, _APP_WHAT[code], check=_row_total_holds, grid=grid, integer=True)
        last = max(last, idx)
    _undivided_beside_sub_rows(res, template)
    # A 2021 report printing （六） undivided keeps that row; its sub-rows stay missing.
    setdefault = res.cells.setdefault
    for k in (k for r in T.application_rows(template) for k in _APP_KEYS[r.code]):
        setdefault(k, MISSING)
    return res, _leftovers_unplaced(res, leftovers)


# --------------------------------------------------------------------------------------
# Part 四
# --------------------------------------------------------------------------------------
def _rows_per_proceeding(data: Sequence[TableRow]) -> dict[str, TableRow]:
    """Given part 四's rows with numbers, return the row of each proceeding whose label
    names that proceeding alone and that prints no more than its results."""
    nres = len(T.RESULTS)
    per_proc: dict[str, TableRow] = {}
    for r in data:
        named = _PROCEEDINGS.scores(r.label, _last_piece(r)) if label_key(r.label) else []
        idx = named[0][1] if len(named) == 1 else None  # a header names all three
        if idx is not None and len(r.numbers) <= nres:
            per_proc[T.PROCEEDINGS[idx].code] = r
    return per_proc


def map_appeals(rows: Sequence[TableRow]) -> TableResult:
    """Part 四: fifteen numbers (review ×5, direct suit ×5, suit after review ×5), printed
    as one row, or as one row per proceeding."""
    res = TableResult()
    keys = list(T.APPEAL_CELLS)
    data = [r for r in rows if r.has_numbers]
    per_proc = _rows_per_proceeding(data)
    if per_proc and len(per_proc) == len(data):
        for proc, r in per_proc.items():
            _place_row(
                res,
                r,
                [(proc, x.code) for x in T.RESULTS],
                ("appeals", proc),
                check=_results_total_holds,
                integer=True,
            )
    elif (
        len(data) == 1
        and data[0].spans
        and data[0].glued is None
        and resolve_values(data[0].values, len(keys)) is None
    ):
        # A line of text with an empty cell: the header lines say where each column is.
        cells = _align_to_headers(data[0], rows, [x for x in T.RESULTS], len(keys))
        if cells is not None:
            _place_row(res, TableRow("", cells, data[0].source), keys, _PART4, integer=True)
        else:
            _place_row(res, data[0], keys, _PART4, integer=True)
    elif data:
        glued = [r for r in data if r.glued is not None and not r.numbers]
        if glued and len(data) == 1:
            _place_row(res, data[0], keys, _PART4, check=_appeal_totals_hold, integer=True)
        elif glued:
            for r in data:
                res.unplaced += _numbers_unplaced(
                    r, Reason.of("several_runs_together", part="appeals")
                )
        else:
            values = tuple(c for r in data for c in r.values)
            merged = TableRow("", values, data[0].source)
            _place_row(res, merged, keys, _PART4, integer=True)
    for k in keys:
        res.cells.setdefault(k, MISSING)
    return res


# Columns a value may stand beside its header word and still be under it.
_SLACK = 1


def _align_to_headers(
    row: TableRow, rows: Sequence[TableRow], labels: Sequence[T.Entry], n: int
) -> tuple[Cell, ...] | None:
    """Place a text line's values under the header words that name its n columns (left-,
    right- or centre-aligned), or None when the headers do not give exactly n columns."""
    matcher = _matcher_of(tuple(labels))
    heads = sorted(
        (start, end)
        for r in rows
        if not r.has_numbers
        for word, start, end in _header_words(r.spans, matcher)
        if matcher.match(word, word) is not None
    )
    if len(heads) != n:
        return None
    value_spans = [s for s in row.spans if parse_number(s[0]) is not None or is_blank_marker(s[0])]
    if len(value_spans) != len(row.values):
        return None
    starts = [h[0] for h in heads]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    tol = min(gaps) / 2 if gaps else float("inf")  # one column: any position is under it
    out: list[Cell | None] = [None] * n
    last = -1
    for cell, (_, vs, ve) in zip(row.values, value_spans, strict=True):

        def dist(h: tuple[int, int], vs: int = vs, ve: int = ve) -> float:
            return min(abs(vs - h[0]), abs(ve - h[1]), abs((vs + ve) / 2 - (h[0] + h[1]) / 2))

        i = min(range(n), key=lambda j: dist(heads[j]))
        if dist(heads[i]) >= tol or i <= last:
            return None
        if ve <= heads[i][0] - _SLACK or vs >= heads[i][1] + _SLACK:
            return None  # not under the header's columns at all (tabs turned to spaces)
        if any(dist(heads[j]) == dist(heads[i]) for j in range(n) if j != i):
            return None  # as near to two headers: either could be the value's
        out[i] = cell
        last = i
    return tuple(c if c is not None else Cell("", row.source) for c in out)


def _header_words(
    spans: Sequence[tuple[str, int, int]], matcher: _Matcher
) -> list[tuple[str, int, int]]:
    """A header line's words, with a word broken by one space ("本年 增/减") joined again:
    two words a single space apart are one when either names no column alone and together
    they name one."""
    out = list(spans)
    i = 0
    while i + 1 < len(out):
        (a, s1, e1), (b, s2, e2) = out[i], out[i + 1]
        if s2 - e1 <= 1 and (matcher.match(a, a) is None or matcher.match(b, b) is None):
            joined = a + b
            if matcher.match(joined, joined) is not None:
                out[i : i + 2] = [(joined, s1, e2)]
                continue
        i += 1
    return out


def _parts_exceed_total(cells: Sequence[Cell]) -> bool:
    """The printed parts of a row add up to more than its printed total (its last cell):
    the cells cannot be that row's, whatever its empty cells hold."""
    total = parse_number(cells[-1].text)
    if total is None:
        return False
    parts = (parse_number(c.text) for c in cells[:-1])
    return sum(p for p in parts if p is not None) > total


def _line_test(code: str, columns: Sequence[str]) -> Callable[[list[Decimal]], bool]:
    """Given a template identity across a line and the line's columns in printed order,
    return a test that the identity holds on the line's values."""
    ident = next(i for i in T.identities("2021") if i.code == code)
    left = [columns.index(c) for c in ident.left]
    right = [columns.index(c) for c in ident.right]

    def holds(values: list[Decimal]) -> bool:
        return sum(values[i] for i in left) == sum(values[i] for i in right)

    return holds


# A part 三 row's total is the sum of its applicant columns; a part 四 proceeding's too.
_row_total_holds = _line_test("row_total", T.APPLICANT_CODES)
_results_total_holds = _line_test("appeals_total", [r.code for r in T.RESULTS])


def _appeal_totals_hold(values: list[Decimal]) -> bool:
    """Part 四 printed as one line: each proceeding's results, total last."""
    n = len(T.RESULTS)
    return all(_results_total_holds(values[i : i + n]) for i in range(0, len(values), n))


def _segment_keys(entries: Sequence[T.Entry], extra: Sequence[str] = ()) -> tuple[str, ...]:
    keys = {k.lstrip("=") for e in entries for k in e.keys} | {e.zh for e in entries} | set(extra)
    return tuple(sorted((nfkc(k) for k in keys), key=len, reverse=True))


# Label fragments at which a paragraph that runs several rows together is cut.
SEGMENT_KEYS: dict[str, tuple[str, ...]] = {
    "active_disclosure": _segment_keys(T.DISCLOSURE_ITEMS, ("第二十条",)),
    "applications": _segment_keys(T.APPLICATION_ROWS),
    "appeals": (),
}


def count_numeric_tokens(rows: Sequence[TableRow]) -> int:
    return sum(len(r.numbers) + (1 if r.glued is not None else 0) for r in rows)


def clean_raw(text: str | None) -> str | None:
    return None if text is None else nfkc(text)
