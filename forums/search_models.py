"""The forum search index: one row per searchable post (`forum_search`) and the
checkpoints of a full reindex. The index is a plain table; the full-text parts (an
FTS5 virtual table on SQLite, a generated tsvector column on PostgreSQL) are created
by the migration and used only through forums/search.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from change_portal.core.models import TenantMixin, UTCDateTime, utcnow
from change_portal.extensions import db


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
