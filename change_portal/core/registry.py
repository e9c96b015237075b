"""Named extension points between domains.

change_portal never imports courses or forums; when one of its pages needs their
content (the needs linked to a project, a project's readiness from the courses),
it calls the hook and shows what the receivers return. Domains register their
receivers in their init_app.

    register("project.panels", func)           # in forums/setup.py
    render_hook("project.panels", project=p)   # in a change_portal view

A hook declared `single=True` is a lookup, not a broadcast: one domain provides the
answer (the courses know who finished the required modules), a second registration is
refused, and the caller asks with `ask` rather than taking "the first answer".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from markupsafe import Markup

from change_portal.core.hooks import declared

_HOOKS: dict[str, list[tuple[int, Callable]]] = defaultdict(list)


def register(name: str, func: Callable, *, order: int = 50) -> None:
    """Add `func` to hook `name` (once; registering again is a no-op). The name must be
    declared in core/hooks.py (a typo fails at start-up, not silently)."""
    hook = declared(name)
    receivers = _HOOKS[name]
    if all(f is not func for _, f in receivers):
        if hook.single and receivers:
            raise ValueError(f"hook {name!r} has one provider ({receivers[0][1].__module__}"
                             f".{receivers[0][1].__qualname__}); {func.__qualname__} refused")
        receivers.append((order, func))
        receivers.sort(key=lambda item: item[0])


def call_hook(name: str, **kwargs) -> list:
    """Call every receiver of `name`; return their non-None results, in order."""
    if declared(name).single:
        raise TypeError(f"hook {name!r} has a single provider: use ask()")
    return [r for _, func in _HOOKS.get(name, []) if (r := func(**kwargs)) is not None]


def render_hook(name: str, **kwargs) -> list[Markup]:
    """Receivers that return HTML as Markup (rendered by their own templates):
    panels to include in a page. Plain strings are ignored, never trusted."""
    return [html for html in call_hook(name, **kwargs) if isinstance(html, Markup) and html]


def ask(name: str, default=None, **kwargs):
    """The answer of the one provider of the single hook `name` (`default` when no
    domain provides it, e.g. a deployment without courses, or when it answers None)."""
    if not declared(name).single:
        raise TypeError(f"hook {name!r} is a broadcast: use call_hook()")
    receivers = _HOOKS.get(name)
    if not receivers:
        return default
    answer = receivers[0][1](**kwargs)
    return default if answer is None else answer
