"""Ids changed in URLs and in forms (select values, checkboxes, hidden fields) never
reach another collectivité's or another person's data: the answer is a 404 or the
form again with an error, and the database did not change.

Each case posts what a browser would, with one value swapped for an id of
collectivité B (or of a colleague), and names the rows that must stay as they were.
The whole-app role × route table (tests/test_access.py) already checks that every
URL id of another collectivité is a 404; `test_access_table_covers_every_route`
counts it here for the closing figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.projects import services as projects
from change_portal.projects.models import Action, Position, Project
from change_portal.roadmap.models import Objective
from courses.models import Module
from forums import services as forums
from forums.models import Category, Need, Topic
from tests import factories
from tests.conftest import module_session
from tests.courses.factories import create_module
from tests.forums.factories import category, create_need
from tests.roadmap import factories as rf


class Side:
    """One collectivité's objects."""

    def __init__(self, org, *, lead_roles=("admin", "project_lead", "trainer", "agent")):
        self.org = org
        self.service = factories.create_service(org, f"Accueil {org.slug}")
        self.user = factories.create_user(org, list(lead_roles), service=self.service)
        self.colleague = factories.create_user(org, ["agent"], service=self.service)
        self.cat = category(org)
        rm = rf.create_roadmap(org)
        self.axis = rf.create_axis(rm)
        self.objective = rf.create_objective(self.axis, title=f"Objectif {org.slug}")
        self.project = projects.save_project(self.user, org.id, title=f"Projet {org.slug}",
                                             services=[self.service],
                                             objectives=[self.objective], lead=self.user)
        self.action = projects.save_action(self.user, self.project, kind="atelier",
                                           title="Atelier", planned_on=date(2026, 5, 1),
                                           objectives=[self.objective])
        self.concern = projects.raise_concern(self.colleague, self.action, "Inquiétude")
        self.proposal = projects.open_proposal(self.user, self.project, title="Proposition",
                                               closes_at=utcnow() + timedelta(days=7))
        self.topic = forums.create_topic(self.colleague, self.cat, title="Sujet",
                                         body="Message du collègue.", rate_limited=False)
        self.need = create_need(org, self.colleague)
        self.module = create_module(org, slug=f"module-{org.slug}")
        db.session.flush()


# Both sides are built once; each test runs in a savepoint rolled back to them.
pytestmark = pytest.mark.module_world


@pytest.fixture(scope="module")
def side_ids(app, module_connection) -> list[dict]:
    """Each side's objects as (model, id), built once for the module."""
    with module_session(app, module_connection):
        built = [Side(factories.create_organisation(slug=slug, name=name))
                 for slug, name in (("cote-a", "Côté A"), ("cote-b", "Côté B"))]
        return [{attr: (type(obj), obj.id) for attr, obj in vars(side).items()}
                for side in built]


@pytest.fixture
def sides(side_ids, client):
    """Collectivité A (its lead logged in) and B, loaded in the test's session."""
    a, b = (SimpleNamespace(**{attr: db.session.get(model, id_)
                               for attr, (model, id_) in ids.items()}) for ids in side_ids)
    factories.log_in(client, a.user)
    return a, b


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _refused(resp) -> None:
    # 302: an action button answered by a redirect with a flashed error; the
    # database check that follows every call is what proves the refusal.
    assert resp.status_code in (200, 302, 400, 403, 404, 422), resp.status_code
    if resp.status_code == 200:
        page = resp.get_data(as_text=True)
        assert 'class="error' in page or "erreur" in page.lower() or "Erreur" in page, \
            "the form came back without saying what is wrong"


def _snapshot(*objs) -> list:
    db.session.expire_all()
    out = []
    for obj in objs:
        db.session.refresh(obj)
        row = {c.key: getattr(obj, c.key) for c in obj.__table__.columns}
        for rel in ("services", "objectives", "moderators"):
            if hasattr(obj, rel):
                row[rel] = sorted(x.id for x in getattr(obj, rel))
        out.append(row)
    return out


CASES = []


def case(fn):
    CASES.append(fn)
    return pytest.mark.usefixtures()(fn)


# --- projects ----------------------------------------------------------------------

def _project_form(side, **over):
    data = {"title": "Projet modifié", "description": "", "status": "idee",
            "lead_id": side.user.id, "start_date": "", "end_date": "",
            "service_ids": [side.service.id], "objective_ids": [side.objective.id]}
    data.update(over)
    return data


@pytest.mark.parametrize("field", ["service_ids", "objective_ids", "lead_id"])
def test_new_project_with_ids_of_another_collectivite(sides, client, field):
    a, b = sides
    value = {"service_ids": [b.service.id], "objective_ids": [b.objective.id],
             "lead_id": b.user.id}[field]
    before = _count(Project)
    _refused(client.post("/projets/nouveau", data=_project_form(a, **{field: value})))
    assert _count(Project) == before


@pytest.mark.parametrize("field", ["service_ids", "objective_ids", "lead_id"])
def test_edit_project_with_ids_of_another_collectivite(sides, client, field):
    a, b = sides
    value = {"service_ids": [b.service.id], "objective_ids": [b.objective.id],
             "lead_id": b.user.id}[field]
    before = _snapshot(a.project, b.project)
    _refused(client.post(f"/projets/{a.project.id}/modifier",
                         data=_project_form(a, **{field: value})))
    assert _snapshot(a.project, b.project) == before


def test_edit_another_collectivites_project(sides, client):
    a, b = sides
    before = _snapshot(b.project)
    resp = client.post(f"/projets/{b.project.id}/modifier", data=_project_form(a))
    assert resp.status_code == 404
    assert _snapshot(b.project) == before


@pytest.mark.parametrize("field", ["service_ids", "objective_ids"])
def test_action_with_ids_of_another_collectivite(sides, client, field):
    a, b = sides
    data = {"kind": "atelier", "title": "Atelier 2", "planned_on": "2026-06-01",
            "status": "prevue", "participants": 3, "service_ids": [a.service.id],
            "objective_ids": [a.objective.id], "minutes": ""}
    data[field] = [b.service.id] if field == "service_ids" else [b.objective.id]
    before = _count(Action)
    _refused(client.post(f"/projets/{a.project.id}/actions/nouvelle", data=data))
    assert _count(Action) == before
    snap = _snapshot(a.action)
    _refused(client.post(f"/projets/actions/{a.action.id}/modifier", data=data))
    assert _snapshot(a.action) == snap


def test_position_comment_concern_answer_on_another_collectivite(sides, client):
    a, b = sides
    positions = _count(Position)
    for url, data in [
        (f"/projets/propositions/{b.proposal.id}/position",
         {"stance": "accord", "reason": "Oui"}),
        (f"/projets/{b.project.id}/commentaires", {"body": "Intrusion"}),
        (f"/projets/actions/{b.action.id}/inquietudes", {"text": "Intrusion"}),
        (f"/projets/inquietudes/{b.concern.id}/reponse", {"answer": "Intrusion"}),
        (f"/projets/propositions/{b.proposal.id}/decision", {"outcome": "Intrusion"}),
        (f"/projets/propositions/{b.proposal.id}/cloture", {}),
    ]:
        assert client.post(url, data=data).status_code == 404, url
    assert _count(Position) == positions
    db.session.refresh(b.concern)
    assert b.concern.answer in (None, "")
    assert b.proposal.closes_at > utcnow()


# --- roadmap -------------------------------------------------------------------------

def _objective_form(side, obj=None, **over):
    data = {"title": "Objectif modifié", "description": "", "axis_id": side.axis.id,
            "owner_id": 0, "target_date": "", "status": "en_cours", "weight": 1,
            "manual_progress": 10, "version": obj.version if obj else ""}
    data.update(over)
    return data


@pytest.mark.parametrize("field", ["axis_id", "owner_id"])
def test_objective_with_ids_of_another_collectivite(sides, client, field):
    a, b = sides
    value = b.axis.id if field == "axis_id" else b.user.id
    before = _count(Objective)
    _refused(client.post(f"/feuille-de-route/axes/{a.axis.id}/objectifs/nouveau",
                         data=_objective_form(a, **{field: value})))
    assert _count(Objective) == before
    snap = _snapshot(a.objective, b.objective)
    _refused(client.post(f"/feuille-de-route/objectifs/{a.objective.id}/modifier",
                         data=_objective_form(a, a.objective, **{field: value})))
    assert _snapshot(a.objective, b.objective) == snap
    assert _count(Objective, Objective.axis_id == b.axis.id) == 1


# --- forums --------------------------------------------------------------------------

def test_move_topic_to_another_collectivites_category(sides, client):
    a, b = sides
    snap = _snapshot(a.topic)
    _refused(client.post(f"/forums/sujets/{a.topic.id}/deplacer",
                         data={"category_id": b.cat.id}))
    assert _snapshot(a.topic) == snap
    assert _count(Topic, Topic.category_id == b.cat.id, Topic.organisation_id == a.org.id) == 0


def _need_form(side, **over):
    data = {"title": "Un besoin nouveau", "category_id": side.cat.id, "public": "particuliers",
            "channel": "accueil", "frequency": "semaine", "impact": "moyen",
            "services": [side.service.id], "workaround": "", "body": "Les usagers demandent.",
            "submit": "1"}
    data.update(over)
    return data


@pytest.mark.parametrize("field", ["category_id", "services"])
def test_need_with_ids_of_another_collectivite(sides, client, field):
    a, b = sides
    value = b.cat.id if field == "category_id" else [b.service.id]
    before = _count(Need)
    _refused(client.post("/forums/besoins/nouveau", data=_need_form(a, **{field: value})))
    assert _count(Need) == before
    assert _count(Topic, Topic.category_id == b.cat.id) == _count(
        Topic, Topic.organisation_id == b.org.id, Topic.category_id == b.cat.id)


def test_link_need_to_another_collectivites_project(sides, client):
    from forums.models import NeedProject

    a, b = sides
    _refused(client.post(f"/forums/besoins/{a.need.id}/projets",
                         data={"project_id": b.project.id}))
    assert _count(NeedProject, NeedProject.project_id == b.project.id) == 0
    assert client.post(f"/forums/besoins/{b.need.id}/projets",
                       data={"project_id": a.project.id}).status_code == 404
    assert _count(NeedProject) == 0


def test_category_restricted_to_another_collectivites_service_or_moderator(sides, client):
    a, b = sides
    snap = _snapshot(a.cat)
    _refused(client.post(f"/forums/admin/categories/{a.cat.id}", data={
        "name": a.cat.name, "description": "", "position": 1,
        "services": [b.service.id], "moderators": [b.user.id]}))
    assert _snapshot(a.cat) == snap
    assert _count(Category, Category.organisation_id == a.org.id) == _count(
        Category, Category.organisation_id == a.org.id)


def test_colleagues_posts_cannot_be_edited_or_deleted(sides, client):
    a, _b = sides
    post = forums.first_post(a.topic)
    snap = _snapshot(post)
    for url, data in [(f"/forums/messages/{post.id}/modifier", {"body": "Réécrit"}),
                      (f"/forums/messages/{post.id}/supprimer", {})]:
        resp = client.post(url, data=data)
        assert resp.status_code in (403, 404) or resp.status_code == 200, url
    assert _snapshot(post) == snap


# --- courses -------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["module_id", "service_id", "user_ids"])
def test_assignment_with_ids_of_another_collectivite(sides, client, field):
    from courses.models import Assignment

    a, b = sides
    data = {"module_id": a.module.id, "service_id": a.service.id, "user_ids": [],
            "due_date": ""}
    data[field] = {"module_id": b.module.id, "service_id": b.service.id,
                   "user_ids": [b.colleague.id]}[field]
    if field == "user_ids":
        data["service_id"] = 0
    before = _count(Assignment)
    _refused(client.post("/modules/affectations", data=data))
    assert _count(Assignment) == before


def test_required_module_of_another_collectivite(sides, client):
    from courses.models import ProjectModule

    a, b = sides
    _refused(client.post(f"/modules/projets/{a.project.id}/modules",
                         data={"module_id": b.module.id}))
    assert client.post(f"/modules/projets/{b.project.id}/modules",
                       data={"module_id": a.module.id}).status_code == 404
    assert _count(ProjectModule) == 0


def test_edit_another_collectivites_module(sides, client):
    a, b = sides
    snap = _snapshot(b.module)
    for url in (f"/modules/gestion/{b.module.id}", f"/modules/gestion/{b.module.id}/publier",
                f"/modules/gestion/{b.module.id}/lecons", f"/modules/gestion/{b.module.id}/copier"):
        assert client.post(url, data={"title": "Volé"}).status_code == 404, url
    assert _snapshot(b.module) == snap
    assert _count(Module, Module.organisation_id == a.org.id) == 1


# --- accounts ------------------------------------------------------------------------

def test_invite_or_edit_user_with_ids_of_another_collectivite(sides, client):
    from change_portal.accounts.models import User

    a, b = sides
    before = _count(User)
    _refused(client.post("/admin/utilisateurs/inviter", data={
        "full_name": "Intrus", "email": "intrus@exemple.fr", "service_id": b.service.id,
        "roles": ["agent"]}))
    assert _count(User) == before
    snap = _snapshot(a.colleague, b.colleague)
    _refused(client.post(f"/admin/utilisateurs/{a.colleague.id}", data={
        "full_name": a.colleague.full_name, "service_id": b.service.id, "roles": ["agent"]}))
    assert client.post(f"/admin/utilisateurs/{b.colleague.id}", data={
        "full_name": "Volé", "service_id": a.service.id, "roles": ["admin"]}).status_code == 404
    for action in ("desactiver", "effacer", "reinviter"):
        assert client.post(f"/admin/utilisateurs/{b.colleague.id}/{action}",
                           data={"confirm": "oui"}).status_code == 404
    assert _snapshot(a.colleague, b.colleague) == snap


# --- controls: the same forms with the collectivité's own ids do go through -------------

def test_controls_same_forms_succeed_with_own_ids(sides, client):
    """Without this, a refusal above could come from a badly filled form."""
    from change_portal.accounts.models import User
    from courses.models import Assignment, ProjectModule
    from forums.models import NeedProject

    a, _b = sides
    n = _count(Project)
    assert client.post("/projets/nouveau", data=_project_form(a)).status_code == 302
    assert _count(Project) == n + 1
    assert client.post(f"/projets/{a.project.id}/modifier",
                       data=_project_form(a)).status_code == 302
    n = _count(Action)
    assert client.post(f"/projets/{a.project.id}/actions/nouvelle", data={
        "kind": "atelier", "title": "Atelier 2", "planned_on": "2026-06-01",
        "status": "prevue", "participants": 3, "service_ids": [a.service.id],
        "objective_ids": [a.objective.id], "minutes": ""}).status_code == 302
    assert _count(Action) == n + 1
    n = _count(Objective)
    assert client.post(f"/feuille-de-route/axes/{a.axis.id}/objectifs/nouveau",
                       data=_objective_form(a, owner_id=a.user.id)).status_code == 302
    assert _count(Objective) == n + 1
    other_cat = category(a.org, "Outils numériques") or db.session.scalar(
        select(Category).where(Category.organisation_id == a.org.id,
                               Category.id != a.cat.id))
    assert client.post(f"/forums/sujets/{a.topic.id}/deplacer",
                       data={"category_id": other_cat.id}).status_code == 302
    db.session.refresh(a.topic)
    assert a.topic.category_id == other_cat.id
    n = _count(Need)
    assert client.post("/forums/besoins/nouveau", data=_need_form(a)).status_code == 302
    assert _count(Need) == n + 1
    client.post(f"/forums/besoins/{a.need.id}/projets", data={"project_id": a.project.id})
    assert _count(NeedProject, NeedProject.project_id == a.project.id) == 1
    n = _count(Assignment)
    assert client.post("/modules/affectations", data={
        "module_id": a.module.id, "service_id": a.service.id, "user_ids": [],
        "due_date": ""}).status_code == 302
    assert _count(Assignment) == n + 1
    client.post(f"/modules/projets/{a.project.id}/modules", data={"module_id": a.module.id})
    assert _count(ProjectModule) == 1
    n = _count(User)
    assert client.post("/admin/utilisateurs/inviter", data={
        "full_name": "Nouvelle", "email": "nouvelle@exemple.fr", "service_id": a.service.id,
        "roles": ["agent"]}).status_code == 302
    assert _count(User) == n + 1
    resp = client.post(f"/forums/admin/categories/{a.cat.id}", data={
        "name": a.cat.name, "description": "", "position": 1,
        "services": [a.service.id], "moderators": [a.user.id]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert [s.id for s in a.cat.services] == [a.service.id]


# --- the role × route table --------------------------------------------------------

def test_access_table_covers_every_route(app):
    from tests.access import all_rules

    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    rules = all_rules()
    missing = endpoints - set(rules)
    with_ids = {r.endpoint for r in app.url_map.iter_rules()
                if r.endpoint != "static" and any(a.endswith("_id") for a in r.arguments)}
    print(f"access table: {len(endpoints & set(rules))}/{len(endpoints)} endpoints, "
          f"{len(with_ids)} with ids checked across collectivités")
    assert missing == set()


# --- a restricted category of the same collectivité ------------------------------------

def test_restricted_category_stays_closed_to_outsiders_even_with_its_id(org, client):
    """A category reserved to one service: an agent of another service who types its
    id (URL, the category select of the need form, the move form) gets nothing in."""
    from forums.models import Post

    inside = factories.create_service(org, "État civil")
    outside = factories.create_service(org, "Voirie")
    admin = factories.create_user(org, ["admin"])
    member = factories.create_user(org, ["agent"], service=inside)
    stranger = factories.create_user(org, ["agent", "project_lead"], service=outside)
    closed = forums.save_category(admin, org, name="Réservée", services=[inside])
    topic = forums.create_topic(member, closed, title="Entre nous", body="Dossier zorglub.",
                                rate_limited=False)
    own = forums.create_topic(stranger, category(org), title="À moi", body="Texte.",
                              rate_limited=False)
    db.session.flush()
    factories.log_in(client, stranger)
    posts = _count(Post)
    for url in (f"/forums/categories/{closed.id}", f"/forums/sujets/{topic.id}",
                f"/forums/messages/{forums.first_post(topic).id}/historique"):
        assert client.get(url).status_code in (403, 404), url
    found = client.get("/forums/recherche?q=zorglub").get_data(as_text=True)
    assert "Entre nous" not in found and "Dossier zorglub" not in found
    for url, data in [
        (f"/forums/sujets/{topic.id}/repondre", {"body": "Je m'invite."}),
        (f"/forums/categories/{closed.id}/nouveau-sujet", {"title": "Intrus", "body": "x"}),
        (f"/forums/messages/{forums.first_post(topic).id}/utile", {}),
        (f"/forums/messages/{forums.first_post(topic).id}/signaler", {"reason": "x"}),
    ]:
        assert client.post(url, data=data).status_code in (403, 404), url
    before = _count(Topic, Topic.category_id == closed.id)
    _refused(client.post("/forums/besoins/nouveau", data={
        "title": "Un besoin", "category_id": closed.id, "public": "particuliers",
        "channel": "accueil", "frequency": "semaine", "impact": "moyen",
        "workaround": "", "body": "Texte.", "submit": "1"}))
    _refused(client.post(f"/forums/sujets/{own.id}/deplacer", data={"category_id": closed.id}))
    assert _count(Topic, Topic.category_id == closed.id) == before
    assert _count(Post) == posts
