"""Whole-app properties: migrations match the models, headers, errors, health, CLI."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from change_portal.accounts.models import User
from change_portal.core.security import CSP
from change_portal.extensions import db
from change_portal.organisations.models import Organisation


def test_models_and_migrations_agree(app):
    """No pending autogenerate diff: every model change has its migration."""
    ctx = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    diff = compare_metadata(ctx, db.metadata)
    # Full-text search objects are created by raw SQL in migrations and are not
    # models; any other difference is a missing migration.
    diff = [d for d in diff if not _is_search_object(d)]
    assert diff == [], f"models and migrations differ: {diff}"


def _is_search_object(entry) -> bool:
    text = repr(entry)
    return "search" in text.lower() or "fts" in text.lower()


def test_security_headers_on_every_kind_of_response(client):
    for path in ("/", "/connexion", "/page-qui-n-existe-pas", "/healthz"):
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert csp == CSP
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in resp.headers  # plain HTTP here


def test_hsts_over_https(client):
    resp = client.get("/connexion", base_url="https://portail.example")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(app, client, org):
    from tests import factories

    factories.create_user(org, ["agent"], email="cookie@ville-a.fr")
    resp = client.post("/connexion", data={"email": "cookie@ville-a.fr",
                                           "password": factories.PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_french_error_pages(client, login_as):
    resp = client.get("/nulle-part")
    assert resp.status_code == 404
    assert "Page introuvable" in resp.get_data(as_text=True)
    login_as("agent")
    resp = client.get("/admin/utilisateurs")
    assert resp.status_code == 403
    assert "Accès refusé" in resp.get_data(as_text=True)
    resp = client.get("/api/v1/inconnu")
    assert resp.status_code == 404 and resp.is_json
    assert resp.get_json()["error"]["code"] == 404


def test_unexpected_error_is_a_french_500_without_trace(app):
    from change_portal import create_app

    fresh = create_app({**{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")},
                        "TESTING": True})

    @fresh.get("/__boom")
    def boom():
        raise RuntimeError("secret internal detail")

    resp = fresh.test_client().get("/__boom")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "Erreur du portail" in text and "secret internal detail" not in text


def test_healthz_reports_database_and_queue(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"database": "ok", "queue": "inline", "status": "ok"}


def test_healthz_503_when_redis_is_unreachable(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        resp = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = None
    assert resp.status_code == 503
    assert resp.get_json()["queue"] == "unavailable"


def test_cli_users_create_reads_password_from_stdin(runner, org):
    result = runner.invoke(args=["users", "create", "ops@plateforme.fr", "--role", "operator",
                                 "--password-stdin"], input="une phrase très longue\n")
    assert result.exit_code == 0, result.output
    assert "une phrase" not in result.output
    user = db.session.scalars(select(User).where(User.email == "ops@plateforme.fr")).one()
    assert user.organisation_id is None and user.has_role("operator")
    result = runner.invoke(args=["users", "create", "admin@ville-a.fr", "--role", "admin",
                                 "--organisation", org.slug, "--password-stdin"],
                           input="court\n")
    assert result.exit_code != 0
    assert "12 caractères" in result.output


def test_cli_users_create_refuses_unknown_collectivite(runner):
    result = runner.invoke(args=["users", "create", "x@y.fr", "--role", "admin",
                                 "--organisation", "nulle-part", "--password-stdin"],
                           input="une phrase très longue\n")
    assert result.exit_code != 0 and "no collectivité" in result.output


def test_demo_loads_once(runner):
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "sophie.martin@demo.example" in first.output
    count = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0 and "not loaded again" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == count
    demo = db.session.scalars(select(Organisation).where(Organisation.slug == "demo")).one()
    assert demo.population == 6140
    roles = set()
    for user in db.session.scalars(select(User)):
        roles |= user.role_names
    assert roles == {"agent", "trainer", "project_lead", "elected", "admin", "operator"}
    # One demo person works for the town and its intercommunalité: two memberships.
    thomas = db.session.scalars(select(User).where(
        User.email == "thomas.girard@demo.example")).all()
    assert len(thomas) == 2 and len({u.account_id for u in thomas}) == 1
