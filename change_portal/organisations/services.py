"""Collectivités and services: creation and management rules."""

from __future__ import annotations

import re
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import func, select

from change_portal.core import audit
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.permissions import Role
from change_portal.core.signals import organisation_created
from change_portal.extensions import db
from change_portal.organisations.models import (
    REGION_NAMES,
    Organisation,
    OrganisationKind,
    Service,
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
RESERVED_SLUGS = {"admin", "api", "static", "platform", "plateforme", "www", "new"}

DEFAULT_SERVICES = ("Accueil", "État civil", "Urbanisme", "Finances", "Ressources humaines",
                    "Services techniques", "Numérique (DSI)")


class Actor(Protocol):
    """Who acts: a signed-in person (accounts.models.User, which this layer below
    accounts does not import)."""

    id: int
    organisation_id: int | None

    def has_role(self, role: Role) -> bool: ...


def create_organisation(
    actor: Actor | None,
    *,
    name: str,
    slug: str,
    kind: str,
    population: int,
    services: tuple[str, ...] = DEFAULT_SERVICES,
    region: str | None = None,
) -> Organisation:
    """Create a collectivité with a starter set of services. Only platform
    operators (or the CLI, actor=None) may do it. Domains add their own defaults
    (forum categories…) through the organisation_created signal."""
    if actor is not None and not actor.has_role(Role.OPERATOR):
        raise NotAllowed(_("Seul l'opérateur de la plateforme crée des collectivités."))
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise DomainError(
            _("L'identifiant ne peut contenir que des lettres minuscules sans accent, des "
              "chiffres et des tirets (3 à 60 caractères)."), field="slug")
    if db.session.scalar(select(func.count()).where(Organisation.slug == slug)):
        raise DomainError(_("Cet identifiant est déjà pris."), field="slug")
    _check_profile(kind, population, region)
    org = Organisation(name=name.strip(), slug=slug, kind=kind, population=population,
                       region=region or None)
    db.session.add(org)
    db.session.flush()
    for service_name in services:
        db.session.add(Service(organisation_id=org.id, name=service_name))
    db.session.flush()
    audit.record("organisation_created", actor=actor, organisation_id=org.id, target=org)
    organisation_created.send(org, actor=actor)
    return org


def _check_profile(kind: str, population: int, region: str | None) -> None:
    if kind not in {k.value for k in OrganisationKind}:
        raise DomainError(_("Choisissez un type de collectivité."), field="kind")
    if population < 0 or population > 100_000_000:
        raise DomainError(_("La population doit être un nombre positif."), field="population")
    if region and region not in REGION_NAMES:
        raise DomainError(_("Choisissez une région de la liste."), field="region")


def update_profile(
    actor: Actor, org: Organisation, *, name: str, kind: str, population: int,
    region: str | None,
) -> Organisation:
    """Change what describes a collectivité (name, kind, population, region): it
    decides which peers it is compared with. Only platform operators may do it."""
    if not actor.has_role(Role.OPERATOR):
        raise NotAllowed(_("Seul l'opérateur de la plateforme modifie une collectivité."))
    name = name.strip()
    if not name:
        raise DomainError(_("Indiquez le nom."), field="name")
    _check_profile(kind, population, region)
    before = {"name": org.name, "kind": org.kind, "population": org.population,
              "region": org.region}
    org.name, org.kind, org.population, org.region = name, kind, population, region or None
    after = {"name": org.name, "kind": org.kind, "population": org.population,
             "region": org.region}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        audit.record("organisation_updated", actor=actor, organisation_id=org.id, target=org,
                     changes=changed)
    db.session.flush()
    return org


def _check_admin(actor: Actor, organisation_id: int) -> None:
    if actor.organisation_id != organisation_id or not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Seuls les administrateurs de la collectivité gèrent ses services."))


def _name_taken(organisation_id: int, name: str, exclude_id: int | None = None) -> bool:
    stmt = select(func.count()).select_from(Service).where(
        Service.organisation_id == organisation_id, func.lower(Service.name) == name.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(Service.id != exclude_id)
    return bool(db.session.scalar(stmt))


def create_service(actor: Actor, organisation_id: int, name: str) -> Service:
    """Add a service to the actor's collectivité (names are unique in it)."""
    _check_admin(actor, organisation_id)
    name = name.strip()
    if _name_taken(organisation_id, name):
        raise DomainError(_("Un service porte déjà ce nom."), field="name")
    service = Service(organisation_id=organisation_id, name=name)
    db.session.add(service)
    db.session.flush()
    audit.record("service_created", actor=actor, target=service, name=name)
    return service


def rename_service(actor: Actor, service: Service, name: str) -> None:
    _check_admin(actor, service.organisation_id)
    name = name.strip()
    if _name_taken(service.organisation_id, name, exclude_id=service.id):
        raise DomainError(_("Un service porte déjà ce nom."), field="name")
    old = service.name
    service.name = name
    audit.record("service_renamed", actor=actor, target=service, before=old, after=name)


def set_parent(actor: Actor, service: Service, parent: Service | None) -> None:
    """Place `service` under `parent` (None: at the top). Both belong to the
    actor's collectivité; a service never ends up under itself."""
    _check_admin(actor, service.organisation_id)
    if parent is not None:
        if parent.organisation_id != service.organisation_id:
            raise DomainError(_("Ce service n'existe pas."), field="parent")
        node, seen = parent, set()
        while node is not None and node.id not in seen:
            if node.id == service.id:
                raise DomainError(_("Un service ne peut pas être placé sous lui-même."),
                                  field="parent")
            seen.add(node.id)
            node = db.session.get(Service, node.parent_id) if node.parent_id else None
    new_id = parent.id if parent is not None else None
    if service.parent_id != new_id:
        audit.record("service_moved", actor=actor, target=service, before=service.parent_id,
                     after=new_id)
        service.parent_id = new_id


def delete_service(actor: Actor, service: Service, *, members: int) -> None:
    """Delete a service that nobody belongs to any more (people are never left
    without saying so: the admin moves them first). `members` is how many people
    belong to it, counted by the caller (accounts.queries.service_member_count):
    people live in the layer above this one."""
    _check_admin(actor, service.organisation_id)
    if members:
        raise DomainError(
            _("Ce service compte encore %(n)d personne(s). Rattachez-les à un autre service "
              "avant de le supprimer.", n=members))
    audit.record("service_deleted", actor=actor, target=service, name=service.name)
    db.session.delete(service)
