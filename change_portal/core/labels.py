"""Labels of enumerated values (statuses, kinds, stances): the one way to show them.

Each domain declares its labels next to its enum, as a dict from the enum's members
to lazy French strings (`_l("Brouillon")`); pages and forms go through these two
helpers rather than converting and looking up by hand. The enums are `StrEnum`s, so
the value stored in a column looks up its member's label directly.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext
from flask_babel.speaklater import LazyString

from change_portal.core import i18n


def label(labels: Mapping, value) -> str:
    """The label of `value` (a member or its stored string) in the current language;
    a value without a label is shown as stored, an absent one as ""."""
    if value is None:
        return ""
    text = labels.get(value, value)
    if (type(text) is LazyString and text._func is gettext and len(text._args) == 1
            and not text._kwargs):
        # Lists show a status per row: the request's catalogue looked up once
        # (core.i18n) costs a tenth of Flask-Babel's lookups for each lazy string.
        return i18n.gettext(text._args[0])
    return str(text)


def label_choices(labels: Mapping, only=None) -> list[tuple[str, object]]:
    """(stored value, label) pairs for a select field, in the labels' order; with
    `only` (a collection of members), just those. The labels stay lazy: a form class
    built at import is translated when rendered."""
    return [(str(key), text) for key, text in labels.items() if only is None or key in only]
