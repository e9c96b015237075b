"""Who may see and moderate what in the forums (pure functions, no queries beyond
the category's already-loaded relationships)."""

from __future__ import annotations

from change_portal.accounts.models import User
from change_portal.core.permissions import Role
from forums.models import Category


def is_moderator(user: User, category: Category) -> bool:
    """Admins of the collectivité, and the people named moderator of the category."""
    if user.organisation_id != category.organisation_id:
        return False
    if user.has_role(Role.ADMIN):
        return True
    return any(m.id == user.id for m in category.moderators)


def can_see_category(user: User, category: Category) -> bool:
    """Unrestricted categories are open to every member; restricted ones to the
    listed roles or services (and to moderators)."""
    if user.organisation_id != category.organisation_id:
        return False
    if not category.is_restricted or is_moderator(user, category):
        return True
    if category.role_list and set(category.role_list) & user.role_names:
        return True
    return bool(user.service_id and any(s.id == user.service_id for s in category.services))
