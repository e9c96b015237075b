"""E-mail links point where people reach the portal: the trusted host of the request that
queued the job, never a forged Host header; BASE_URL otherwise."""

from __future__ import annotations

import re

import pytest

from change_portal.core import jobs, links
from tests.mailbox import text_of


@pytest.fixture
def trusted(app):
    saved = app.config["TRUSTED_HOSTS"]
    app.config["TRUSTED_HOSTS"] = ["portail.ville-a.fr", "10.0.0.5", "localhost"]
    yield
    app.config["TRUSTED_HOSTS"] = saved


def _invite(client, email):
    return client.post("/admin/utilisateurs/inviter", data={
        "full_name": "Lucie Bernard", "email": email, "service_id": "0", "roles": ["agent"]},
        base_url="http://localhost:8080")


def _link(outbox) -> str:
    files = sorted(outbox.glob("invitation-*.eml"))
    body = text_of(files[-1])
    return re.search(r"(https?://\S+)/invitation/", body).group(1)


def test_invitation_link_uses_the_trusted_address_the_admin_used(app, client, org, login_as,
                                                                 outbox, trusted):
    login_as("admin")
    assert _invite(client, "lucie@ville-a.fr").status_code == 302
    assert _link(outbox) == "http://localhost:8080"  # not BASE_URL's 127.0.0.1:5000


def test_untrusted_host_is_refused_and_never_in_a_link(app, client, org, login_as, outbox,
                                                      trusted):
    login_as("admin")
    resp = client.get("/admin/utilisateurs", base_url="http://evil.example")
    assert resp.status_code == 400  # Flask refuses a Host outside TRUSTED_HOSTS
    assert "Hôte non reconnu" in resp.get_data(as_text=True)
    with app.test_request_context("/", base_url="https://portail.ville-a.fr"):
        assert links.request_base_url() == "https://portail.ville-a.fr"
    app.config["TRUSTED_HOSTS"] = None  # not configured: the request's host is not used
    with app.test_request_context("/", base_url="http://evil.example"):
        assert links.request_base_url() is None
        assert links.base_url() == app.config["BASE_URL"].rstrip("/")


def test_without_trusted_hosts_links_use_base_url(app, client, org, login_as, outbox):
    assert not app.config["TRUSTED_HOSTS"]
    login_as("admin")
    _invite(client, "marc@ville-a.fr")
    assert _link(outbox) == app.config["BASE_URL"].rstrip("/")


def test_a_job_keeps_the_address_of_the_request_that_queued_it(app, trusted):
    seen = {}

    with app.test_request_context("/", base_url="https://portail.ville-a.fr"):
        args = jobs._with_base((42,))
    assert args[0] == {"__base_url__": "https://portail.ville-a.fr"}
    with app.app_context():
        # what the rq worker does: no request, the recorded address comes with the job
        jobs._run(f"{__name__}:_record", (*args, seen))
        assert seen == {"base": "https://portail.ville-a.fr", "value": 42}
        assert links.base_url() == app.config["BASE_URL"].rstrip("/")  # reset after
        assert links.external_for("courses.verify", attestation_code="AB-12") == (
            app.config["BASE_URL"].rstrip("/") + "/verifier/AB-12")


def _record(value, seen):
    seen.update(base=links.base_url(), value=value)
