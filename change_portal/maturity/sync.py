"""Loading a parsed referential into the database (`flask maturity sync PATH`).

Idempotent (same content hash: nothing changes) and never changes a version a
submitted diagnosis used: a new content then makes version + 1, and the
editions already opened keep the version they were opened with. The caller
commits (one transaction: nothing is half-loaded).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from change_portal.extensions import db
from change_portal.maturity.models import (
    Diagnosis,
    DiagnosisStatus,
    Edition,
    Referential,
    Statement,
    Theme,
)
from change_portal.maturity.referential import ReferentialData


@dataclass(frozen=True)
class SyncResult:
    referential: Referential
    #: "created", "unchanged", "updated" (in place) or "new_version"
    action: str


def latest_referential(slug: str | None = None) -> Referential | None:
    """The newest version of `slug` (of any referential when slug is None)."""
    stmt = select(Referential)
    if slug is not None:
        stmt = stmt.where(Referential.slug == slug)
    return db.session.scalar(stmt.order_by(Referential.id.desc()).limit(1))


def is_used(referential: Referential) -> bool:
    """True when a submitted diagnosis answered this version."""
    return db.session.scalar(
        select(Diagnosis.id).join(Edition, Edition.id == Diagnosis.edition_id)
        .where(Edition.referential_id == referential.id,
               Diagnosis.status == DiagnosisStatus.SUBMITTED).limit(1)) is not None


def _fill(ref: Referential, data: ReferentialData, content_hash: str) -> None:
    """Bring `ref` to `data`: themes and statements matched by slug and key, so
    that answers of diagnoses in progress survive a wording fix."""
    ref.name, ref.label, ref.description = data.name, data.label, data.description
    ref.scale, ref.content_hash = list(data.scale), content_hash
    themes = {t.slug: t for t in ref.themes}
    kept = []
    for position, theme_data in enumerate(data.themes):
        theme = themes.get(theme_data.slug) or Theme(slug=theme_data.slug)
        theme.title, theme.description = theme_data.title, theme_data.description
        theme.tags, theme.position = list(theme_data.tags), position
        statements = {s.key: s for s in theme.statements}
        theme.statements = []
        for s_position, s_data in enumerate(theme_data.statements):
            statement = statements.get(s_data.key) or Statement(key=s_data.key)
            statement.text, statement.levels = s_data.text, list(s_data.levels)
            statement.position = s_position
            theme.statements.append(statement)
        kept.append(theme)
    ref.themes = kept


def sync_referential(data: ReferentialData) -> SyncResult:
    """Create, update in place or version the referential described by `data`
    (already checked by referential.load_folder). Flushes, never commits."""
    content_hash = data.content_hash()
    latest = latest_referential(data.slug)
    if latest is not None and latest.content_hash == content_hash:
        return SyncResult(latest, "unchanged")
    if latest is not None and not is_used(latest):
        _fill(latest, data, content_hash)
        db.session.flush()
        return SyncResult(latest, "updated")
    ref = Referential(slug=data.slug, version=(latest.version + 1) if latest else 1,
                      name=data.name, content_hash=content_hash)
    db.session.add(ref)
    _fill(ref, data, content_hash)
    db.session.flush()
    return SyncResult(ref, "new_version" if latest is not None else "created")
