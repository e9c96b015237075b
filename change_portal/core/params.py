"""Integers from requests: one parser for query strings, form fields and URL paths.

`str.isdigit()` accepts "²" or "٣" and `int()` then fails or accepts them, and an id
of 2^63 overflows SQLite: both ended as HTTP 500. Only ASCII digits are numbers
here, and only within bounds that every database column can hold.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: 32-bit on PostgreSQL, so nothing larger can exist.
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(raw, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`raw` as an int when it is 1–10 ASCII digits within [minimum, maximum], else None.

    Never raises, whatever `raw` is (None, a list, Unicode digits, 10,000 characters).
    """
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def arg_int(name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The query-string parameter `name` parsed by `parse_int` (None when absent or bad)."""
    return parse_int(request.args.get(name), minimum=minimum, maximum=maximum)


def form_int(name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The form field `name` parsed by `parse_int` (None when absent or bad)."""
    return parse_int(request.form.get(name), minimum=minimum, maximum=maximum)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` for every route: ASCII digits only, at most MAX_ID, so a huge or
    exotic id is a plain 404 instead of a database OverflowError (registered
    under the name "int" in the app factory, replacing Werkzeug's)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)
