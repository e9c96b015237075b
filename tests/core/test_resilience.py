"""A database connection lost between the view and the teardown, and forms
re-submitted after a lost answer: no English 500, no duplicate."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from change_portal.core.idempotency import FIELD, FormSubmission
from change_portal.extensions import db
from forums.models import Post
from tests.forums import factories as ff


def _lost(*_args, **_kwargs):
    raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))


def test_a_rollback_failing_at_teardown_does_not_escape(app, monkeypatch):
    registry = db.session.registry
    monkeypatch.setattr(db.session, "remove", _lost)
    with app.test_request_context("/accueil"):
        app.do_teardown_appcontext()  # Flask-SQLAlchemy's teardown, as guarded: no raise
    assert not registry.has()  # the broken session is forgotten, the next gets a new one


def test_a_database_error_escaping_flask_is_the_french_503(app, client, login_as, monkeypatch):
    login_as("agent")
    monkeypatch.setitem(app.teardown_request_funcs, None,
                        [*app.teardown_request_funcs.get(None, []), _lost])
    resp = client.get("/accueil")
    assert resp.status_code == 503
    assert "Service momentanément indisponible" in resp.get_data(as_text=True)
    assert resp.headers["Retry-After"] == "5"


def _token(page: str) -> str:
    return re.search(rf'name="{FIELD}" value="([0-9a-f]{{32}})"', page).group(1)


def test_a_reply_submitted_twice_with_its_token_is_posted_once(app, client, org, login_as):
    login_as("agent")
    topic = ff.create_topic(org)
    page = client.get(f"/forums/sujets/{topic.id}").get_data(as_text=True)
    data = {"body": "Ma réponse, une seule fois.", FIELD: _token(page)}
    first = client.post(f"/forums/sujets/{topic.id}/repondre", data=data)
    assert first.status_code == 302
    again = client.post(f"/forums/sujets/{topic.id}/repondre", data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]  # where the first went
    count = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.topic_id == topic.id, Post.body.contains("une seule fois")))
    assert count == 1
    assert "déjà été envoyé" in client.get(again.headers["Location"]).get_data(as_text=True)
    # a new rendering of the form has a new token: a second reply is possible
    page = client.get(f"/forums/sujets/{topic.id}").get_data(as_text=True)
    assert _token(page) != data[FIELD]


def test_a_refused_submission_does_not_spend_its_token(app, client, org, login_as):
    login_as("agent")
    topic = ff.create_topic(org)
    token = "a" * 32
    resp = client.post(f"/forums/sujets/{topic.id}/repondre", data={"body": "", FIELD: token})
    assert resp.status_code in (200, 422)  # the form again, with its error
    assert db.session.get(FormSubmission, token) is None
    resp = client.post(f"/forums/sujets/{topic.id}/repondre",
                       data={"body": "Corrigé", FIELD: token})
    assert resp.status_code == 302


def test_forms_carry_a_token(app, client, org, login_as):
    login_as("agent")
    category_id = ff.category(org).id
    for path in ("/forums/besoins/nouveau", f"/forums/categories/{category_id}/nouveau-sujet"):
        assert f'name="{FIELD}"' in client.get(path).get_data(as_text=True), path
