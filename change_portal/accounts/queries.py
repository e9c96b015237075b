"""Read helpers of the accounts domain: who counts as a member of a collectivité, and
how many people the services and collectivités have."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from change_portal.accounts.models import User, UserRole
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service


def members_stmt(organisation_id: int) -> Select:
    """Members of a collectivité who may be chosen (owner, assignee, lead…): not
    deactivated, not erased; ordered by name."""
    return (select(User)
            .where(of_tenant(User, organisation_id), User.active.is_(True),
                   User.erased_at.is_(None))
            .order_by(User.full_name))


def members(organisation_id: int, *, limit: int | None = None) -> list[User]:
    """The members (see members_stmt), at most `limit`."""
    stmt = members_stmt(organisation_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def member_choices(organisation_id: int, *, none_label: str | None = None,
                   limit: int | None = None) -> list[tuple[int, str]]:
    """(id, full name) pairs for a select, optionally led by (0, `none_label`)."""
    lead = [(0, none_label)] if none_label is not None else []
    return lead + [(u.id, u.full_name) for u in members(organisation_id, limit=limit)]


def service_member_count(service_id: int) -> int:
    """How many accounts belong to a service (whatever their state: a deactivated
    person still points at it)."""
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.service_id == service_id)) or 0


def services_with_counts(organisation_id: int) -> list[tuple[Service, int]]:
    """Services of a collectivité with their number of members, in one query."""
    counts = (
        select(User.service_id, func.count(User.id).label("n"))
        .where(User.organisation_id == organisation_id, User.active.is_(True))
        .group_by(User.service_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Service, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.service_id == Service.id)
        .where(Service.organisation_id == organisation_id)
        .order_by(Service.name)
    ).all()
    return [(s, n) for s, n in rows]


def organisations_with_counts() -> list[tuple[Organisation, int]]:
    """All collectivités with their number of users, in one query (operators)."""
    counts = (
        select(User.organisation_id, func.count(User.id).label("n"))
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [(o, n) for o, n in rows]


def members_among(organisation_id: int, user_ids) -> list[User]:
    """The members (see members_stmt) whose ids are in `user_ids`: ids of another
    collectivité, deactivated or erased accounts are left out."""
    ids = list(user_ids or [])
    if not ids:
        return []
    return list(db.session.scalars(members_stmt(organisation_id).where(User.id.in_(ids))))


def members_with_role(organisation_id: int, role: str) -> list[User]:
    """The members (see members_stmt) who hold `role` (a Role value), by name."""
    return list(db.session.scalars(
        members_stmt(organisation_id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role)))
