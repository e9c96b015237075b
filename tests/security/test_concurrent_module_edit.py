"""Two trainers editing the same module's description (title, summary,
introduction): the second save must be refused and the first kept."""

from __future__ import annotations

from change_portal.extensions import db
from courses import services as courses
from tests import factories
from tests.courses.factories import create_module
from tests.security.test_concurrent_edits import _says_conflict, _two_clients, hidden_fields


def test_module_introduction_second_save_is_refused(app, org):
    first = factories.create_user(org, ["trainer"], name="Alice Formatrice")
    second = factories.create_user(org, ["trainer"], name="Bruno Formateur")
    module = create_module(org)
    courses.ensure_draft(first, module)
    url = f"/modules/gestion/{module.id}"
    a, b = _two_clients(app, first, second)
    hidden_a = hidden_fields(a.get(url).get_data(as_text=True))
    hidden_b = hidden_fields(b.get(url).get_data(as_text=True))

    def form(hidden, intro):
        return {**hidden, "title": "Module", "summary": "Résumé.", "duration": 20,
                "level": "débutant", "pass_score": 80, "competences": "",
                "introduction": intro}

    assert a.post(url, data=form(hidden_a, "Introduction d'Alice.")).status_code == 302
    resp = b.post(url, data=form(hidden_b, "Introduction de Bruno."))
    db.session.expire_all()
    draft = courses.draft_version(db.session.get(type(module), module.id))
    assert "Alice" in draft.introduction, "the first edit was overwritten"
    assert resp.status_code != 302 and _says_conflict(resp)
