"""The one commit rule: work that must follow a commit is attached to the transaction.

A service that records something whose follow-up runs in the background (an e-mail,
a recount) calls `enqueue_after_commit(job, *ids)` (or `after_commit(func, *args)`):
nothing runs yet. When the session's transaction commits, the work runs once, in the
order it was queued; when it rolls back (a refused form, an error page, a failed job),
the work is dropped with it. Views therefore just `db.session.commit()`, and no view or
service has to remember to "send what is pending" after it.

The work runs after the commit has succeeded, in a fresh application context (its own
database session): the committed session cannot emit SQL any more, and a job queued
inline commits its own session. A failure there is logged, never raised into the
request whose commit already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from change_portal.extensions import db

log = logging.getLogger(__name__)

_KEY = "after_commit_work"


def after_commit(func: Callable, *args, **kwargs) -> None:
    """Run `func(*args, **kwargs)` once the current transaction commits; drop it if
    the transaction rolls back. Arguments are kept as given: pass ids, not ORM objects
    (the work runs in another session)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that the next commit or rollback is this work's
    session.info.setdefault(_KEY, []).append((func, args, kwargs))


def enqueue_after_commit(job: Callable, *args, job_id: str | None = None) -> None:
    """Queue background job `job(*args)` (core.jobs.enqueue) once the current
    transaction commits; never if it rolls back."""
    from change_portal.core.jobs import enqueue

    after_commit(enqueue, job, *args, job_id=job_id)


def pending(session: Session | None = None) -> int:
    """How many pieces of work wait for the commit of `session` (db.session)."""
    session = session if session is not None else db.session
    return len(session.info.get(_KEY, ()))


def _run_pending(session: Session) -> None:
    work = session.info.pop(_KEY, None)
    if not work:
        return
    if not has_app_context():  # a bare script's session: no fresh context to open
        _run_all(work)
        return
    with current_app._get_current_object().app_context():
        _run_all(work)


def _run_all(work: list) -> None:
    for func, args, kwargs in work:
        try:
            func(*args, **kwargs)
        except Exception:  # the commit is done: log, and let the rest run
            log.exception("after-commit work %s failed", getattr(func, "__qualname__", func))
            db.session.rollback()


def _drop_pending(session: Session, previous_transaction) -> None:
    # The session's own transaction (not a savepoint inside it) was rolled back.
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)


def init_app(app: Flask) -> None:  # noqa: ARG001 - the same signature as every init_app
    """Hook the rule on every SQLAlchemy session (once per process)."""
    if not event.contains(Session, "after_commit", _run_pending):
        event.listen(Session, "after_commit", _run_pending)
        event.listen(Session, "after_soft_rollback", _drop_pending)
