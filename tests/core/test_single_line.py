"""Single-line fields stay on one line (issue 11, item 12): a CR/LF typed into a name
or a title is normalised on input, and a subject is made one line before a message is
built (a line break in a header made EmailMessage raise and the email was lost)."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from sqlalchemy import select

from change_portal.core.mail import build_message
from change_portal.core.text import single_line
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from forums.models import Topic
from tests import factories
from tests.forums.factories import category


@pytest.mark.parametrize(("raw", "expected"), [
    ("Jean\r\nDupont", "Jean Dupont"),
    ("  Jean \t\t Dupont \n", "Jean Dupont"),
    ("a\rb\nc\x0bd\x0ce\x85f\u2028g\u2029h", "a b c d e f g h"),
    ("nul\x00byte\x1b[31m", "nul byte [31m"),
    ("Élodie  Lefèvre", "Élodie Lefèvre"),
    ("", ""),
    (None, None),
])
def test_single_line(raw, expected):
    assert single_line(raw) == expected


def test_build_message_with_cr_lf_in_subject_is_one_header(app):
    msg = build_message("agent@ville-a.fr", "Nouveau message de Jean\r\nBcc: espion@exemple.fr",
                        "Bonjour")
    raw = bytes(msg)  # serialising raised ValueError before the fix
    parsed = message_from_bytes(raw)
    assert parsed["Subject"] == "Nouveau message de Jean Bcc: espion@exemple.fr"
    assert parsed["Bcc"] is None
    assert len(build_message("a@b.fr", "x" * 1000, "corps")["Subject"]) == 250


def test_admin_form_names_are_one_line(client, org, login_as):
    login_as("admin")
    target = factories.create_user(org, ["agent"])
    resp = client.post(f"/admin/utilisateurs/{target.id}", data={
        "full_name": " Jean\r\nDupont\t", "service_id": "0", "roles": ["agent"]})
    assert resp.status_code == 302
    resp = client.post("/admin/services", data={"name": "Service\r\n\r\ndes sports"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert target.full_name == "Jean Dupont"
    assert db.session.scalar(select(Service.name).where(
        Service.organisation_id == org.id, Service.name.like("Service%sports"))) == (
        "Service des sports")


def test_invitation_name_and_topic_title_are_one_line(client, org, login_as, outbox):
    author = login_as("admin")
    cat = category(org)
    resp = client.post(f"/forums/categories/{cat.id}/nouveau-sujet", data={
        "title": "Horaires\r\nd'été", "body": "Le corps\r\nreste sur deux lignes.",
        "submit": "Publier"})
    assert resp.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.author_id == author.id))
    assert topic.title == "Horaires d'été"
    resp = client.post("/admin/utilisateurs/inviter", data={
        "full_name": "Lucie\r\nBernard", "email": "lucie@ville-a.fr", "service_id": "0",
        "roles": ["agent"]})
    assert resp.status_code == 302
    assert [m.read_bytes() for m in outbox.glob("invitation-*.eml")]  # the email went out


def test_operator_collectivite_name_is_one_line(client, login_as):
    login_as("operator")
    resp = client.post("/plateforme/collectivites/nouvelle", data={
        "name": "Ville\r\nde Test", "slug": "ville-de-test", "kind": "commune",
        "population": "1200", "region": "", "admin_name": "Anne\nMartin",
        "admin_email": "anne@ville-de-test.fr"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "ville-de-test"))
    assert org.name == "Ville de Test"


def test_checked_title_is_one_line_and_refuses_empty_or_too_long(app):
    from change_portal.core.errors import DomainError
    from change_portal.core.text import checked_title

    with app.test_request_context("/"):
        assert checked_title("  Un\r\ntitre  ", 20) == "Un titre"
        with pytest.raises(DomainError) as empty:
            checked_title(" \n ", 20, field="name")
        assert empty.value.field == "name" and "Indiquez un titre" in empty.value.message
        with pytest.raises(DomainError) as long:
            checked_title("x" * 21, 20)
        assert long.value.field == "title" and "20 caractères" in long.value.message
