"""Retours d'expérience: fiches made from projects and shared with the other
collectivités of the deployment, their "ça nous intéresse", questions and answers,
reuses, and the association's journées de partage.

A fiche has a working copy (edited by its collectivité) and a published snapshot
(`published_content`, the only thing other collectivités read). Validation copies
the working copy into the snapshot and keeps the previous one in FicheRevision.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.accounts.models import User
from change_portal.core.labels import label
from change_portal.core.models import TenantMixin, TimestampMixin, UTCDateTime, utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Organisation


class FicheStatus(enum.StrEnum):
    DRAFT = "brouillon"  # being written (or edited after publication)
    SUBMITTED = "soumise"  # waiting for validation
    VALIDATED = "validee"  # working copy == published snapshot


FICHE_STATUS_LABELS = {
    FicheStatus.DRAFT: _l("Brouillon"),
    FicheStatus.SUBMITTED: _l("En attente de validation"),
    FicheStatus.VALIDATED: _l("Validée"),
}


class Fiche(TenantMixin, TimestampMixin, db.Model):
    """A fiche retour d'expérience of one collectivité, made from one project."""

    __tablename__ = "sharing_fiche"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True, nullable=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    # --- working copy --------------------------------------------------------
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    problem: Mapped[str] = mapped_column(Text, nullable=False, default="")
    needs: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # titles only
    what_done: Mapped[str] = mapped_column(Text, nullable=False, default="")
    results: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    involvement: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    difficulties: Mapped[str] = mapped_column(Text, nullable=False, default="")
    difficulties_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cost: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    duration: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    links: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    repo_url: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    contact_role: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    # --- context, copied from the collectivité --------------------------------
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    band: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    region: Mapped[str | None] = mapped_column(String(3), nullable=True)
    # --- workflow --------------------------------------------------------------
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=FicheStatus.DRAFT)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # --- what the other collectivités see --------------------------------------
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    published_content: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True,
                                                          index=True)
    # Denormalised from the snapshot, for the catalogue's filters and sort.
    pub_title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    pub_themes: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # ",a,b,"
    has_repo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    interest_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, index=True)

    organisation: Mapped[Organisation] = relationship()
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_id])

    @property
    def status_label(self) -> str:
        return label(FICHE_STATUS_LABELS, self.status)


class FicheRevision(TenantMixin, db.Model):
    """One validated version of a fiche (the history of what was published)."""

    __tablename__ = "sharing_fiche_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), index=True, nullable=False
    )
    content: Mapped[dict] = mapped_column(JSON, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    validated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    note: Mapped[str] = mapped_column(String(40), nullable=False, default="")  # or unpublished

    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])


class FicheInterest(db.Model):
    """"Ça nous intéresse": one per (fiche, interested collectivité)."""

    __tablename__ = "sharing_interest"
    __table_args__ = (UniqueConstraint("fiche_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), index=True, nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    organisation: Mapped[Organisation] = relationship()


class FicheQuestion(TimestampMixin, db.Model):
    """A question on a published fiche (parent_id None) or an answer to one.
    Public to every member of the deployment; organisation_id is the writer's."""

    __tablename__ = "sharing_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), index=True, nullable=False
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("sharing_question.id", ondelete="CASCADE"), index=True, nullable=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation] = relationship()


class QuestionReport(db.Model):
    __tablename__ = "sharing_question_report"
    __table_args__ = (UniqueConstraint("question_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_question.id", ondelete="CASCADE"), index=True, nullable=False
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FicheReuse(db.Model):
    """"S'en inspirer": a draft project of another collectivité made from a fiche."""

    __tablename__ = "sharing_reuse"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), index=True, nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=False
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), index=True, nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    fiche: Mapped[Fiche] = relationship()


class SharingEvent(TimestampMixin, db.Model):
    """A journée de partage of the association (platform-wide, no tenant)."""

    __tablename__ = "sharing_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    online_url: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    programme: Mapped[str] = mapped_column(Text, nullable=False, default="")
    programme_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )


class EventProposal(db.Model):
    """A collectivité proposes one of its published fiches for an event."""

    __tablename__ = "sharing_event_proposal"
    __table_args__ = (UniqueConstraint("event_id", "fiche_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_event.id", ondelete="CASCADE"), index=True, nullable=False
    )
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), index=True, nullable=False
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    fiche: Mapped[Fiche] = relationship()


class EventAttendance(db.Model):
    __tablename__ = "sharing_event_attendance"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_event.id", ondelete="CASCADE"), index=True, nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    )


class SharingSearchEntry(db.Model):
    """Normalised text of a published fiche for full-text search (core/search.py):
    an FTS5 table on SQLite, a generated tsvector column on PostgreSQL."""

    __tablename__ = "sharing_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")


class FicheAttachment(TenantMixin, db.Model):
    """A document (PDF) or an image attached to a fiche, checked by its bytes
    (core/uploads.py). Other collectivités reach it only when the published
    snapshot lists it."""

    __tablename__ = "sharing_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiche_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_fiche.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
