"""create_<thing> helpers for tests. They flush, never commit."""

from __future__ import annotations

import itertools

from change_portal.accounts import services as accounts
from change_portal.accounts import sessions as login_sessions
from change_portal.accounts.models import User
from change_portal.extensions import db
from change_portal.organisations import services as organisations
from change_portal.organisations.models import Organisation, Service

PASSWORD = "un mot de passe solide"
_seq = itertools.count(1)


def create_organisation(slug: str | None = None, name: str | None = None, **kw) -> Organisation:
    n = next(_seq)
    return organisations.create_organisation(
        None,
        name=name or f"Commune {n}",
        slug=slug or f"commune-{n}",
        kind=kw.pop("kind", "commune"),
        population=kw.pop("population", 5000),
        services=kw.pop("services", ()),
        **kw,
    )


def create_service(org: Organisation, name: str | None = None) -> Service:
    service = Service(organisation_id=org.id, name=name or f"Service {next(_seq)}")
    db.session.add(service)
    db.session.flush()
    return service


def create_user(
    org: Organisation | None,
    roles: list[str] | None = None,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    service: Service | None = None,
    active: bool = True,
) -> User:
    n = next(_seq)
    user = accounts.create_user(
        email=email or f"personne{n}@exemple.fr",
        full_name=name or f"Personne {n}",
        roles=roles or ["agent"],
        organisation=org,
        password=password,
        service=service,
    )
    user.active = active
    db.session.flush()
    return user


def log_in(client, user: User) -> None:
    """Open a real server-side session for `user` and put its token in the
    client's cookie, as the login page would (without the password round trip)."""
    ls = login_sessions.open_login_session(user, ip="127.0.0.1", user_agent="pytest")
    db.session.flush()
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = ls.plain_token
        sess["_fresh"] = True
