"""Helpers building maturity rows for tests (flush, never commit)."""

from __future__ import annotations

import functools
import itertools
from datetime import date

from sqlalchemy import select

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.maturity.models import (  # noqa: F401 - Answer re-exported for tests
    Answer,
    Diagnosis,
    DiagnosisStatus,
    Edition,
    Referential,
    Statement,
    Theme,
)
from change_portal.maturity.referential import SHIPPED, load_folder
from change_portal.maturity.sync import sync_referential
from tests import factories

_seq = itertools.count(1)


@functools.cache
def _shipped_data():
    return load_folder(SHIPPED)  # parsed once per test run (the files do not change)


def shipped_referential() -> Referential:
    return sync_referential(_shipped_data()).referential


def create_edition(ref: Referential | None = None, *, status: str = "open",
                   slug: str | None = None, title: str | None = None,
                   opens_on: date = date(2026, 1, 1),
                   closes_on: date = date(2026, 12, 31)) -> Edition:
    n = next(_seq)
    edition = Edition(slug=slug or f"edition-{n}", title=title or f"Édition {n}",
                      referential_id=(ref or shipped_referential()).id, opens_on=opens_on,
                      closes_on=closes_on, status=status)
    db.session.add(edition)
    db.session.flush()
    return edition


def statements_of(ref: Referential) -> dict[str, list[Statement]]:
    rows = db.session.scalars(select(Statement).join(Theme).where(
        Theme.referential_id == ref.id).order_by(Theme.position, Statement.position))
    result: dict[str, list[Statement]] = {}
    for statement in rows:
        result.setdefault(statement.theme.slug, []).append(statement)
    return result


def submitted_diagnosis(ref: Referential, levels: dict[str, list[int | None]], *, org=None,
                        edition: Edition | None = None, submit: bool = True) -> Diagnosis:
    """A diagnosis of `org` (a new commune by default) answering, per theme slug,
    the listed levels in statement order; submitted unless submit=False."""
    org = org or factories.create_organisation()
    edition = edition or create_edition(ref)
    diagnosis = Diagnosis(organisation_id=org.id, edition_id=edition.id,
                          status=DiagnosisStatus.IN_PROGRESS)
    db.session.add(diagnosis)
    db.session.flush()
    by_theme = statements_of(ref)
    for slug, values in levels.items():
        for statement, level in zip(by_theme[slug], values, strict=False):
            if level is not None:
                db.session.add(Answer(organisation_id=org.id, diagnosis_id=diagnosis.id,
                                      statement_id=statement.id, level=level))
    if submit:
        diagnosis.status = DiagnosisStatus.SUBMITTED
        diagnosis.submitted_at = utcnow()
    db.session.flush()
    return diagnosis
