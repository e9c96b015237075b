"""Labels of enumerated values (statuses, kinds, stances): the one way to show them.

Each domain declares its labels next to its enum, as a dict from the enum's members
to lazy French strings (`_l("Brouillon")`); pages and forms go through these two
helpers rather than converting and looking up by hand. The enums are `StrEnum`s, so
the value stored in a column looks up its member's label directly.
"""

from __future__ import annotations

from collections.abc import Mapping


def label(labels: Mapping, value) -> str:
    """The label of `value` (a member or its stored string) in the current language;
    a value without a label is shown as stored, an absent one as ""."""
    if value is None:
        return ""
    return str(labels.get(value, value))


def label_choices(labels: Mapping) -> list[tuple[str, object]]:
    """(stored value, label) pairs for a select field, in the labels' order. The labels
    stay lazy: a form class built at import is translated when rendered."""
    return [(str(key), text) for key, text in labels.items()]
