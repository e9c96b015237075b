"""Server-side login sessions: one row per login, found by the hash of the cookie's
token; idle and absolute lifetimes; logout and "end my other sessions".

Functions flush but never commit, except `load_login_session`, which runs before
the view (it deletes an expired row and records activity at most once a minute).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from change_portal.accounts.models import LoginSession, User
from change_portal.core import audit
from change_portal.core.models import utcnow
from change_portal.extensions import db


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_login_session(user: User, *, ip: str | None, user_agent: str | None) -> LoginSession:
    """Create the server-side session for a successful login (a new id every
    time: no session fixation)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    ls = LoginSession(
        user=user,
        token_hash=_token_hash(token),
        created_at=now,
        last_seen_at=now,
        ip=ip,
        user_agent=(user_agent or "")[:200],
    )
    ls.plain_token = token
    db.session.add(ls)
    user.last_login_at = now
    user.login_session = ls
    return ls


def load_login_session(token: str, *, idle_minutes: int,
                       max_age: timedelta | None = None) -> User | None:
    """The user of a session token, or None when it is unknown, idle too long,
    older than `max_age` (SESSION_MAX_HOURS, counted from the login: activity does
    not extend it), or its user was deactivated. Touches last_seen at most once a
    minute."""
    if not token:
        return None
    ls = _load_session_row(_token_hash(token))
    if ls is None:
        return None
    now = utcnow()
    too_old = max_age is not None and now - ls.created_at > max_age
    if too_old or now - ls.last_seen_at > timedelta(minutes=idle_minutes):
        db.session.delete(ls)
        db.session.commit()
        return None
    user = ls.user
    # Fails closed: a membership that was deactivated, left or never accepted
    # gives no access, even if the session still points at it.
    if not user.is_current_membership:
        return None
    if now - ls.last_seen_at > timedelta(seconds=60):
        _touch(ls, now)
    ls.plain_token = token
    user.login_session = ls
    return user


def _load_session_row(token_hash: str) -> LoginSession | None:
    """The session, its membership, the membership's roles, collectivité and service
    in ONE statement (outer joins; a row per role): every page pays it."""
    user = joinedload(LoginSession.user)
    return db.session.execute(
        select(LoginSession)
        .where(LoginSession.token_hash == token_hash)
        .options(user.joinedload(User.organisation), user.joinedload(User.service),
                 user.joinedload(User.roles))
    ).unique().scalar_one_or_none()


def _touch(ls: LoginSession, now) -> None:
    """Record activity (at most once a minute: the idle timeout counts in minutes).
    Committed without expiring what the session loaded, so the user, roles and
    collectivité of this request are not loaded a second time."""
    ls.last_seen_at = now
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def close_login_session(user: User) -> None:
    """Logout: the session row goes, so a copied cookie is worthless."""
    if user.login_session is not None:
        db.session.delete(user.login_session)
        audit.record("logout", actor=user)


def end_sessions(
    user: User, *, keep: LoginSession | None = None, whole_account: bool = False
) -> int:
    """End every session acting as membership `user` (every membership of its
    account with `whole_account`) except `keep`; return how many ended."""
    if whole_account and user.account_id is not None:
        ids = select(User.id).where(User.account_id == user.account_id).scalar_subquery()
        stmt = delete(LoginSession).where(LoginSession.user_id.in_(ids))
    else:
        stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep.id)
    return db.session.execute(stmt).rowcount or 0
