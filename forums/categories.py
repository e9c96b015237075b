"""Which categories a reader sees, without loading them (issue 15): the access data of
a collectivité's categories (forums.access.CategoryAccess: ids, names, positions,
restrictions, services, moderators) is cached per collectivité until a category, its
services or moderators change, and the rule (forums.access.sees) is applied per reader.

Pages that edit or display categories in full (forms, the forum index, the
administration) keep the ORM query (forums.queries.visible_categories)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from forums.access import CategoryAccess, access_of, sees
from forums.models import Category, category_moderator, category_service

WATCH = "forums.categories"


def install_watch() -> None:
    """The categories, their association tables, and what deleting removes from them
    by the database's cascade (a collectivité, a service, a user)."""
    cache.watch(WATCH, (Organisation, Category, Service, User),
                (category_service.name, category_moderator.name))


def _load(organisation_id: int) -> list[CategoryAccess]:
    cats = db.session.scalars(
        select(Category).where(Category.organisation_id == organisation_id)
        .options(selectinload(Category.services), selectinload(Category.moderators))
        .order_by(Category.position, Category.name, Category.id))
    return [access_of(c) for c in cats]


def all_access(organisation_id: int) -> list[CategoryAccess]:
    """Every category of the collectivité, in the order lists show them."""
    return cache.cached_value(WATCH, organisation_id, ("access",),
                              lambda: _load(organisation_id), db.session)


def visible_access(user: User) -> list[CategoryAccess]:
    """The categories of the user's collectivité they may see (no ORM object)."""
    if user.organisation_id is None:
        return []
    return [a for a in all_access(user.organisation_id) if sees(user, a)]


def visible_ids(user: User) -> list[int]:
    """Ids of the categories `user` may see, in list order."""
    return [a.id for a in visible_access(user)]
