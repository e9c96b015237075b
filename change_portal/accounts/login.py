"""Login attempts: throttling policy, remembered devices, the password check.

Policy (SECURITY.md, "Login throttling"): an attempt from an unknown device counts
in three buckets, and is refused (429) when any of them is full:

- per address (`LOGIN_LIMIT_IP`): high enough for a town hall behind one address,
  low enough to stop one machine spraying passwords over many accounts;
- per account × address (`LOGIN_LIMIT_ACCOUNT_IP`): the strict one, what a person
  mistyping on a new machine meets;
- per account (`LOGIN_LIMIT_ACCOUNT`): a higher ceiling over every address, so that
  an attacker with many addresses still gets few guesses.

A browser where the person logged in before carries a signed "remembered device"
cookie (`cp_device`: account id + a random device id). An attempt on *that* account
from that browser counts only in its own bucket (`LOGIN_LIMIT_DEVICE`), so strangers
who fill the account's ceiling or the shared address do not lock the right person
out of their usual machine. The cookie is not a credential: it only chooses the
bucket, the password is still checked.

Only failures stay counted: every attempt is counted *first* (atomically, see
ratelimit.consume), the password is checked only within the limits, and a success
gives its count back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from change_portal.accounts import passwords, services
from change_portal.accounts.models import Account, User
from change_portal.core import audit, ratelimit
from change_portal.extensions import db

DEVICE_COOKIE = "cp_device"


@dataclass(frozen=True)
class LoginLimits:
    ip: str
    account_ip: str
    account: str
    device: str

    @classmethod
    def from_config(cls, cfg) -> LoginLimits:
        return cls(ip=cfg["LOGIN_LIMIT_IP"], account_ip=cfg["LOGIN_LIMIT_ACCOUNT_IP"],
                   account=cfg["LOGIN_LIMIT_ACCOUNT"], device=cfg["LOGIN_LIMIT_DEVICE"])


@dataclass
class LoginResult:
    user: User | None = None
    wait: int | None = None  # seconds to wait (429) when the attempt was refused
    device_cookie: str | None = None  # to set after a success
    memberships: int = 0  # active memberships of the account, after a success


def _hash(value: str) -> str:
    # Counters never hold an email or an address in clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def email_key(email: str) -> str:
    return _hash((email or "").strip().lower())


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="login-device")


def device_cookie(user_id: int, secret_key: str, device_id: str | None = None) -> str:
    """A signed remembered-device value for the account `user_id` (a new device id
    unless given)."""
    return _serializer(secret_key).dumps([user_id, device_id or secrets.token_urlsafe(12)])


def read_device(value: str | None, secret_key: str, *, user_id: int | None,
                max_days: int) -> str | None:
    """The device id of a remembered-device cookie when it is valid for `user_id`."""
    if not value or user_id is None or len(value) > 300:
        return None
    try:
        uid, device_id = _serializer(secret_key).loads(value, max_age=max_days * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(device_id) if uid == user_id and isinstance(device_id, str) else None


def buckets(limits: LoginLimits, *, ip: str, email: str,
            device_id: str | None) -> list[tuple[str, list[ratelimit.Limit]]]:
    """Where an attempt counts (see the module docstring)."""
    parse = ratelimit.parse_limits
    account = email_key(email)
    if device_id is not None:
        return [(f"login-device:{account}:{_hash(device_id)}", parse(limits.device))]
    return [
        (f"login-ip:{ip}", parse(limits.ip)),
        (f"login-account-ip:{account}:{_hash(ip)}", parse(limits.account_ip)),
        (f"login-account:{account}", parse(limits.account)),
    ]


def attempt(email: str, password: str, *, ip: str, limits: LoginLimits, secret_key: str,
            device: str | None = None, device_days: int = 90,
            check=passwords.verify) -> LoginResult:
    """One login attempt, from the form to the verdict.

    Unlike other services this one commits, because its transactions are the
    point: (1) the account is read and (2) the attempt is counted and committed
    *before* the password is checked, so that concurrent attempts see each other's
    counts (no check-then-act race). No commit between the two: on SQLite the first
    write of a transaction that has only read ends the read and takes the write lock
    on a fresh snapshot (extensions.py), on PostgreSQL the upsert is atomic under
    READ COMMITTED; (3) the password hash (Argon2id,
    ~30 ms of CPU; see passwords.py) is checked outside any transaction, holding no lock,
    and when the stored hash is older (scrypt, other parameters) the new one is
    computed there too; (4) the verdict is written (audit, counters given back, the
    upgraded hash) and left to the caller's commit with the session it opens.
    `check` is the hash check (tests count its calls).
    """
    email = (email or "").strip().lower()
    row = db.session.execute(
        select(Account.id, Account.password_hash).where(Account.email == email)
    ).one_or_none()
    account_id, password_hash = (row.id, row.password_hash) if row else (None, None)
    device_id = read_device(device, secret_key, user_id=account_id, max_days=device_days)

    reservation = ratelimit.consume(buckets(limits, ip=ip, email=email, device_id=device_id))
    db.session.commit()
    if reservation.wait:
        return LoginResult(wait=reservation.wait)

    # Unknown account: the same work against a dummy hash, so the timing is the same.
    ok = check(password_hash or passwords.dummy_hash(), password) and password_hash is not None
    # Transparent upgrade to Argon2id (or to new parameters), computed before the
    # verdict's transaction opens; stored only if the login succeeds below.
    upgraded = passwords.hash_password(password) if ok and passwords.needs_rehash(
        password_hash) else None

    # The memberships, loaded once: the first is where the login lands (the one used
    # last; none: no active one left), their number goes to the session (header).
    members = services.memberships(account_id, with_organisation=False)
    user = members[0] if members else None
    if ok and user is not None:
        ratelimit.release(reservation)  # only failures count
        if upgraded is not None:
            db.session.get(Account, account_id).password_hash = upgraded
        # The person proved themselves from here: their own bucket starts again
        # (not the address's, nor the account's ceiling: strangers filled those).
        ratelimit.clear(reservation, prefix=("login-device:", "login-account-ip:"))
        audit.record("login", actor=user, ip=ip)
        return LoginResult(user=user, memberships=len(members),
                           device_cookie=device_cookie(account_id, secret_key, device_id))
    if user is None and account_id is not None:  # the audit names a membership, if any
        user = db.session.scalars(select(User).where(User.account_id == account_id)
                                  .order_by(User.id).limit(1)).first()
    audit.record("login_failed", actor=user, ip=ip,
                 reason="inactive" if ok else "bad_credentials")
    return LoginResult()


def check_current_password(user: User, password: str, *, ip: str, limits: LoginLimits) -> \
        tuple[bool, int | None]:
    """Check the current password typed by a signed-in person (to change it).

    Guesses count in the account's buckets like logins (a stolen session must not
    become an unlimited guessing oracle) and failures are audited. Returns
    (ok, seconds to wait when refused). Commits the count before the check, like
    attempt()."""
    email = user.email or f"user-{user.id}"
    hash_ = user.password_hash
    db.session.commit()
    reservation = ratelimit.consume(buckets(limits, ip=ip, email=email, device_id=None)[1:])
    db.session.commit()
    if reservation.wait:
        return False, reservation.wait
    ok = passwords.verify(hash_, password)
    if ok:
        ratelimit.release(reservation)
    else:
        audit.record("password_check_failed", actor=user, target=user, ip=ip)
    return ok, None
