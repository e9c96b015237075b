"""The application cache (Flask-Caching): Redis when REDIS_URL is set, so that every
worker and every process sees the same entries and the same invalidations; a simple
in-process cache in the embedded mode (one process).

Cached documents are keyed by a version token (see `version_tokens`): invalidating is
replacing the token, which makes every entry made under the old one unreachable. Tokens
are random, never counters, so that an evicted token can never be re-issued and make an
old entry current again.
"""

from __future__ import annotations

import builtins  # `set` below is the cache's verb
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, has_app_context
from flask_caching import Cache
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

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


# --- Content cached until what it is made of changes ------------------------------
#
# A domain declares a *watch*: a name and the models its cached content is built from.
# Every committed write to one of those models replaces the version token of the
# watch for the collectivité of the row (its organisation_id), or for every
# collectivité when the row has none or the write is a bulk statement. Readers key
# their entries with the current tokens (`cached_text`), so a change is visible on the
# very next request, in every process that shares the cache (Redis in production).

_WATCHES: dict[str, tuple[tuple[type, ...], frozenset[str]]] = {}
# watch name → table → columns its content never shows (see `watch`'s `unseen`)
_UNSEEN: dict[str, dict[str, frozenset[str]]] = {}
_CHANGED = "cache_watch_changed"  # session.info: version names to replace at commit


def watch(name: str, models: tuple[type, ...], tables: tuple[str, ...] = (),
          unseen: tuple = ()) -> None:
    """Declare that content cached under `name` is made of `models` (and of the
    association `tables`, written without an ORM object). Called from the init_app
    of the domains that own the models; several domains may add to one name, and
    declaring the same models again changes nothing. `unseen`: mapped columns of
    those models that the content never shows (e.g. `User.unread_notifications`): a
    write that changes nothing else keeps the content cached."""
    known_models, known_tables = _WATCHES.get(name, ((), frozenset()))
    models = tuple(dict.fromkeys((*known_models, *models)))
    _WATCHES[name] = (models, known_tables | {m.__table__.name for m in models} | frozenset(tables))
    for column in unseen:
        per_table = _UNSEEN.setdefault(name, {})
        table = column.class_.__table__.name
        per_table[table] = per_table.get(table, frozenset()) | {column.key,
                                                                 column.property.columns[0].name}
    for event_name, listener in _LISTENERS:
        if not event.contains(Session, event_name, listener):
            event.listen(Session, event_name, listener)


def _scope(name: str, organisation_id: int | None) -> str:
    return f"{name}:{'*' if organisation_id is None else organisation_id}"


def _tenant_of(obj) -> int | None:
    if obj.__table__.name == "organisation":
        return obj.id
    return getattr(obj, "organisation_id", None)


def _collect_changes(session, _flush_context) -> None:
    changed = session.info.setdefault(_CHANGED, builtins.set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        for name, (models, _tables) in _WATCHES.items():
            if isinstance(obj, models) and not _only_unseen(session, obj, name):
                changed.add(_scope(name, _tenant_of(obj)))
    if not changed:
        session.info.pop(_CHANGED, None)


def _only_unseen(session, obj, name: str) -> bool:
    # An update of columns the watch's content never shows (after_flush still has the
    # attributes' history).
    unseen = _UNSEEN.get(name, {}).get(obj.__table__.name)
    if not unseen or obj in session.new or obj in session.deleted:
        return False
    state = inspect(obj)
    return all(attr.key in unseen for attr in state.attrs if attr.history.has_changes())


def _collect_bulk_changes(state) -> None:
    # Bulk INSERT/UPDATE/DELETE bypass the flush: every collectivité's entries go.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    for name, (_models, tables) in _WATCHES.items():
        if table in tables and not (state.is_update and _sets_only_unseen(state, name, table)):
            state.session.info.setdefault(_CHANGED, builtins.set()).add(_scope(name, None))


def _sets_only_unseen(state, name: str, table: str) -> bool:
    unseen = _UNSEEN.get(name, {}).get(table)
    if not unseen:
        return False
    stmt = state.statement
    values = stmt._values or dict(stmt._ordered_values or ())
    # Values given as parameters (executemany) are not looked into: invalidate.
    return bool(values) and not state.parameters and all(
        getattr(column, "name", column) in unseen for column in values)


def _replace_tokens(session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed and has_app_context():
        bump(*changed)


def _forget(session) -> None:
    session.info.pop(_CHANGED, None)


_LISTENERS = (("after_flush", _collect_changes), ("do_orm_execute", _collect_bulk_changes),
              ("after_commit", _replace_tokens), ("after_rollback", _forget))


def _uncommitted(session) -> bool:
    # This transaction wrote (or is about to write) something: what it reads may not be
    # what others see, so it neither reads nor fills the cache.
    return bool(session.info.get(_CHANGED) or session.new or session.dirty or session.deleted)


def cached_value(names: str | tuple[str, ...], organisation_id: int, parts: tuple,
                 build: Callable[[], Any], session, timeout: int | None = None):
    """What `build()` returns, from the cache while nothing watched by `names` has
    changed for this collectivité (or for all) since it was stored. `parts` are the
    rest of the key (language, date…: whatever the content depends on besides the
    data). `timeout` bounds the age of an entry, for content that also depends on the
    time of day. Without a reachable cache, or in a transaction that wrote, `build()`
    is simply called."""
    names = (names,) if isinstance(names, str) else names
    missing = [n for n in names if n not in _WATCHES]
    if missing:
        raise KeyError(f"cache watch {missing} not declared")
    scopes = [s for n in names for s in (_scope(n, None), _scope(n, organisation_id))]
    tokens = None if _uncommitted(session) else version_tokens(*scopes)
    if tokens is None:
        return build()
    key = ":".join(["w", *names, str(organisation_id), *map(str, parts), *tokens])
    hit = get(key)
    if hit is not None:
        return hit
    value = build()
    set(key, value, timeout=timeout)
    return value
