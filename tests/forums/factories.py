"""create_<thing> helpers for the forums tests (flush, never commit)."""

from __future__ import annotations

from sqlalchemy import select

from change_portal.extensions import db
from forums import needs, services
from forums.models import Category, Need, Topic
from tests import factories


def category(org, name: str = "Accueil et démarches") -> Category:
    """One of the default categories every collectivité gets."""
    return db.session.scalar(select(Category).where(Category.organisation_id == org.id,
                                                    Category.name == name))


def create_topic(org, author=None, *, cat: Category | None = None, title: str = "Un sujet",
                 body: str = "Un message.", replies: int = 0, anonymous: bool = False) -> Topic:
    author = author or factories.create_user(org, ["agent"])
    cat = cat or category(org)
    topic = services.create_topic(author, cat, title=title, body=body, anonymous=anonymous,
                                  rate_limited=False)
    for i in range(replies):
        services.reply(author, topic, body=f"Réponse {i}", rate_limited=False)
    return topic


def create_need(org, author=None, *, title: str = "Un besoin", cat: Category | None = None,
                impact: str = "moyen", channel: str = "accueil", public: str = "particuliers",
                services_=None) -> Need:
    author = author or factories.create_user(org, ["agent"])
    return needs.record_need(author, cat or category(org), title=title,
                             description="Les usagers demandent ceci.", public=public,
                             channel=channel, frequency="semaine", impact=impact,
                             workaround="", services=services_ or [], rate_limited=False)
