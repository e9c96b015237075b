"""The rq worker of `flask worker`, tuned so that faults heal in a minute or two.

rq's defaults suit long-lived queues, not a portal where a person waits for a
report: maintenance every 10 minutes behind a dequeue that blocks up to 405 s,
a job of a killed worker expiring only after its whole timeout, and a scheduler
process (which moves retries and delayed jobs to the queue) that dies on the
first Redis error and outlives a SIGKILLed worker while holding its lock.
Here:

- a running job is kept alive by a heartbeat (every HEARTBEAT_TTL / 3 seconds),
  so a job whose worker died is seen abandoned HEARTBEAT_TTL seconds later,
  whatever its job_timeout, and handed back (it has retries) by the next
  maintenance, which runs every MAINTENANCE_INTERVAL seconds;
- the scheduler survives Redis errors, a watchdog thread restarts it within
  SCHEDULER_CHECK seconds if it stopped anyway, and it stops itself when its
  worker dies (parent-death signal, and a check of its parent at every loop);
- the work loop is started again when rq leaves it on a Redis error.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import threading
import time

from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.scheduler import RQScheduler

log = logging.getLogger(__name__)


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# seconds without a heartbeat before a running job counts as abandoned
HEARTBEAT_TTL = _setting("WORKER_HEARTBEAT_TTL", 45)
# seconds between two cleanings of the registries (abandoned jobs handed back)
MAINTENANCE_INTERVAL = _setting("WORKER_MAINTENANCE_INTERVAL", 30)
WORKER_TTL = 60  # the dequeue blocks WORKER_TTL - 15 s, so maintenance is never later
# seconds between two checks that the scheduler process is alive
SCHEDULER_CHECK = _setting("WORKER_SCHEDULER_CHECK", 5)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this process when its parent dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class PortalScheduler(RQScheduler):
    """rq's scheduler, kept alive through Redis errors and tied to its worker."""

    def start(self):
        self._worker_pid = os.getpid()  # read in the child, after the fork
        return super().start()

    def work(self):
        _die_with_parent()
        self._install_signal_handlers()
        self.register_birth()
        while not self._stop_requested and os.getppid() == self._worker_pid:
            try:
                if self.should_reacquire_locks:
                    self.acquire_locks()
                self.heartbeat()
                self.enqueue_scheduled_jobs()
            except RedisError as exc:  # Redis away for a moment: keep going
                self.log.warning("scheduler: Redis error (%s), retrying", exc)
            time.sleep(self.interval)
        with contextlib.suppress(RedisError):
            self.stop()  # releases the lock so that another worker's scheduler takes over


class _PortalWorkerMixin:
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("worker_ttl", WORKER_TTL)
        kwargs.setdefault("maintenance_interval", MAINTENANCE_INTERVAL)
        kwargs.setdefault("job_monitoring_interval", HEARTBEAT_TTL // 3)
        super().__init__(*args, **kwargs)
        self._guard = threading.Lock()  # maintenance and scheduler restarts, one at a time
        self._watchdog_stop = threading.Event()

    max_connection_wait_time = 10.0  # reconnect to Redis at least every 10 s

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=None,
                         log_format=None):
        # rq's own, with PortalScheduler in place of RQScheduler.
        kwargs = {k: v for k, v in (("date_format", date_format), ("log_format", log_format))
                  if v is not None}
        self.scheduler = PortalScheduler(self.queues, connection=self.connection,
                                         logging_level=logging_level or "INFO",
                                         serializer=self.serializer, **kwargs)
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def run_maintenance_tasks(self):
        with self._guard:
            super().run_maintenance_tasks()

    def check_scheduler(self) -> bool:
        """Start the scheduler again if its process stopped; True if it did."""
        with self._guard:
            process = self.scheduler._process if self.scheduler else None
            if self.scheduler is None or (process is not None and process.is_alive()):
                return False
            self.scheduler.acquire_locks(auto_start=True)
            return self.scheduler._process is not None and self.scheduler._process.is_alive()

    def work(self, burst: bool = False, **kwargs):
        if not burst:
            threading.Thread(target=self._watch, name="rq-watchdog", daemon=True).start()
        try:
            return super().work(burst=burst, **kwargs)
        finally:
            self._watchdog_stop.set()

    def _watch(self) -> None:
        beat_every = max(1, HEARTBEAT_TTL // 3)
        last_beat = time.monotonic()
        while not self._watchdog_stop.wait(SCHEDULER_CHECK):
            try:
                if self.check_scheduler():
                    log.warning("rq scheduler restarted")
                if self.should_run_maintenance_tasks:  # the work loop is busy with a job
                    self.run_maintenance_tasks()
                if time.monotonic() - last_beat >= beat_every:
                    last_beat = time.monotonic()
                    self._beat()
            except RedisError as exc:
                log.warning("rq watchdog: Redis error (%s)", exc)
            except Exception:
                log.exception("rq watchdog")

    def _beat(self) -> None:
        """Heartbeats of the running jobs (the forking worker does its own)."""


class PortalWorker(_PortalWorkerMixin, SimpleWorker):
    """Runs jobs in its own process (the default of `flask worker`)."""

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return HEARTBEAT_TTL

    def _beat(self) -> None:
        for execution in list(self.executions.values()):
            self.maintain_heartbeats(execution.job, execution)


class PortalForkWorker(_PortalWorkerMixin, Worker):
    """Runs each job in a child process (`flask worker --fork`)."""


def run_worker(queue_name: str, connection, *, fork: bool = False, burst: bool = False) -> None:
    """Work on `queue_name` until asked to stop; start again when rq leaves its
    loop on a Redis error (rq quits on a Redis timeout outside the dequeue)."""
    from rq import Queue

    cls = PortalForkWorker if fork else PortalWorker
    while True:
        worker = cls([Queue(queue_name, connection=connection)], connection=connection)
        worker.work(burst=burst, with_scheduler=True)
        if burst or worker._stop_requested or worker._shutdown_requested_date is not None:
            return  # asked to stop (SIGTERM, Ctrl+C), or done
        log.warning("rq worker left its loop; starting again in 2 s")
        time.sleep(2)
