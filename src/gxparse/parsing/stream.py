"""Text table parts as a stream of labels and values, aligned against the template.

Given the items of the table parts (二 to 四) of a text report, return the template cells
they print, whatever the layout: one cell per paragraph with blank lines between, one cell
per line, ``|`` in any position, tab rows, label-and-numbers lines, or the whole report on
one crawler line. The layout's line breaks are not trusted; the order is:

* the items become a stream of tokens: words (label pieces), values (numbers as printed,
  with signs, direction words and units), printed blanks ("—", "/", "无"), empty cells (a
  tab-only cell, an empty ``|`` cell) and prose (a sentence: a barrier, never a label);
* consecutive words form a label run; the last template row (or part 二 item) the run
  names owns the values that follow it, up to the next word. Runs that name a part's
  header switch between parts 二, 三 and 四, so a lost or mangled part heading costs
  nothing;
* a run names a row only when it ends with that row's label (a label cut in two, or
  followed by another label's first half, names none);
* a row takes its values when they match its cells one to one. Empty cells of one cell
  per line count as blanks between printed values, after them only at the table's end or
  in a row of nothing but empty cells (elsewhere they may pad the next row's label); the
  empty cells of a tab or ``|`` row are not counted at all (only the grid knows whether
  they pad a merged cell). Any other count leaves the row's cells unread (``missing``),
  never guessed, and its numbers are listed as unplaced.

Rows read from a real grid (HTML, Word, PDF tables) keep their columns and are not read
here. :func:`merge` joins this reading with the row reader's (:mod:`gxparse.parsing.tables`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from gxparse import template as T
from gxparse.normalize import (
    is_blank_marker,
    is_page_furniture,
    label_key,
    parse_number,
    without_furniture,
)
from gxparse.parsing.sections import heading_part
from gxparse.parsing.tables import CellValue, Key, TableResult, Unplaced
from gxparse.readers.document import Item, Para
from gxparse.reasons import Reason

_UNITS = "|".join(map(re.escape, T.CELL_UNITS))
# A piece of text: a number with its unit set off by one space ("5 件"), or any non-space run.
_PIECE = re.compile(rf"[+\-]?[\d０-９][\d０-９.,，．]* (?:{_UNITS})(?=\s|$)|[^\s|]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
# A sentence: prose, not a label (labels hold at most a parenthesised note with commas).
_SENTENCE = re.compile(r"[。；;！!？?]")
_LONG_LABEL = 60

LABEL, VALUE, BLANK, EMPTY, PROSE = "label", "value", "blank", "empty", "prose"


class Token(NamedTuple):
    kind: str
    text: str
    source: str
    # True for the first piece of a cell (a tab or | cell, a paragraph); False for a line
    # that continues the cell above (Word exports print "\t" then "0" for one cell).
    starts: bool = True


def _piece_kind(piece: str) -> str:
    if parse_number(piece) is not None:
        return VALUE
    if is_blank_marker(piece):
        return BLANK
    if len(piece) > _LONG_LABEL or _SENTENCE.search(piece):
        return PROSE
    return LABEL


def _pieces(text: str, source: str, starts: bool) -> list[Token]:
    out = []
    text = without_furniture(text)
    for m in _PIECE.finditer(text):
        piece = m.group()
        out.append(Token(_piece_kind(piece), piece, source, starts and not out))
    # A blank written as a word ("无") among words is a word: "无 法提" is 无法提供 cut.
    for i, t in enumerate(out):
        if t.kind == BLANK and _CJK.search(t.text) and i + 1 < len(out):
            if out[i + 1].kind not in (VALUE, BLANK):
                out[i] = t._replace(kind=LABEL)
    return out


def _cell_tokens(text: str, source: str, starts: bool) -> list[Token]:
    if not text.strip() or not text.strip("|").strip():
        return [Token(EMPTY, "", source, starts)]
    return _pieces(text, source, starts)


def tokens(items: Sequence[Item]) -> list[Token]:
    """The stream of a part's items (text items only; see the module docstring)."""
    out: list[Token] = []
    for item in items:
        if isinstance(item, Para):
            text = item.text.strip()
            if not text or is_page_furniture(text) or not text.strip("|").strip():
                continue
            if _SENTENCE.search(text) and len(text) > _LONG_LABEL and "|" not in text:
                out.append(Token(PROSE, text, item.source))
                continue
            # A paragraph with | is a row whose cells the reader did not split ("0 |").
            cells = text.strip().strip("|").split("|") if "|" in text else [text]
            # As in a row of several cells, an empty cell between pipes may pad a merged
            # label as well as mark a blank: it is no slot.
            for n, cell in enumerate(cells):
                if cell.strip():
                    out += _pieces(cell, item.source, starts=n > 0 or "|" in text)
            continue
        cells = item.cells
        if len(cells) == 1:  # one cell per line: a tab-only line is an empty cell
            out += _cell_tokens(cells[0].text, cells[0].source, True)
            continue
        # In a row of several cells (tabs, |), empty cells may pad a merged label or header
        # cell as well as mark a blank: which, only the grid knows (the row reader's job).
        # A label followed by nothing but empty cells is a row whose cells are all empty.
        filled = [c for c in cells if c.text.strip()]
        if len(filled) == 1 and cells[-1] is not filled[0]:
            at = cells.index(filled[0])
            out += _cell_tokens(filled[0].text, filled[0].source, True)
            out += [Token(BLANK, "", c.source) for c in cells[at + 1 :]]
            continue
        for c in filled:
            out += _cell_tokens(c.text, c.source, True)
    return out


# ---------------------------------------------------------------------------------------
# Label runs: which template row a run of words names
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Keys:
    """The keys of a set of entries as (normalised key, entry index, equals?)."""

    entries: tuple[T.Entry, ...]
    keys: tuple[tuple[str, int, bool], ...]

    @classmethod
    def of(cls, entries: Sequence[T.Entry]) -> _Keys:
        keys = []
        for i, e in enumerate(entries):
            for k in e.keys:
                eq = k.startswith("=")
                keys.append((label_key(k.lstrip("=")), i, eq))
        return cls(tuple(entries), tuple(keys))

    def last_named(self, run: Sequence[Token]) -> tuple[int, int, str] | None:
        """(entry index, end offset, key) of the entry named last in the run: contains-keys
        are looked for in the run's joined text, equals-keys against single words."""
        texts = [label_key(_strip_enum(t.text)) for t in run]
        joined = "".join(label_key(t.text) for t in run)
        best: tuple[int, int, int, str] | None = None  # (end, key length, index, key)
        for key, i, eq in self.keys:
            if not key:
                continue
            if eq:
                offset = 0
                for t, txt in zip(run, texts, strict=True):
                    offset += len(label_key(t.text))
                    if txt == key:
                        cand = (offset, len(key), i, key)
                        best = cand if best is None or cand[:2] > best[:2] else best
                continue
            at = joined.rfind(key)
            if at >= 0:
                cand = (at + len(key), len(key), i, key)
                if best is None or cand[:2] > best[:2]:
                    best = cand
        return None if best is None else (best[2], best[0], best[3])

    def last_end(self, run: Sequence[Token]) -> int:
        """Where the last key of these entries named in the run ends (-1: none)."""
        joined = "".join(label_key(t.text) for t in run)
        ends = [at + len(k) for k, _, eq in self.keys if k and (at := joined.rfind(k)) >= 0]
        return max(ends, default=-1)

    def named(self, run: Sequence[Token]) -> list[int]:
        """Every entry the run names, in the order of the run."""
        joined = "".join(label_key(t.text) for t in run)
        hits = []
        for key, i, eq in self.keys:
            if key and not eq and (at := joined.find(key)) >= 0:
                hits.append((at, i))
        return list(dict.fromkeys(i for _, i in sorted(hits)))


_ENUM = re.compile(r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（]?\d+[)）.．、])+")


def _strip_enum(text: str) -> str:
    return _ENUM.sub("", text.strip())


_ITEMS = _Keys.of(T.DISCLOSURE_ITEMS)
_MEASURES = _Keys.of(T.DISCLOSURE_MEASURES)
_APP_ROWS = _Keys.of(T.APPLICATION_ROWS)
_APPLICANTS = _Keys.of(T.APPLICANTS)
_GROUPS = _Keys.of(T.APPLICATION_GROUPS)
_APP_HEADER = tuple(label_key(k) for k in T.APPLICATION_HEADER_KEYS)
_UNIT_KEYS = frozenset(label_key(u) for u in T.CELL_UNITS)
_ARTICLE20 = label_key(T.DISCLOSURE_HEADER_KEYS[1])
_APPEALS_HEADER = tuple(label_key(k) for k in T.APPEALS_HEADER_KEYS)


def _joined(run: Sequence[Token]) -> str:
    return "".join(label_key(t.text) for t in run)


def _part_of(run: Sequence[Token]) -> str | None:
    """The table part a run's header words belong to, if they name one."""
    joined = _joined(run)
    if any(k in joined for k in _APPEALS_HEADER):
        return "appeals"
    if any(k in joined for k in _APP_HEADER) or len(_APPLICANTS.named(run)) >= 3:
        return "applications"
    return None


# ---------------------------------------------------------------------------------------
# Values of one row
# ---------------------------------------------------------------------------------------
@dataclass
class StreamResult:
    """Cells read per part, and the tokens each placed cell took."""

    parts: dict[str, TableResult] = field(default_factory=dict)
    placed: list[Token] = field(default_factory=list)


def _slots(values: list[Token]) -> list[Token]:
    """The row's cells: an empty cell followed by a continuation line is that line's cell."""
    out: list[Token] = []
    for n, t in enumerate(values):
        if t.kind == EMPTY and n + 1 < len(values) and not values[n + 1].starts:
            continue
        out.append(t)
    return out


def _cells_of(values: list[Token], n: int, final: bool = False) -> list[Token] | None:
    """The row's n cells from the tokens after its label, or None when they do not match
    one to one (see the module docstring). Empty cells between printed ones are blanks;
    empty cells after the last printed one are blanks only at the end of the table
    (``final``): elsewhere they may as well pad the next row's label."""
    slots = _slots(values)
    printed = [t for t in slots if t.kind in (VALUE, BLANK)]
    if len(printed) == n:
        return printed
    if len(printed) > n:
        # A label and a row of empty cells, wider than the item ("行政许可 | ||||").
        extra = printed[n:]
        return printed[:n] if all(t.kind == BLANK and not t.text for t in extra) else None
    last = max((i for i, t in enumerate(slots) if t.kind in (VALUE, BLANK)), default=-1)
    if last + 1 == n:
        return slots[:n]
    if (final or last < 0) and last + 1 < n <= len(slots):
        # At the table's end; or a row of nothing but empty cells (one-cell-per-line
        # Word export), whose cells are empty whatever pads the next row.
        return slots[:n]
    return None


def _reading(tok: Token, amount: bool) -> CellValue:
    if tok.kind == EMPTY or tok.kind == BLANK:
        return CellValue("blank", None, tok.text, tok.source)
    number = parse_number(tok.text)
    assert number is not None
    if not amount and number != number.to_integral_value():
        return CellValue("missing", None, tok.text, tok.source, unresolved=True)
    return CellValue("reported", number, tok.text, tok.source)


# ---------------------------------------------------------------------------------------
# The aligner
# ---------------------------------------------------------------------------------------
def read_stream(items: Sequence[Item], template: str) -> StreamResult:
    """Parts 二–四 of a text report read as one stream (see the module docstring)."""
    reader = _StreamReader(template)
    for tok in tokens(items):
        reader.take(tok)
    reader.open_run()
    reader.flush()
    _place_appeals(reader.res, reader.appeal_values)
    return reader.res


class _StreamReader:
    """The stream's state as it is read token by token: the part it is in, the run of
    words being read, the numbers after it and the row that owns them."""

    def __init__(self, template: str) -> None:
        self.template = template
        parts = ("active_disclosure", "applications", "appeals")
        self.res = StreamResult({p: TableResult() for p in parts})
        self.part = "active_disclosure"
        self.run: list[Token] = []
        self.values: list[Token] = []
        self.owner: tuple[str, str] | None = None  # (part, item or row code) owning values
        self.header: list[str] | None = None  # part 二 measures named by the last header
        self.app_rows = {r.code for r in T.application_rows(template)}
        self.last_row = -1
        self.appeal_values: list[Token] = []
        self.pending: list[Token] = []  # part 二 numbers right under a header, label lost
        self.after_header = False

    def take(self, tok: Token) -> None:
        """One token: words extend the run, prose ends it, a number follows it."""
        if tok.kind == LABEL:
            if self.values:
                self.flush()
            self.run.append(tok)
            return
        if tok.kind == PROSE:
            self.open_run()
            self.flush()
            return
        if self.run:
            self.open_run()
        self.values.append(tok)

    def flush(self) -> None:
        """The numbers read since the last run go to the row that owns them, or wait."""
        values = self.values
        if self.part == _PAST_TABLES:
            self.owner, self.values = None, []
            return
        if self.owner is None and values and self.part == "active_disclosure" and self.after_header:
            self.pending = values
        elif self.owner is not None and values:
            if self.owner == ("applications", _LAST_ROW) and _runs_into_appeals(values):
                # Part 四's fifteen numbers printed right after part 三's last row, their
                # heading and header lost: the template places them.
                n = len(T.APPLICANT_CODES)
                values, rest = values[:n], values[n:]
                self.appeal_values.extend(rest)
            _place(self.res, self.owner, values, self.template, self.header)
        elif self.part == "appeals" and values:
            self.appeal_values.extend(values)
        else:
            # Numbers after words that name no row: the reading is not complete.
            self.res.parts[self.part].unplaced += _unplaced(values, self.part)
        self.owner, self.values = None, []

    def open_run(self) -> None:
        """A run of words ended: decide what it names."""
        if not self.run:
            return
        self.after_header = False
        if self.part == _PAST_TABLES or _ends_tables(self.run):
            # Part 五's or 六's heading: what follows is prose and the page's footer.
            self.part = _PAST_TABLES
            self.run.clear()
            return
        named_part = _part_of(self.run)
        if named_part is not None and named_part != self.part:
            self.part = named_part
        if self.part == "active_disclosure":
            self._open_disclosure()
        if self.pending:
            self.res.parts["active_disclosure"].unplaced += _unplaced(
                self.pending, "active_disclosure"
            )
            self.pending = []
        elif self.part == "applications":
            self._open_application_row()
        self.run.clear()

    def _open_disclosure(self) -> None:
        """Part 二: the run is a header (measures), an item's label, or 第二十条."""
        run = self.run
        measures = _MEASURES.named(run)
        hit = _ITEMS.last_named(run)
        if measures and (hit is None or _measure_after(run, hit)):
            self.header = [T.DISCLOSURE_MEASURES[i].code for i in measures]
            # Numbers right under the header, no word after it: a label cell left
            # blank. (Words after it are a label the template does not know.)
            self.after_header = _ends_with_header(run)
        if hit is not None and not _measure_after(run, hit):
            if not _label_ends(run, hit, T.DISCLOSURE_ITEMS[hit[0]]):
                hit = None  # words after the item's label: a label cut in two
        if hit is not None and not _measure_after(run, hit):
            self.owner = ("active_disclosure", T.DISCLOSURE_ITEMS[hit[0]].code)
            if (
                self.pending
                and not measures
                and _ARTICLE20 not in _joined(run)
                and len(_ITEMS.named(run)) <= 1
            ):
                # Only the next item's own label stands between the numbers and it
                # (no new header: the numbers were under this item's group's header).
                _place_unlabelled(self.res, self.owner[1], self.pending, self.template, self.header)
        elif _ARTICLE20 in _joined(run):
            self.header = None

    def _open_application_row(self) -> None:
        """Part 三: the run names the row whose numbers follow, if it names one alone."""
        run = self.run
        hit = _APP_ROWS.last_named(run)
        if hit is not None and len(_APPLICANTS.named(run)) >= 2:
            # The applicant header ("自然人 … 其他 总计"): a row is named after it.
            hit = hit if hit[1] > _APPLICANTS.last_end(run) else None
        if hit is not None and _numbered_after(run, hit[1]):
            hit = None  # a numbered label starts after the row named: another row's
        if hit is not None and not _label_ends(run, hit, T.APPLICATION_ROWS[hit[0]]):
            hit = None  # words after the row's label that are not its own
        if hit is None:
            return
        entry = T.APPLICATION_ROWS[hit[0]]
        eq_only = all(k.startswith("=") for k in entry.keys)
        if entry.code in self.app_rows and (not eq_only or _follows(entry, self.last_row)):
            self.owner = ("applications", entry.code)
            self.last_row = hit[0]


# The stream's state once a part after the tables has begun.
_PAST_TABLES = "past_tables"
_AFTER_TABLES = {p.code for p in T.PARTS[T.PARTS.index(T.PART_BY_CODE["appeals"]) + 1 :]}


def _ends_tables(run: Sequence[Token]) -> bool:
    """Whether a run of words is the heading of a part after the tables (五, 六)."""
    part = heading_part("".join(t.text for t in run))
    return part is not None and part.code in _AFTER_TABLES


def _unplaced(values: Sequence[Token], part: str) -> list[Unplaced]:
    """The numbers among ``values``, left unplaced: no row of ``part`` was named."""
    return [Unplaced(t.text, t.source, _no_row_named(part)) for t in values if t.kind == VALUE]


_LAST_ROW = T.APPLICATION_ROWS[-1].code


def _runs_into_appeals(values: list[Token]) -> bool:
    """Exactly part 三's last row's numbers and then part 四's fifteen."""
    printed = [t for t in values if t.kind in (VALUE, BLANK)]
    return len(printed) == len(values) == len(T.APPLICANT_CODES) + len(T.APPEAL_CELLS)


def _ends_with_header(run: Sequence[Token]) -> bool:
    """Whether the run ends with a measure's header word, whole or cut short ("现行有效件数",
    "本年增/"), with no word after it."""
    hit = _MEASURES.last_named(run)
    if hit is None:
        return False
    rest = _joined(run)[hit[1] :]
    label = label_key(T.DISCLOSURE_MEASURES[hit[0]].zh)
    at = label.find(hit[2])
    return at >= 0 and label[at + len(hit[2]) :].startswith(rest)


def _label_ends(run: Sequence[Token], hit: tuple[int, int, str], entry: T.Entry) -> bool:
    """Whether the run ends with the label it names: the words after the key that named
    it are the rest of the entry's own label ("部分公开" + "区分处理的…"), perhaps cut short
    or followed by a unit ("件"), not the start of another label cut in two ("行政处罚 行"
    + "0" + "政强制")."""
    rest = _joined(run)[hit[1] :]
    if not rest:
        return True
    label = label_key(_strip_enum(entry.zh))
    at = label.find(hit[2])
    after = label[at + len(hit[2]) :] if at >= 0 else ""
    if after and after.startswith(rest):
        return True
    return rest.startswith(after) and rest[len(after) :] in _UNIT_KEYS


def _numbered_after(run: Sequence[Token], end: int) -> bool:
    """Whether a word after offset ``end`` of the run's joined text starts with a row
    number ("5.要求…"): the run then ends in a row whose label was not matched."""
    offset = 0
    for t in run:
        start = offset
        offset += len(label_key(t.text))
        if start >= end and _ENUM.match(t.text.strip()):
            return True
    return False


def _place_unlabelled(
    res: StreamResult, item: str, values: list[Token], template: str, header: list[str] | None
) -> None:
    """Numbers printed under a header, before item ``item``, with no label of their own
    (a blank label cell): by the template they are the item printed just before it in its
    Article 20 group, if that one is still unread; otherwise they stay unplaced."""
    group = next((g for g in T.ARTICLE20_GROUPS.values() if item in g), ())
    at = group.index(item) if item in group else 0
    if at == 0:
        return
    before = group[at - 1]
    table = res.parts["active_disclosure"]
    if any(k[0] == before and v.status in _PLACED for k, v in table.cells.items()):
        return
    _place(res, ("active_disclosure", before), values, template, header)
    values.clear()


def _measure_after(run: Sequence[Token], hit: tuple[int, int, str]) -> bool:
    """Whether the run names a measure after its last item (a header, not a row)."""
    joined = _joined(run)
    return any(joined.find(k, hit[1]) >= 0 for k, _, eq in _MEASURES.keys if k and not eq)


def _follows(entry: T.Entry, last_row: int) -> bool:
    """A generic label (其他) names a row only right after its group's rows."""
    idx = T.APPLICATION_ROWS.index(entry)
    return last_row >= 0 and T.APPLICATION_ROWS[last_row].parent == entry.parent and idx > last_row


def _no_row_named(part: str) -> Reason:
    return Reason.of("no_row_named", part=part)


def _place(
    res: StreamResult,
    owner: tuple[str, str],
    values: list[Token],
    template: str,
    header: list[str] | None,
) -> None:
    part, code = owner
    table = res.parts[part]
    if part == "active_disclosure":
        layout = T.DISCLOSURE_LAYOUT[template].get(code) or T.DISCLOSURE_LAYOUT[
            "2019" if template == "2021" else "2021"
        ].get(code, ())
        cols = tuple(header) if header and sorted(header) == sorted(layout) else layout
        keys: list[Key] = [(code, m) for m in cols]
        amounts = [m in T.AMOUNT_MEASURES for m in cols]
    else:
        keys = [(code, a) for a in T.APPLICANT_CODES]
        amounts = [False] * len(keys)
    _put(res, table, keys, values, amounts, (part, code))


def _put(
    res: StreamResult,
    table: TableResult,
    keys: list[Key],
    values: list[Token],
    amounts: list[bool],
    what: tuple[str, str | None],
    final: bool = False,
) -> None:
    if any(k in table.cells and table.cells[k].status in _PLACED for k in keys):
        table.unplaced += [
            Unplaced(t.text, t.source, Reason.of("printed_twice", part=what[0], row=what[1]))
            for t in values
            if t.kind == VALUE
        ]
        return
    cells = _cells_of(values, len(keys), final)
    if cells is None:
        for k in keys:
            table.cells.setdefault(k, CellValue("missing", unresolved=True))
        table.unplaced += [
            Unplaced(t.text, t.source, Reason.of("cells_do_not_match", part=what[0], row=what[1]))
            for t in values
            if t.kind == VALUE
        ]
        return
    for k, tok, amount in zip(keys, cells, amounts, strict=True):
        table.cells[k] = _reading(tok, amount)
        if tok.kind == VALUE:
            res.placed.append(tok)


def _place_appeals(res: StreamResult, values: list[Token]) -> None:
    if not values:
        return
    keys = list(T.APPEAL_CELLS)
    # Empty cells before the first number may pad the header lines above it as well as
    # be its first blank: they are no cells (a blank there leaves the part unread).
    while values and values[0].kind == EMPTY:
        values = values[1:]
    _put(
        res, res.parts["appeals"], keys, values, [False] * len(keys), ("appeals", None), final=True
    )


# ---------------------------------------------------------------------------------------
# Joining the stream's reading with the row reader's
# ---------------------------------------------------------------------------------------
_PLACED = ("reported", "blank")


def _holds(cells: dict[Key, CellValue], part: str, template: str) -> bool:
    """Whether a complete reading's identities hold (part 三 row totals and part 四)."""
    if part == "applications":
        for r in T.application_rows(template):
            vals = [cells.get((r.code, a)) for a in T.APPLICANT_CODES]
            if all(v is not None and v.status == "reported" for v in vals):
                nums = [v.value for v in vals if v is not None]
                if sum(nums[:-1], Decimal(0)) != nums[-1]:
                    return False
        return True
    if part == "appeals":
        for p in T.PROCEEDINGS:
            vals = [cells.get((p.code, r.code)) for r in T.RESULTS]
            if all(v is not None and v.status == "reported" for v in vals):
                nums = [v.value for v in vals if v is not None]
                if sum(nums[:-1], Decimal(0)) != nums[-1]:
                    return False
    return True


def merge(
    rows: TableResult, stream: TableResult, placed: Sequence[Token], part: str, template: str
) -> tuple[TableResult, str | None]:
    """The row reader's cells, completed by the stream's where they agree.

    Where both read a cell they must agree; if they do not, the stream's reading is taken
    only when it is complete (every cell placed, nothing left over) and its identities hold
    while the row reader's reading is incomplete. Returns the result and a note when the
    readings disagreed."""
    both = [
        k
        for k, v in stream.cells.items()
        if v.status in _PLACED and k in rows.cells and rows.cells[k].status in _PLACED
    ]
    conflict = [
        k
        for k in both
        if (rows.cells[k].status, rows.cells[k].value)
        != (stream.cells[k].status, stream.cells[k].value)
    ]
    keys = set(rows.cells) | set(stream.cells)
    complete = (
        bool(stream.cells)
        and all(v.status in _PLACED for v in stream.cells.values())
        and not stream.unplaced
    )
    rows_complete = all(v.status in _PLACED for v in rows.cells.values()) and not rows.unplaced
    taken = {(t.source, label_key(t.text)) for t in placed}
    if conflict:
        if complete and not rows_complete and _holds(stream.cells, part, template):
            out = TableResult(dict(rows.cells), [], list(rows.notes))
            out.cells.update(stream.cells)
            out.unplaced = [u for u in rows.unplaced if (u.source, label_key(u.text)) not in taken]
            return out, f"part {T.PART_BY_CODE[part].zh}: read as a stream of labels and numbers"
        return rows, None
    out = TableResult(dict(rows.cells), [], list(rows.notes))
    filled = False
    for k in keys:
        s = stream.cells.get(k)
        r = rows.cells.get(k)
        if s is not None and s.status in _PLACED and (r is None or r.status not in _PLACED):
            out.cells[k] = s
            filled = True
    out.unplaced = (
        [u for u in rows.unplaced if (u.source, label_key(u.text)) not in taken]
        if filled
        else list(rows.unplaced)
    )
    return out, None
