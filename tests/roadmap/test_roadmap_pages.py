"""Editing the roadmap: admins only, bad input refused with clear messages,
history kept, optimistic locking on objectives."""

from datetime import date

from sqlalchemy import select

from change_portal.extensions import db
from change_portal.roadmap import queries
from change_portal.roadmap.models import (
    Axis,
    Indicator,
    IndicatorValue,
    Objective,
    ObjectiveHistory,
    Roadmap,
)
from tests import factories
from tests.roadmap import factories as f


def _objective_form(obj, **overrides):
    data = {"title": obj.title, "description": "", "axis_id": obj.axis_id, "owner_id": 0,
            "target_date": "", "status": obj.status, "weight": obj.weight,
            "manual_progress": obj.manual_progress, "version": obj.version}
    data.update(overrides)
    return data


def test_admin_creates_roadmap_axis_objective(client, org, login_as):
    login_as("admin")
    resp = client.post("/feuille-de-route/modifier",
                       data={"title": "Schéma 2026-2030", "start_year": 2026, "end_year": 2030})
    assert resp.status_code == 302
    client.post("/feuille-de-route/axes", data={"title": "Relation aux usagers"})
    axis = db.session.scalar(select(Axis).where(Axis.organisation_id == org.id))
    assert axis.title == "Relation aux usagers"
    resp = client.post(f"/feuille-de-route/axes/{axis.id}/objectifs/nouveau", data={
        "title": "Démarches en ligne", "description": "**Important**", "axis_id": axis.id,
        "owner_id": 0, "status": "en_cours", "weight": 2, "manual_progress": 30})
    assert resp.status_code == 302
    obj = db.session.scalar(select(Objective).where(Objective.axis_id == axis.id))
    assert obj.description_html == "<p><strong>Important</strong></p>"
    page = client.get(f"/feuille-de-route/objectifs/{obj.id}").get_data(as_text=True)
    assert "Démarches en ligne" in page and "30 %" in page
    kinds = {h.kind for h in db.session.scalars(select(ObjectiveHistory))}
    assert kinds == {"status", "progress"}


def test_end_year_before_start_year_is_refused(client, org, login_as):
    login_as("admin")
    resp = client.post("/feuille-de-route/modifier",
                       data={"title": "Schéma", "start_year": 2030, "end_year": 2026})
    assert resp.status_code == 200
    assert "postérieure" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Roadmap).where(Roadmap.organisation_id == org.id)) is None


def test_progress_outside_0_100_is_refused(client, org, login_as):
    login_as("admin")
    axis = f.create_axis(f.create_roadmap(org))
    obj = f.create_objective(axis, manual_progress=20)
    for bad in (150, -1):
        resp = client.post(f"/feuille-de-route/objectifs/{obj.id}/modifier",
                           data=_objective_form(obj, manual_progress=bad))
        assert resp.status_code == 200
        assert "entre 0 et 100" in resp.get_data(as_text=True)
    db.session.refresh(obj)
    assert obj.manual_progress == 20


def test_indicator_target_equal_to_baseline_is_refused(client, org, login_as):
    login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    resp = client.post(f"/feuille-de-route/objectifs/{obj.id}/indicateurs",
                       data={"name": "Démarches", "unit": "", "baseline": "5", "target": "5"})
    assert resp.status_code == 422
    assert "différente de la valeur de départ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Indicator)) is None


def test_indicator_values_are_recorded_in_history_and_drive_progress(client, org, login_as):
    admin = login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)), manual_progress=90)
    client.post(f"/feuille-de-route/objectifs/{obj.id}/indicateurs",
                data={"name": "Démarches en ligne", "unit": "", "baseline": "0",
                      "target": "40"})
    ind = db.session.scalar(select(Indicator))
    resp = client.post(f"/feuille-de-route/indicateurs/{ind.id}/valeurs",
                       data={"value": "10", "measured_on": "2026-03-01"})
    assert resp.status_code == 302
    view = queries.load_roadmap(org.id)
    assert view.objectives[0].progress == 25
    hist = db.session.scalar(select(ObjectiveHistory).where(ObjectiveHistory.kind == "indicator"))
    assert (hist.actor_id, hist.to_value, hist.label) == (admin.id, "10", "Démarches en ligne")
    page = client.get(f"/feuille-de-route/objectifs/{obj.id}").get_data(as_text=True)
    assert "Nouvelle valeur de « Démarches en ligne » : 10" in page


def test_bad_indicator_value_keeps_the_input(client, org, login_as):
    login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    ind = f.create_indicator(obj)
    resp = client.post(f"/feuille-de-route/indicateurs/{ind.id}/valeurs",
                       data={"value": "beaucoup", "measured_on": "2026-03-01"})
    assert resp.status_code == 422
    assert 'value="2026-03-01"' in resp.get_data(as_text=True)
    assert db.session.scalar(select(IndicatorValue)) is None


def test_second_concurrent_save_is_refused_and_first_kept(client, org, login_as):
    login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)), title="Avant")
    opened = _objective_form(obj)
    first = client.post(f"/feuille-de-route/objectifs/{obj.id}/modifier",
                        data={**opened, "title": "Premier"})
    assert first.status_code == 302
    second = client.post(f"/feuille-de-route/objectifs/{obj.id}/modifier",
                         data={**opened, "title": "Second"})
    assert second.status_code == 409
    assert "Quelqu'un a enregistré cet objectif" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Objective, obj.id).title == "Premier"


def test_status_change_is_in_history_with_who(client, org, login_as):
    admin = login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)), status="en_cours")
    client.post(f"/feuille-de-route/objectifs/{obj.id}/modifier",
                data=_objective_form(obj, status="atteint"))
    row = db.session.scalar(select(ObjectiveHistory).where(ObjectiveHistory.kind == "status"))
    assert (row.from_value, row.to_value, row.actor_id) == ("en_cours", "atteint", admin.id)
    page = client.get(f"/feuille-de-route/objectifs/{obj.id}").get_data(as_text=True)
    assert "Statut : En cours → Atteint" in page


def test_objective_of_another_axis_of_another_org_is_404(client, org, other_org, login_as):
    login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    foreign_axis = f.create_axis(f.create_roadmap(other_org))
    resp = client.post(f"/feuille-de-route/objectifs/{obj.id}/modifier",
                       data=_objective_form(obj, axis_id=foreign_axis.id))
    # the foreign axis is not among the choices: the form refuses it, nothing moves
    assert resp.status_code in (200, 404)
    db.session.refresh(obj)
    assert obj.axis_id != foreign_axis.id


def test_non_admins_cannot_edit(client, org, login_as):
    login_as("elected")
    assert client.get("/feuille-de-route/modifier").status_code == 403


def test_roadmap_page_explains_progress(client, org, login_as):
    login_as("agent")
    axis = f.create_axis(f.create_roadmap(org))
    f.create_objective(axis, title="Ancien", status="abandonne")
    f.create_objective(axis, title="En retard", target_date=date(2020, 1, 1))
    page = client.get("/feuille-de-route/").get_data(as_text=True)
    assert "Comment l'avancement est-il calculé" in page
    assert "non compté" in page and "En retard" in page


def test_publish_toggle(client, org, login_as):
    login_as("admin")
    f.create_roadmap(org)
    client.post("/feuille-de-route/publication", data={"published": "y"})
    assert org.roadmap_published is True
    client.post("/feuille-de-route/publication", data={})
    db.session.refresh(org)
    assert org.roadmap_published is False


def test_owner_from_another_collectivite_is_404(client, org, other_org, login_as):
    login_as("admin")
    axis = f.create_axis(f.create_roadmap(org))
    stranger = factories.create_user(other_org)
    resp = client.post(f"/feuille-de-route/axes/{axis.id}/objectifs/nouveau", data={
        "title": "X", "axis_id": axis.id, "owner_id": stranger.id, "status": "en_cours",
        "weight": 1, "manual_progress": 0})
    assert resp.status_code == 200  # not a valid choice: form error, nothing saved
    assert db.session.scalar(select(Objective)) is None


def test_admin_fixes_an_indicator_but_not_to_target_equal_baseline(client, org, login_as):
    login_as("admin")
    obj = f.create_objective(f.create_axis(f.create_roadmap(org)))
    ind = f.create_indicator(obj, baseline=0, target=10, values=[5])
    url = f"/feuille-de-route/indicateurs/{ind.id}/modifier"
    resp = client.post(url, data={"name": "Démarches", "unit": "", "baseline": "3",
                                  "target": "3"})
    assert resp.status_code == 422
    assert "différente de la valeur de départ" in resp.get_data(as_text=True)
    resp = client.post(url, data={"name": "Démarches", "unit": "", "baseline": "0",
                                  "target": "20"})
    assert resp.status_code == 302
    db.session.refresh(ind)
    assert (ind.target, len(ind.values)) == (20, 1)
    assert queries.load_roadmap(org.id).objectives[0].progress == 25


def test_owner_enters_progress_others_cannot(client, org, login_as):
    axis = f.create_axis(f.create_roadmap(org))
    owner = factories.create_user(org, ["agent"])
    obj = f.create_objective(axis, owner=owner, manual_progress=10)
    url = f"/feuille-de-route/objectifs/{obj.id}/avancement"
    login_as("agent")
    resp = client.post(url, data={"manual_progress": "60", "version": obj.version})
    assert resp.status_code == 302
    db.session.refresh(obj)
    assert obj.manual_progress == 10  # refused with a message
    login_as(owner)
    resp = client.post(url, data={"manual_progress": "120", "version": obj.version})
    assert resp.status_code == 422
    assert "entre 0 et 100" in resp.get_data(as_text=True)
    resp = client.post(url, data={"manual_progress": "60", "version": obj.version})
    assert resp.status_code == 302
    db.session.refresh(obj)
    assert obj.manual_progress == 60
    row = db.session.scalar(select(ObjectiveHistory).where(ObjectiveHistory.kind == "progress"))
    assert (row.actor_id, row.from_value, row.to_value) == (owner.id, "10", "60")
    # a second form opened on the old version is refused
    resp = client.post(url, data={"manual_progress": "70", "version": obj.version - 1})
    assert resp.status_code == 422
    assert "rechargez la page" in resp.get_data(as_text=True)
