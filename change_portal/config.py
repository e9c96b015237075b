"""Settings read from the environment, with embedded defaults (SQLite, inline jobs).

Every setting can be overridden by an environment variable of the same name. The
defaults are what `make run` needs on a bare machine; production sets DATABASE_URL,
REDIS_URL, SECRET_KEY and MAIL_SERVER.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/.

    Keeping it in instance/ (never committed) means sessions and invitation links
    survive a restart of `make run` without a secret in the code.
    """
    env = os.environ.get("SECRET_KEY")
    if env:
        return env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'change_portal.sqlite3'}"
    # Heroku-style URLs and plain "postgresql://" both go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _engine_options(url: str) -> dict:
    """No ping per checkout (a round trip on every request, issue 15): connections are
    renewed after DB_POOL_RECYCLE seconds, and one found dead is replaced and its first
    statement retried (extensions.RetryingSession)."""
    if url.startswith("sqlite"):
        return {}  # a file: nothing to ping
    return {"pool_pre_ping": False, "pool_recycle": _int("DB_POOL_RECYCLE", 1800)}


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the configuration mapping for create_app."""
    overrides = overrides or {}
    debug = _bool("FLASK_DEBUG", False)
    cfg: dict = {
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(_database_url(instance_path)),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "change_portal"),
        # Mail: SMTP when MAIL_SERVER is set, else .eml files in instance/outbox/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Portail de la transformation <no-reply@change-portal.local>"
        ),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR") or str(instance_path / "outbox"),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance_path / "uploads"),
        # Public base URL used in emails sent from jobs (no request there).
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        # Hosts the portal answers on (comma separated, e.g. "portail.example.fr,
        # 10.0.0.5"): Flask refuses other Host headers, and e-mail links use the one a
        # request came in on (core.links). Unset: every host is served, links use BASE_URL.
        "TRUSTED_HOSTS": [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",")
                          if h.strip()] if os.environ.get("TRUSTED_HOSTS") else None,
        # Sessions: cookie holds only an opaque id; the server keeps the session row.
        "SESSION_COOKIE_NAME": "cp_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not debug),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_MAX_HOURS", 12)),
        # The cookie is re-signed only when the session changed, its expiry fixed at
        # login (accounts/cookie.py).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,  # bound to the session instead, which expires on its own
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ["fr", "en"],
        # Login throttling: "count/seconds" windows, comma separated.
        # Policy in accounts/login.py and SECURITY.md: per address (a town hall shares
        # one), per account × address (strict), per account (a ceiling over every
        # address), per remembered device (the right person on their usual machine).
        "LOGIN_LIMIT_IP": os.environ.get("LOGIN_LIMIT_IP", "20/60,200/3600"),
        "LOGIN_LIMIT_ACCOUNT_IP": os.environ.get("LOGIN_LIMIT_ACCOUNT_IP", "6/900,20/3600"),
        "LOGIN_LIMIT_ACCOUNT": os.environ.get("LOGIN_LIMIT_ACCOUNT", "30/900,100/3600,300/86400"),
        "LOGIN_LIMIT_DEVICE": os.environ.get("LOGIN_LIMIT_DEVICE", "10/900,30/3600"),
        "LOGIN_DEVICE_DAYS": _int("LOGIN_DEVICE_DAYS", 90),
        # Password-reset emails per account (the login ceiling is too loose for mail).
        "RESET_LIMIT_ACCOUNT": os.environ.get("RESET_LIMIT_ACCOUNT", "5/900,20/86400"),
        "INVITATION_DAYS": _int("INVITATION_DAYS", 7),
        # Audit history and notifications older than this are purged daily.
        "RETENTION_DAYS": _int("RETENTION_DAYS", 365),
        "PASSWORD_MIN_LENGTH": 12,
        # Argon2id (accounts/passwords.py): OWASP's minimum, m=19 MiB, t=2, p=1. Raising
        # them re-hashes each account at its next login.
        "PASSWORD_ARGON2_TIME_COST": _int("PASSWORD_ARGON2_TIME_COST", 2),
        "PASSWORD_ARGON2_MEMORY_KIB": _int("PASSWORD_ARGON2_MEMORY_KIB", 19 * 1024),
        "PASSWORD_ARGON2_PARALLELISM": _int("PASSWORD_ARGON2_PARALLELISM", 1),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        # Behind a reverse proxy, trust this many X-Forwarded-* hops (0 = none).
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
    }
    cfg.update(overrides)
    return cfg
