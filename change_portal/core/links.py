"""Absolute links in e-mails point where people reach the portal.

A link built from BASE_URL alone is dead whenever the portal is reached on another address
or port. When a request triggers an e-mail, the address it came in on is used — but only
when its host is in the TRUSTED_HOSTS allow-list (Flask then also refuses any other Host
header with a 400): a forged `Host:` can never end up in a link sent to someone. A job keeps
the address of the request that queued it (core.jobs carries it); anything else, such as
periodic jobs, falls back to BASE_URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request, url_for
from werkzeug.sansio.utils import host_is_trusted

_job_base: ContextVar[str | None] = ContextVar("job_base_url", default=None)


def request_base_url() -> str | None:
    """Scheme and host of the current request when its host is trusted, else None."""
    if not has_request_context():
        return None
    trusted = current_app.config.get("TRUSTED_HOSTS")
    if not trusted or not host_is_trusted(request.host, trusted):
        return None
    return request.host_url.rstrip("/")


def base_url() -> str:
    """Where links should point: the job's recorded address, the trusted request's,
    or BASE_URL."""
    return (_job_base.get() or request_base_url()
            or current_app.config["BASE_URL"].rstrip("/"))


def external(path: str) -> str:
    """An absolute link to `path` (which starts with "/")."""
    return base_url() + path


@contextmanager
def recorded_base(url: str | None) -> Iterator[None]:
    """Run a job with the address of the request that queued it (None: BASE_URL)."""
    token = _job_base.set(url)
    try:
        yield
    finally:
        _job_base.reset(token)


def external_for(endpoint: str, **values) -> str:
    """An absolute link to a route, also from a job (no request: the path is built from
    the URL map directly, since Flask's url_for needs a request or SERVER_NAME)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return external(path)
