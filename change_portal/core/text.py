"""Single-line text: names, titles and subjects hold no line break.

A CR/LF typed (or pasted) into a person's name once reached an email Subject, where
the email library refuses it: the notification job failed four times and the mail
was lost. Every single-line form field is normalised on input, and subjects once
more just before a message is built (they also come from imported modules).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from wtforms import StringField

from change_portal.core.errors import DomainError

# Any run of whitespace (Unicode line/paragraph separators included) or control
# characters becomes one space.
_BLANKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b\u2028\u2029]+")


def single_line(value):
    """`value` with CR, LF, tabs, control characters and repeated spaces turned into
    one space, stripped at both ends; anything that is not a str is returned as is
    (WTForms filters also see None)."""
    if not isinstance(value, str):
        return value
    return _BLANKS.sub(" ", value).strip()


def checked_title(value: str | None, max_length: int, field: str = "title") -> str:
    """`value` as one line; an empty or too long title is refused (DomainError on
    `field`, in French). The one check of the titles the services save."""
    title = single_line(value or "")
    if not title:
        raise DomainError(_("Indiquez un titre."), field=field)
    if len(title) > max_length:
        raise DomainError(_("Ce titre est trop long : %(n)d caractères au plus.", n=max_length),
                          field=field)
    return title


class SingleLineField(StringField):
    """A StringField whose value is always one line (`single_line` runs first,
    before any filter or validator given to the field)."""

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=(single_line, *filters), **kwargs)
