"""Password hashing: the one place that hashes and checks passwords.

New hashes are Argon2id (argon2-cffi), the first choice of OWASP's Password Storage
Cheat Sheet, with its minimum configuration by default (m=19 MiB, t=2, p=1): memory
hard like scrypt, but about four times cheaper in CPU here than Werkzeug's scrypt
(N=2^15) that the portal used before, so that a burst of logins on a small server
does not queue behind the hash (bench/README.md, "100 simultaneous logins").

Older hashes (Werkzeug's `scrypt:` and `pbkdf2:` formats) still verify; the login
re-hashes them with Argon2id once the password proved right (`needs_rehash`), and
likewise an Argon2id hash made with other parameters than the configured ones.

Parameters come from the configuration (`PASSWORD_ARGON2_TIME_COST`,
`PASSWORD_ARGON2_MEMORY_KIB`, `PASSWORD_ARGON2_PARALLELISM`); the tests use tiny
ones to stay fast.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash

_ARGON2_PREFIX = "$argon2"
# Unknown accounts are checked against this dummy password's hash (made with the
# same algorithm and parameters) so that their answer takes as long as a real one.
# Random per process: nobody can log in with it (the check is ignored anyway).
_DUMMY_PASSWORD = secrets.token_urlsafe(16)


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                          parallelism=parallelism, type=Type.ID)


@lru_cache(maxsize=8)
def _dummy(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash(_DUMMY_PASSWORD)


def _params(config=None) -> tuple[int, int, int]:
    cfg = config if config is not None else current_app.config
    return (int(cfg.get("PASSWORD_ARGON2_TIME_COST", 2)),
            int(cfg.get("PASSWORD_ARGON2_MEMORY_KIB", 19 * 1024)),
            int(cfg.get("PASSWORD_ARGON2_PARALLELISM", 1)))


def hash_password(password: str, *, config=None) -> str:
    """An Argon2id hash of `password` with the configured parameters
    (`config`: a mapping, the current app's configuration by default)."""
    return _hasher(*_params(config)).hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash` (Argon2id, or Werkzeug's
    scrypt/pbkdf2 of older accounts). A missing or malformed hash is False, never
    an error. Takes no lock and touches no database: call it outside transactions."""
    if not password_hash:
        return False
    if password_hash.startswith(_ARGON2_PREFIX):
        try:
            # The parameters are read from the hash itself: any hasher verifies,
            # and no application context is needed.
            return _hasher(2, 19 * 1024, 1).verify(password_hash, password)
        except (VerificationError, InvalidHashError, ValueError):  # incl. non-ASCII
            return False
    try:
        return check_password_hash(password_hash, password)
    except (ValueError, TypeError):  # an unknown method or a corrupted hash
        return False


def needs_rehash(password_hash: str | None, *, config=None) -> bool:
    """True when `password_hash` is not Argon2id with the configured parameters
    (to call after a successful check, when the password is at hand)."""
    if not password_hash or not password_hash.startswith(_ARGON2_PREFIX):
        return True
    try:
        return _hasher(*_params(config)).check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def dummy_hash(*, config=None) -> str:
    """A hash with the same algorithm and cost as real ones, to check a password
    against when the account does not exist (equal timing)."""
    return _dummy(*_params(config))
