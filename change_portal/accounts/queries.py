"""Read helpers of the accounts domain: who counts as a member of a collectivité."""

from __future__ import annotations

from sqlalchemy import Select, select

from change_portal.accounts.models import User, UserRole
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db


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
