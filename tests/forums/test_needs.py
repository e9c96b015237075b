"""User needs: recording, endorsements, status history, projects, answers, board, CSV,
and the hooks of the project pages."""

from __future__ import annotations

import csv
import io

import pytest
from markupsafe import Markup
from sqlalchemy import func, select

from change_portal.core import registry
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.extensions import db
from change_portal.projects.models import Project
from forums import needs
from forums.models import Need, NeedEndorsement, NeedStatus, NeedStatusChange, Notification
from tests import factories
from tests.forums import factories as ff


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def _project(org, title="Guichet numérique") -> Project:
    p = Project(organisation_id=org.id, title=title)
    db.session.add(p)
    db.session.flush()
    return p


def test_record_need_through_the_form(client, org, login_as):
    login_as("agent")
    service = factories.create_service(org, "Urbanisme")
    cat = ff.category(org)
    data = {"title": "Déposer un permis en ligne", "category_id": cat.id,
            "public": "entreprises", "channel": "courriel", "frequency": "semaine",
            "impact": "fort", "services": [service.id], "workaround": "Envoi par courriel",
            "body": "Les architectes **demandent** un dépôt en ligne.", "submit": "x"}
    resp = client.post("/forums/besoins/nouveau", data=data)
    assert resp.status_code == 302
    need = db.session.scalar(select(Need).where(Need.organisation_id == org.id))
    assert need.status == NeedStatus.NEW and need.impact == "fort"
    assert [s.name for s in need.services] == ["Urbanisme"]
    page = _html(client.get(resp.headers["Location"]))
    assert "Déposer un permis en ligne" in page and "Envoi par courriel" in page


def test_need_form_refuses_unknown_choices(client, org, login_as):
    login_as("agent")
    resp = client.post("/forums/besoins/nouveau", data={
        "title": "x", "category_id": ff.category(org).id, "public": "martiens",
        "channel": "pigeon", "frequency": "jour", "impact": "fort", "body": "y"})
    assert resp.status_code == 200
    assert db.session.scalar(select(func.count(Need.id))) == 0


def test_endorse_once_with_counts_by_service_and_channel(client, org, login_as):
    need = ff.create_need(org)
    accueil = factories.create_service(org, "Accueil")
    for channel in ("telephone", "telephone", "accueil"):
        needs.endorse(factories.create_user(org, service=accueil), need, channel=channel)
    user = login_as(factories.create_user(org, ["agent"]))
    resp = client.post(f"/forums/besoins/{need.id}/constate",
                       data={"note": "Tous les lundis", "channel": "courriel"},
                       follow_redirects=True)
    assert "votre constat est compté" in _html(resp)
    resp = client.post(f"/forums/besoins/{need.id}/constate", data={}, follow_redirects=True)
    assert resp.status_code == 200
    assert "Vous avez déjà indiqué avoir constaté ce besoin" in _html(resp)
    assert db.session.scalar(select(func.count(NeedEndorsement.id)).where(
        NeedEndorsement.user_id == user.id)) == 1
    page = _html(client.get(f"/forums/sujets/{need.topic_id}"))
    assert "Collègues qui l'ont aussi constaté : 4" in page
    assert "Tous les lundis" in page and "Accueil" in page and "Téléphone" in page


def test_second_endorsement_in_service_is_a_clear_error(org):
    need = ff.create_need(org)
    user = factories.create_user(org)
    needs.endorse(user, need)
    with pytest.raises(DomainError, match="déjà indiqué"):
        needs.endorse(user, need)


def test_status_flow_with_history_and_reasons(org):
    lead = factories.create_user(org, ["project_lead"])
    agent = factories.create_user(org)
    need = ff.create_need(org)
    with pytest.raises(NotAllowed):
        needs.change_status(agent, need, "qualifie")
    needs.change_status(lead, need, "qualifie", "Vu par trois services")
    with pytest.raises(DomainError, match="Expliquez pourquoi"):
        needs.change_status(lead, need, "ecarte", "")
    with pytest.raises(DomainError, match="validée"):
        needs.change_status(lead, need, "repondu")
    needs.change_status(lead, need, "ecarte", "Hors compétence de la commune")
    history = db.session.scalars(select(NeedStatusChange).where(
        NeedStatusChange.need_id == need.id).order_by(NeedStatusChange.id)).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "nouveau"), ("nouveau", "qualifie"), ("qualifie", "ecarte")]
    assert history[-1].reason == "Hors compétence de la commune"
    assert history[-1].actor_id == lead.id


def test_status_form_with_bad_value_is_not_a_500(client, org, login_as):
    need = ff.create_need(org)
    login_as("project_lead")
    resp = client.post(f"/forums/besoins/{need.id}/statut", data={"status": "n'importe"},
                       follow_redirects=True)
    assert resp.status_code == 200 and "Choisissez un statut proposé." in _html(resp)


def test_link_to_projects_sets_linked_and_filters_tenant(client, org, other_org, login_as):
    need = ff.create_need(org)
    mine, second = _project(org), _project(org, "Paiement en ligne")
    theirs = _project(other_org, "Leur projet")
    login_as("project_lead")
    assert client.post(f"/forums/besoins/{need.id}/projets",
                       data={"project_id": theirs.id}).status_code == 404
    client.post(f"/forums/besoins/{need.id}/projets", data={"project_id": mine.id})
    client.post(f"/forums/besoins/{need.id}/projets", data={"project_id": second.id})
    assert need.status == NeedStatus.LINKED
    resp = client.post(f"/forums/besoins/{need.id}/projets", data={"project_id": mine.id},
                       follow_redirects=True)
    assert "déjà rattaché" in _html(resp)
    counts = registry.ask("project.needs_many", projects=[mine, second, theirs])
    assert counts == {mine.id: 1, second.id: 1}
    with pytest.raises(TypeError, match="single provider"):
        registry.call_hook("project.needs_many", projects=[mine])


def test_answer_needs_validation_by_someone_else(client, org, login_as):
    follower = factories.create_user(org)
    need = ff.create_need(org)
    needs.endorse(follower, need)  # endorsing follows the need
    lead = login_as("project_lead")
    client.post(f"/forums/besoins/{need.id}/reponse", data={"answer": "C'est en ligne."})
    assert need.answer == "C'est en ligne." and need.answer_published_at is None
    # the drafter cannot validate their own answer
    resp = client.post(f"/forums/besoins/{need.id}/reponse/validation", follow_redirects=True)
    assert "une autre personne doit la valider" in _html(resp)
    assert need.answer_published_at is None and need.status == NeedStatus.NEW
    # nobody sees an unvalidated answer except managers
    login_as("agent")
    assert "C&#39;est en ligne." not in _html(client.get(f"/forums/sujets/{need.topic_id}"))
    login_as("admin")
    client.post(f"/forums/besoins/{need.id}/reponse/validation")
    assert need.answer_published_at is not None and need.status == NeedStatus.ANSWERED
    assert need.answer_drafted_by_id == lead.id
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == follower.id, Notification.kind == "reponse_besoin")).all()
    assert len(notes) == 1


def test_validation_without_draft_is_refused(org):
    admin = factories.create_user(org, ["admin"])
    need = ff.create_need(org)
    with pytest.raises(DomainError, match="Aucune réponse"):
        needs.validate_answer(admin, need)
    agent = factories.create_user(org)
    with pytest.raises(NotAllowed):
        needs.draft_answer(agent, need, "x")


def test_board_filters_sorts_and_exports_csv(client, org, login_as):
    a = ff.create_need(org, title="Payer la cantine", impact="fort", channel="accueil")
    b = ff.create_need(org, title="=HYPERLINK(\"http://x\")", impact="faible",
                       channel="telephone")
    for _ in range(2):
        needs.endorse(factories.create_user(org), b)
    login_as("agent")
    page = _html(client.get("/forums/besoins"))
    assert page.index("HYPERLINK") < page.index("Payer la cantine")  # most endorsed first
    page = _html(client.get("/forums/besoins?tri=impact"))
    assert page.index("Payer la cantine") < page.index("HYPERLINK")
    page = _html(client.get("/forums/besoins?canal=accueil"))
    assert "Payer la cantine" in page and "HYPERLINK" not in page
    assert client.get("/forums/besoins?canal=%3Cscript%3E&service=abc").status_code == 200
    resp = client.get("/forums/besoins/export.csv?tri=constats")
    assert resp.mimetype == "text/csv"
    raw = resp.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Numéro"
    assert rows[1][1].startswith("'=HYPERLINK") and rows[1][8] == "2"
    assert rows[2][1] == "Payer la cantine" and rows[2][8] == "0"
    assert a.id != b.id


def test_project_panel_hook_lists_linked_needs(app, org):
    lead = factories.create_user(org, ["project_lead"])
    project = _project(org)
    need = ff.create_need(org, title="Suivre sa demande")
    needs.endorse(factories.create_user(org), need)
    needs.link_project(lead, need, project)
    with app.test_request_context():
        panels = registry.render_hook("project.panels", project=project, user=lead)
    ours = [p for p in panels if "Besoins des usagers rattachés" in p]
    assert len(ours) == 1 and isinstance(ours[0], Markup)
    assert "Suivre sa demande" in ours[0] and "1 collègue" in ours[0]


def test_xss_in_need_fields_is_neutralised(client, org, login_as):
    from tests import xss

    login_as("agent")
    payload = '<img src=x onerror=alert(1)><script>alert(1)</script>'
    resp = client.post("/forums/besoins/nouveau", data={
        "title": payload, "category_id": ff.category(org).id, "public": "autre",
        "channel": "courrier", "frequency": "rare", "impact": "faible",
        "workaround": payload, "body": payload + "[x](javascript:alert(1))", "submit": "x"})
    assert resp.status_code == 302
    need = db.session.scalar(select(Need).where(Need.organisation_id == org.id))
    page = _html(client.get(f"/forums/sujets/{need.topic_id}"))
    assert "<script>alert(1)" not in page and "<img src=x onerror" not in page
    from forums.services import first_post

    assert xss.unsafe_parts(first_post(need.topic).body_html) == []


def test_author_edits_need_fields_others_cannot(client, org, login_as):
    author = factories.create_user(org)
    need = ff.create_need(org, author)
    login_as("agent")
    assert client.get(f"/forums/besoins/{need.id}/modifier").status_code == 403
    login_as(author)
    assert client.get(f"/forums/besoins/{need.id}/modifier").status_code == 200
    resp = client.post(f"/forums/besoins/{need.id}/modifier", data={
        "public": "associations", "channel": "reseaux", "frequency": "jour",
        "impact": "fort", "workaround": "Rien"})
    assert resp.status_code == 302
    assert (need.public, need.impact, need.impact_rank) == ("associations", "fort", 3)


def test_withdraw_endorsement(client, org, login_as):
    need = ff.create_need(org)
    user = login_as("agent")
    needs.endorse(user, need)
    client.post(f"/forums/besoins/{need.id}/constate/retirer")
    assert db.session.scalar(select(func.count(NeedEndorsement.id)).where(
        NeedEndorsement.need_id == need.id)) == 0


def test_oversized_answer_keeps_the_text(client, org, login_as):
    need = ff.create_need(org)
    login_as("project_lead")
    text_ = "réponse détaillée " * 700
    resp = client.post(f"/forums/besoins/{need.id}/reponse", data={"answer": text_})
    assert resp.status_code == 200
    body = _html(resp)
    assert "10 000 caractères au plus" in body and "réponse détaillée réponse" in body
    assert need.answer == ""


def test_author_is_told_when_a_colleague_endorses(org):
    author = factories.create_user(org)
    need = ff.create_need(org, author, title="Formulaire introuvable")
    needs.endorse(factories.create_user(org, name="Marc Petit"), need)
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id,
                                                        Notification.kind == "constat"))
    assert note is not None and "Marc Petit" in note.text


def test_agents_never_see_titles_of_projects_they_may_not_read(client, org, login_as):
    """Issue 11, item 9: the board's project filter and column, `?projet=`, the CSV and
    a need's panel (projects and history) only use the viewer's visible projects."""
    ours, theirs = factories.create_service(org, "Accueil"), factories.create_service(org, "RH")
    secret = _project(org, "Réorganisation confidentielle")
    secret.services = [theirs]
    visible = _project(org, "Guichet numérique")
    visible.services = [ours]
    follower = factories.create_user(org, ["agent"], service=ours)
    linked = ff.create_need(org, follower, title="Prise de rendez-vous")
    other = ff.create_need(org, title="Horaires d'été")
    lead = factories.create_user(org, ["project_lead"])
    needs.link_project(lead, linked, secret)
    needs.link_project(lead, linked, visible)
    db.session.flush()

    login_as(follower)
    board = _html(client.get("/forums/besoins"))
    assert "Guichet numérique" in board
    assert "Réorganisation confidentielle" not in board
    filtered = _html(client.get(f"/forums/besoins?projet={secret.id}"))
    assert "Réorganisation confidentielle" not in filtered
    assert "Horaires d&#39;été" in filtered  # an unreadable project filters nothing
    only_visible = _html(client.get(f"/forums/besoins?projet={visible.id}"))
    assert "Prise de rendez-vous" in only_visible and "Horaires d&#39;été" not in only_visible
    export = _html(client.get("/forums/besoins/export.csv"))
    assert "Guichet numérique" in export and "Réorganisation confidentielle" not in export
    panel = _html(client.get(f"/forums/sujets/{linked.topic_id}"))
    assert "Guichet numérique" in panel
    assert "Réorganisation confidentielle" not in panel
    assert "Rattaché à un projet" in panel
    notes = db.session.scalars(select(Notification.text).where(
        Notification.user_id == follower.id)).all()
    assert notes and not any("confidentielle" in n for n in notes)
    assert other.id  # listed above

    login_as(lead)  # project leads read every project
    board = _html(client.get("/forums/besoins"))
    assert "Réorganisation confidentielle" in board and "Guichet numérique" in board
    panel = _html(client.get(f"/forums/sujets/{linked.topic_id}"))
    assert "Réorganisation confidentielle" in panel


def test_migration_0018_removes_project_titles_from_old_history(org):
    """Rows written before the fix named the project: the data migration rewrites them."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    need = ff.create_need(org)
    old = [NeedStatusChange(need_id=need.id, to_status="rattache", reason=reason)
           for reason in ("Rattaché au projet « Secret »", "Linked to the project “Secret”",
                          "Une autre raison")]
    db.session.add_all(old)
    db.session.flush()
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0018_fixes.py"
    spec = importlib.util.spec_from_file_location("migration_0018", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        module.upgrade()
    db.session.expire_all()
    assert [c.reason for c in old] == ["Rattaché à un projet", "Linked to a project",
                                       "Une autre raison"]


def test_long_title_is_refused_with_its_limit_never_cut(client, org, login_as):
    """The limit is stated, the browser is not told to cut pasted text, the server refuses."""
    login_as("agent")
    cat = ff.category(org)
    form = _html(client.get("/forums/besoins/nouveau"))
    title_input = form[form.index('id="title"') - 200:form.index('id="title"') + 300]
    assert "140 caractères au plus." in form
    assert 'data-maxlength="140"' in title_input and 'maxlength="140"' not in title_input.replace(
        'data-maxlength="140"', "")
    assert "js/forms.js" in form  # the counter
    long_title = "Un besoin décrit bien trop longuement " * 4  # 152 characters
    resp = client.post("/forums/besoins/nouveau", data={
        "title": long_title, "category_id": cat.id, "public": "entreprises",
        "channel": "courriel", "frequency": "semaine", "impact": "fort", "body": "Texte"})
    page = _html(resp)
    assert "Ce titre est trop long : 140 caractères au plus." in page
    assert long_title.strip() in page  # what was typed is kept, whole
    assert db.session.scalar(select(func.count(Need.id))) == 0


def test_stored_endorsement_count_equals_a_recount(client, org, login_as):
    """The count the board sorts on follows every endorsement and withdrawal,
    including a refused second endorsement and a withdrawal made twice."""
    need = ff.create_need(org)

    def recount() -> int:
        return db.session.scalar(select(func.count(NeedEndorsement.id)).where(
            NeedEndorsement.need_id == need.id))

    def stored() -> int:
        db.session.refresh(need)
        return need.endorsement_count

    first, second = factories.create_user(org), factories.create_user(org)
    needs.endorse(first, need)
    needs.endorse(second, need)
    with pytest.raises(DomainError):
        needs.endorse(first, need)  # once per person: nothing counted twice
    with pytest.raises(DomainError):
        needs.endorse(need.topic.author, need)  # the author counts already
    assert stored() == recount() == 2
    user = login_as("agent")
    needs.endorse(user, need)
    assert stored() == recount() == 3
    for _ in range(2):  # withdrawn twice: the second changes nothing
        assert client.post(f"/forums/besoins/{need.id}/constate/retirer").status_code == 302
    assert stored() == recount() == 2
    needs.withdraw_endorsement(first, need)
    needs.withdraw_endorsement(first, need)
    assert stored() == recount() == 1
    resp = client.get("/forums/besoins?tri=constats")
    assert resp.status_code == 200 and need.topic.title in _html(resp)
