"""Fixed-window counters for throttling (logins, posting).

Counters live in Redis when it is configured, so that every web process of a
deployment shares them; in the database otherwise (embedded mode), and also when
Redis is unreachable, so that an outage never disables the protection.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy import Integer, String, delete, select
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
