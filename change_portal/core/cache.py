"""The application cache (Flask-Caching): Redis when REDIS_URL is set, so that every
worker and every process sees the same entries and the same invalidations; a simple
in-process cache in the embedded mode (one process).

Cached documents are keyed by a version token (see `version_tokens`): invalidating is
replacing the token, which makes every entry made under the old one unreachable. Tokens
are random, never counters, so that an evicted token can never be re-issued and make an
old entry current again.
"""

from __future__ import annotations

import contextlib
import logging
import uuid

from flask import Flask
from flask_caching import Cache

log = logging.getLogger(__name__)

cache = Cache()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                  "CACHE_KEY_PREFIX": "cp:cache:", "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
                  "CACHE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 1000,
                  "CACHE_DEFAULT_TIMEOUT": 24 * 3600}
    config.update({k: v for k, v in app.config.items() if k.startswith("CACHE_")})
    cache.init_app(app, config=config)


def version_tokens(*names: str) -> list[str] | None:
    """The current token of each version name (created when missing), or None when
    the cache cannot be reached (callers then compute without caching)."""
    keys = [f"v:{n}" for n in names]
    try:
        found = cache.get_many(*keys)
        tokens = []
        for key, token in zip(keys, found, strict=True):
            if token is None:
                cache.add(key, uuid.uuid4().hex, timeout=0)
                token = cache.get(key)
            if token is None:
                return None
            tokens.append(token)
        return tokens
    except Exception:  # a Redis outage must cost speed, never a page
        log.warning("cache unreachable: serving without it", exc_info=True)
        return None


def bump(*names: str) -> None:
    """Invalidate everything cached under these version names (new random tokens)."""
    try:
        cache.set_many({f"v:{n}": uuid.uuid4().hex for n in names}, timeout=0)
    except Exception:
        # Without the new token a reader could be served an old document: drop the
        # tokens instead if we can; if Redis is down nothing is served from it anyway.
        log.error("cache invalidation failed for %s", names, exc_info=True)
        with contextlib.suppress(Exception):  # already logged above
            cache.delete_many(*(f"v:{n}" for n in names))


def get(key: str):
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unreachable: serving without it", exc_info=True)
        return None


def set(key: str, value, timeout: int | None = None) -> None:  # noqa: A001 - cache verb
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.warning("cache unreachable: entry not stored", exc_info=True)
