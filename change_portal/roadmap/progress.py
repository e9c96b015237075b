"""Progress of the roadmap: the one place where it is computed.

Pure functions over plain rows (no database access), so that a page fetches
what it needs in one or two queries and computes every figure once.

Rules (also explained on the roadmap page):
- objective: 100 when *atteint*; otherwise, when it has indicators whose
  baseline differs from the target, the mean over those indicators of
  (latest − baseline) / (target − baseline), clamped to 0..1, × 100; otherwise
  the percentage last entered by its owner (0 by default);
- abandoned objectives are left out of their axis;
- axis: the mean of its objectives weighted by their weight (None when empty);
- roadmap: the mean of its axes that have a progress (None when none has).
- late: an objective not *atteint* (nor abandoned) past its target date; an
  action still *prévue* past its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

REACHED = "atteint"
ABANDONED = "abandonne"
PLANNED = "prevue"


@dataclass(frozen=True)
class IndicatorRow:
    baseline: float
    target: float
    latest: float | None  # the most recent value, None when none was entered


def indicator_ratio(ind: IndicatorRow) -> float | None:
    """(latest − baseline) / (target − baseline) clamped to 0..1; None when the
    indicator cannot count (no value yet, or target equal to baseline)."""
    if ind.latest is None or ind.target == ind.baseline:
        return None
    ratio = (ind.latest - ind.baseline) / (ind.target - ind.baseline)
    return min(1.0, max(0.0, ratio))


def objective_progress(status: str, manual_progress: int | None,
                       indicators: Iterable[IndicatorRow] = ()) -> float:
    """Progress of one objective in percent (0..100)."""
    if status == REACHED:
        return 100.0
    usable = [i for i in indicators if i.target != i.baseline]
    if usable:
        ratios = [indicator_ratio(i) or 0.0 for i in usable]
        return sum(ratios) / len(ratios) * 100
    return float(manual_progress or 0)


def progress_source(status: str, indicators: Iterable[IndicatorRow] = ()) -> str:
    """Which rule gave the figure: 'reached', 'indicators' or 'manual'."""
    if status == REACHED:
        return "reached"
    if any(i.target != i.baseline for i in indicators):
        return "indicators"
    return "manual"


def axis_progress(objectives: Iterable[tuple[str, int, float]]) -> float | None:
    """Weighted mean of (status, weight, progress); abandoned ones are left out."""
    total = weights = 0.0
    for status, weight, progress in objectives:
        if status == ABANDONED:
            continue
        w = max(1, weight or 1)
        total += w * progress
        weights += w
    return total / weights if weights else None


def roadmap_progress(axes: Iterable[float | None]) -> float | None:
    """Mean of the axes that have a progress."""
    values = [a for a in axes if a is not None]
    return sum(values) / len(values) if values else None


def objective_late(status: str, target_date: date | None, today: date) -> bool:
    return (target_date is not None and target_date < today
            and status not in (REACHED, ABANDONED))


def action_late(status: str, planned_on: date | None, today: date) -> bool:
    return planned_on is not None and planned_on < today and status == PLANNED
