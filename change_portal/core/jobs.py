"""Background jobs: rq on Redis when REDIS_URL is set, inline otherwise.

Both modes go through `run_job`, so a job behaves the same everywhere: it gets an
application context, commits its own work on success, rolls back on failure and
is retried (rq's Retry on Redis, the same number of immediate attempts inline).

Rules for job functions: take ids (never ORM objects), be idempotent (check the
state before acting, so a retry or a duplicate does nothing twice), commit their
own work through run_job.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, flash, has_app_context, has_request_context
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import JSON, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from change_portal.core import links
from change_portal.core.connections import get_redis
from change_portal.core.models import UTCDateTime, utcnow
from change_portal.extensions import db

log = logging.getLogger(__name__)

MAX_RETRIES = 3
RETRY_INTERVALS = [5, 30, 120]  # seconds, on Redis

# How long one attempt may run before rq stops it (seconds). A hung job is cut
# after this, and a job whose worker died is handed back once its heartbeat
# lapses (see core.worker), whatever this is. Emails are short; reports set theirs.
DEFAULT_TIMEOUT = 180
EMAIL_TIMEOUT = 60


def job_timeout(seconds: int) -> Callable[[Callable], Callable]:
    """Declare how long one attempt of a job function may run (rq's job_timeout)."""

    def decorator(func: Callable) -> Callable:
        func.job_timeout = seconds
        return func

    return decorator


class QueueUnavailable(RuntimeError):
    """Redis is configured but cannot take the job right now, and the job could
    not be kept for later either."""


class DeferredJob(db.Model):
    """A job that Redis could not take (outage). The periodic tick hands it to
    the queue as soon as Redis answers again, so that nothing is lost."""

    __tablename__ = "deferred_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    func_path: Mapped[str] = mapped_column(String(200), nullable=False)
    args: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def safe_job_id(raw: str) -> str:
    """rq 3 accepts only letters, digits, `_` and `-` in a job id (it raises
    ValueError otherwise); map anything else to `_`, the same in both modes."""
    return _UNSAFE_ID.sub("_", raw)[:120]


def periodic_job_id(name: str, now: datetime) -> str:
    """The id of one run of a periodic job (one id per run and job)."""
    return safe_job_id(f"periodic-{name}-{int(now.timestamp())}")


def _path(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


# Job functions that moved to another module: a job queued (or deferred) before the
# deploy still names the old path, and must still run after it.
MOVED = {
    "change_portal.roadmap.jobs:build_report": "change_portal.officials.jobs:build_report",
}


def _resolve(path: str) -> Callable:
    path = MOVED.get(path, path)
    module, _, name = path.partition(":")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


_worker_app: Flask | None = None
_pool_pid = os.getpid()


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from change_portal import create_app  # the worker process builds its own app

        _worker_app = create_app()
    return _worker_app


def run_job(func_path: str, *args):
    """Run one job in a fresh application context (its own database session),
    commit on success, roll back on error."""
    global _pool_pid
    app = current_app._get_current_object() if has_app_context() else _app()
    with app.app_context():
        if os.getpid() != _pool_pid:
            # A forking rq worker: never share the parent's database connections.
            _pool_pid = os.getpid()
            db.engine.dispose(close=False)
        return _run(func_path, args)


_BASE_KEY = "__base_url__"


def _with_base(args: tuple) -> tuple:
    """Record the trusted address of the request queuing a job, as a first argument
    that run_job takes off again (links in its e-mails point there: core.links)."""
    base = links.request_base_url()
    return ({_BASE_KEY: base}, *args) if base else args


def _run(func_path: str, args: tuple):
    base = None
    if args and isinstance(args[0], dict) and set(args[0]) == {_BASE_KEY}:
        base, args = args[0][_BASE_KEY], args[1:]
    func = _resolve(func_path)
    try:
        with links.recorded_base(base):
            result = func(*args)
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise


def enqueue(func: Callable, *args, job_id: str | None = None) -> str:
    """Run `func(*args)` in the background and return the job id.

    On Redis the job goes to the rq queue with retries; inline, it runs now with
    the same retries, and a failure is logged, never raised into the caller's page.
    When Redis is configured but unreachable, the job is kept in the database and
    queued by the next periodic tick (the person is told it will run later).
    Call it after committing the work the job depends on.
    """
    job_id = safe_job_id(job_id) if job_id else uuid.uuid4().hex
    path = _path(func)
    args = _with_base(args)
    redis = get_redis()
    if redis is None:
        _run_inline(path, args, job_id)
        return job_id
    try:
        _push(redis, path, list(args), job_id)
    except RedisError as exc:
        _defer(path, list(args), job_id, exc)
    return job_id


def _push(redis, path: str, args: list, job_id: str) -> None:
    Queue(current_app.config["RQ_QUEUE"], connection=redis).enqueue_call(
        run_job,
        args=(path, *args),
        job_id=safe_job_id(job_id),
        timeout=getattr(_resolve(path), "job_timeout", DEFAULT_TIMEOUT),
        retry=Retry(max=MAX_RETRIES, interval=RETRY_INTERVALS),
        description=path,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def _defer(path: str, args: list, job_id: str, exc: Exception) -> None:
    try:
        json.dumps(args)
    except TypeError:
        raise QueueUnavailable(str(exc)) from exc
    log.warning("queue unavailable; job %s (%s) kept for later", job_id, path)
    db.session.add(DeferredJob(job_id=job_id, func_path=path, args=args))
    db.session.commit()
    if has_request_context():
        flash(_("La file d'attente des tâches est momentanément indisponible : cette tâche "
                "est enregistrée et sera exécutée automatiquement dès son rétablissement."),
              "warning")


def flush_deferred(limit: int = 500) -> int:
    """Hand the jobs kept during a Redis outage to the queue; return how many."""
    redis = get_redis()
    if redis is None:
        return 0
    pushed = 0
    for row in db.session.scalars(select(DeferredJob).order_by(DeferredJob.id).limit(limit)):
        try:
            _push(redis, row.func_path, list(row.args), row.job_id)
        except RedisError:
            break  # still down: try again at the next tick
        except Exception:  # this row only (e.g. a function renamed since): keep the others going
            log.exception("deferred job %s (%s) could not be queued", row.job_id, row.func_path)
            continue
        db.session.delete(row)
        db.session.commit()
        pushed += 1
    return pushed


def _run_inline(path: str, args: tuple, job_id: str) -> None:
    # The job runs in its own session. End the caller's transaction first (its work
    # is committed before enqueue, by rule): reading an expired attribute after that
    # commit reopens one, and on SQLite it would hold the write lock the job needs.
    db.session.commit()
    for attempt in range(1, MAX_RETRIES + 2):
        try:
            run_job(path, *args)
            return
        except Exception:
            log.exception("job %s (%s) failed, attempt %d", job_id, path, attempt)
    log.error("job %s (%s) abandoned after %d attempts", job_id, path, MAX_RETRIES + 1)


# --- periodic jobs ----------------------------------------------------------

class PeriodicRun(db.Model):
    """When each periodic job last started. The conditional UPDATE on this row is
    the lock that keeps several workers from scheduling the same run twice."""

    __tablename__ = "periodic_run"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


@dataclass(frozen=True)
class Periodic:
    func: Callable
    every: timedelta


_PERIODIC: dict[str, Periodic] = {}


def periodic(every: timedelta) -> Callable[[Callable], Callable]:
    """Declare that a job (a function without arguments) runs every `every`. This only
    marks the function: its domain's init_app schedules it with `register_periodic`."""

    def decorator(func: Callable) -> Callable:
        func.periodic_every = every
        return func

    return decorator


def register_periodic(func: Callable) -> Callable:
    """Schedule a job marked with `@periodic` (called by its domain's init_app;
    registering it twice is harmless)."""
    every = getattr(func, "periodic_every", None)
    if every is None:
        raise ValueError(f"{_path(func)} is not marked @periodic(every)")
    _PERIODIC[_path(func)] = Periodic(func, every)
    return func


def registered_periodic() -> dict[str, Periodic]:
    return dict(_PERIODIC)


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due; return their names.

    Safe to call from several processes at once: each run is claimed by a
    conditional UPDATE that only one of them wins.
    """
    now = now or utcnow()
    flush_deferred()
    started = []
    for name, spec in sorted(_PERIODIC.items()):
        row = db.session.get(PeriodicRun, name)
        if row is None:
            db.session.add(PeriodicRun(name=name, last_run_at=now))
            db.session.commit()
            continue  # first sight: start the clock, do not fire at boot
        try:
            claimed = db.session.execute(
                update(PeriodicRun)
                .where(PeriodicRun.name == name, PeriodicRun.last_run_at <= now - spec.every)
                .values(last_run_at=now)
            ).rowcount
            if claimed:
                # Enqueue inside the claim's transaction: if the queue refuses the
                # job, the rollback below undoes the claim and the run stays due.
                enqueue(spec.func, job_id=periodic_job_id(name, now))
            db.session.commit()
        except Exception:
            log.exception("periodic job %s could not be queued; it stays due", name)
            db.session.rollback()
            continue
        if claimed:
            started.append(name)
    return started


def start_ticker(app: Flask, interval: float = 60.0) -> threading.Event:
    """Call tick() every `interval` seconds in a daemon thread; set the returned
    event to stop it. Used by `flask worker` and by the embedded server."""
    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            with app.app_context():
                try:
                    tick()
                except Exception:
                    log.exception("periodic tick failed")
                    db.session.rollback()

    threading.Thread(target=loop, name="periodic-ticker", daemon=True).start()
    return stop

