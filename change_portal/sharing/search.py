"""Full-text search of published fiches, on the core's two-engine adapter
(change_portal/core/search.py). Only published snapshots are indexed: a fiche
unpublished leaves the index at once."""

from __future__ import annotations

from sqlalchemy import delete, select

from change_portal.core import search as engine
from change_portal.extensions import db
from change_portal.sharing.models import Fiche, SharingSearchEntry

FTS_TABLE = "sharing_search_fts"


def _document(content: dict) -> tuple[str, str]:
    parts = [content.get("summary", ""), content.get("problem", ""),
             content.get("what_done", ""), content.get("organisation", ""),
             " ".join(content.get("needs", [])),
             " ".join(r.get("name", "") for r in content.get("results", [])),
             engine.strip_tags(content.get("difficulties_html", ""))]
    return engine.normalise(content.get("title", "")), engine.normalise("\n".join(parts))


def index_fiche(fiche: Fiche) -> None:
    """Add or refresh the entry of a published fiche."""
    if not fiche.published or not fiche.published_content:
        unindex_fiche(fiche)
        return
    title, body = _document(fiche.published_content)
    entry = db.session.scalar(select(SharingSearchEntry)
                              .where(SharingSearchEntry.fiche_id == fiche.id))
    if entry is None:
        entry = SharingSearchEntry(fiche_id=fiche.id)
        db.session.add(entry)
    entry.title, entry.body = title, body
    db.session.flush()
    engine.fts_write(FTS_TABLE, entry.id, title, body)


def unindex_fiche(fiche: Fiche) -> None:
    ids = list(db.session.scalars(select(SharingSearchEntry.id)
                                  .where(SharingSearchEntry.fiche_id == fiche.id)))
    if ids:
        engine.fts_delete(FTS_TABLE, ids)
        db.session.execute(delete(SharingSearchEntry).where(SharingSearchEntry.id.in_(ids)))
        db.session.flush()


def reindex_all() -> int:
    engine.fts_delete(FTS_TABLE)
    db.session.execute(delete(SharingSearchEntry))
    count = 0
    for fiche in db.session.scalars(select(Fiche).where(Fiche.published.is_(True))):
        index_fiche(fiche)
        count += 1
    return count


def matching(query: str):
    """(SELECT fiche_id, rank …, order) for the fiches matching `query`, or None
    when the query has no searchable word."""
    terms = engine.query_terms(query)
    if not terms:
        return None
    return engine.ranked(SharingSearchEntry, FTS_TABLE, terms, SharingSearchEntry.fiche_id)
