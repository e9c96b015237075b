"""The Redis connection, shared by the job queue and the rate limiter."""

from __future__ import annotations

from flask import current_app
from redis import Redis

_clients: dict[str, Redis] = {}


def get_redis() -> Redis | None:
    """A Redis client when REDIS_URL is configured, else None (embedded mode)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        # Short timeouts: a Redis outage must turn into a clear message, not a hung page.
        client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        _clients[url] = client
    return client
