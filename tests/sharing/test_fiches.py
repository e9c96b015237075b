"""A fiche made from a project: what is copied (and what never is), the
validation workflow, publication history and unpublication."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.extensions import db
from change_portal.sharing import services
from change_portal.sharing.models import Fiche, FicheRevision
from tests import factories
from tests.sharing.factories import project_with_figures, published_fiche


def test_draft_from_project_copies_figures_never_names(org):
    org.region = "32"
    project, indicator, lead = project_with_figures(org)
    fiche = services.draft_from_project(lead, project)
    assert fiche.title == "Prise de rendez-vous en ligne"
    assert fiche.summary.startswith("Les usagers")
    assert fiche.results == [{
        "indicator_id": indicator.id, "name": "Rendez-vous pris en ligne", "unit": "%",
        "baseline": 10.0, "target": 80.0, "latest": 55.0,
        "latest_on": fiche.results[0]["latest_on"]}]
    assert fiche.involvement == {"actions": {"atelier": 2, "cst": 1}, "participants": 25,
                                 "proposals": 1, "decided": 1}
    assert (fiche.kind, fiche.band, fiche.region) == ("commune", "3500-9999", "32")
    assert not fiche.published
    content = repr(services.content_of(fiche))
    for secret in ("SECRET", "Secretname", "blocage"):
        assert secret not in content


def test_only_authors_of_the_collectivite_make_fiches(org, other_org):
    project, _ind, _lead = project_with_figures(org)
    agent = factories.create_user(org, ["agent"])
    with pytest.raises(NotAllowed):
        services.draft_from_project(agent, project)
    foreign_lead = factories.create_user(other_org, ["project_lead"])
    with pytest.raises(NotAllowed):
        services.draft_from_project(foreign_lead, project)


def test_save_validates_and_renders_markdown(org):
    project, _ind, lead = project_with_figures(org)
    fiche = services.draft_from_project(lead, project)
    services.save_fiche(lead, fiche, title="  Titre  ", difficulties="**dur** <script>x</script>",
                        links="Guide | https://exemple.fr/guide\nhttps://exemple.fr/b",
                        themes=["donnees", "inconnu"], results=[], contact_me=True,
                        contact_role="DSI")
    assert fiche.title == "Titre"
    assert "<strong>dur</strong>" in fiche.difficulties_html
    assert "<script" not in fiche.difficulties_html
    assert fiche.links == [{"label": "Guide", "url": "https://exemple.fr/guide"},
                           {"label": "https://exemple.fr/b", "url": "https://exemple.fr/b"}]
    assert fiche.themes == ["donnees"]
    assert fiche.results == []
    assert fiche.contact_id == lead.id
    for bad in ({"repo_url": "javascript:alert(1)"}, {"links": "x | ftp://a"},
                {"title": ""}, {"title": "x" * 201}):
        with pytest.raises(DomainError):
            services.save_fiche(lead, fiche, **{"title": "T", **bad})


def test_validation_by_admin_or_another_lead_only(org):
    project, _ind, lead = project_with_figures(org)
    fiche = services.draft_from_project(lead, project)
    with pytest.raises(DomainError):
        services.submit(lead, fiche)  # no theme yet
    services.save_fiche(lead, fiche, title="Fiche", themes=["inclusion"])
    services.submit(lead, fiche)
    with pytest.raises(NotAllowed):
        services.validate(lead, fiche)  # the submitter cannot validate
    with pytest.raises(NotAllowed):
        services.validate(factories.create_user(org, ["agent"]), fiche)
    other_lead = factories.create_user(org, ["project_lead"])
    services.validate(other_lead, fiche)
    assert fiche.published and fiche.status == "validee"
    assert fiche.published_content["title"] == "Fiche"
    assert fiche.pub_themes == ",inclusion,"


def test_edit_after_publication_keeps_snapshot_until_revalidated(org):
    admin = factories.create_user(org, ["admin"])
    fiche = published_fiche(org, title="Version 1", admin=admin)
    lead = db.session.get(type(admin), fiche.author_id)
    services.save_fiche(lead, fiche, title="Version 2", themes=["inclusion"])
    assert fiche.status == "brouillon"
    assert fiche.published_content["title"] == "Version 1"  # others still see v1
    services.submit(lead, fiche)
    services.validate(admin, fiche)
    assert fiche.published_content["title"] == "Version 2"
    revs = services.revisions(fiche)
    assert [r.content["title"] for r in revs] == ["Version 2", "Version 1"]


def test_unpublish_by_admin_only(org):
    admin = factories.create_user(org, ["admin"])
    fiche = published_fiche(org, admin=admin)
    with pytest.raises(NotAllowed):
        services.unpublish(factories.create_user(org, ["project_lead"]), fiche)
    services.unpublish(admin, fiche)
    assert not fiche.published
    notes = db.session.scalars(select(FicheRevision.note).where(
        FicheRevision.fiche_id == fiche.id)).all()
    assert "depublication" in notes


def test_pages_workflow(client, org, login_as):
    project, _ind, lead = project_with_figures(org)
    login_as(lead)
    resp = client.post(f"/retours-experience/projets/{project.id}/fiche")
    fiche = db.session.scalar(select(Fiche).where(Fiche.project_id == project.id))
    assert resp.status_code == 302 and f"/fiches/{fiche.id}/modifier" in resp.location
    page = client.get(f"/retours-experience/fiches/{fiche.id}/modifier")
    assert "Rendez-vous pris en ligne" in page.get_data(as_text=True)
    bad = client.post(f"/retours-experience/fiches/{fiche.id}/modifier",
                      data={"title": "Mon titre gardé", "repo_url": "pas une adresse"})
    assert bad.status_code == 422
    assert "Mon titre gardé" in bad.get_data(as_text=True)
    resp = client.post(f"/retours-experience/fiches/{fiche.id}/modifier", data={
        "title": "Rendez-vous en ligne", "summary": "Résumé", "themes": ["relation-usagers"],
        "result_ids": [fiche.results[0]["indicator_id"]], "difficulties": "*appris*"})
    assert resp.status_code == 302
    preview = client.get(f"/retours-experience/fiches/{fiche.id}/apercu").get_data(
        as_text=True)
    assert "<em>appris</em>" in preview and "10 % " not in preview
    assert "SECRET" not in preview
    client.post(f"/retours-experience/fiches/{fiche.id}/soumettre")
    assert db.session.get(Fiche, fiche.id).status == "soumise"
    login_as("admin")
    client.post(f"/retours-experience/fiches/{fiche.id}/valider")
    assert db.session.get(Fiche, fiche.id).published
    history = client.get(f"/retours-experience/fiches/{fiche.id}/historique")
    assert "Rendez-vous en ligne" in history.get_data(as_text=True)


def test_project_page_offers_a_fiche_to_authors_only(client, org, login_as):
    project, _ind, lead = project_with_figures(org)
    login_as(lead)
    html = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "Préparer une fiche retour d" in html
    login_as("elected")
    html = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "Préparer une fiche" not in html


def test_rerender_covers_the_sharing_markdown_fields(org):
    """`flask markdown rerender` (change_portal/rerender.py) re-renders the difficulties."""
    from change_portal.rerender import rerender_all

    project, _ind, lead = project_with_figures(org)
    fiche = services.draft_from_project(lead, project)
    services.save_fiche(lead, fiche, title="T", difficulties="*appris*")
    fiche.difficulties_html = "<p>stale</p>"
    db.session.flush()
    counts = rerender_all(db.session.connection())
    db.session.expire_all()
    assert "<em>appris</em>" in db.session.get(Fiche, fiche.id).difficulties_html
    assert counts.get("sharing_fiche.difficulties_html") == 1
