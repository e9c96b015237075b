"""Which categories a reader sees, without loading them (issue 15): the access data of
a collectivité's categories (forums.access.CategoryAccess: ids, names, positions,
restrictions, services, moderators) is cached per collectivité until a category, its
services or moderators change, and the rule (forums.access.sees) is applied per reader.

Pages that edit or display categories in full (forms, the forum index, the
administration) keep the ORM query (forums.queries.visible_categories)."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from change_portal.accounts.models import User
from change_portal.core import cache
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from forums.access import CategoryAccess, access_of, sees
from forums.models import Category, category_moderator, category_service

WATCH = "forums.categories"


def install_watch() -> None:
    """The categories, their association tables, and what deleting removes from them
    by the database's cascade (a collectivité, a service, a user); and the per-request
    memo dropped whenever the session writes or ends (called by forums.setup)."""
    cache.watch(WATCH, (Organisation, Category, Service, User),
                (category_service.name, category_moderator.name))
    for name in ("after_flush", "after_commit", "after_rollback"):
        if not event.contains(Session, name, _forget_memo):
            event.listen(Session, name, _forget_memo)


def _load(organisation_id: int) -> list[CategoryAccess]:
    cats = db.session.scalars(
        select(Category).where(Category.organisation_id == organisation_id)
        .options(selectinload(Category.services), selectinload(Category.moderators))
        .order_by(Category.position, Category.name, Category.id))
    return [access_of(c) for c in cats]


def all_access(organisation_id: int) -> list[CategoryAccess]:
    """Every category of the collectivité, in the order lists show them (read once per
    request: a page checks access and the moderator flag, each asking here)."""
    # Kept with the request (its environ), not `g`: an app context may outlive it.
    memo = request.environ.setdefault(_MEMO, {}) if has_request_context() else {}
    found = memo.get(organisation_id)
    if found is None:
        found = cache.cached_value(WATCH, organisation_id, ("access",),
                                   lambda: _load(organisation_id), db.session)
        memo[organisation_id] = found
    return found


_MEMO = "forums.category_access"


def _forget_memo(*_args) -> None:
    # What a request read before it wrote is not what it reads after.
    if has_request_context():
        request.environ.pop(_MEMO, None)


def access_for(category: Category) -> CategoryAccess:
    """The access data of an ORM category, from the cache (no load of its services and
    moderators); from the object itself if the cache does not list it."""
    for access in all_access(category.organisation_id):
        if access.id == category.id:
            return access
    return access_of(category)


def visible_access(user: User) -> list[CategoryAccess]:
    """The categories of the user's collectivité they may see (no ORM object)."""
    if user.organisation_id is None:
        return []
    return [a for a in all_access(user.organisation_id) if sees(user, a)]


def visible_ids(user: User) -> list[int]:
    """Ids of the categories `user` may see, in list order."""
    return [a.id for a in visible_access(user)]
