"""Search of the forums, on the core's two-engine adapter (change_portal/core/search.py):
the FTS5 table `forum_search_fts` on SQLite, the `forum_search.tsv` column on
PostgreSQL, text normalised in Python (accents, plurals) on both.

The index carries what the visibility filter needs (collectivité, category, whether
the post is shown), so a search reads the index alone; on PostgreSQL the collectivité
and the words are filtered together by one GIN index on (organisation_id, tsv).
A search is bounded whatever the number of matches: it counts matches up to a cap
("plus de 1 000 résultats"), ranks only the newest `candidates` matches and pages
through those.

Callers: services call `index_post` on every write, `set_visible` when a post is
hidden, restored or deleted, `move_topic` when a topic changes category; `search(...)`
answers the search page; `reindex_all()` serves `flask forums reindex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    and_,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    union_all,
    update,
)

from change_portal.core import cache
from change_portal.core import search as engine
from change_portal.core.models import utcnow
from change_portal.core.search import STOPWORDS, normalise, query_terms  # noqa: F401
from change_portal.extensions import db
from forums.models import Category, Need, Post, Topic
from forums.search_models import SearchEntry, SearchReindexRun

FTS_TABLE = "forum_search_fts"
CANDIDATES = 200  # matches ranked by relevance (the newest ones)
COUNT_CAP = 1000  # matches counted; beyond: "plus de 1 000 résultats"
CHUNK = 2000  # posts per reindex transaction
# The cached search results (forums.shared.search_results). Every write to the index
# below notes its collectivité's change (the watch cannot tell it from a Core statement).
WATCH = "forums.search"

_ENTRIES = SearchEntry.__table__


# --- writing ----------------------------------------------------------------------

def _entry(*, post_id: int, organisation_id: int, topic_id: int, category_id: int,
           is_first: bool, body: str, topic_title: str, workaround: str | None,
           visible: bool) -> dict:
    """The index row of one post: the topic's title lives on its first post, and a
    need's workaround is searched with it."""
    parts = [body]
    if is_first and workaround:
        parts.append(workaround)
    return {"post_id": post_id, "organisation_id": organisation_id, "topic_id": topic_id,
            "category_id": category_id, "visible": visible,
            "title": normalise(topic_title if is_first else ""),
            "body": normalise("\n".join(parts))}


def _write(rows: list[dict], where) -> None:
    """Upsert the rows (one executemany) and mirror the entries `where` selects
    into the SQLite FTS table."""
    for organisation_id in {row["organisation_id"] for row in rows}:
        cache.note_change(db.session, WATCH, organisation_id)
    engine.upsert(_ENTRIES, rows, key="post_id")
    engine.fts_rewrite(FTS_TABLE, select(SearchEntry.id, SearchEntry.title, SearchEntry.body)
                       .where(where))


def index_post(post: Post) -> None:
    """Add or refresh the entry of one post (a hidden or deleted post keeps its entry,
    flagged not visible, so restoring it needs no reindex)."""
    topic = post.topic
    need = topic.need if post.is_first else None
    row = _entry(post_id=post.id, organisation_id=post.organisation_id, topic_id=topic.id,
                 category_id=topic.category_id, is_first=post.is_first, body=post.body,
                 topic_title=topic.title, workaround=need.workaround if need else None,
                 visible=post.deleted_at is None and post.hidden_at is None)
    _write([row], SearchEntry.post_id == post.id)


def reindex_topic_title(topic: Topic) -> None:
    """The title lives on the first post's entry."""
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.is_first))
    if first is not None:
        index_post(first)


def set_visible(post: Post) -> None:
    """Keep the entry's visibility in step once a post is hidden, restored or deleted."""
    cache.note_change(db.session, WATCH, post.organisation_id)
    db.session.execute(
        update(SearchEntry).where(SearchEntry.post_id == post.id)
        .values(visible=post.deleted_at is None and post.hidden_at is None)
        .execution_options(synchronize_session=False))


def move_topic(topic: Topic) -> None:
    """Keep the entries of a topic in step once it moved to another category."""
    cache.note_change(db.session, WATCH, topic.organisation_id)
    db.session.execute(
        update(SearchEntry).where(SearchEntry.topic_id == topic.id)
        .values(category_id=topic.category_id)
        .execution_options(synchronize_session=False))


def _posts_to_index(organisation_id: int | None):
    """Column rows (no ORM objects) of the posts with what their entry needs."""
    stmt = (
        select(Post.id, Post.organisation_id, Post.topic_id, Post.is_first, Post.body,
               Post.deleted_at, Post.hidden_at, Topic.title, Topic.category_id,
               Need.workaround)
        .join(Topic, Topic.id == Post.topic_id)
        .outerjoin(Need, and_(Need.topic_id == Topic.id, Post.is_first))
    )
    if organisation_id is not None:
        stmt = stmt.where(Post.organisation_id == organisation_id)
    return stmt


def _changed(rows: list[dict], in_chunk) -> list[dict]:
    """The rows that differ from the index (one SELECT for the chunk): writing only
    those spares PostgreSQL the tsvector of every unchanged post on a rerun."""
    columns = [SearchEntry.__table__.c[name] for name in rows[0]]
    current = {r.post_id: tuple(r) for r in db.session.execute(select(*columns).where(in_chunk))}
    return [row for row in rows if current.get(row["post_id"]) != tuple(row.values())]


def _open_run(organisation_id: int | None, restart: bool) -> tuple[int, int]:
    """(run id, last post id done): the unfinished run of this scope, or a new one."""
    runs = SearchReindexRun.__table__
    scope = (runs.c.organisation_id.is_(None) if organisation_id is None
             else runs.c.organisation_id == organisation_id)
    unfinished = and_(scope, runs.c.finished_at.is_(None))
    if restart:
        db.session.execute(delete(runs).where(unfinished))
    else:
        row = db.session.execute(select(runs.c.id, runs.c.last_post_id).where(unfinished)
                                 .order_by(runs.c.id.desc()).limit(1)).first()
        if row is not None:
            return row.id, row.last_post_id
    run_id = db.session.execute(
        insert(runs).values(organisation_id=organisation_id, last_post_id=0,
                            started_at=utcnow()).returning(runs.c.id)).scalar_one()
    db.session.commit()
    return run_id, 0


def reindex_all(organisation_id: int | None = None, on_progress=None, *,
                chunk_size: int = CHUNK, restart: bool = False) -> int:
    """Rebuild the index from the posts (all collectivités by default) and return
    how many posts it covers; `on_progress(done, total, "")` after each chunk.

    Streams the posts by id in chunks of `chunk_size` (column rows, no ORM objects),
    writes each chunk with one executemany and COMMITS it with its checkpoint, so
    memory stays flat and searches keep the current index meanwhile. Idempotent (an
    upsert keyed by post, unchanged rows are not rewritten) and resumable: a rerun
    after an interruption continues after the last committed chunk (`restart` starts
    over)."""
    runs = SearchReindexRun.__table__
    run_id, last = _open_run(organisation_id, restart)
    source = _posts_to_index(organisation_id)
    count = select(func.count()).select_from(Post)
    if organisation_id is not None:
        count = count.where(Post.organisation_id == organisation_id)
    total = db.session.scalar(count) or 0
    done = (db.session.scalar(count.where(Post.id <= last)) or 0) if last else 0
    while True:
        if engine.dialect() == "postgresql":
            # New entries wait in the GIN index's pending list until it exceeds this
            # (64 MB here, 4 MB by default): merged in one go at the end (below), a
            # fresh build of 110,000 entries took 54 s of PostgreSQL instead of 88.
            db.session.execute(text("SET LOCAL gin_pending_list_limit = 65536"))
        chunk = db.session.execute(
            source.where(Post.id > last).order_by(Post.id).limit(chunk_size)).all()
        if not chunk:
            break
        rows = [_entry(post_id=r.id, organisation_id=r.organisation_id, topic_id=r.topic_id,
                       category_id=r.category_id, is_first=r.is_first, body=r.body,
                       topic_title=r.title, workaround=r.workaround,
                       visible=r.deleted_at is None and r.hidden_at is None) for r in chunk]
        first, last = chunk[0].id, chunk[-1].id
        in_chunk = SearchEntry.post_id.between(first, last)
        if organisation_id is not None:
            in_chunk = and_(in_chunk, SearchEntry.organisation_id == organisation_id)
        # SQLite (the small embedded mode) rewrites every entry: that also repairs
        # an FTS table that lost rows.
        stale = rows if engine.dialect() == "sqlite" else _changed(rows, in_chunk)
        if stale:
            _write(stale, in_chunk)
        db.session.execute(update(runs).where(runs.c.id == run_id).values(last_post_id=last))
        db.session.commit()
        done += len(chunk)
        del chunk, rows
        if on_progress is not None:
            on_progress(done, total, "")
    if organisation_id is None:
        engine.fts_prune(FTS_TABLE, SearchEntry.__tablename__)
    if engine.dialect() == "postgresql":
        # Merge the GIN index's pending list now (searches scan it linearly until
        # autovacuum does) and refresh the statistics the search plans rely on.
        db.session.execute(text("SELECT gin_clean_pending_list('ix_forum_search_org_tsv')"))
        db.session.execute(text("ANALYZE forum_search"))
    db.session.execute(update(runs).where(runs.c.id == run_id).values(finished_at=utcnow()))
    # Chunks already committed noted their own changes; this covers a run with nothing
    # left to write but the FTS table pruned.
    cache.note_change(db.session, WATCH, organisation_id)
    db.session.commit()
    return done


# --- reading ----------------------------------------------------------------------

@dataclass
class Hit:
    entry_id: int
    topic_id: int
    post_id: int
    rank: float
    title: str
    kind: str
    category: str
    created_at: datetime
    body_html: str


@dataclass
class Results:
    hits: list[Hit]
    total: int  # matches, counted up to the cap
    capped: bool  # more matches than the cap ("plus de 1 000 résultats")
    ranked: int  # matches ranked, hence reachable through the pages

    @classmethod
    def empty(cls) -> Results:
        return cls([], 0, False, 0)


def search(organisation_id: int, category_ids: list[int], query: str, *, limit: int,
           offset: int, candidates: int = CANDIDATES, count_cap: int = COUNT_CAP) -> Results:
    """One page of hits among the visible posts of the given categories (of one
    collectivité), with what the page shows of each, in one statement (and a SET).

    Bounded whatever the number of matches: the newest `candidates` matches are
    ranked by relevance (title words weigh more) and paged through; matches are
    counted up to `count_cap`. How the newest are found depends on that count (the
    database skips the branch not taken):
    - at most `count_cap` matches: they are all in hand from the count (on PostgreSQL
      one scan of the GIN index on (organisation_id, tsv), stopped at the cap);
    - more: the collectivité's entries are walked from the newest (the index on
      (organisation_id + 0, id + 0)) until `candidates` matches are found, which is
      quick precisely because matches are then frequent.
    Either way the work is proportional to the caps, not to the index."""
    terms = query_terms(query)
    if not terms or not category_ids:
        return Results.empty()
    entry = SearchEntry
    matches = engine.matches(entry, FTS_TABLE, terms)
    shown = (entry.visible.is_(True), entry.category_id.in_(category_ids))
    found = (select(entry.id).where(entry.organisation_id == organisation_id, matches, *shown)
             .limit(count_cap + 1).cte("found"))
    counted = select(func.count()).select_from(found).scalar_subquery()
    few = (select(found.c.id).where(counted <= count_cap)
           .order_by(found.c.id.desc()).limit(candidates).subquery("few"))
    # `+ 0` on both columns: the (organisation_id + 0, id + 0) index is then the only
    # one that serves this condition and this order, so the planner walks it (the
    # primary key would cross every other collectivité's newer entries, and the count
    # above would walk it too if it served `organisation_id = …`). The words are
    # tested without the GIN index here, for the same reason: its estimate of the
    # matches is often far too low, and the planner would rather collect and sort them.
    walked = engine.matches(entry, FTS_TABLE, terms, by_index=False)
    newest = (select(entry.id)
              .where((entry.organisation_id + literal_column("0")) == organisation_id,
                     walked, *shown, counted > count_cap)
              .order_by((entry.id + literal_column("0")).desc())
              .limit(candidates).subquery("newest"))
    best = union_all(select(few.c.id), select(newest.c.id)).cte("candidates")
    ranked, order = engine.rank_candidates(entry, FTS_TABLE, terms, best,
                                           entry.id, entry.topic_id, entry.post_id)
    page = (ranked.add_columns(counted.label("total")).order_by(*order)
            .limit(limit).offset(offset).subquery("page"))
    engine.plan_with_the_words()
    rows = db.session.execute(
        select(page, Topic.title, Topic.kind, Category.name, Post.created_at, Post.body_html)
        .join(Post, Post.id == page.c.post_id)
        .join(Topic, Topic.id == page.c.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .order_by(page.c.rank.desc(), page.c.id.desc())
    ).all()
    if rows:
        count = rows[0].total
    elif offset == 0:  # no match at all
        count = 0
    else:  # a page past the end: the count alone
        count = db.session.scalar(select(func.count()).select_from(found)) or 0
    hits = [Hit(r.id, r.topic_id, r.post_id, float(r.rank or 0), r.title, r.kind, r.name,
                r.created_at, r.body_html) for r in rows]
    return Results(hits, min(count, count_cap), count > count_cap, min(count, candidates))
