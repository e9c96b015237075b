"""The one YAML loader for what people send (course front matter, and any
YAML the portal reads): plain data only, no anchors or aliases, bounded depth.

Why: YAML aliases let 500 bytes expand into a tree of billions of nodes (the
"billion laughs" alias bomb); an 8-deep alias tree in a module's front matter,
turned into an error message, produced an 872 MB response. Refusing anchors and
aliases outright keeps loading linear in the input (each node is built once);
nobody needs them in a front matter. Deep nesting ([[[[…) is refused too, so a
crafted text cannot exhaust Python's recursion limit either.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

__all__ = ["MAX_DEPTH", "YAMLError", "compose", "describe", "load"]

MAX_DEPTH = 20
YAMLError = yaml.YAMLError
_SHOWN_MAX = 60


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors (&a), aliases (*a) and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ComposerError(None, None, "ancres et alias YAML (& et *) refusés",
                                event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise ComposerError(None, None, f"imbrication trop profonde ({MAX_DEPTH} niveaux "
                                "au plus)", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse ``text`` into ``(data, node)``; the node tree gives the line of each
    key (``node.start_mark.line``, 0-based). Raises ``YAMLError`` (with a
    ``problem_mark``) on invalid YAML, anchors, aliases or deep nesting."""
    loader = _PlainLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def load(text: str) -> Any:
    """Like ``yaml.safe_load`` without anchors, aliases or deep nesting."""
    return compose(text)[0]


def describe(value: Any) -> str:
    """A value as it may appear in a message: scalars, shortened; never the
    ``str()`` of a list or mapping, whose size the author controls."""
    if isinstance(value, list | tuple):
        return "(une liste)"
    if isinstance(value, dict):
        return "(un dictionnaire)"
    if value is None or isinstance(value, bool | int | float | str):
        text = " ".join(str(value).split())
        return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"
    return f"({type(value).__name__})"
