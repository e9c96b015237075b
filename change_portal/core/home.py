"""Panels of the home page. Domains register a function at init_app time; the
home page calls each with the user and shows what they return, so that
change_portal never imports a domain package to build its home page."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

Panel = Callable[[object], Markup | None]
_PANELS: list[tuple[int, Panel]] = []


def register_panel(func: Panel, *, order: int = 50) -> None:
    if all(f is not func for _, f in _PANELS):
        _PANELS.append((order, func))
        _PANELS.sort(key=lambda item: item[0])


def render_panels(user) -> list[Markup]:
    return [html for _, func in _PANELS if (html := func(user))]
