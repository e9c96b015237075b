"""Tenant scoping: every page query goes through these helpers so that an id
belonging to another collectivité is a 404, never a leak."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, select

from change_portal.extensions import db

M = TypeVar("M")


def current_organisation_id() -> int:
    """The collectivité of the logged-in user; 404 when there is none."""
    org_id = getattr(current_user, "organisation_id", None) if current_user else None
    if org_id is None:
        abort(404)
    return org_id


def of_tenant(model, organisation_id: int) -> ColumnElement[bool]:
    """The condition "row of collectivité `organisation_id`", the one way queries
    filter on the tenant: `select(Project).where(of_tenant(Project, org_id), ...)`.
    Works on a model or an alias; the id is explicit (queries never read the user)."""
    return model.organisation_id == organisation_id


def get_or_404(model: type[M], object_id: int, organisation_id: int | None = None,
               options: tuple = ()) -> M:
    """Load one row of the current collectivité or answer 404 (never 403: the
    existence of another tenant's row is not disclosed). `options`: loader options
    (e.g. the relationships the access check reads, joined in the same statement)."""
    org_id = organisation_id if organisation_id is not None else current_organisation_id()
    obj = db.session.execute(
        select(model).where(model.id == object_id, of_tenant(model, org_id))
        .options(*options)
    ).unique().scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def all_or_404(model: type[M], ids, organisation_id: int) -> list[M]:
    """The rows of collectivité `organisation_id` with these ids (by id); one id
    from elsewhere, or unknown, is a 404 (forms post ids chosen from a list)."""
    wanted = sorted({int(i) for i in ids or []})
    if not wanted:
        return []
    rows = list(db.session.scalars(select(model).where(
        model.id.in_(wanted), of_tenant(model, organisation_id)).order_by(model.id)))
    if len(rows) != len(wanted):
        abort(404)
    return rows
