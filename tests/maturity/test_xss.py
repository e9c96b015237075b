"""Every entry of the XSS corpora through the comments (Markdown, one pipeline)
and the referential's texts (plain text, escaped), on every page that shows them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.maturity import jobs, services
from change_portal.maturity.models import Answer, Theme
from tests import factories
from tests.maturity import factories as mf
from tests.security.pages import batches, corpus
from tests.security.test_xss_static import Findings

COMMENT_LIMIT = 4_900


@pytest.fixture
def world(db, org, client):
    ref = mf.shipped_referential()
    edition = mf.create_edition(ref)
    diagnosis = mf.submitted_diagnosis(ref, {}, org=org, edition=edition, submit=False)
    admin = factories.create_user(org, ["admin", "elected"])
    factories.log_in(client, admin)
    theme = db.session.scalar(select(Theme).where(Theme.referential_id == ref.id,
                                                  Theme.slug == "cybersecurite"))
    return admin, diagnosis, theme, edition


def test_comments(world, client):
    admin, diagnosis, theme, _edition = world
    f = Findings("maturity comments")
    texts = batches(corpus(), COMMENT_LIMIT)
    statements = theme.statements
    for start in range(0, len(texts), len(statements)):
        group = texts[start:start + len(statements)]
        inputs = []
        for statement, (text, payloads) in zip(statements, group, strict=False):
            f.tried(payloads)
            current = db.session.scalar(select(Answer.edit_version).where(
                Answer.diagnosis_id == diagnosis.id, Answer.statement_id == statement.id))
            inputs.append(services.AnswerInput(statement.id, 2, text, current or 0))
        assert services.save_theme(admin, diagnosis, theme, inputs) == []
        db.session.flush()
        for answer in db.session.scalars(select(Answer).where(
                Answer.diagnosis_id == diagnosis.id)):
            f.stored(answer.comment_html, [p for _t, ps in group for p in ps])
        # Read-only view (submitted) renders the stored HTML.
        diagnosis.status = "submitted"
        f.page(client, f"/maturite/diagnostic/{diagnosis.id}/themes/{theme.slug}",
               [p for _t, ps in group for p in ps])
        diagnosis.status = "in_progress"
    f.done(corpus())


def test_referential_texts(world, client):
    _admin, diagnosis, theme, edition = world
    f = Findings("referential texts")
    statement = theme.statements[0]
    edition.status, edition.published_at = "closed", utcnow()
    for text, payloads in batches(corpus(), 19_000):
        f.tried(payloads)
        theme.title = text[:200]
        theme.description = text
        statement.text = text
        statement.levels = [text[:3000]] * 6
        db.session.flush()
        for url in (f"/maturite/diagnostic/{diagnosis.id}/themes/{theme.slug}",
                    f"/maturite/diagnostic/{diagnosis.id}/resultats",
                    f"/maturite/diagnostic/{diagnosis.id}"):
            f.page(client, url, payloads)
    jobs.refresh_distributions(edition.id)
    f.page(client, f"/observatoire/{edition.slug}", [])
    f.done(corpus())
