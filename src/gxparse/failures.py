"""Why a file could not be read, in Chinese.

A ``failed`` report's ``error`` (``reports.error``) is "<source file>: <reason>", the reason
in English as the catalog :data:`gxparse.reasons.FAILURES` words it (with its technical
detail). Messages an analyst reads (findings, the run's summary) say it in Chinese:
:func:`failure_zh` finds the reason's code by the same English template that wrote it, and
gives the code's Chinese phrase; ``reports.error`` keeps the English original.
"""

from __future__ import annotations

import re
from functools import lru_cache
from string import Formatter

from gxparse import reasons

__all__ = [
    "FAILURE_REASONS",
    "UNKNOWN_FAILURE",
    "failure_reasons",
    "failure_zh",
    "split_error",
]


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    """The texts an English template writes (and whatever follows them): its words as they
    are, any text for a field."""
    parts = [
        re.escape(literal) + ("" if field is None else ".*?")
        for literal, field, _spec, _conv in Formatter().parse(template)
    ]
    return re.compile("".join(parts), re.DOTALL)


def failure_reasons() -> list[tuple[re.Pattern[str], str]]:
    """(the texts a failure's English template writes, its Chinese phrase), in catalog order
    (read from the catalog each time: a reworded template is matched as reworded)."""
    return [(_pattern(m.en), m.zh) for m in reasons.FAILURES]


# As the catalog stood at import (kept for code that reads it; failure_zh reads the catalog).
FAILURE_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(failure_reasons())
UNKNOWN_FAILURE = "原因见“错误”列"


def split_error(error: str) -> tuple[str, str]:
    """Given a ``reports.error`` ("<source file>: <reason>"), return (file, reason); a text
    without a file is all reason."""
    for pattern, _zh in failure_reasons():
        if pattern.match(error):
            return "", error
    file, sep, reason = error.partition(": ")
    return (file, reason) if sep else ("", error)


def failure_zh(error: str) -> str:
    """Given a failed report's ``error`` (with or without its "<file>: " prefix), return the
    reason in Chinese (:data:`UNKNOWN_FAILURE` for a reason this module does not know)."""
    _file, reason = split_error(error.strip())
    for pattern, zh in failure_reasons():
        if pattern.match(reason):
            return zh
    return UNKNOWN_FAILURE
