"""Idempotency tokens of the main forms: a form re-submitted with the same token
(the person pressed the button again after a lost answer, a 503 whose COMMIT had
in fact gone through) does not create the same thing twice."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from functools import wraps

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import String, event, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from change_portal.core.models import UTCDateTime, utcnow
from change_portal.extensions import db

log = logging.getLogger(__name__)


class FormSubmission(db.Model):
    """One submission accepted, by its token, with where its answer sent the person."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    redirect_to: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False,
                                                 index=True)


FIELD = "submission_token"
_VALID = re.compile(r"[0-9a-f]{32}")


def submission_token_field() -> Markup:
    """The hidden field to put in a form protected by `once_per_submission`
    (a Jinja global): a fresh token at every rendering of the form."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, secrets.token_hex(16))


def once_per_submission(view):
    """Make a form's POST idempotent: the token is recorded by the view's own
    commit, in the same transaction as its work, so a re-submission of an accepted
    form (its answer was lost, or the button pressed twice) is not done again; the
    person is sent where the first submission sent them. A submission refused
    (the form shown again) commits nothing and leaves its token unused. Without a
    token the view runs as before."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = request.form.get(FIELD, "") if request.method == "POST" else ""
        if not _VALID.fullmatch(token):
            return view(*args, **kwargs)
        done = db.session.get(FormSubmission, token)
        if done is not None:
            return _replay(done)
        db.session.info[_PENDING] = token
        try:
            response = view(*args, **kwargs)
        except IntegrityError:  # the same token committed by a concurrent request
            db.session.rollback()
            done = db.session.get(FormSubmission, token)
            if done is None:
                raise
            return _replay(done)
        finally:
            db.session.info.pop(_PENDING, None)
        committed = db.session.info.pop(_DONE, None) == token
        if committed and 300 <= getattr(response, "status_code", 200) < 400:
            _remember_target(token, response.headers.get("Location", ""))
        return response

    return wrapper


_PENDING, _DONE = "submission_token_pending", "submission_token_done"


def init_app(app) -> None:
    """The form field for templates, and the listener that records the tokens."""
    app.jinja_env.globals["submission_token_field"] = submission_token_field
    if not event.contains(Session, "before_commit", _record_submission):
        event.listen(Session, "before_commit", _record_submission)


def _record_submission(session: Session) -> None:
    token = session.info.pop(_PENDING, None)
    if token:
        session.add(FormSubmission(token=token))
        session.info[_DONE] = token


def _remember_target(token: str, location: str) -> None:
    # The work is committed already; this only improves the replay's redirect.
    try:
        db.session.execute(update(FormSubmission).where(FormSubmission.token == token)
                           .values(redirect_to=location[:500]))
        db.session.commit()
    except SQLAlchemyError:
        log.warning("submission %s: target not recorded", token[:8])
        db.session.rollback()


def _replay(done: FormSubmission):
    flash(_("Ce formulaire avait déjà été envoyé et enregistré : il n'a pas été "
            "enregistré une seconde fois."), "info")
    target = done.redirect_to
    if not target or not target.startswith("/"):
        referrer = request.referrer or ""
        target = referrer if referrer.startswith(request.host_url) else url_for("core.home")
    return redirect(target)
