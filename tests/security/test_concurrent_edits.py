"""Two people editing the same thing: both open the form, the first saves, then the
second saves what they had opened. The second save must be refused with a clear
message, and the first edit must still be there (optimistic locking on a version
column carried by the form as a hidden field)."""

from __future__ import annotations

import re

from change_portal.extensions import db
from courses import services as courses
from tests import factories
from tests.courses.factories import create_module
from tests.roadmap import factories as rf

CONFLICT_WORDS = ("pendant que vous", "quelqu'un a enregistré", "quelqu’un a enregistré",
                  "a été modifié", "entre-temps")


def hidden_fields(page: str) -> dict[str, str]:
    """What the browser sends back without the person seeing it."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def _two_clients(app, first, second):
    a, b = app.test_client(), app.test_client()
    factories.log_in(a, first)
    factories.log_in(b, second)
    return a, b


def _says_conflict(resp) -> bool:
    page = resp.get_data(as_text=True).lower().replace("&#39;", "'")
    return resp.status_code in (200, 409) and any(w in page for w in CONFLICT_WORDS)


def test_roadmap_objective_second_save_is_refused(app, org):
    first = factories.create_user(org, ["admin"], name="Alice Admin")
    second = factories.create_user(org, ["admin"], name="Bruno Admin")
    axis = rf.create_axis(rf.create_roadmap(org))
    obj = rf.create_objective(axis, title="Titre d'origine")
    url = f"/feuille-de-route/objectifs/{obj.id}/modifier"
    a, b = _two_clients(app, first, second)
    hidden_a = hidden_fields(a.get(url).get_data(as_text=True))
    hidden_b = hidden_fields(b.get(url).get_data(as_text=True))
    assert "version" in hidden_b, "the form carries no version"

    def form(hidden, title):
        return {**hidden, "title": title, "description": "", "axis_id": axis.id,
                "owner_id": 0, "target_date": "", "status": "en_cours", "weight": 1,
                "manual_progress": 10}

    assert a.post(url, data=form(hidden_a, "Titre d'Alice")).status_code == 302
    resp = b.post(url, data=form(hidden_b, "Titre de Bruno"))
    assert resp.status_code != 302 and _says_conflict(resp), resp.status_code
    db.session.expire_all()
    assert db.session.get(type(obj), obj.id).title == "Titre d'Alice"
    # Reloading gives Bruno the new version: his save then goes through.
    hidden_b = hidden_fields(b.get(url).get_data(as_text=True))
    assert b.post(url, data=form(hidden_b, "Titre de Bruno")).status_code == 302


def test_lesson_second_save_is_refused(app, org):
    first = factories.create_user(org, ["trainer"], name="Alice Formatrice")
    second = factories.create_user(org, ["trainer"], name="Bruno Formateur")
    module = create_module(org)
    lesson = courses.ensure_draft(first, module).lessons[0]
    url = f"/modules/gestion/{module.id}/lecons/{lesson.id}"
    a, b = _two_clients(app, first, second)
    hidden_a = hidden_fields(a.get(url).get_data(as_text=True))
    hidden_b = hidden_fields(b.get(url).get_data(as_text=True))
    resp = a.post(url, data={**hidden_a, "title": "Leçon", "source": "Texte d'Alice."})
    assert resp.status_code == 302
    resp = b.post(url, data={**hidden_b, "title": "Leçon", "source": "Texte de Bruno."})
    db.session.expire_all()
    body = db.session.get(type(lesson), lesson.id).body
    assert "Alice" in body, "the first edit was overwritten"
    assert resp.status_code != 302 and _says_conflict(resp)
