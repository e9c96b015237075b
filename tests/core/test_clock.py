"""The interface's "today" is Paris's day; tests can pin it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from change_portal.core import clock


def test_today_is_the_paris_day():
    assert clock.today() == datetime.now(ZoneInfo("Europe/Paris")).date()
    # the reason it exists: at 23:30 UTC on 31 August, Paris is already in September
    late = datetime(2026, 8, 31, 23, 30, tzinfo=UTC)
    assert late.astimezone(clock.PARIS).date() == date(2026, 9, 1) != late.date()


def test_frozen_pins_today():
    with clock.frozen(date(2031, 1, 2)):
        assert clock.today() == date(2031, 1, 2)
    assert clock.today() != date(2031, 1, 2)
