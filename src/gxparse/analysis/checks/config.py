"""The checks' tunable thresholds.

:class:`CheckConfig` comes in to :func:`gxparse.analysis.checks.run_checks` (defaults follow
the Regulations and conservative statistics) and goes out to the checks that read it
(prose, peers, timeliness, copied text), with ``enabled`` choosing which checks run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class CheckConfig:
    """Tunable thresholds. Defaults follow the Regulations and conservative statistics."""

    # Statutory deadline (month, day) in the year after the report year, per body level
    # (Regulations Art. 49: county-level-and-above departments by 31 Jan, governments by
    # 31 March). Local rules differ: override per level.
    deadlines: Mapping[str, tuple[int, int]] = field(
        default_factory=lambda: {"department": (1, 31)}
    )
    default_deadline: tuple[int, int] = (3, 31)
    grace_days: int = 0
    # Peers: at least this many other bodies of the same level, else no verdict.
    peer_min: int = 5
    peer_z: float = 3.5
    # Minimum distance from the peer median on the log1p scale (ln 10: ten times).
    peer_min_log_ratio: float = math.log(10)
    # Floor of the robust scale on the log1p scale (when most peers print the same value).
    peer_min_scale: float = 1.0
    peer_same_year: bool = True
    # Also flag values far *below* peers (off by default: 0 is a common, legitimate count).
    peer_low: bool = False
    # Copied text: Jaccard similarity of character n-gram sets at or above this threshold.
    copy_threshold: float = 0.85
    copy_ngram: int = 3
    copy_min_chars: int = 40
    copy_sections: tuple[str, ...] = ("overview", "problems")
    # Prose breakdowns summing to less than their total are flagged only with this many
    # items covering at least this share of the total (else a partial "其中" mention).
    breakdown_min_items: int = 2
    breakdown_min_share: float = 0.5
    # Checks to run (None: all).
    enabled: frozenset[str] | None = None

    def deadline(self, level: object, year: int) -> date:
        """Given a body level and report year, return the publication deadline."""
        month, day = self.deadlines.get(str(level), self.default_deadline)
        return date(year + 1, month, day)
