"""The application cache (Flask-Caching): Redis when REDIS_URL is set, so that every
worker and every process sees the same entries and the same invalidations; files under
the instance folder in the embedded mode (shared by its processes); in-process in tests.

Cached documents are keyed by a version token (see `version_tokens`): invalidating is
replacing the token, which makes every entry made under the old one unreachable. Tokens
are random, never counters, so that an evicted token can never be re-issued and make an
old entry current again.
"""

from __future__ import annotations

import builtins  # `set` below is the cache's verb
import contextlib
import functools
import hashlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

cache = Cache()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                  "CACHE_KEY_PREFIX": "cp:cache:", "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
                  "CACHE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}
    elif app.testing:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 1000,
                  "CACHE_DEFAULT_TIMEOUT": 24 * 3600}
    else:
        # The embedded server runs several processes (`flask serve --workers`): an
        # in-process cache would keep serving an entry that another process invalidated.
        # Files under the instance folder are shared by all of them (each write is an
        # atomic rename), and cost a file read per lookup.
        config = {"CACHE_TYPE": "FileSystemCache", "CACHE_THRESHOLD": 5000,
                  "CACHE_DIR": str(Path(app.instance_path) / "cache"),
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
# Watches of content made of every collectivité's rows and the same for all (what they
# publish to each other): any write replaces the one token every reader keys with.
_ACROSS: builtins.set[str] = builtins.set()
_CHANGED = "cache_watch_changed"  # session.info: version names to replace at commit


def watch(name: str, models: tuple[type, ...], tables: tuple[str, ...] = (), *,
          across_collectivites: bool = False) -> None:
    """Declare that content cached under `name` is made of `models` (and of the
    association `tables`, written without an ORM object). Called from the init_app
    of the domains that own the models; several domains may add to one name, and
    declaring the same models again changes nothing.

    `across_collectivites`: the content mixes rows of every collectivité and is the
    same for all of them: a write to any row replaces the token of every collectivité
    (its readers pass organisation_id 0 to `cached_value`)."""
    if name in _WATCHES and (name in _ACROSS) != across_collectivites:
        raise ValueError(f"cache watch {name!r} declared both per collectivité and across")
    if across_collectivites:
        _ACROSS.add(name)
    known_models, known_tables = _WATCHES.get(name, ((), frozenset()))
    models = tuple(dict.fromkeys((*known_models, *models)))
    _WATCHES[name] = (models, known_tables | {m.__table__.name for m in models} | frozenset(tables))
    for event_name, listener in _LISTENERS:
        if not event.contains(Session, event_name, listener):
            event.listen(Session, event_name, listener)


def bump_all() -> None:
    """Invalidate every watched content of every collectivité: for writes the watches
    cannot see (statements on a Core connection, e.g. `flask markdown rerender`)."""
    bump_watches(*_WATCHES)


def bump_watches(*names: str) -> None:
    """Invalidate what is cached under these watches, for every collectivité."""
    if names:
        bump(*(_scope(name, None) for name in names))


def _scope(name: str, organisation_id: int | None) -> str:
    return f"{_code_generation()}:{name}:{'*' if organisation_id is None else organisation_id}"


@functools.cache
def _code_generation() -> str:
    """A digest of the code, templates, translations and migrations this process runs.
    It is part of every version name, so entries built by an earlier deployment
    (another template, another query, a data migration; Redis keeps them across a
    restart) are never served by the next one, while every process and machine of one
    deployment computes the same names. Hashing the ~3 MB of sources costs a few
    milliseconds, once per process."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for folder in ("change_portal", "courses", "forums", "templates", "migrations"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html", ".mo", ".yaml", ".yml") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _tenant_of(obj) -> int | None:
    if obj.__table__.name == "organisation":
        return obj.id
    return getattr(obj, "organisation_id", None)


def _changes_content(obj) -> bool:
    """Whether a changed (dirty) object changes what it shows. Its model may declare
    bookkeeping columns (`cache_ignored_columns`: a last-login time, a counter that
    cached content never shows): a row where only those moved changes nothing."""
    ignored = getattr(type(obj), "cache_ignored_columns", None)
    if not ignored:
        return True
    # History is still there in after_flush, and reading it never loads anything.
    return any(attr.history.has_changes() for attr in sa_inspect(obj).attrs
               if attr.key not in ignored)


def _collect_changes(session, _flush_context) -> None:
    changed = session.info.setdefault(_CHANGED, builtins.set())
    dirty = [obj for obj in session.dirty if _changes_content(obj)]
    for obj in (*session.new, *dirty, *session.deleted):
        for name, (models, _tables) in _WATCHES.items():
            if isinstance(obj, models):
                changed.add(_scope(name, None if name in _ACROSS else _tenant_of(obj)))
    if not changed:
        session.info.pop(_CHANGED, None)


def _bulk_changes_content(state) -> bool:
    if not state.is_update:
        return True
    entity = state.bind_mapper.class_ if state.bind_mapper is not None else None
    ignored = getattr(entity, "cache_ignored_columns", None)
    # The columns an UPDATE sets (its `.values()`): when SQLAlchemy's statement does not
    # say, the write counts.
    values = getattr(state.statement, "_values", None)
    if not ignored or not values:
        return True
    return any(getattr(column, "key", column) not in ignored for column in values)


def _collect_bulk_changes(state) -> None:
    # Bulk INSERT/UPDATE/DELETE bypass the flush: every collectivité's entries go.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table is None or not _bulk_changes_content(state):
        return
    for name, (_models, tables) in _WATCHES.items():
        if table in tables:
            state.session.info.setdefault(_CHANGED, builtins.set()).add(_scope(name, None))


def note_change(session, name: str, organisation_id: int | None) -> None:
    """Record that content watched by `name` changed for this collectivité (None: for
    all), for a write the watch does not see row by row (a Core statement on a table
    left out of the watch because its bulk writes would otherwise reach every
    collectivité). Its token is replaced when the session commits."""
    if name not in _WATCHES:
        raise KeyError(f"cache watch {name!r} not declared")
    scope = _scope(name, None if name in _ACROSS else organisation_id)
    session.info.setdefault(_CHANGED, builtins.set()).add(scope)


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
