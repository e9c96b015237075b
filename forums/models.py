"""Forums and user needs: categories, topics, posts, needs, notifications, moderation.

The search index (`forum_search`) is a plain table; the full-text parts (an FTS5
virtual table on SQLite, a generated tsvector column on PostgreSQL) are created by
the migration and used only through forums/search.py.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.accounts.models import User
from change_portal.core.labels import label
from change_portal.core.models import TenantMixin, TimestampMixin, UTCDateTime, utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Service

TITLE_MAX = 140
BODY_MAX = 20_000
NOTE_MAX = 500


# --- categories ----------------------------------------------------------------

category_service = Table(
    "forum_category_service",
    db.metadata,
    Column("category_id", ForeignKey("forum_category.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)

category_moderator = Table(
    "forum_category_moderator",
    db.metadata,
    Column("category_id", ForeignKey("forum_category.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(TenantMixin, TimestampMixin, db.Model):
    """A place for topics. Restricted to some services or roles when either list
    is non-empty (admins and the category's moderators always see it)."""

    __tablename__ = "forum_category"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    allow_anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Comma-separated role names ("agent,project_lead"); empty: no role restriction.
    restricted_roles: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True, nullable=True
    )

    services: Mapped[list[Service]] = relationship(secondary=category_service,
                                                   order_by="Service.name")
    moderators: Mapped[list[User]] = relationship(secondary=category_moderator,
                                                  order_by="User.full_name")

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.restricted_roles.split(",") if r]

    @property
    def is_restricted(self) -> bool:
        return bool(self.role_list or self.services)


# --- topics and posts --------------------------------------------------------------

class TopicKind(enum.StrEnum):
    DISCUSSION = "discussion"
    NEED = "besoin"


class Topic(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "forum_topic"
    __table_args__ = (
        Index("ix_forum_topic_category_last", "category_id", "pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("forum_category.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default=TopicKind.DISCUSSION)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reply_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_post.id", ondelete="SET NULL", use_alter=True,
                   name="fk_forum_topic_accepted_post_id_forum_post"),
        nullable=True,
    )

    category: Mapped[Category] = relationship()
    author: Mapped[User | None] = relationship()
    need: Mapped[Need | None] = relationship(back_populates="topic", uselist=False)


class Post(TenantMixin, db.Model):
    __tablename__ = "forum_post"
    __table_args__ = (Index("ix_forum_post_topic_created", "topic_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    is_first: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])
    author: Mapped[User | None] = relationship()

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class PostRevision(db.Model):
    """The text of a post before an edit (moderators see the history)."""

    __tablename__ = "forum_post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), index=True, nullable=False
    )
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX), nullable=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    editor: Mapped[User | None] = relationship()


class Reaction(db.Model):
    """One "Utile" per person per post."""

    __tablename__ = "forum_reaction"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --- user needs ----------------------------------------------------------------------

class NeedStatus(enum.StrEnum):
    NEW = "nouveau"
    QUALIFIED = "qualifie"
    LINKED = "rattache"
    ANSWERED = "repondu"
    CLOSED = "clos"
    DISMISSED = "ecarte"


NEED_STATUS_LABELS = {
    NeedStatus.NEW: _l("Nouveau"),
    NeedStatus.QUALIFIED: _l("Qualifié"),
    NeedStatus.LINKED: _l("Rattaché à un projet"),
    NeedStatus.ANSWERED: _l("Réponse apportée"),
    NeedStatus.CLOSED: _l("Clos"),
    NeedStatus.DISMISSED: _l("Écarté"),
}

PUBLIC_LABELS = {
    "particuliers": _l("Particuliers"),
    "entreprises": _l("Entreprises"),
    "associations": _l("Associations"),
    "agents": _l("Agents d'autres services"),
    "autre": _l("Autre"),
}
CHANNEL_LABELS = {
    "accueil": _l("Accueil physique"),
    "telephone": _l("Téléphone"),
    "courriel": _l("Courriel"),
    "en_ligne": _l("Démarche en ligne / site"),
    "reseaux": _l("Réseaux sociaux"),
    "courrier": _l("Courrier"),
}
FREQUENCY_LABELS = {
    "rare": _l("Rare"),
    "semaine": _l("Chaque semaine"),
    "jour": _l("Chaque jour"),
}
IMPACT_LABELS = {"faible": _l("Faible"), "moyen": _l("Moyen"), "fort": _l("Fort")}
IMPACT_RANK = {"faible": 1, "moyen": 2, "fort": 3}

need_service = Table(
    "forum_need_service",
    db.metadata,
    Column("need_id", ForeignKey("forum_need.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Need(TenantMixin, db.Model):
    """A user need: a topic of its own kind with structured fields."""

    __tablename__ = "forum_need"
    # The board sorted by count reads this index (migration 0025_meters).
    __table_args__ = (Index("ix_forum_need_board", "organisation_id", "endorsement_count",
                            "impact_rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    public: Mapped[str] = mapped_column(String(20), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    frequency: Mapped[str] = mapped_column(String(20), nullable=False)
    impact: Mapped[str] = mapped_column(String(10), nullable=False)
    impact_rank: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # "Je l'ai aussi constaté" rows, kept by forums.needs.endorse / withdraw_endorsement
    # in the same transaction (the board sorts on it without aggregating).
    endorsement_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                   server_default="0")
    workaround: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=NeedStatus.NEW,
                                        index=True)
    # The answer: drafted by a project lead, validated by an admin or another lead,
    # then published (followers are notified).
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answer_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answer_drafted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    answer_drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer_validated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    answer_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    topic: Mapped[Topic] = relationship(back_populates="need")
    services: Mapped[list[Service]] = relationship(secondary=need_service,
                                                   order_by="Service.name")
    answer_drafted_by: Mapped[User | None] = relationship(foreign_keys=[answer_drafted_by_id])
    answer_validated_by: Mapped[User | None] = relationship(
        foreign_keys=[answer_validated_by_id])

    @property
    def status_label(self) -> str:
        return label(NEED_STATUS_LABELS, self.status)


class NeedEndorsement(db.Model):
    """"Je l'ai aussi constaté": once per agent and need."""

    __tablename__ = "forum_need_endorsement"
    __table_args__ = (UniqueConstraint("need_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("forum_need.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
    )
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(String(NOTE_MAX), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    user: Mapped[User] = relationship()


class NeedStatusChange(db.Model):
    __tablename__ = "forum_need_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("forum_need.id", ondelete="CASCADE"), index=True, nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str] = mapped_column(String(NOTE_MAX), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    actor: Mapped[User | None] = relationship()


class NeedProject(db.Model):
    """A need carried by a project (the link lives on the forums side)."""

    __tablename__ = "forum_need_project"
    __table_args__ = (UniqueConstraint("need_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        ForeignKey("forum_need.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True, nullable=False
    )
    linked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --- notifications -----------------------------------------------------------------

class Subscription(TenantMixin, db.Model):
    """Following a topic or a category (exactly one of the two)."""

    __tablename__ = "forum_subscription"
    __table_args__ = (
        UniqueConstraint("user_id", "topic_id"),
        UniqueConstraint("user_id", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="CASCADE"), index=True, nullable=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_category.id", ondelete="CASCADE"), index=True, nullable=True
    )


class Notification(TenantMixin, db.Model):
    __tablename__ = "forum_notification"
    __table_args__ = (Index("ix_forum_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(String(300), nullable=False)
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="CASCADE"), nullable=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EmailMode(enum.StrEnum):
    IMMEDIATE = "immediat"
    DIGEST = "resume"
    NONE = "aucun"


EMAIL_MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("Un courriel à chaque notification"),
    EmailMode.DIGEST: _l("Un résumé par jour (vers 7 h)"),
    EmailMode.NONE: _l("Pas de courriel (seulement dans le portail)"),
}


class NotificationPreference(db.Model):
    """How a person wants forum notifications by email; no row means the daily digest."""

    __tablename__ = "forum_notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    email_mode: Mapped[str] = mapped_column(String(10), nullable=False,
                                            default=EmailMode.DIGEST)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- moderation ------------------------------------------------------------------

class Report(TenantMixin, db.Model):
    __tablename__ = "forum_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), index=True, nullable=False
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(String(NOTE_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    post: Mapped[Post] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class ModerationLog(TenantMixin, db.Model):
    __tablename__ = "forum_moderation_log"
    __table_args__ = (Index("ix_forum_moderation_log_org_at", "organisation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="SET NULL"), nullable=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_post.id", ondelete="SET NULL"), nullable=True
    )
    details: Mapped[str] = mapped_column(String(NOTE_MAX), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    actor: Mapped[User | None] = relationship()
    topic: Mapped[Topic | None] = relationship()


# --- search index --------------------------------------------------------------------

class SearchEntry(TenantMixin, db.Model):
    """One searchable document (a topic's first post, a reply or a need), with
    its text already normalised by forums.search. The full-text index over it is
    dialect-specific (see forums/search.py and the migration)."""

    __tablename__ = "forum_search"
    __table_args__ = (UniqueConstraint("post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topic.id", ondelete="CASCADE"), index=True, nullable=False
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_post.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What the visibility filter needs, copied here so that the search filters on
    # the index alone (no join to posts and topics): the topic's category (kept in
    # step by forums.search when a topic moves; no foreign key, the topic's own
    # one already cascades) and whether the post is shown (not hidden, not deleted).
    category_id: Mapped[int] = mapped_column(Integer, nullable=False)
    visible: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class SearchReindexRun(db.Model):
    """A full reindex in progress (or finished): the last post id written, so that
    a rerun after an interruption resumes after it (see forums.search.reindex_all).
    `organisation_id` is NULL for a reindex of every collectivité."""

    __tablename__ = "forum_search_reindex"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=True
    )
    last_post_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
