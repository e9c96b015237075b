"""Password reset by email: "Mot de passe oublié ?".

The link is signed (itsdangerous, its own salt), expires after RESET_MAX_AGE seconds,
and carries a fingerprint of the password hash it was issued for: once the password
changes, every earlier link is dead (single use without storing tokens). The answer to
the request is the same whether the address exists or not; requests are throttled per
address and per account like logins; every session of the account ends after a reset.
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from change_portal.accounts.models import Account, User
from change_portal.accounts.services import (
    _email_key,
    _limits,
    default_membership,
    normalise_email,
    set_password,
)
from change_portal.accounts.sessions import end_sessions
from change_portal.core import audit, ratelimit
from change_portal.core.errors import DomainError
from change_portal.extensions import db

RESET_MAX_AGE = 3600  # seconds: long enough to find the email, short enough to be stale


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="password-reset")


def _fingerprint(account: Account) -> str:
    return hashlib.sha256((account.password_hash or "no-password").encode()).hexdigest()[:16]


def reserve_reset(ip: str, email: str, *, ip_limits: str, account_limits: str) -> int | None:
    """Count this request for the address and the account, first and atomically (see
    ratelimit.consume: a burst cannot slip past the limit); return the seconds to wait
    when it is over a limit (then it is not counted), None when it may go on."""
    return ratelimit.consume([
        (f"reset-ip:{ip}", _limits(ip_limits)),
        (f"reset-account:{_email_key(email)}", _limits(account_limits)),
    ]).wait


def request_reset(email: str, *, ip: str) -> int | None:
    """The id of the account to email (the request was counted by reserve_reset), or
    None when the address has no account with an active membership (the caller
    answers the same)."""
    account = db.session.execute(
        select(Account).where(Account.email == normalise_email(email))).scalar_one_or_none()
    user = default_membership(account) if account is not None else None
    if user is None:
        return None
    audit.record("password_reset_requested", actor=user, ip=ip)
    return account.id


def reset_token(account: Account, secret_key: str) -> str:
    """The signed link token for `account` as its password is now."""
    return _serializer(secret_key).dumps({"a": account.id, "f": _fingerprint(account)})


def load_reset(token: str, secret_key: str, *, max_age: int = RESET_MAX_AGE) -> Account:
    """The account a valid, unused, unexpired token is for; DomainError otherwise."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("Ce lien a expiré : demandez-en un nouveau.")) from None
    except BadSignature:
        raise DomainError(_("Ce lien n'est pas valide.")) from None
    account = db.session.get(Account, data.get("a")) if isinstance(data, dict) else None
    if account is None or account.erased_at is not None:
        raise DomainError(_("Ce lien n'est pas valide."))
    if data.get("f") != _fingerprint(account):
        raise DomainError(_("Ce lien a déjà servi : demandez-en un nouveau si besoin."))
    if default_membership(account) is None:
        raise DomainError(_("Ce compte n'a plus accès au portail."))
    return account


def reset_password(account: Account, password: str) -> User:
    """Set the new password, end every session of the account, audit; returns the
    membership the person will act in once signed in."""
    user = default_membership(account)
    if user is None:
        raise DomainError(_("Ce compte n'a plus accès au portail."))
    set_password(user, password)
    end_sessions(user, whole_account=True)
    audit.record("password_reset", actor=user, target=user)
    return user
