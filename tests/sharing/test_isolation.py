"""Nothing of a project leaves its collectivité except what a published fiche
holds. Every page, search and action of the sharing domain is read as members of
another collectivité (each role): positions, concerns, minutes, needs' authors,
agents' names and unpublished fiches are 404 or absent."""

from __future__ import annotations

import pytest

from change_portal.core import privacy
from change_portal.sharing import qa, services
from tests import factories
from tests.forums import factories as ff
from tests.sharing.factories import project_with_figures, published_fiche

SECRETS = ("SECRET-", "Secretname", "Auteurdubesoin", "Brouillon confidentiel",
           "Fiche retirée", "Reporterprivé")


@pytest.fixture
def world(org, other_org):
    from forums import needs

    org.roadmap_published = True  # its open-data pages answer (and must not leak)
    project, _ind, lead = project_with_figures(org)
    author = factories.create_user(org, ["agent"], name="Auteurdubesoin Caché")
    need = ff.create_need(org, author, title="Les usagers veulent des créneaux le samedi")
    needs.link_project(lead, need, project)
    admin = factories.create_user(org, ["admin"])
    shared = published_fiche(org, project=project, lead=lead, admin=admin,
                             title="Rendez-vous partagé")
    draft = services.draft_from_project(lead, project)
    services.save_fiche(lead, draft, title="Brouillon confidentiel", themes=["donnees"])
    services.submit(lead, draft)
    # (project titles are open data when the roadmap is published: a neutral one here)
    other_project, _i, other_lead = project_with_figures(org, title="Parapheur")
    gone = published_fiche(org, title="Fiche retirée", admin=admin, project=other_project,
                           lead=other_lead)
    services.unpublish(admin, gone)
    q = qa.ask(factories.create_user(org, ["agent"]), shared, "Question interne ?",
               rate_limited=False)
    qa.report(factories.create_user(org, ["agent"], name="Reporterprivé X"), q, "raison")
    return {"project": project, "published": shared, "draft": draft, "gone": gone,
            "question": q}


def _no_secret(html: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in html, f"{secret!r} leaks on {where}"


@pytest.mark.parametrize("role", ["agent", "project_lead", "elected", "admin"])
def test_another_collectivite_sees_only_the_published_snapshot(client, other_org, login_as,
                                                               world, role):
    login_as(factories.create_user(other_org, [role]))
    shared, draft, gone = world["published"], world["draft"], world["gone"]
    for url in ("/retours-experience/", f"/retours-experience/{shared.id}",
                "/retours-experience/?q=confidentiel",
                "/retours-experience/?q=secret", "/retours-experience/?q=Cach%C3%A9",
                "/retours-experience/?q=retir%C3%A9e", "/retours-experience/journees",
                "/retours-experience/?tri=interet&code=0&theme=donnees"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        _no_secret(resp.get_data(as_text=True), url)
    page = client.get(f"/retours-experience/{shared.id}").get_data(as_text=True)
    assert "Rendez-vous partagé" in page and "créneaux le samedi" in page  # need title only
    if role in ("project_lead", "admin"):
        mine = client.get("/retours-experience/nos-fiches").get_data(as_text=True)
        _no_secret(mine, "nos-fiches")
    # unpublished fiches, their management pages and the project: 404
    for fiche in (draft, gone):
        assert client.get(f"/retours-experience/{fiche.id}").status_code == 404
        for action in ("interet", "questions", "contact", "inspirer"):
            assert client.post(f"/retours-experience/{fiche.id}/{action}",
                               data={"body": "x"}).status_code in (403, 404)
    for fiche in (shared, draft, gone):
        for suffix in ("modifier", "apercu", "historique"):
            assert client.get(f"/retours-experience/fiches/{fiche.id}/{suffix}").status_code \
                in (403, 404)
        for suffix in ("soumettre", "valider", "renvoyer", "depublier", "actualiser"):
            assert client.post(f"/retours-experience/fiches/{fiche.id}/{suffix}").status_code \
                in (403, 404)
    assert client.get(f"/projets/{world['project'].id}").status_code == 404
    # the open-data API and page of the collectivité (public): nothing of the project
    for url in (f"/api/v1/organisations/{shared.organisation.slug}/roadmap",
                f"/o/{shared.organisation.slug}/roadmap"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        _no_secret(resp.get_data(as_text=True), url)
    assert client.post(f"/retours-experience/projets/{world['project'].id}/fiche"
                       ).status_code in (403, 404)
    # moderation of another collectivité's fiche
    if role == "admin":
        assert client.post(f"/retours-experience/questions/{world['question'].id}/masquer"
                           ).status_code == 404
        _no_secret(client.get("/retours-experience/moderation").get_data(as_text=True),
                   "moderation")


def test_unpublished_snapshot_is_gone_everywhere_at_once(client, org, other_org, login_as,
                                                         world):
    shared = world["published"]
    login_as(factories.create_user(other_org, ["agent"]))
    assert client.get(f"/retours-experience/{shared.id}").status_code == 200
    services.unpublish(factories.create_user(org, ["admin"]), shared)
    assert client.get(f"/retours-experience/{shared.id}").status_code == 404
    assert "Rendez-vous partagé" not in client.get("/retours-experience/?q=rendez").get_data(
        as_text=True)
    assert client.post(f"/retours-experience/questions/{world['question'].id}/reponse",
                       data={"body": "x"}).status_code == 404


def test_personal_export_of_another_member_holds_nothing_of_ours(other_org, world):
    reader = factories.create_user(other_org, ["admin"])
    _no_secret(repr(privacy.collect(reader)), "export")


def test_snapshot_holds_figures_not_people(world):
    snapshot = repr(world["published"].published_content)
    _no_secret(snapshot, "published_content")
    assert "blocage" not in snapshot and "reserves" not in snapshot


def test_tampered_form_ids(client, org, other_org, login_as, world):
    """Ids of another collectivité in form fields: an indicator id that is not among
    the fiche's copied results is ignored; another collectivité's fiche cannot be
    proposed for an event (404); the database is unchanged."""
    from datetime import date, timedelta

    from change_portal.sharing import events
    from change_portal.sharing.models import EventProposal
    from tests.sharing.factories import project_with_figures as other_project

    _project, foreign_indicator, _lead = other_project(other_org, title="Projet B")
    shared = world["published"]
    before = list(shared.results)
    login_as(factories.create_user(org, ["project_lead"]))
    client.post(f"/retours-experience/fiches/{shared.id}/modifier", data={
        "title": "Rendez-vous partagé", "themes": ["donnees"],
        "result_ids": [foreign_indicator.id, before[0]["indicator_id"]]})
    assert [r["indicator_id"] for r in shared.results] == [before[0]["indicator_id"]]
    operator = factories.create_user(None, ["operator"])
    ev = events.save_event(operator, title="J", held_on=date.today() + timedelta(days=9))
    login_as(factories.create_user(other_org, ["admin"]))
    resp = client.post(f"/retours-experience/journees/{ev.id}/proposer",
                       data={"fiche_id": shared.id})
    assert resp.status_code == 404
    from sqlalchemy import func, select

    from change_portal.extensions import db
    assert db.session.scalar(select(func.count(EventProposal.id))) == 0
