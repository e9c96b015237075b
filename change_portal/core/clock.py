"""The interface's clock: "today" is Paris's day, not the server's (often UTC).

Between midnight and 1 or 2 a.m. in Paris a UTC server still says "yesterday": due
dates, late items and "today" on the dashboard would be off by one. Every domain asks
this module instead of `date.today()`; tests can pin the day with `frozen()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_pinned: date | None = None


def today() -> date:
    """Today's date in Paris (or the pinned day in a test)."""
    if _pinned is not None:
        return _pinned
    return datetime.now(PARIS).date()


@contextmanager
def frozen(day: date) -> Iterator[None]:
    """Pin `today()` to `day` for the duration of a block (tests)."""
    global _pinned
    saved, _pinned = _pinned, day
    try:
        yield
    finally:
        _pinned = saved
