"""Roles and the access checks used by views and templates.

Every view declares who may reach it with one of the decorators below; a whole-app
test walks the URL map and fails for any endpoint that declares nothing (fail closed).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user


class Role(enum.StrEnum):
    AGENT = "agent"
    TRAINER = "trainer"
    PROJECT_LEAD = "project_lead"
    ELECTED = "elected"
    ADMIN = "admin"
    OPERATOR = "operator"  # platform operator: above the collectivités, owns none


ROLE_LABELS = {
    Role.AGENT: _l("Agent"),
    Role.TRAINER: _l("Formateur·rice"),
    Role.PROJECT_LEAD: _l("Chef·fe de projet"),
    Role.ELECTED: _l("Élu·e"),
    Role.ADMIN: _l("Administrateur·rice"),
    Role.OPERATOR: _l("Opérateur de la plateforme"),
}

# Roles an admin of a collectivité may grant (the operator role is platform-wide).
ORGANISATION_ROLES = (Role.AGENT, Role.TRAINER, Role.PROJECT_LEAD, Role.ELECTED, Role.ADMIN)

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def _declare(view: Callable, rule: str | frozenset[Role]) -> None:
    view.access_rule = rule  # read by the access-table test and by url_map checks


def public(view: Callable) -> Callable:
    """Reachable without logging in (login page, health check, public pages)."""
    _declare(view, PUBLIC)
    return view


def has_role(user, *roles: Role | str) -> bool:
    """True when the logged-in, active user holds one of the roles."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(set(user.role_names) & {str(r) for r in roles})


def login_required(view: Callable) -> Callable:
    """Any logged-in member of a collectivité (platform operators excluded: they
    have no collectivité, so tenant pages would have nothing to show them)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if current_user.organisation_id is None:
            abort(403)
        return view(*args, **kwargs)

    _declare(wrapped, AUTHENTICATED)
    return wrapped


def any_user_required(view: Callable) -> Callable:
    """Any logged-in person, operators included (home, own account, logout)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    _declare(wrapped, "any_user")
    return wrapped


def role_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Logged in and holding at least one of `roles`, checked on every request
    from the database, so a role removed takes effect at the next click."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not has_role(current_user, *allowed):
                abort(403)
            if Role.OPERATOR not in allowed and current_user.organisation_id is None:
                abort(403)
            return view(*args, **kwargs)

        _declare(wrapped, allowed)
        return wrapped

    return decorator


def can(*roles: Role | str) -> bool:
    """Template helper: `{% if can('admin') %}`."""
    return has_role(current_user, *roles)


def roles_from(values: Iterable[str]) -> list[Role]:
    """Keep only known role names, in the canonical order."""
    wanted = set(values)
    return [r for r in Role if r.value in wanted]


def is_safe_next(target: str | None) -> bool:
    """A 'next' URL is followed only when it stays inside the portal: a path
    starting with a single '/', no scheme, no host, no backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    return not target.startswith("/\t")


def safe_next(default: str) -> str:
    target = request.args.get("next") or request.form.get("next")
    return target if is_safe_next(target) else default
