"""Rows whose cells were run together by a crawler ("行政许可3960181").

Two steps, both refusing to guess:

* :func:`segment` cuts a paragraph that holds several table rows at the row labels, so
  each label keeps the digit run that follows it (a trailing "2." belongs to the next
  label's numbering, not to the run).
* :func:`split_run` reads a run back into cells only when exactly one reading exists:
  every cell printed (the run has no room for a blank), no leading zeros, decimals only
  where the column holds an amount, spaces are cell boundaries. A row whose total must
  equal the sum of its parts uses that identity to rule readings out; a reading that
  needed the identity is marked as derived by the caller, one that did not as reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from gxparse import template as T
from gxparse.normalize import nfkc

_RUN = re.compile(r"\d[\d \t\u3000.,]*")
# Template sub-items are numbered 1.–8.: one digit and a dot closing a run number the next label.
_TRAILING_ENUM = re.compile(r"\d[.．]$")
_UNITS = "|".join(map(re.escape, T.CELL_UNITS))
_UNIT = re.compile(rf"^\s*(?:{_UNITS})")
_MAX_READINGS = 20000


@dataclass(frozen=True)
class Segment:
    """A label and the digit run printed after it."""

    label: str
    run: str
    start: int


def find_run(tail: str) -> str | None:
    """The digit run right after a label (before the next label's numbering), or None."""
    t = nfkc(tail)
    m = _RUN.search(t)
    if m is None or (
        re.search(r"[\u3400-\u9fff]", t[: m.start()].replace("年", "")) and m.start() > 40
    ):
        return None
    run = m.group(0)
    after = t[m.end() :]
    if after[:1] in ("、", ".", "．") and re.search(r"\d$", run.rstrip()):
        # "…0000002、其他" : the last digits number the next label.
        run = re.sub(r"\d$", "", run.rstrip())
    run = _TRAILING_ENUM.sub("", run.rstrip())
    run = run.strip(" ,.\t\u3000")
    return run or None


# A digit run between two pieces of label text; a unit after a number (3件) is not a label.
_BETWEEN = re.compile(
    rf"(?<=[\u3400-\u9fff)）\s])(\s*\d[\d\s.,]*)(?=(?!{_UNITS}|无)[\u3400-\u9fff(（])"
)


def runs_between_labels(text: str) -> int:
    """How many digit runs sit between two pieces of label text (enumerators excluded):
    more than zero means several table rows were run into this one line."""
    count = 0
    for m in _BETWEEN.finditer(nfkc(text)):
        run = _TRAILING_ENUM.sub("", m.group(1).strip()).strip(" ,.")
        if re.search(r"\d", run):
            count += 1
    return count


_ENUMERATION_BEFORE = re.compile(
    r"(?:[(（][一二三四五六七八九十]{1,2}[)）]|[一二三四五六七八九十]{1,2}、"
    # A digit right after another digit is the end of the row before's numbers ("02.").
    r"|(?<![\d.．,，])\d\s*[.．、])\s*$"
)


def _enumeration_start(text: str, start: int) -> int:
    """Where a label key's enumeration starts, if one stands right before it."""
    m = _ENUMERATION_BEFORE.search(text, max(0, start - 8), start)
    return m.start() if m else start


def segment(text: str, keys: Sequence[str]) -> list[Segment]:
    """Cut ``text`` at every occurrence of a label key; return (label, run) per piece."""
    t = nfkc(text)
    hits: list[tuple[int, int]] = []
    for k in keys:
        for m in re.finditer(re.escape(k), t):
            hits.append((m.start(), m.end()))
    # A row's own enumeration printed just before its key ("2.其他", "（三）不予公开")
    # belongs to its label, not to the tail of the row before.
    hits = [(_enumeration_start(t, s), e) for s, e in hits]
    hits.sort()
    # Keep the longest key at each position and drop keys nested in an earlier hit.
    kept: list[tuple[int, int]] = []
    for s, e in hits:
        if kept and s < kept[-1][1]:
            if e > kept[-1][1] and s == kept[-1][0]:
                kept[-1] = (s, e)
            continue
        kept.append((s, e))
    out = []
    for i, (s, e) in enumerate(kept):
        nxt = kept[i + 1][0] if i + 1 < len(kept) else len(t)
        piece = t[e:nxt]
        m = _RUN.search(piece)
        label = t[s:e] + (piece[: m.start()] if m else piece)
        run = find_run(piece)
        out.append(Segment(label.strip(), run or "", s))
    return out


def _readings(chunks: Sequence[str], kinds: Sequence[str]) -> list[list[str]] | None:
    """Every way to cut the chunks into len(kinds) printed numbers (None if too many)."""
    results: list[list[str]] = []
    if not _walk(chunks, kinds, 0, 0, 0, [], results):
        return None
    return results


def _printed(piece: str, kind: str) -> bool:
    """Whether ``piece`` can be one printed number of this kind: no leading zero, and a
    decimal point only in an amount."""
    if not piece:
        return False
    if "." in piece:
        if kind != "amount" or piece.count(".") > 1 or piece.startswith(".") or piece.endswith("."):
            return False
        whole = piece.split(".")[0]
        return whole == "0" or not whole.startswith("0")
    return piece == "0" or not piece.startswith("0")


def _walk(
    chunks: Sequence[str],
    kinds: Sequence[str],
    ci: int,
    pos: int,
    cell: int,
    acc: list[str],
    results: list[list[str]],
) -> bool:
    """Given a cut so far (``acc``: the cells before ``cell``; the rest starts at chunk
    ``ci``, position ``pos``), append every complete reading to ``results``; False once
    there are more than ``_MAX_READINGS``."""
    n = len(kinds)
    if len(results) > _MAX_READINGS:
        return False
    if ci == len(chunks):
        if cell == n:
            results.append(list(acc))
        return True
    chunk = chunks[ci]
    if pos == len(chunk):
        return _walk(chunks, kinds, ci + 1, 0, cell, acc, results)
    if cell == n:
        return True
    for end in range(pos + 1, len(chunk) + 1):
        piece = chunk[pos:end]
        if not _printed(piece, kinds[cell]):
            if piece.startswith("0") and len(piece) > 1 and not piece.startswith("0."):
                break  # every longer piece has a leading zero too
            continue
        acc.append(piece)
        ok = _walk(chunks, kinds, ci, end, cell + 1, acc, results)
        acc.pop()
        if not ok:
            return False
    return True


def split_run(
    run: str,
    kinds: Sequence[str],
    check: Callable[[list[Decimal]], bool] | None = None,
) -> tuple[list[str], bool] | None:
    """The one reading of ``run`` as ``len(kinds)`` cells, and whether the identity
    ``check`` was needed to single it out; None when there is not exactly one.

    ``kinds``: "count" (whole numbers) or "amount" (decimals allowed) per cell. Without a
    ``check``, a run is read only when no other reading could exist even with blank
    cells: every digit a cell of its own and every digit 0, or a single cell."""
    chunks = [c for c in re.split(r"[\s\u3000,]+", nfkc(run)) if c]
    if not chunks:
        return None
    if "\t" in run and len([c for c in run.split("\t") if c.strip()]) != len(kinds):
        # Numbers set apart by tabs are cells of their own: one too few is a blank whose
        # place is lost, not two cells glued. (Spaces prove nothing: crawler text puts
        # them inside glued digits, "230 000023".)
        return None
    readings = _readings(chunks, kinds)
    if not readings:
        return None
    if check is None:
        if len(kinds) == 1 and len(readings) == 1:
            return readings[0], False
        digits = "".join(chunks)
        if len(readings) == 1 and set(digits) == {"0"} and len(digits) == len(kinds):
            return readings[0], False
        return None
    plain = len(readings) == 1
    good = [r for r in readings if check([Decimal(x) for x in r])]
    if len(good) != 1:
        return None
    return good[0], not plain


def unit_follows(tail: str) -> bool:
    return bool(_UNIT.match(tail))
