"""What every view shares: the form-error helper and the error handler of domain refusals.

Views follow one shape: load → check access → validate → call a service → commit →
redirect. A service refuses with a DomainError (shown next to a form field by
`form_error`) or with NotAllowed, which becomes a 403 page here, after a rollback, so a
view never has to catch it itself.
"""

from __future__ import annotations

from flask import Flask

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.extensions import db


def form_error(form, err: DomainError, default_field: str) -> None:
    """Show a DomainError next to the field it names (or `default_field`)."""
    field = getattr(form, err.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, err.message]


def init_app(app: Flask) -> None:
    """Register the NotAllowed → 403 handler."""
    from werkzeug.exceptions import Forbidden

    @app.errorhandler(NotAllowed)
    def _not_allowed(err):
        db.session.rollback()  # nothing half-done by the refused action is kept
        # rendered by the one HTTP error handler (French page, same headers)
        return app.handle_http_exception(Forbidden())
