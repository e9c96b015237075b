"""Who may see and moderate what in the forums (pure functions, no queries beyond
the category's already-loaded relationships).

The rule is written once, on `CategoryAccess` (plain, picklable data): the ORM
categories are turned into it (`access_of`), and forums.categories caches it per
collectivité for the pages that only need to know which categories a reader sees."""

from __future__ import annotations

from typing import NamedTuple

from change_portal.accounts.models import User
from change_portal.core.permissions import Role
from forums.models import Category


class CategoryAccess(NamedTuple):
    """What deciding who sees a category needs, and what lists show of it."""

    id: int
    organisation_id: int
    name: str
    position: int
    roles: tuple[str, ...]  # restricted to these roles (empty: no role restriction)
    service_ids: frozenset[int]  # restricted to these services (empty: none)
    moderator_ids: frozenset[int]

    @property
    def is_restricted(self) -> bool:
        return bool(self.roles or self.service_ids)


def access_of(category: Category | CategoryAccess) -> CategoryAccess:
    """The access data of a category (its services and moderators loaded)."""
    if isinstance(category, CategoryAccess):
        return category
    return CategoryAccess(category.id, category.organisation_id, category.name,
                          category.position, tuple(category.role_list),
                          frozenset(s.id for s in category.services),
                          frozenset(m.id for m in category.moderators))


def moderates(user: User, access: CategoryAccess) -> bool:
    """Admins of the collectivité, and the people named moderator of the category."""
    if user.organisation_id != access.organisation_id:
        return False
    return user.has_role(Role.ADMIN) or user.id in access.moderator_ids


def sees(user: User, access: CategoryAccess) -> bool:
    """Unrestricted categories are open to every member; restricted ones to the
    listed roles or services (and to moderators)."""
    if user.organisation_id != access.organisation_id:
        return False
    if not access.is_restricted or moderates(user, access):
        return True
    if access.roles and set(access.roles) & user.role_names:
        return True
    return bool(user.service_id and user.service_id in access.service_ids)


def is_moderator(user: User, category: Category | CategoryAccess) -> bool:
    """`moderates`, for an ORM category (or its access data)."""
    return moderates(user, access_of(category))


def can_see_category(user: User, category: Category | CategoryAccess) -> bool:
    """`sees`, for an ORM category (or its access data)."""
    return sees(user, access_of(category))
