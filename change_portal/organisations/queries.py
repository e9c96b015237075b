"""Read helpers of the organisations domain: the services of a collectivité, once."""

from __future__ import annotations

from sqlalchemy import select

from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Service


def services_of(organisation_id: int) -> list[Service]:
    """The services of a collectivité, by name."""
    return list(db.session.scalars(
        select(Service).where(of_tenant(Service, organisation_id))
        .order_by(Service.name)))


def service_choices(organisation_id: int, *, none_label: str | None = None
                    ) -> list[tuple[int, str]]:
    """(id, name) pairs for a select, optionally led by a (0, `none_label`) choice."""
    rows = db.session.execute(
        select(Service.id, Service.name).where(of_tenant(Service, organisation_id))
        .order_by(Service.name)).all()
    lead = [(0, none_label)] if none_label is not None else []
    return lead + [(r.id, r.name) for r in rows]


def service_of(organisation_id: int, service_id: int | None) -> Service | None:
    """The service `service_id` if it belongs to the collectivité, else None."""
    if not service_id:
        return None
    return db.session.scalar(select(Service).where(
        Service.id == service_id, of_tenant(Service, organisation_id)))
