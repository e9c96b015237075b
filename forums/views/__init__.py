"""Pages of the forums domain: thin views (load → check access → validate → call a
service → commit → redirect). Split by theme; each module registers its routes on
the one blueprint below."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from change_portal.core.tenancy import current_organisation_id, get_or_404, of_tenant
from change_portal.core.web import form_error  # noqa: F401 - the views' shared helper
from change_portal.extensions import db
from forums import services
from forums.access import moderates, sees
from forums.categories import access_for
from forums.models import Category, Need, Post, Topic

bp = Blueprint("forums", __name__, url_prefix="/forums")


def _access(via=None) -> tuple:
    """Loader options: the category itself (`via`: the relationship leading to it). Its
    services and moderators are not loaded: the access check and the moderator flag
    read them from the cache (forums.categories.access_for)."""
    return () if via is None else (joinedload(via),)


def may_see(category: Category) -> bool:
    """Whether the current user sees `category` (cached access data)."""
    return sees(current_user, access_for(category))


def load_category(category_id: int) -> Category:
    category = _load(_category_statement(), category_id)
    if not may_see(category):
        abort(404)
    return category


def load_topic(topic_id: int) -> Topic:
    topic = _load(_topic_statement(), topic_id)
    if not may_see(topic.category):
        abort(404)
    return topic


def _load(stmt, object_id: int):
    """The row of the current collectivité with this id (with what `stmt` joins), or
    404, as core.tenancy.get_or_404."""
    obj = db.session.execute(stmt, {"id": object_id, "org": current_organisation_id()}
                             ).unique().scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


# The statements of the two most read pages, built once per process with bound
# parameters (building them, with their loader options, cost more CPU than running them).
@functools.cache
def _category_statement():
    return (select(Category).where(Category.id == bindparam("id"),
                                   of_tenant(Category, bindparam("org")))
            .options(*_access()))


@functools.cache
def _topic_statement():
    return (select(Topic).where(Topic.id == bindparam("id"), of_tenant(Topic, bindparam("org")))
            .options(*_access(Topic.category)))


def load_post(post_id: int) -> Post:
    post = get_or_404(Post, post_id)
    if not may_see(post.topic.category):
        abort(404)
    return post


def load_need(need_id: int) -> Need:
    need = get_or_404(Need, need_id)
    if not may_see(need.topic.category):
        abort(404)
    return need


def moderator_of(category: Category) -> bool:
    """Whether the current user moderates `category` (cached access data)."""
    return moderates(current_user, access_for(category))


def too_fast(template: str, err: services.PostingTooFast, **context):
    """429 with the form and everything typed still in it."""
    return render_template(template, flood=err.message, **context), 429, {
        "Retry-After": str(err.retry_after)}


from forums.views import admin, discussion, moderation, needs, personal  # noqa: E402, F401
