"""Nobody outside a collectivité, the platform operator included, ever sees its
answers, comments or levels: every maturity page, export and API, tried as
every role of another collectivité and as the operator."""

from __future__ import annotations

import pytest
from flask import url_for

from change_portal.core.models import utcnow
from change_portal.maturity import jobs
from tests import factories
from tests.access import ROLES
from tests.maturity import factories as mf

SECRET = "Commentaire-confidentiel-de-Ville-A"


@pytest.fixture
def world(db, org, other_org):
    ref = mf.shipped_referential()
    closed = mf.create_edition(ref, status="closed", slug="ancienne", title="Ancienne")
    edition = mf.create_edition(ref, slug="courante", title="Courante")
    mine = {}
    for ed in (closed, edition):
        # Ville A: 4.8 in cybersecurity, higher than anyone (a maximum is never shown).
        d = mf.submitted_diagnosis(ref, {"cybersecurite": [4, 5, 5, 5]}, org=org, edition=ed)
        d.theme_levels, d.overall_level = {"cybersecurite": 4.8}, 4.8
        d.stratum_kind, d.stratum_band = "commune", "3500-9999"
        for answer in db.session.scalars(db.select(mf.Answer).where(
                mf.Answer.diagnosis_id == d.id)):
            answer.comment, answer.comment_html = SECRET, f"<p>{SECRET}</p>"
        mine[ed.slug] = d
        for level in (1.0, 1.5, 2.0, 2.5, 3.0):
            peer = factories.create_organisation()
            p = mf.submitted_diagnosis(ref, {"cybersecurite": [int(level)]}, org=peer,
                                       edition=ed)
            p.theme_levels, p.overall_level = {"cybersecurite": level}, level
            p.stratum_kind, p.stratum_band = "commune", "3500-9999"
        jobs.refresh_distributions(ed.id)
    closed.published_at = utcnow()
    theirs = mf.submitted_diagnosis(ref, {"donnees": [1]}, org=other_org, edition=edition,
                                    submit=False)
    return {"diagnosis": mine["courante"], "old": mine["ancienne"], "edition": edition,
            "closed": closed, "theirs": theirs}


def _get_urls(app, values):
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("maturity") or "GET" not in rule.methods:
                continue
            for diag_key in ("diagnosis", "old", "theirs"):
                kwargs = {"diagnosis_id": values[diag_key].id, "theme_slug": "cybersecurite",
                          "edition_id": values["edition"].id, "edition": values["closed"].slug}
                urls.append(url_for(rule.endpoint, **{a: kwargs[a] for a in rule.arguments}))
            if "edition_id" in rule.arguments:
                urls.append(url_for(rule.endpoint, edition_id=values["closed"].id))
    return sorted(set(urls))


def _leaks(text: str) -> list[str]:
    return [s for s in (SECRET, "4,8", "4.8") if s in text]


@pytest.mark.parametrize("actor", [*ROLES, "anonymous"])
def test_no_page_shows_another_collectivites_answers(app, client, other_org, world, actor):
    if actor != "anonymous":
        user = factories.create_user(None if actor == "operator" else other_org, [actor])
        factories.log_in(client, user)
    reached = 0
    for url in _get_urls(app, world):
        resp = client.get(url)
        body = resp.get_data(as_text=True)
        assert not _leaks(body), f"{actor} sees {_leaks(body)} on {url}"
        if resp.status_code == 200:
            reached += 1
        parts = url.split("/")
        if len(parts) > 3 and parts[2] == "diagnostic" and parts[3] in (
                str(world["diagnosis"].id), str(world["old"].id)):
            assert resp.status_code in (302, 403, 404), f"{actor} reached {url}"
    assert reached >= (2 if actor in ("anonymous",) else 3)


def test_members_of_the_collectivite_do_see_their_own(client, org, login_as, world):
    login_as("agent")
    html = client.get(f"/maturite/diagnostic/{world['diagnosis'].id}/themes/cybersecurite")
    assert SECRET in html.get_data(as_text=True)
    results = client.get(f"/maturite/diagnostic/{world['diagnosis'].id}/resultats")
    assert "votre niveau 4,8" in results.get_data(as_text=True)


def test_person_export_and_erasure(org, world):
    from sqlalchemy import select

    from change_portal.core import privacy
    from change_portal.extensions import db
    from change_portal.maturity.models import Answer, Assignment, Diagnosis, Theme

    person = factories.create_user(org, ["admin"])
    diagnosis = world["diagnosis"]
    answer = db.session.scalar(select(Answer).where(Answer.diagnosis_id == diagnosis.id))
    answer.updated_by_id = person.id
    theme = db.session.scalar(select(Theme).where(Theme.slug == "donnees"))
    db.session.add(Assignment(organisation_id=org.id, diagnosis_id=diagnosis.id,
                              theme_id=theme.id, user_id=person.id))
    diagnosis.submitted_by_id = person.id
    db.session.flush()
    data = privacy.collect(person)
    assert data["maturite_reponses"][0]["commentaire"] == SECRET
    assert data["maturite_themes_confies"][0]["theme"].startswith("Données")
    privacy.erase(person)
    db.session.expire_all()
    kept = db.session.get(Answer, answer.id)
    assert kept.updated_by_id is None and kept.level is not None  # the diagnosis stays true
    assert db.session.scalar(select(Assignment.user_id).where(
        Assignment.theme_id == theme.id)) is None
    assert db.session.get(Diagnosis, diagnosis.id).submitted_by_id is None


def test_deleting_a_collectivite_deletes_its_diagnoses(org, world):
    from sqlalchemy import delete, func, select

    from change_portal.extensions import db
    from change_portal.maturity.models import Answer, Diagnosis, DiagnosisHistory
    from change_portal.organisations.models import Organisation

    ids = [world["diagnosis"].id, world["old"].id]
    db.session.execute(delete(factories.User).where(factories.User.organisation_id == org.id))
    db.session.execute(delete(Organisation).where(Organisation.id == org.id))
    db.session.expire_all()
    for model, column in ((Diagnosis, Diagnosis.id), (Answer, Answer.diagnosis_id),
                          (DiagnosisHistory, DiagnosisHistory.diagnosis_id)):
        assert db.session.scalar(select(func.count()).select_from(model).where(
            column.in_(ids))) == 0
