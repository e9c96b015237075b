"""The rules of levels and bands, as pure functions (no database, no request).

- a theme's level is the mean of its answered statements (0–5, one decimal);
  unanswered statements are not counted; a theme with no answer has no level;
- the overall level is the mean of the themes that have a level;
- a comparison group shows its median and interquartile range only when it
  holds at least MIN_GROUP submitted diagnoses; never a rank, a minimum or a
  maximum.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MIN_GROUP = 5


def one_decimal(value: float) -> float:
    """Round half up to one decimal (2.25 → 2.3, as people round, not banker's)."""
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def theme_level(levels: Iterable[int | None]) -> float | None:
    """Mean of the answered levels, one decimal; None when nothing is answered."""
    answered = [lv for lv in levels if lv is not None]
    if not answered:
        return None
    return one_decimal(sum(answered) / len(answered))


def overall_level(theme_levels: Iterable[float | None]) -> float | None:
    """Mean of the themes' levels (as shown, one decimal); themes without a
    level are left out; None when no theme has a level."""
    present = [lv for lv in theme_levels if lv is not None]
    if not present:
        return None
    return one_decimal(sum(present) / len(present))


@dataclass(frozen=True)
class Band:
    """What may be shown about a group: its size, and its quartiles only when
    the group is large enough (otherwise q1/median/q3 are None)."""

    n: int
    q1: float | None = None
    median: float | None = None
    q3: float | None = None

    @property
    def shown(self) -> bool:
        return self.n >= MIN_GROUP and self.median is not None


def band(values: Iterable[float]) -> Band:
    """Median and quartiles (inclusive method: the quartiles of the values
    themselves, never outside their range), one decimal; hidden under MIN_GROUP."""
    data = sorted(v for v in values if v is not None)
    if len(data) < MIN_GROUP:
        return Band(n=len(data))
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Band(n=len(data), q1=one_decimal(q1), median=one_decimal(median),
                q3=one_decimal(q3))


def theme_levels(answers: Mapping[str, Iterable[int | None]]) -> dict[str, float | None]:
    """{theme slug: level} from {theme slug: the levels of its statements}."""
    return {slug: theme_level(levels) for slug, levels in answers.items()}


def position_word(level: float | None, b: Band) -> str | None:
    """Where a level sits against a band, in words, without any rank:
    "below", "within" or "above" the interquartile range."""
    if level is None or not b.shown:
        return None
    if level < b.q1:
        return "below"
    if level > b.q3:
        return "above"
    return "within"
