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


def test_the_application_asks_the_clock_for_today():
    """The interface runs on Paris time: `date.today()` (the server's zone) appears
    nowhere in the application but in core/clock.py, which wraps it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = []
    for path in [*root.glob("change_portal/**/*.py"), *root.glob("courses/**/*.py"),
                 *root.glob("forums/**/*.py")]:
        if path.name == "clock.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "today" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ("date", "datetime")):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
