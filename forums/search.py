"""Search of the forums, on the core's two-engine adapter (change_portal/core/search.py):
the FTS5 table `forum_search_fts` on SQLite, the `forum_search.tsv` column on
PostgreSQL, text normalised in Python (accents, plurals) on both.

Callers: services call `index_post` / `unindex_post` on every write;
`search(...)` answers the search page; `reindex_all()` serves `flask forums reindex`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from change_portal.core import search as engine
from change_portal.core.search import STOPWORDS, normalise, query_terms  # noqa: F401
from change_portal.extensions import db
from forums.models import Need, Post, SearchEntry, Topic

FTS_TABLE = "forum_search_fts"


# --- writing ----------------------------------------------------------------------

def _document(post: Post, topic: Topic, need: Need | None) -> tuple[str, str]:
    title = topic.title if post.is_first else ""
    parts = [post.body]
    if post.is_first and need is not None:
        parts.append(need.workaround)
    return normalise(title), normalise("\n".join(parts))


def index_post(post: Post) -> None:
    """Add or refresh the entry of one post (hidden or deleted posts stay indexed
    but are filtered out at query time, so restoring needs no reindex)."""
    topic = post.topic
    title, body = _document(post, topic, topic.need if post.is_first else None)
    entry = db.session.scalar(select(SearchEntry).where(SearchEntry.post_id == post.id))
    if entry is None:
        entry = SearchEntry(organisation_id=post.organisation_id, topic_id=topic.id,
                            post_id=post.id)
        db.session.add(entry)
    entry.title, entry.body, entry.topic_id = title, body, topic.id
    db.session.flush()
    engine.fts_write(FTS_TABLE, entry.id, title, body)


def reindex_topic_title(topic: Topic) -> None:
    """The title lives on the first post's entry."""
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.is_first))
    if first is not None:
        index_post(first)


def reindex_all(organisation_id: int | None = None, on_progress=None) -> int:
    """Rebuild the index from the posts (all collectivités by default);
    `on_progress(done, total, "")` is called every 100 posts and at the end."""
    stmt = select(Post)
    if organisation_id is not None:
        stmt = stmt.where(Post.organisation_id == organisation_id)
    if organisation_id is None:
        engine.fts_delete(FTS_TABLE)
    else:
        engine.fts_delete_where(FTS_TABLE, "SELECT id FROM forum_search WHERE organisation_id = :o",
                                {"o": organisation_id})
    wipe = delete(SearchEntry)
    if organisation_id is not None:
        wipe = wipe.where(SearchEntry.organisation_id == organisation_id)
    db.session.execute(wipe)
    count = 0
    posts = db.session.scalars(stmt).all()
    for post in posts:
        index_post(post)
        count += 1
        if on_progress is not None and (count % 100 == 0 or count == len(posts)):
            on_progress(count, len(posts), "")
    return count


# --- reading ----------------------------------------------------------------------

@dataclass
class Hit:
    entry_id: int
    topic_id: int
    post_id: int
    rank: float


def search(organisation_id: int, category_ids: list[int], query: str, *, limit: int,
           offset: int) -> tuple[list[Hit], int]:
    """Ranked hits among visible posts of the given categories, and the total."""
    terms = query_terms(query)
    if not terms or not category_ids:
        return [], 0
    base, order = engine.ranked(SearchEntry, FTS_TABLE, terms, SearchEntry.id,
                                SearchEntry.topic_id, SearchEntry.post_id)
    base = (
        base.join(Post, Post.id == SearchEntry.post_id)
        .join(Topic, Topic.id == SearchEntry.topic_id)
        .where(
            SearchEntry.organisation_id == organisation_id,
            Topic.category_id.in_(category_ids),
            Post.deleted_at.is_(None),
            Post.hidden_at.is_(None),
        )
    )
    total = db.session.scalar(select(func.count()).select_from(base.order_by(None).subquery()))
    rows = db.session.execute(base.order_by(*order).limit(limit).offset(offset)).all()
    return [Hit(r[0], r[1], r[2], float(r[3] or 0)) for r in rows], total or 0
