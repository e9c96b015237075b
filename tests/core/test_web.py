"""The views' shared helpers: one form-error helper, NotAllowed answered 403."""

from flask_wtf import FlaskForm
from wtforms import StringField

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.web import form_error


def test_not_allowed_escaping_a_view_is_a_french_403_after_a_rollback(app):
    with app.test_request_context("/"):
        resp = app.make_response(app.handle_user_exception(NotAllowed("refusé")))
    assert resp.status_code == 403
    assert "<html" in resp.get_data(as_text=True)


def test_form_error_goes_to_the_named_field_or_the_default(app):
    class Form(FlaskForm):
        title = StringField()
        body = StringField()

    with app.test_request_context("/"):
        form = Form(meta={"csrf": False})
        form.validate()
        form_error(form, DomainError("Titre déjà pris.", field="title"), "body")
        form_error(form, DomainError("Trop long."), "body")
        form_error(form, DomainError("Champ inconnu.", field="nope"), "body")
    assert form.title.errors == ["Titre déjà pris."]
    assert form.body.errors == ["Trop long.", "Champ inconnu."]
