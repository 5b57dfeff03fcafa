"""Fill missing cells that the template's identities and non-negativity force.

Only ``missing`` cells are ever filled (a ``blank`` is what the report printed). A value is
derived only when it is forced: an identity with a single unknown, or one whose unknowns
all sit on one side and must sum to zero (counts are never negative). Nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from gxparse import template as T
from gxparse.parsing.tables import MISSING, CellValue, Key

Equation = tuple[tuple[Key, ...], tuple[Key, ...]]  # sum(left) == sum(right)


def application_equations(template: str, cells: dict[Key, CellValue]) -> list[Equation]:
    """Every identity of part 三 as equations over (row, applicant) cells."""
    undivided = template == "2021" and any(
        cells.get(("other", a), MISSING).status != "missing" for a in T.APPLICANT_CODES
    )
    return list(_application_equations(template, undivided))


@lru_cache(maxsize=8)
def _application_equations(template: str, undivided: bool) -> tuple[Equation, ...]:
    """The equations depend only on the template and on whether （六） is printed undivided."""
    idents = [i for i in T.identities(template, undivided) if i.table == "applications"]
    # Column by column, then row by row: the order in which forced values are filled.
    eqs = [i.keys(a) for a in T.APPLICANT_CODES for i in idents if i.across == "rows"]
    eqs += [i.keys(r) for i in idents if i.across == "cols" for r in i.over]
    return tuple(eqs)


def appeal_equations() -> list[Equation]:
    """Part 四's identities as equations over (proceeding, result) cells."""
    idents = [i for i in T.identities("2021") if i.table == "appeals"]
    return [i.keys(p) for i in idents for p in i.over]


_STATUS_OF = itemgetter(0)  # CellValue.status


def _broken(cells: dict[Key, CellValue], left: tuple[Key, ...], right: tuple[Key, ...]) -> bool:
    """A fully printed identity that does not hold."""
    values = [cells.get(k, MISSING).value for k in left + right]
    if any(v is None for v in values):
        return False
    return sum(values[: len(left)], Decimal(0)) != sum(values[len(left) :], Decimal(0))


def _fillable(cells: dict[Key, CellValue]) -> bool:
    """Given the cells, return whether any is missing for want of a printed number (the
    only kind the identities may fill)."""
    # (A scan of the statuses in C first: most reports print every cell.)
    return "missing" in map(_STATUS_OF, cells.values()) and any(
        c.value is None and c.status == "missing" and not c.unresolved for c in cells.values()
    )


def _forced(
    cells: dict[Key, CellValue], left: tuple[Key, ...], right: tuple[Key, ...]
) -> dict[Key, Decimal]:
    """Given the cells and one equation, return the values it forces on its unknown cells:
    the one unknown, or unknowns all on one side that must sum to zero."""
    if any(
        c.status == "blank" or c.unresolved for c in (cells.get(k, MISSING) for k in left + right)
    ):
        return {}  # a printed empty (or unreadable) cell: nothing can be forced
    unknown_l = [k for k in left if cells.get(k, MISSING).value is None]
    unknown_r = [k for k in right if cells.get(k, MISSING).value is None]
    if not unknown_l and not unknown_r:
        return {}
    diff = sum((cells[k].value for k in left if k not in unknown_l), Decimal(0)) - sum(
        (cells[k].value for k in right if k not in unknown_r), Decimal(0)
    )
    # left_known + sum(unknown_l) == right_known + sum(unknown_r)
    if len(unknown_l) + len(unknown_r) == 1:
        return {unknown_l[0]: -diff} if unknown_l else {unknown_r[0]: diff}
    if not unknown_l and diff == 0:
        return dict.fromkeys(unknown_r, Decimal(0))
    if not unknown_r and diff == 0:
        return dict.fromkeys(unknown_l, Decimal(0))
    return {}


def _fill_forced(cells: dict[Key, CellValue], eqs: list[Equation]) -> None:
    """Given the cells and the equations, set every forced value (in place), equation by
    equation, until a pass forces nothing new."""
    changed = True
    while changed:
        changed = False
        for left, right in eqs:
            for k, v in _forced(cells, left, right).items():
                if v < 0 or v != v.to_integral_value():
                    continue  # the report's own numbers disagree; leave it missing
                cells[k] = cells.get(k, MISSING)._replace(status="derived", value=v)
                changed = True


def derive(cells: dict[Key, CellValue], equations: Iterable[Equation]) -> dict[Key, CellValue]:
    """Return a copy of ``cells`` with forced missing cells set to status ``derived``."""
    out = dict(cells)
    if not _fillable(out):
        return out  # nothing the identities could fill
    eqs = list(equations)
    if any(_broken(out, left, right) for left, right in eqs):
        # The report's own numbers break an identity: anything derived from them could be
        # wrong, so nothing is derived (the checks report the break).
        return out
    _fill_forced(out, eqs)
    return out
