"""Faults of the parts: Redis stopped, PostgreSQL restarted. Zero 500s, nothing lost."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from change_portal.core import jobs
from change_portal.extensions import db
from tests.live import HttpSession, LiveServer

pytestmark = pytest.mark.e2e  # servers of their own, committing for real

PAGES = ("/accueil", "/admin/utilisateurs", "/admin/services", "/modules/", "/forums/",
         "/projets/", "/feuille-de-route/")


def test_redis_outage_keeps_pages_and_loses_no_job(private_redis):
    live = LiveServer("redis-outage", redis_url=private_redis.url, demo=True)
    try:
        admin = HttpSession(live.url)
        admin.login("sophie.martin@demo.example")
        private_redis.stop()

        statuses = {path: admin.get(path)[0] for path in PAGES}
        assert set(statuses.values()) == {200}, statuses
        assert admin.get("/healthz")[0] == 503
        late = HttpSession(live.url)
        late.login("karim.benali@demo.example")  # throttling falls back to the database

        status, page = admin.post_form("/admin/utilisateurs/inviter", {
            "full_name": "Pendant la panne", "email": "panne@demo.example", "service_id": "0",
            "roles": ["agent"]}, form_page="/admin/utilisateurs/inviter")
        assert status == 200, status
        assert "sera exécutée automatiquement" in page
        with live.app.app_context():
            assert db.session.scalar(select(func.count()).select_from(jobs.DeferredJob)) == 1

        private_redis.start()
        with live.app.app_context():
            assert jobs.flush_deferred() == 1  # what the next periodic tick does
        outbox = Path(live.env["OUTBOX_DIR"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(outbox.glob("invitation-*.eml")):
            time.sleep(0.5)
        sent = list(outbox.glob("invitation-*.eml"))
        assert len(sent) == 1, "the worker did not resume after Redis came back"
        assert "panne@demo.example" in sent[0].read_text()
    finally:
        live.stop()


def test_postgres_restart_gives_503_then_recovers(private_postgres):
    live = LiveServer("pg-restart", redis_url=None, demo=True,
                      database_url=private_postgres.url)
    try:
        person = HttpSession(live.url)
        person.login("karim.benali@demo.example")
        assert person.get("/accueil")[0] == 200
        private_postgres.stop()
        during = [person.get("/accueil")[0] for _ in range(3)]
        assert set(during) == {503}, during
        assert person.get("/healthz")[0] == 503
        private_postgres.start()
        after = [person.get("/accueil")[0] for _ in range(3)]
        assert after == [200, 200, 200], after  # no restart of the portal needed
    finally:
        live.stop()


def test_worker_killed_mid_job_the_job_is_retried_and_happens_once(private_redis):
    import signal
    import uuid

    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    from tests.reliability.jobs import slow_effect

    live = LiveServer("kill", redis_url=private_redis.url, demo=False)
    redis = Redis.from_url(private_redis.url)
    marker = uuid.uuid4().hex[:12]
    try:
        with live.app.app_context():
            job_id = jobs.enqueue(slow_effect, marker, 3.0)
        deadline = time.monotonic() + 30
        while Job.fetch(job_id, connection=redis).get_status() != "started":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.1)
        live.worker.send_signal(signal.SIGKILL)
        live.worker.wait(timeout=10)
        # What rq's maintenance does once the dead worker's job has expired.
        queue = Queue(live.env["RQ_QUEUE"], connection=redis)
        StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
        live.worker = live.start_worker()
        deadline = time.monotonic() + 60
        while Job.fetch(job_id, connection=redis).get_status() != "finished":
            assert time.monotonic() < deadline, "the job was lost after the kill"
            time.sleep(0.5)
        with live.app.app_context():
            from change_portal.core.audit import AuditEvent

            effects = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "reliability_effect", AuditEvent.target_type == marker))
        assert effects == 1
    finally:
        live.stop()
