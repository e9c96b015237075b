"""The diagnosis: start, assign (email), answer with optimistic locking, progress,
submit / reopen with history, read-only members, operator editions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from change_portal.extensions import db
from change_portal.maturity.models import (
    Answer,
    Assignment,
    Diagnosis,
    DiagnosisHistory,
    Distribution,
    Edition,
    Statement,
    Theme,
)
from tests import factories
from tests.maturity import factories as mf


@pytest.fixture
def edition(db):
    return mf.create_edition(mf.shipped_referential())


def _statements(edition, slug):
    return list(db.session.scalars(select(Statement).join(Theme).where(
        Theme.referential_id == edition.referential_id, Theme.slug == slug)
        .order_by(Statement.position)))


def _form(statements, levels, versions=None, comments=None):
    data = {}
    for i, s in enumerate(statements):
        level = levels[i] if i < len(levels) else None
        data[f"level-{s.id}"] = "none" if level is None else str(level)
        data[f"version-{s.id}"] = str((versions or {}).get(s.id, 0))
        data[f"comment-{s.id}"] = (comments or {}).get(s.id, "")
    return data


def _start(client, edition):
    resp = client.post(f"/maturite/editions/{edition.id}/demarrer")
    assert resp.status_code == 302
    return db.session.scalar(select(Diagnosis).where(Diagnosis.edition_id == edition.id))


def test_admin_starts_assigns_and_the_colleague_is_emailed(client, org, login_as, edition,
                                                           outbox):
    login_as("admin")
    diagnosis = _start(client, edition)
    assert diagnosis.organisation_id == org.id
    colleague = factories.create_user(org, ["agent"], name="Thomas Girard")
    theme = db.session.scalar(select(Theme).where(Theme.slug == "cybersecurite",
                                                  Theme.referential_id == edition.referential_id))
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/attributions",
                       data={"theme_id": theme.id, "user_id": colleague.id},
                       follow_redirects=True)
    assert "confié à Thomas Girard" in resp.get_data(as_text=True)
    assignment = db.session.scalar(select(Assignment))
    assert assignment.user_id == colleague.id and assignment.notified_at is not None
    mails = [p.read_text() for p in outbox.glob("maturity-assignment-*.eml")]
    assert len(mails) == 1 and "Cybers" in mails[0] and colleague.email in mails[0]


def test_cannot_assign_to_someone_of_another_collectivite(client, org, other_org, login_as,
                                                          edition):
    login_as("admin")
    diagnosis = _start(client, edition)
    stranger = factories.create_user(other_org, ["agent"])
    theme = db.session.scalar(select(Theme).where(Theme.slug == "donnees"))
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/attributions",
                       data={"theme_id": theme.id, "user_id": stranger.id},
                       follow_redirects=True)
    assert "personne active de votre collectivité" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Assignment)) is None


def test_assigned_member_answers_their_theme_only(client, org, login_as, edition):
    admin = factories.create_user(org, ["admin"])
    factories.log_in(client, admin)
    diagnosis = _start(client, edition)
    agent = factories.create_user(org, ["agent"])
    cyber = db.session.scalar(select(Theme).where(Theme.slug == "cybersecurite"))
    client.post(f"/maturite/diagnostic/{diagnosis.id}/attributions",
                data={"theme_id": cyber.id, "user_id": agent.id})
    login_as(agent)
    statements = _statements(edition, "cybersecurite")
    page = client.get(f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite")
    html = page.get_data(as_text=True)
    assert 'type="radio"' in html and "Pas de sauvegarde organisée." in html  # level text
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite",
                       data=_form(statements, [3, 2, None, 1],
                                  comments={statements[0].id: "Voir **le plan**"}))
    assert resp.status_code == 302
    answers = {a.statement_id: a for a in db.session.scalars(select(Answer))}
    assert answers[statements[0].id].level == 3
    assert answers[statements[0].id].comment_html == "<p>Voir <strong>le plan</strong></p>"
    assert statements[2].id not in answers  # left unanswered: no row
    # Another theme: read-only for this agent.
    other = _statements(edition, "donnees")
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/donnees",
                       data=_form(other, [5, 5, 5, 5]), follow_redirects=True)
    assert "lecture seule" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Answer).where(Answer.statement_id == other[0].id)) is None
    overview = client.get(f"/maturite/diagnostic/{diagnosis.id}").get_data(as_text=True)
    assert "3 affirmations répondues sur 37" in overview


def test_two_people_saving_different_themes_both_keep_their_work(client, org, edition):
    diagnosis = mf.submitted_diagnosis(edition.referential, {}, org=org, edition=edition,
                                       submit=False)
    a, b = factories.create_user(org, ["admin"]), factories.create_user(org, ["admin"])
    cyber, data = _statements(edition, "cybersecurite"), _statements(edition, "donnees")
    factories.log_in(client, a)
    client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite",
                data=_form(cyber, [1, 1, 1, 1]))
    factories.log_in(client, b)
    client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/donnees",
                data=_form(data, [4, 4, 4, 4]))
    levels = {a.statement_id: a.level for a in db.session.scalars(select(Answer))}
    assert [levels[s.id] for s in cyber] == [1, 1, 1, 1]
    assert [levels[s.id] for s in data] == [4, 4, 4, 4]


def test_same_statement_second_saver_is_told_and_keeps_text(client, org, edition):
    diagnosis = mf.submitted_diagnosis(edition.referential, {}, org=org, edition=edition,
                                       submit=False)
    a, b = factories.create_user(org, ["admin"]), factories.create_user(org, ["admin"])
    cyber = _statements(edition, "cybersecurite")
    url = f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite"
    # Both opened the empty form (versions 0); A saves first.
    factories.log_in(client, a)
    client.post(url, data=_form(cyber, [2]))
    factories.log_in(client, b)
    resp = client.post(url, data=_form(cyber, [4, 3], comments={cyber[0].id: "Mon texte"}))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "pendant que vous répondiez" in html and "Mon texte" in html
    first = db.session.scalar(select(Answer).where(Answer.statement_id == cyber[0].id))
    assert first.level == 2 and first.updated_by_id == a.id  # A's work kept
    second = db.session.scalar(select(Answer).where(Answer.statement_id == cyber[1].id))
    assert second.level == 3  # no conflict there: saved
    # Saving again (the page now carries the current version) replaces deliberately.
    resp = client.post(url, data=_form(cyber, [4, 3], versions={cyber[0].id: 1,
                                                                cyber[1].id: 1}))
    assert resp.status_code == 302
    db.session.refresh(first)
    assert first.level == 4


def test_tampered_level_is_refused_without_error_page(client, org, login_as, edition):
    diagnosis = mf.submitted_diagnosis(edition.referential, {}, org=org, edition=edition,
                                       submit=False)
    login_as("admin")
    cyber = _statements(edition, "cybersecurite")
    data = _form(cyber, [1])
    data[f"level-{cyber[0].id}"] = "9"
    data[f"version-{cyber[1].id}"] = "x" * 50
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite", data=data)
    assert resp.status_code == 200 and "niveau de 0 à 5" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Answer)) is None


def test_elected_reads_everything_writes_nothing(client, org, login_as, edition):
    diagnosis = mf.submitted_diagnosis(edition.referential, {"cybersecurite": [2, 2, 2, 2]},
                                       org=org, edition=edition, submit=False)
    login_as("elected")
    url = f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite"
    page = client.get(url).get_data(as_text=True)
    assert "Lecture seule" in page and "disabled" in page
    client.post(url, data=_form(_statements(edition, "cybersecurite"), [5, 5, 5, 5]))
    assert {a.level for a in db.session.scalars(select(Answer))} == {2}
    client.post(f"/maturite/diagnostic/{diagnosis.id}/soumettre")
    assert not db.session.get(Diagnosis, diagnosis.id).is_submitted


def test_submit_freezes_and_reopen_keeps_history(client, org, login_as, edition):
    diagnosis = mf.submitted_diagnosis(
        edition.referential, {"cybersecurite": [2, 3, None, 3], "donnees": [1, 1, 2, 2]},
        org=org, edition=edition, submit=False)
    admin = login_as("admin")
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/soumettre")
    assert resp.status_code == 302 and "/resultats" in resp.headers["Location"]
    db.session.expire_all()
    diagnosis = db.session.get(Diagnosis, diagnosis.id)
    assert diagnosis.is_submitted
    assert diagnosis.theme_levels["cybersecurite"] == 2.7
    assert diagnosis.theme_levels["donnees"] == 1.5
    assert diagnosis.theme_levels["inclusion"] is None
    assert diagnosis.overall_level == 2.1  # (2.7 + 1.5) / 2
    assert (diagnosis.stratum_kind, diagnosis.stratum_band) == ("commune", "3500-9999")
    assert db.session.scalar(select(Distribution).where(
        Distribution.edition_id == edition.id, Distribution.group_key == "all",
        Distribution.theme_slug == "cybersecurite")).n == 1
    # Frozen: answering is refused.
    client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/donnees",
                data=_form(_statements(edition, "donnees"), [5, 5, 5, 5]))
    assert {a.level for a in db.session.scalars(select(Answer).join(Statement).join(Theme)
                                                 .where(Theme.slug == "donnees"))} == {1, 2}
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/rouvrir")
    db.session.expire_all()
    assert not db.session.get(Diagnosis, diagnosis.id).is_submitted
    assert db.session.scalar(select(Distribution).where(
        Distribution.edition_id == edition.id)) is None  # no longer counted
    kinds = [h.kind for h in db.session.scalars(select(DiagnosisHistory).order_by(
        DiagnosisHistory.id))]
    assert kinds == ["submit", "reopen"]
    assert all(h.actor_id == admin.id for h in db.session.scalars(select(DiagnosisHistory)))
    page = client.get(f"/maturite/diagnostic/{diagnosis.id}").get_data(as_text=True)
    assert "a rouvert le diagnostic" in page and "a soumis le diagnostic" in page


def test_cannot_reopen_after_the_edition_closes(client, org, login_as, edition):
    diagnosis = mf.submitted_diagnosis(edition.referential, {"donnees": [1]}, org=org,
                                       edition=edition)
    edition.status = "closed"
    login_as("admin")
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/rouvrir", follow_redirects=True)
    assert "ne peut plus être rouvert" in resp.get_data(as_text=True)
    assert db.session.get(Diagnosis, diagnosis.id).is_submitted


def test_operator_opens_sees_participation_and_closes(client, org, login_as):
    ref = mf.shipped_referential()
    login_as("operator")
    resp = client.post("/plateforme/maturite/", data={
        "title": "Édition 2027", "slug": "2027", "referential_id": ref.id,
        "opens_on": "2027-01-10", "closes_on": "2027-03-31"})
    assert resp.status_code == 302
    edition = db.session.scalar(select(Edition).where(Edition.slug == "2027"))
    mf.submitted_diagnosis(ref, {"donnees": [3, 3]}, org=org, edition=edition)
    page = client.get(f"/plateforme/maturite/editions/{edition.id}").get_data(as_text=True)
    assert "Ville A" in page and "soumis" in page
    assert "3,0" not in page and "Données" not in page  # no level, no theme
    # A second open edition is refused; bad dates re-render with the text kept.
    resp = client.post("/plateforme/maturite/", data={
        "title": "Autre édition", "slug": "autre", "referential_id": ref.id,
        "opens_on": "2027-05-01", "closes_on": "2027-04-01"})
    assert resp.status_code == 200 and "Autre édition" in resp.get_data(as_text=True)
    client.post(f"/plateforme/maturite/editions/{edition.id}/cloture")
    assert db.session.get(Edition, edition.id).status == "closed"


def test_designated_reviewer_submits_other_agents_cannot(client, org, login_as, edition):
    diagnosis = mf.submitted_diagnosis(edition.referential, {"donnees": [2, 2]}, org=org,
                                       edition=edition, submit=False)
    reviewer = factories.create_user(org, ["agent"])
    login_as("admin")
    client.post(f"/maturite/diagnostic/{diagnosis.id}/relecteur", data={"user_id": reviewer.id})
    assert db.session.get(Diagnosis, diagnosis.id).reviewer_id == reviewer.id
    login_as("agent")  # another agent
    client.post(f"/maturite/diagnostic/{diagnosis.id}/soumettre")
    assert not db.session.get(Diagnosis, diagnosis.id).is_submitted
    login_as(reviewer)
    # The reviewer answers any theme and submits.
    resp = client.post(f"/maturite/diagnostic/{diagnosis.id}/themes/inclusion",
                       data=_form(_statements(edition, "inclusion"), [1, 2, 3, 4]))
    assert resp.status_code == 302
    client.post(f"/maturite/diagnostic/{diagnosis.id}/soumettre")
    submitted = db.session.get(Diagnosis, diagnosis.id)
    assert submitted.is_submitted and submitted.submitted_by_id == reviewer.id
    assert submitted.theme_levels["inclusion"] == 2.5


def test_refused_form_keeps_the_opened_version(client, org, edition):
    """A form refused for an input error must not adopt a version saved meanwhile by
    someone else: the next save is then told of the conflict."""
    diagnosis = mf.submitted_diagnosis(edition.referential, {}, org=org, edition=edition,
                                       submit=False)
    a, b = factories.create_user(org, ["admin"]), factories.create_user(org, ["admin"])
    cyber = _statements(edition, "cybersecurite")
    url = f"/maturite/diagnostic/{diagnosis.id}/themes/cybersecurite"
    factories.log_in(client, a)
    client.post(url, data=_form(cyber, [2]))  # A saves (version 1)
    factories.log_in(client, b)
    data = _form(cyber, [4])  # B opened before A saved (version 0)…
    data[f"level-{cyber[1].id}"] = "7"  # …and made a typo
    html = client.post(url, data=data).get_data(as_text=True)
    assert f'name="version-{cyber[0].id}" value="0"' in html
