"""The job queue: inline mode, retries, periodic ticks, and a real rq worker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from change_portal.accounts import services as accounts
from change_portal.accounts.jobs import send_invitation_email
from change_portal.accounts.models import Invitation
from change_portal.core import jobs
from change_portal.core.audit import AuditEvent
from change_portal.core.models import utcnow
from change_portal.extensions import db
from tests import factories

CALLS: list[str] = []


def flaky_job(marker: str) -> None:
    """Fails twice, then records one audit event."""
    CALLS.append(marker)
    if CALLS.count(marker) < 3:
        raise RuntimeError("transient failure")
    db.session.add(AuditEvent(action="flaky_done", details={"marker": marker}))


def broken_job() -> None:
    raise RuntimeError("always broken")


def test_inline_job_commits_its_work_and_is_retried(app):
    marker = uuid.uuid4().hex
    jobs.enqueue(flaky_job, marker)
    assert CALLS.count(marker) == 3
    done = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "flaky_done"))
    assert [e.details["marker"] for e in done] == [marker]


def test_inline_failure_never_reaches_the_caller(app, caplog):
    jobs.enqueue(broken_job)  # no exception
    assert any("abandoned" in r.message for r in caplog.records)


PERIODIC_RUNS: list[int] = []


def hourly_job() -> None:
    PERIODIC_RUNS.append(1)


def test_periodic_tick_claims_each_run_once(app, monkeypatch):
    monkeypatch.setattr(jobs, "_PERIODIC", {})
    PERIODIC_RUNS.clear()
    jobs.register_periodic(jobs.periodic(timedelta(hours=1))(hourly_job))
    now = utcnow()
    assert jobs.tick(now) == []  # first sight starts the clock
    assert jobs.tick(now + timedelta(minutes=30)) == []
    assert len(jobs.tick(now + timedelta(minutes=61))) == 1
    assert jobs.tick(now + timedelta(minutes=62)) == []
    assert PERIODIC_RUNS == [1]


def test_invitation_email_job_is_idempotent(app, org, outbox):
    admin = factories.create_user(org, ["admin"])
    inv = accounts.invite_user(admin, org, email="nouveau@ville-a.fr", full_name="Nouveau",
                               roles=["agent"], service=None, days=7)
    db.session.commit()
    jobs.enqueue(send_invitation_email, inv.id)
    jobs.enqueue(send_invitation_email, inv.id)
    assert len(list(outbox.glob("invitation-*.eml"))) == 1
    db.session.expire_all()  # the job ran in its own session
    assert db.session.get(Invitation, inv.id).sent_at is not None


@pytest.mark.redis
@pytest.mark.committed
def test_real_rq_worker_runs_the_job_once(app, tmp_path):
    redis_url = app.config.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL not set: the real-queue test runs in CI's second pass")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    org = factories.create_organisation(slug=f"rq-{uuid.uuid4().hex[:6]}")
    admin = factories.create_user(org, ["admin"])
    inv = accounts.invite_user(admin, org, email=f"rq-{uuid.uuid4().hex[:6]}@ville.fr",
                               full_name="Par la file", roles=["agent"], service=None, days=7)
    db.session.commit()
    saved = {k: app.config[k] for k in ("REDIS_URL", "RQ_QUEUE")}
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=queue)
    try:
        job_id = jobs.enqueue(send_invitation_email, inv.id)
        jobs.enqueue(send_invitation_email, inv.id)  # a duplicate: must not send twice
        from redis import Redis
        from rq.job import Job

        job = Job.fetch(job_id, connection=Redis.from_url(redis_url))
        assert job.retries_left == jobs.MAX_RETRIES
    finally:
        app.config.update(saved)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "RQ_QUEUE": queue,
        "OUTBOX_DIR": str(outbox),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "change_portal", "worker",
         "--burst"], env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    assert db.session.get(Invitation, inv.id).sent_at is not None
    assert len(list(outbox.glob("invitation-*.eml"))) == 1


def test_job_ids_are_made_of_the_characters_rq_accepts(app):
    name = "forums.jobs:send_daily_digests"
    job_id = jobs.periodic_job_id(name, utcnow())
    assert set(job_id) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
    assert jobs.safe_job_id("forum-notif-12") == "forum-notif-12"  # unchanged when valid


def test_a_failed_enqueue_leaves_the_periodic_run_due(app, monkeypatch):
    monkeypatch.setattr(jobs, "_PERIODIC", {})
    PERIODIC_RUNS.clear()
    jobs.register_periodic(jobs.periodic(timedelta(hours=1))(hourly_job))
    now = utcnow()
    jobs.tick(now)
    real_enqueue = jobs.enqueue

    def refusing(*args, **kwargs):
        raise ValueError("Job ID must only contain letters, numbers, underscores and dashes")

    monkeypatch.setattr(jobs, "enqueue", refusing)
    later = now + timedelta(minutes=61)
    assert jobs.tick(later) == []  # refused: not counted as started …
    name = jobs._path(hourly_job)
    db.session.expire_all()
    assert db.session.get(jobs.PeriodicRun, name).last_run_at == now  # … and not consumed
    monkeypatch.setattr(jobs, "enqueue", real_enqueue)
    assert jobs.tick(later + timedelta(minutes=1)) == [name]  # the next tick runs it
    assert PERIODIC_RUNS == [1]


def _worker_env(app, redis_url: str, queue: str, tmp_path: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "RQ_QUEUE": queue,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }


@pytest.mark.redis
@pytest.mark.committed
def test_tick_on_redis_runs_every_periodic_job_through_a_real_worker(app, tmp_path):
    from redis import Redis
    from rq.job import Job

    from forums.models import Notification

    redis_url = app.config.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL not set: the real-queue test runs in CI's second pass")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    now = utcnow()
    org = factories.create_organisation(slug=f"tick-{uuid.uuid4().hex[:6]}")
    agent = factories.create_user(org, ["agent"])
    db.session.add(Notification(organisation_id=org.id, user_id=agent.id, kind="reply",
                                text="Une réponse à votre sujet"))
    db.session.add(AuditEvent(action="very_old", at=now - timedelta(days=4000)))
    for name in jobs.registered_periodic():  # every run due
        db.session.merge(jobs.PeriodicRun(name=name, last_run_at=now - timedelta(days=30)))
    db.session.commit()
    saved = {k: app.config[k] for k in ("REDIS_URL", "RQ_QUEUE")}
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=queue)
    try:
        started = jobs.tick(now)
    finally:
        app.config.update(saved)
    assert sorted(started) == sorted(jobs.registered_periodic())
    env = _worker_env(app, redis_url, queue, tmp_path)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "change_portal", "worker",
         "--burst"], env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    redis = Redis.from_url(redis_url)
    statuses = {name: Job.fetch(jobs.periodic_job_id(name, now), connection=redis).get_status()
                for name in started}
    assert set(statuses.values()) == {"finished"}, statuses
    db.session.expire_all()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "very_old")) is None
    assert len(list((tmp_path / "outbox").glob("forum-digest-*.eml"))) == 1


def test_a_job_queued_under_a_moved_path_still_resolves():
    """A council report queued before the officials' views left roadmap (issue 12 §2)
    names the old module; the worker finds the function at its new place."""
    from change_portal.officials.jobs import build_report

    assert jobs._resolve("change_portal.roadmap.jobs:build_report") is build_report
    for old, new in jobs.MOVED.items():
        assert jobs._resolve(old) is jobs._resolve(new)
    with pytest.raises(ModuleNotFoundError):
        jobs._resolve("change_portal.roadmap.nowhere:build_report")
