"""Dates and times as people read them, in the interface's language and Paris time.

French typography wants "1er septembre 2026" (ordinal for the first of the month only)
and "18 h 00" (no seconds); Babel's CLDR patterns give "1 septembre 2026" and
"18:00:00", so French is written here and other languages keep Babel's forms.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_time, get_locale, to_user_timezone

# Month names of the French interface, written out: Babel's format_date parses a
# pattern and looks up the locale's data on every call (hundreds of µs), and a list
# page formats a date per row (issue 15).
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


def _french() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "fr"


def _date_fr(d: date) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS_FR[d.month - 1]} {d.year}"


def date_long(d: date | datetime | None) -> str:
    """"1er septembre 2026" in French, Babel's long date otherwise; "" for no date."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = to_user_timezone(d)
    if not _french():
        return format_date(d, "long")
    return _date_fr(d)


def time_short(d: datetime | None) -> str:
    """"18 h 00" in French (Paris time), Babel's short time otherwise."""
    if d is None:
        return ""
    if not _french():
        return format_time(d, "short")
    local = to_user_timezone(d)
    return f"{local.hour} h {local.minute:02d}"


def datetime_long(d: datetime | None) -> str:
    """"1er septembre 2026 à 18 h 00" in French, Babel's date and short time otherwise."""
    if d is None:
        return ""
    if not _french():
        return f"{format_date(d, 'long')}, {format_time(d, 'short')}"
    local = to_user_timezone(d)  # once for both halves
    return f"{_date_fr(local)} à {local.hour} h {local.minute:02d}"


def date_filter(d: date | datetime | None, fmt: str = "long") -> str:
    """The `date_fr` template filter: long dates by default, Babel's other formats on demand."""
    if d is None:
        return ""
    return date_long(d) if fmt == "long" else format_date(d, fmt)


def datetime_filter(d: datetime | None, fmt: str = "medium") -> str:
    """The `datetime_fr` template filter: date and time without seconds."""
    if d is None:
        return ""
    return datetime_long(d) if fmt == "medium" else format_datetime(d, fmt)
