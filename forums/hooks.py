"""What the forums give to other pages: the home panel, the header's unread count,
and the `project.panels` / `project.needs_many` hooks of the project pages."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete

from change_portal.extensions import db
from forums import notify, queries, shared
from forums.models import Notification


def project_panel(project, user) -> Markup | None:
    """The needs linked to a project, with their "je l'ai aussi constaté" counts, in
    the categories the reader may see (cached: forums.shared)."""
    if user is None or getattr(user, "organisation_id", None) != project.organisation_id:
        return None
    return shared.project_needs_panel(project, user)


def project_needs_many(projects) -> dict[int, int]:
    """project id → number of linked needs (one GROUP BY)."""
    return queries.need_counts_for_projects([p.id for p in projects])


def project_need_titles(project) -> list[str]:
    """Titles of the needs linked to a project (never their authors): what a fiche
    retour d'expérience cites (change_portal.sharing)."""
    return [need.topic.title for need, _count in queries.needs_of_project(project)]


def unread_context() -> dict:
    """`forums_notifications()` for the header: None for visitors, else the unread
    count (the counter loaded with the login session: no query) and the page's URL."""

    def forums_notifications() -> dict | None:
        if not current_user.is_authenticated or current_user.organisation_id is None:
            return None
        return {"count": current_user.unread_notifications,
                "url": url_for("forums.notifications")}

    return {"forums_notifications": forums_notifications}


def purge_old_notifications(cutoff) -> int:
    """Receiver of "retention.purge": notifications older than the retention period."""
    notify.discount_unread_before_purge(cutoff)
    return db.session.execute(delete(Notification).where(
        Notification.created_at < cutoff)).rowcount or 0
