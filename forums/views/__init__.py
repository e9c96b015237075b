"""Pages of the forums domain: thin views (load → check access → validate → call a
service → commit → redirect). Split by theme; each module registers its routes on
the one blueprint below."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy.orm import joinedload

from change_portal.core.tenancy import get_or_404
from change_portal.core.web import form_error  # noqa: F401 - the views' shared helper
from change_portal.extensions import db
from forums.access import can_see_category, is_moderator
from forums.models import Category, Need, Post, Topic

bp = Blueprint("forums", __name__, url_prefix="/forums")


def commit() -> None:
    """Commit (kept for needs.py): the e-mails queued by the services go out after
    any commit, by core.transactions; views call db.session.commit() directly."""
    db.session.commit()


def _access(via=None) -> tuple:
    """Loader options: the category's services and moderators, which the access check
    and the moderator tools read, joined in the statement that loads the page's object
    (`via`: the relationship leading to the category; a few rows each, so their
    product stays small)."""
    if via is None:
        return (joinedload(Category.services), joinedload(Category.moderators))
    return (joinedload(via).joinedload(Category.services),
            joinedload(via).joinedload(Category.moderators))


def load_category(category_id: int) -> Category:
    category = get_or_404(Category, category_id, options=_access())
    if not can_see_category(current_user, category):
        abort(404)
    return category


def load_topic(topic_id: int) -> Topic:
    topic = get_or_404(Topic, topic_id, options=_access(Topic.category))
    if not can_see_category(current_user, topic.category):
        abort(404)
    return topic


def load_post(post_id: int) -> Post:
    post = get_or_404(Post, post_id)
    if not can_see_category(current_user, post.topic.category):
        abort(404)
    return post


def load_need(need_id: int) -> Need:
    need = get_or_404(Need, need_id)
    if not can_see_category(current_user, need.topic.category):
        abort(404)
    return need


def moderator_of(category: Category) -> bool:
    return is_moderator(current_user, category)


from forums.views import admin, discussion, moderation, needs, personal  # noqa: E402, F401
