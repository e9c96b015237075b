"""The search adapter: one small module, two engines.

- SQLite: an FTS5 table `forum_search_fts(title, body)` whose rowid is
  `forum_search.id`, tokenised with `unicode61 remove_diacritics 2`, ranked by bm25.
- PostgreSQL: a generated column `forum_search.tsv` =
  `to_tsvector('french', title || ' ' || body)` with a GIN index, queried with
  `websearch_to_tsquery('french', …)` and ranked by `ts_rank`.

On both, the text is normalised in Python before it is stored and before it is
searched (`normalise`): lower case, accents removed, a trailing s/x dropped on words
of more than 3 letters. So "démarche", "Démarches" and "demarches" meet, and
PostgreSQL needs no `unaccent` extension (which would need a superuser).

Callers: services call `index_post` / `unindex_post` on every write;
`search(...)` answers the search page; `reindex_all()` serves `flask forums reindex`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, literal_column, select, text

from change_portal.extensions import db
from forums.models import Need, Post, SearchEntry, Topic

FTS_TABLE = "forum_search_fts"
STOPWORDS = {
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "au", "aux", "en", "pour",
    "sur", "dans", "par", "que", "qui", "ou", "ne", "pas", "est", "il", "elle", "on",
}  # fmt: skip
_WORD = re.compile(r"\w+", re.UNICODE)


def _strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _word(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def normalise(value: str) -> str:
    """Text as indexed and searched: lower case, no accents, simple plurals dropped."""
    words = _WORD.findall(_strip_accents(value or "").lower())
    return " ".join(_word(w) for w in words)


def query_terms(query: str) -> list[str]:
    """The words of a search query worth matching (max 12)."""
    terms = [w for w in normalise(query).split() if len(w) > 1 and w not in STOPWORDS]
    return list(dict.fromkeys(terms))[:12]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


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
    if _dialect() == "sqlite":
        db.session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"),  # noqa: S608
                           {"id": entry.id})
        db.session.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:id, :t, :b)"),  # noqa: S608
            {"id": entry.id, "t": title, "b": body},
        )


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
    if _dialect() == "sqlite":
        if organisation_id is None:
            db.session.execute(text(f"DELETE FROM {FTS_TABLE}"))  # noqa: S608
        else:
            db.session.execute(
                text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN "  # noqa: S608
                     "(SELECT id FROM forum_search WHERE organisation_id = :o)"),
                {"o": organisation_id},
            )
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
    if _dialect() == "postgresql":
        tsv = literal_column("forum_search.tsv")
        tsq = func.websearch_to_tsquery(literal_column("'french'::regconfig"), " ".join(terms))
        rank = func.ts_rank(tsv, tsq)
        base = select(SearchEntry.id, SearchEntry.topic_id, SearchEntry.post_id,
                      rank.label("rank")).where(tsv.op("@@")(tsq))
        order = [rank.desc(), SearchEntry.id.desc()]
    else:
        fts_query = " ".join('"' + t.replace('"', "") + '"' for t in terms)
        fts = text(f"SELECT rowid AS rid, bm25({FTS_TABLE}, 5.0, 1.0) AS score "  # noqa: S608
                   f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q").bindparams(q=fts_query)
        sub = fts.columns(db.column("rid"), db.column("score")).subquery("fts")
        base = select(SearchEntry.id, SearchEntry.topic_id, SearchEntry.post_id,
                      (-sub.c.score).label("rank")).join(sub, sub.c.rid == SearchEntry.id)
        order = [sub.c.score.asc(), SearchEntry.id.desc()]
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
