"""What every view shares: the form-error helper, the error handler of domain refusals,
and the rule that an error page keeps nothing of the failed request.

Views follow one shape: load → check access → validate → call a service → commit →
redirect. A service refuses with a DomainError (shown next to a form field by
`form_error`) or with NotAllowed, which becomes a 403 page here, after a rollback, so a
view never has to catch it itself. Every error handler of the app is wrapped by
`rolls_back` (tests/core/test_commit_rule.py checks them all), and work queued for
after the commit (core.transactions) is dropped with the rollback.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from flask import Flask

from change_portal.core import transactions
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.extensions import db

log = logging.getLogger(__name__)


def form_error(form, err: DomainError, default_field: str) -> None:
    """Show a DomainError next to the field it names (or `default_field`)."""
    field = getattr(form, err.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, err.message]


def rollback_quietly() -> None:
    """Roll the request's session back; a lost connection cannot (the pool replaces it)."""
    try:
        db.session.rollback()
    except Exception:
        log.debug("rollback failed on a lost connection")


def rolls_back(handler: Callable) -> Callable:
    """Wrap an error handler so that it first rolls the session back: nothing
    half-done by a refused or failed request is kept, nor committed by a later
    commit of the same session, and its after-commit work is dropped."""

    @functools.wraps(handler)
    def wrapper(err):
        rollback_quietly()
        return handler(err)

    wrapper.rolls_back = True
    return wrapper


def init_app(app: Flask) -> None:
    """Hook the commit rule (core.transactions) and register the NotAllowed → 403
    handler."""
    from werkzeug.exceptions import Forbidden

    transactions.init_app(app)

    @app.errorhandler(NotAllowed)
    @rolls_back
    def _not_allowed(err):
        # rendered by the one HTTP error handler (French page, same headers)
        return app.handle_http_exception(Forbidden())
