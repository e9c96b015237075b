"""Fixed-window counters for throttling (logins, posting).

Counters live in Redis when it is configured, so that every web process of a
deployment shares them; in the database otherwise (embedded mode), and also when
Redis is unreachable, so that an outage never disables the protection.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy import Integer, String, TextualSelect, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from change_portal.core.connections import get_redis
from change_portal.extensions import db

log = logging.getLogger(__name__)


class RateCounter(db.Model):
    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_limits(spec: str) -> list[Limit]:
    """'6/60,30/3600' → [Limit(6, 60), Limit(30, 3600)]."""
    limits = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        count, seconds = part.split("/")
        limits.append(Limit(int(count), int(seconds)))
    return limits


def _now() -> float:
    return time.time()


def retry_after(key: str, limits: list[Limit]) -> int | None:
    """Seconds to wait before `key` may try again, or None when it is not limited."""
    now = int(_now())
    counts = _read(key, limits, now)
    wait = [
        lim.seconds - (now % lim.seconds)
        for lim, count in zip(limits, counts, strict=True)
        if count >= lim.count
    ]
    return max(wait) if wait else None


def hit(key: str, limits: list[Limit]) -> None:
    """Count one event for `key` in every window."""
    now = int(_now())
    redis = get_redis()
    if redis is not None:
        try:
            pipe = redis.pipeline()
            for lim in limits:
                rkey = f"rl:{key}:{lim.seconds}:{now - now % lim.seconds}"
                pipe.incr(rkey)
                pipe.expire(rkey, lim.seconds + 5)
            pipe.execute()
            return
        except RedisError:
            log.warning("Redis unreachable; counting in the database instead")
    _db_hit(key, limits, now)


def reset(key: str) -> None:
    """Forget the counters of `key` (after a successful login, for instance)."""
    redis = get_redis()
    if redis is not None:
        try:
            for rkey in redis.scan_iter(match=f"rl:{key}:*", count=100):
                redis.delete(rkey)
        except RedisError:
            log.warning("Redis unreachable; could not reset %s", "a counter")
    db.session.execute(delete(RateCounter).where(RateCounter.key == key))


def _read(key: str, limits: list[Limit], now: int) -> list[int]:
    redis = get_redis()
    if redis is not None:
        try:
            keys = [f"rl:{key}:{lim.seconds}:{now - now % lim.seconds}" for lim in limits]
            redis_counts = [int(v or 0) for v in redis.mget(keys)]
        except RedisError:
            redis_counts = None
        if redis_counts is not None:
            # Counts written to the database during an outage still apply.
            db_counts = _db_read(key, limits, now)
            return [a + b for a, b in zip(redis_counts, db_counts, strict=True)]
    return _db_read(key, limits, now)


def _db_read(key: str, limits: list[Limit], now: int) -> list[int]:
    rows = db.session.execute(
        select(RateCounter.seconds, RateCounter.window_start, RateCounter.count).where(
            RateCounter.key == key
        )
    ).all()
    current = {(r.seconds, r.window_start): r.count for r in rows}
    return [current.get((lim.seconds, now - now % lim.seconds), 0) for lim in limits]


def _db_hit(key: str, limits: list[Limit], now: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for lim in limits:
        stmt = insert(RateCounter).values(
            key=key, seconds=lim.seconds, window_start=now - now % lim.seconds, count=1
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key", "seconds", "window_start"],
            set_={"count": RateCounter.count + 1},
        )
        db.session.execute(stmt)
    # Old windows are useless; dropping them here keeps the table small.
    oldest = now - max(lim.seconds for lim in limits) * 2
    db.session.execute(
        delete(RateCounter).where(RateCounter.key == key, RateCounter.window_start < oldest)
    )


# --- count first, then act ---------------------------------------------------
# retry_after() then hit() is a check-then-act race: a burst of concurrent requests
# all read the same count before any of them writes, and all pass (60 simultaneous
# wrong passwords evaluated 16 against a limit of 10). consume() counts first, with
# one atomic increment per window that returns the new count (Redis INCR, SQL
# INSERT … ON CONFLICT DO UPDATE … RETURNING), so that of N concurrent callers at
# most `limit` see a count within the limit, whatever the interleaving.


@dataclass
class Reservation:
    """The attempt counted by consume(): where it was counted, and whether it may
    go on (`wait` is None) or must wait `wait` seconds."""

    slots: list[tuple[str, int, int]]  # (key, window seconds, window start)
    backend: str  # "redis" or "db"
    wait: int | None = None


def consume(buckets: list[tuple[str, list[Limit]]]) -> Reservation:
    """Count one attempt in every window of every (key, limits) bucket, then say
    whether it is within all the limits. An attempt over a limit is given back at
    once (it is refused, so it does not count); one within the limits stays
    counted until release() gives it back (a success, for instance)."""
    now = int(_now())
    slots = [(key, lim.seconds, now - now % lim.seconds) for key, limits in buckets
             for lim in limits]
    limits = [lim for _key, lims in buckets for lim in lims]
    counts = None
    redis = get_redis()
    if redis is not None:
        try:
            pipe = redis.pipeline()
            for key, seconds, start in slots:
                rkey = f"rl:{key}:{seconds}:{start}"
                pipe.incr(rkey)
                pipe.expire(rkey, seconds + 5)
            counts = pipe.execute()[::2]
            backend = "redis"
        except RedisError:
            log.warning("Redis unreachable; counting in the database instead")
            counts = None
        if counts is not None:
            # Counts written to the database during an outage still apply.
            extra = {}
            for key, _lims in buckets:
                for (k, seconds, start), value in _db_counts(key).items():
                    extra[(k, seconds, start)] = value
            counts = [c + extra.get(s, 0) for c, s in zip(counts, slots, strict=True)]
    if counts is None:
        backend = "db"
        counts = _db_increment(slots, 1)
        if random.random() < 0.05:  # noqa: S311 - old windows go now and then, not each time
            _db_prune(buckets, now)
    reservation = Reservation(slots=slots, backend=backend)
    wait = [
        lim.seconds - (now % lim.seconds)
        for lim, count in zip(limits, counts, strict=True)
        if count > lim.count
    ]
    if wait:
        release(reservation)
        reservation.wait = max(wait)
    return reservation


def release(reservation: Reservation) -> None:
    """Give back an attempt counted by consume() (in the windows it was counted in)."""
    if reservation.backend == "redis":
        redis = get_redis()
        try:
            pipe = redis.pipeline()
            for key, seconds, start in reservation.slots:
                pipe.decr(f"rl:{key}:{seconds}:{start}")
            pipe.execute()
            return
        except (RedisError, AttributeError):
            log.warning("Redis unreachable; an attempt could not be given back")
            return
    _db_increment(reservation.slots, -1)


def clear(reservation: Reservation, *, prefix: tuple[str, ...]) -> None:
    """Set to zero the current windows of the reservation's keys starting with
    `prefix` (a success forgives earlier failures in its own bucket)."""
    slots = [s for s in reservation.slots if s[0].startswith(prefix)]
    if slots and reservation.backend == "redis":
        try:
            get_redis().delete(*[f"rl:{k}:{sec}:{start}" for k, sec, start in slots])
        except (RedisError, AttributeError):
            log.warning("Redis unreachable; could not reset %s", "a counter")
    if slots:
        keys = sorted({k for k, _sec, _start in slots})
        # A Core delete: the ORM's would look for counters to synchronise in the
        # session (none are ever loaded as objects), ~1 ms of CPU per login.
        table = RateCounter.__table__
        db.session.execute(delete(table).where(table.c.key.in_(keys)))


def _db_counts(key: str) -> dict[tuple[str, int, int], int]:
    rows = db.session.execute(
        select(RateCounter.seconds, RateCounter.window_start, RateCounter.count).where(
            RateCounter.key == key
        )
    ).all()
    return {(key, r.seconds, r.window_start): r.count for r in rows}


def _db_increment(slots: list[tuple[str, int, int]], by: int) -> list[int]:
    """Add `by` to each window's counter and return the new values, in one
    statement (one upsert: a write transaction in the embedded mode stays short)."""
    if not slots:
        return []
    params = {"by": by}
    for i, (key, seconds, start) in enumerate(slots):
        params.update({f"k{i}": key, f"s{i}": seconds, f"w{i}": start})
    # RETURNING does not promise the order of the rows: match them by window.
    new = {(r.key, r.seconds, r.window_start): r.count
           for r in db.session.execute(_upsert_statement(len(slots)), params)}
    return [new[slot] for slot in slots]


@functools.cache
def _upsert_statement(rows: int) -> TextualSelect:
    # Hand-written rather than insert().values([...]): SQLAlchemy does not cache the
    # compilation of a multi-row INSERT, which cost ~2 ms of CPU per call (twice per
    # login). This text is the same on SQLite (>= 3.35) and PostgreSQL, and is built
    # once per number of rows.
    # Only bind-parameter names are formatted in (built from the row count); every
    # value is bound.
    values = ", ".join(f"(:k{i}, :s{i}, :w{i}, :by)" for i in range(rows))
    return text(
        f'INSERT INTO rate_counter ("key", seconds, window_start, "count") VALUES {values} '  # noqa: S608
        'ON CONFLICT ("key", seconds, window_start) '
        'DO UPDATE SET "count" = rate_counter."count" + excluded."count" '
        'RETURNING "key", seconds, window_start, "count"'
    ).columns(key=String, seconds=Integer, window_start=Integer, count=Integer)


def _db_prune(buckets: list[tuple[str, list[Limit]]], now: int) -> None:
    longest = max((lim.seconds for _key, limits in buckets for lim in limits), default=0)
    db.session.execute(
        delete(RateCounter).where(RateCounter.key.in_([key for key, _limits in buckets]),
                                  RateCounter.window_start < now - 2 * longest)
    )


def take(key: str, limits: list[Limit]) -> int | None:
    """Count one event for `key` (consume(): counted first, atomically) unless it is
    over a limit: None when counted, else the seconds to wait (nothing counted). The
    throttle of posts and previews."""
    return consume([(key, limits)]).wait
