"""The one commit rule (core.transactions): work queued in a transaction runs once
after it commits, never when it rolls back; every error handler rolls back."""

from __future__ import annotations

import uuid

from flask import abort
from sqlalchemy import select

from change_portal.core import transactions
from change_portal.core.audit import AuditEvent
from change_portal.core.errors import NotAllowed
from change_portal.core.transactions import after_commit, enqueue_after_commit
from change_portal.extensions import db

RAN: list[str] = []


def record_job(marker: str) -> None:
    """A background job that leaves a trace in the database (committed by run_job)."""
    RAN.append(marker)
    db.session.add(AuditEvent(action="after_commit_job", details={"marker": marker}))


def _traces(marker: str) -> int:
    return sum(1 for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "after_commit_job"))
        if e.details.get("marker") == marker)


def test_work_queued_runs_once_after_the_commit(app):
    marker = uuid.uuid4().hex
    db.session.add(AuditEvent(action="before", details={}))
    enqueue_after_commit(record_job, marker)
    assert RAN.count(marker) == 0 and transactions.pending() == 1  # not before the commit
    db.session.commit()
    assert RAN.count(marker) == 1
    assert _traces(marker) == 1  # the job ran and committed in its own session
    db.session.commit()  # a second commit does not run it again
    assert RAN.count(marker) == 1 and transactions.pending() == 0


def test_work_queued_in_a_rolled_back_transaction_never_runs(app):
    marker = uuid.uuid4().hex
    enqueue_after_commit(record_job, marker)
    db.session.rollback()
    assert transactions.pending() == 0
    db.session.commit()  # the next transaction does not inherit it
    assert RAN.count(marker) == 0 and _traces(marker) == 0


def test_a_savepoint_rolled_back_keeps_the_outer_transactions_work(app):
    marker = uuid.uuid4().hex
    enqueue_after_commit(record_job, marker)
    with db.session.begin_nested() as savepoint:
        savepoint.rollback()
    db.session.commit()
    assert RAN.count(marker) == 1


def test_failing_work_is_logged_and_does_not_stop_the_rest(app, caplog):
    marker = uuid.uuid4().hex

    def boom():
        raise RuntimeError("after-commit failure")

    after_commit(boom)
    after_commit(RAN.append, marker)
    db.session.commit()  # no exception: the commit had already succeeded
    assert RAN.count(marker) == 1
    assert any("after-commit work" in r.message for r in caplog.records)


def test_every_error_handler_rolls_back(app):
    handlers = [handler
                for blueprints in app.error_handler_spec.values()
                for codes in blueprints.values()
                for handler in codes.values()]
    assert len(handlers) >= 6
    assert [h.__name__ for h in handlers if not getattr(h, "rolls_back", False)] == []


def test_an_error_page_drops_the_work_queued_by_the_request(app):
    marker = uuid.uuid4().hex

    def queue_then_fail(kind: str):
        db.session.add(AuditEvent(action="half_done", details={"marker": marker}))
        enqueue_after_commit(record_job, marker)
        if kind == "403":
            raise NotAllowed("refusé")
        abort(404)

    for kind in ("403", "404"):
        with app.test_request_context("/"):
            try:
                queue_then_fail(kind)
            except Exception as err:  # what Flask does with an exception escaping a view
                resp = app.make_response(app.handle_user_exception(err))
            assert resp.status_code == int(kind)
        db.session.commit()
        assert RAN.count(marker) == 0 and _traces(marker) == 0
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "half_done")) is None
