"""The worker heals by itself, quickly: a job whose worker was SIGKILLed is handed
back within two minutes and mails once, the scheduler dies with its worker, a
retry scheduled across a Redis outage runs after it, and PostgreSQL connections
dropped under load give French 503s, never a 500.

The worker's intervals are shortened here (heartbeat 3 s, maintenance 2 s,
scheduler check 1 s) so that the tests take seconds; the mechanism is the one
that runs in production with the defaults (45 s, 30 s, 5 s: see the README)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job
from sqlalchemy.engine import make_url

from change_portal.core import jobs
from tests.live import HttpSession, LiveServer, separate_database_url
from tests.reliability.jobs import mail, mail_then_wait
from tests.smtp_sink import SmtpSink
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e  # servers of their own, committing for real

FAST_WORKER = {"WORKER_HEARTBEAT_TTL": "3", "WORKER_MAINTENANCE_INTERVAL": "2",
               "WORKER_SCHEDULER_CHECK": "1"}


@pytest.fixture
def smtp(monkeypatch):
    sink = SmtpSink()
    for key, value in {**FAST_WORKER, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port),
                       "MAIL_USE_TLS": "0"}.items():
        monkeypatch.setenv(key, value)
    yield sink
    sink.close()


def _wait(predicate, timeout: float, failure: str) -> float:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, failure
        time.sleep(0.2)
    return time.monotonic() - start


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def _dead(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_killed_workers_job_is_handed_back_quickly_and_mails_once(private_redis, smtp):
    live = LiveServer("kill-mail", redis_url=private_redis.url, demo=False)
    redis = Redis.from_url(private_redis.url)
    try:
        with live.app.app_context():
            job_id = jobs.enqueue(mail_then_wait, "tue@ville.example", "kill-mail-1", 60.0)
        _wait(lambda: smtp.count_to("tue@ville.example") == 1, 60, "the job never sent")
        scheduler = _children(live.worker.pid)
        assert scheduler, "the worker has no scheduler process"
        live.worker.send_signal(signal.SIGKILL)
        live.worker.wait(timeout=10)
        killed = time.monotonic()
        _wait(lambda: all(_dead(pid) for pid in scheduler), 10,
              "the scheduler outlived its worker")
        live.worker = live.start_worker()  # what systemd does
        _wait(lambda: Job.fetch(job_id, connection=redis).get_status() == "finished", 120,
              "the job was not handed back within 2 minutes")
        print(f"\nkilled job finished {time.monotonic() - killed:.1f} s after the kill")
        assert smtp.count_to("tue@ville.example") == 1  # the retry did not mail again
    finally:
        live.stop()


def test_a_killed_workers_report_is_built_once(private_redis, smtp):
    """The report job is held at its commit (a row lock taken by the test), the
    worker killed there: the job is handed back and the report built once."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("PostgreSQL only (CI's second pass): the test holds a row lock")
    from sqlalchemy import text

    from change_portal.extensions import db
    from change_portal.officials.jobs import build_report
    from change_portal.roadmap.models import ReportJob, ReportStatus
    from tests import factories

    live = LiveServer("kill-report", redis_url=private_redis.url, demo=False)
    redis = Redis.from_url(private_redis.url)
    try:
        with live.app.app_context():
            org = factories.create_organisation(slug="rapport-tue")
            user = factories.create_user(org, ["elected"])
            report = ReportJob(organisation_id=org.id, kind="csv", requested_by_id=user.id)
            db.session.add(report)
            db.session.commit()
            report_id, engine = report.id, db.engine
        locker = engine.connect()
        hold = locker.begin()
        locker.execute(text("SELECT id FROM roadmap_report_job WHERE id = :id FOR UPDATE"),
                       {"id": report_id})
        with live.app.app_context():
            job_id = jobs.enqueue(build_report, report_id)
        _wait(lambda: Job.fetch(job_id, connection=redis).get_status() == "started", 60,
              "the report job never started")
        time.sleep(1)  # now waiting on the lock, at its commit
        live.worker.send_signal(signal.SIGKILL)
        live.worker.wait(timeout=10)
        killed = time.monotonic()
        hold.rollback()
        locker.close()
        live.worker = live.start_worker()
        _wait(lambda: Job.fetch(job_id, connection=redis).get_status() == "finished", 120,
              "the report job was not handed back within 2 minutes")
        print(f"\nkilled report finished {time.monotonic() - killed:.1f} s after the kill")
        with live.app.app_context():
            done = db.session.get(ReportJob, report_id)
            assert done.status == ReportStatus.DONE and done.content
    finally:
        live.stop()


def test_a_scheduler_that_stopped_is_started_again(private_redis, smtp):
    live = LiveServer("scheduler-watch", redis_url=private_redis.url, demo=False)
    try:
        _wait(lambda: _children(live.worker.pid), 60, "the worker has no scheduler process")
        (first,) = _children(live.worker.pid)
        os.kill(first, signal.SIGKILL)  # what a crash of the scheduler looks like
        took = _wait(lambda: [p for p in _children(live.worker.pid) if not _dead(p)
                              and p != first], 20, "the scheduler was not started again")
        print(f"\nscheduler started again {took:.1f} s after it died")
    finally:
        live.stop()


def test_a_retry_scheduled_across_a_redis_outage_runs_after_it(private_redis, smtp):
    proxy = TcpProxy(private_redis.port)
    live = LiveServer("outage-mail", redis_url=f"redis://127.0.0.1:{proxy.port}/0", demo=False)
    try:
        smtp.refuse["panne@ville.example"] = 1  # the first attempt fails: a retry in 5 s
        with live.app.app_context():
            jobs.enqueue(mail, "panne@ville.example", "outage-mail-1")
        _wait(lambda: smtp.refuse["panne@ville.example"] == 0, 60, "the job never ran")
        time.sleep(1)  # the failure and its retry recorded
        proxy.cut()  # Redis unreachable for 5 s: the scheduler's loop hits errors
        time.sleep(5)
        proxy.restore()
        took = _wait(lambda: smtp.count_to("panne@ville.example") == 1, 60,
                     "the e-mail was not delivered within a minute of Redis coming back")
        print(f"\ndelivered {took:.1f} s after Redis came back")
    finally:
        live.stop()
        proxy.close()


PAGES = ("/accueil", "/forums/", "/projets/", "/feuille-de-route/", "/modules/")


def test_postgres_connections_dropped_under_load_give_no_500():
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("PostgreSQL only (CI's second pass)")
    url = make_url(separate_database_url("dropped"))
    proxy = TcpProxy(url.port or 5432, url.host or "127.0.0.1")
    proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
    live = LiveServer("dropped", redis_url=None, demo=True, database_url=proxied)
    statuses: list[int] = []
    stop = threading.Event()

    def browse(person: HttpSession) -> None:
        while not stop.is_set():
            for path in PAGES:
                statuses.append(person.get(path)[0])

    try:
        sessions = []
        for email in ("karim.benali@demo.example", "claire.moreau@demo.example",
                      "thomas.girard@demo.example"):
            sessions.append(HttpSession(live.url))
            sessions[-1].login(email)
        people = [threading.Thread(target=browse, args=(s,)) for s in sessions]
        for t in people:
            t.start()
        time.sleep(1)
        for _ in range(20):  # every open connection dropped, every 0.3 s
            proxy.drop()
            time.sleep(0.3)
        stop.set()
        for t in people:
            t.join(timeout=30)
        assert statuses and set(statuses) <= {200, 503}, sorted(set(statuses))
        print(f"\n{len(statuses)} pages: {statuses.count(503)} French 503s, no 500")
        after = HttpSession(live.url)
        after.login("karim.benali@demo.example")
        assert [after.get(p)[0] for p in PAGES] == [200] * len(PAGES)
    finally:
        stop.set()
        live.stop()
        proxy.close()
