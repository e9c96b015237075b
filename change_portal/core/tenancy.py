"""Tenant scoping: every page query goes through these helpers so that an id
belonging to another collectivité is a 404, never a leak."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from change_portal.extensions import db

M = TypeVar("M")


def current_organisation_id() -> int:
    """The collectivité of the logged-in user; 404 when there is none."""
    org_id = getattr(current_user, "organisation_id", None) if current_user else None
    if org_id is None:
        abort(404)
    return org_id


def scoped(model: type[M], organisation_id: int | None = None) -> Select:
    """SELECT model rows of one collectivité (the current one by default)."""
    org_id = organisation_id if organisation_id is not None else current_organisation_id()
    return select(model).where(model.organisation_id == org_id)


def get_or_404(model: type[M], object_id: int, organisation_id: int | None = None,
               options: tuple = ()) -> M:
    """Load one row of the current collectivité or answer 404 (never 403: the
    existence of another tenant's row is not disclosed). `options`: loader options
    (e.g. the relationships the access check reads, joined in the same statement)."""
    org_id = organisation_id if organisation_id is not None else current_organisation_id()
    obj = db.session.execute(
        select(model).where(model.id == object_id, model.organisation_id == org_id)
        .options(*options)
    ).unique().scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj
