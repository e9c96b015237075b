"""Pages of the forums domain: thin views (load → check access → validate → call a
service → commit → redirect). Split by theme; each module registers its routes on
the one blueprint below."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from change_portal.core.errors import DomainError
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from forums import jobs
from forums.access import can_see_category, is_moderator
from forums.models import Category, Need, Post, Topic

bp = Blueprint("forums", __name__, url_prefix="/forums")


def commit() -> None:
    """Commit, then enqueue the immediate emails the transaction recorded."""
    db.session.commit()
    jobs.send_pending_emails()


def form_error(form, err: DomainError, default_field: str) -> None:
    field = getattr(form, err.field or default_field, None) or getattr(form, default_field)
    field.errors = [*list(field.errors), err.message]


def load_category(category_id: int) -> Category:
    category = get_or_404(Category, category_id)
    if not can_see_category(current_user, category):
        abort(404)
    return category


def load_topic(topic_id: int) -> Topic:
    topic = get_or_404(Topic, topic_id)
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
