"""Bulk onboarding: preview per line, nothing done before confirmation, one job
sends the invitations, a neutral answer for addresses used elsewhere, a report
that cannot run formulas, services imported as a hierarchy."""

from __future__ import annotations

import csv
import io
import re
import uuid
from html import unescape

import pytest
from sqlalchemy import func, select

from change_portal.accounts.admin import bulk, import_views
from change_portal.accounts.admin.tabular import MAX_BYTES, MAX_ROWS
from change_portal.accounts.models import Account, Invitation, User
from change_portal.extensions import db
from change_portal.organisations.models import Service
from tests import factories

PEOPLE = (
    "Nom;Courriel;Service;Rôles\n"
    "Hélène Durand;helene@ville-a.fr;État civil;Agent | Formateur·rice\n"
    "Déjà Là;deja@ville-a.fr;;agent\n"
    "Ailleurs Connu;connu@ailleurs.fr;Cuisine centrale;agent\n"
    "=HYPERLINK(\"http://x\");formule@ville-a.fr;;\n"
)


def _upload(client, url, text, *, name="agents.csv", encoding="utf-8"):
    return client.post(url, data={"fichier": (io.BytesIO(text.encode(encoding)), name)},
                       content_type="multipart/form-data")


def _token(html: str, name="jeton") -> str:
    return unescape(re.search(rf'name="{name}" value="([^"]+)"', html).group(1))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_preview_lists_actions_and_changes_nothing(client, org, other_org, login_as):
    login_as("admin")
    factories.create_service(org, "État civil")
    factories.create_user(org, email="deja@ville-a.fr")
    factories.create_user(other_org, email="connu@ailleurs.fr")
    users_before, accounts_before = _count(User), _count(Account)
    resp = _upload(client, "/admin/utilisateurs/import", PEOPLE)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "3 nouvelle(s) invitation(s)" in html
    assert "1 personne(s) déjà membre(s)" in html
    assert "Services à créer : Cuisine centrale" in html
    # The address known in another collectivité reads exactly like a new one.
    row = re.search(r"<td>connu@ailleurs.fr</td>.*?</tr>", html, re.S).group(0)
    assert "Nouvelle invitation" in row and "Ville B" not in html
    assert "Formateur·rice" in html and "(par défaut)" in html
    assert _count(User) == users_before and _count(Account) == accounts_before
    assert _count(Invitation) == 0 and _count(Service, Service.name == "Cuisine centrale") == 0
    assert 'name="jeton"' in html


def test_errors_carry_file_and_line_and_block_confirmation(client, org, login_as):
    login_as("admin")
    text = ("nom,email,roles\n"
            "Ana,ana@ville-a.fr,agent\n"
            ",sans-nom@ville-a.fr,agent\n"
            "Bob,pas-une-adresse,agent\n"
            "Ana Bis,ANA@ville-a.fr,agent\n"
            "Carl,carl@ville-a.fr,sorcier\n"
            "Dora,dora@ville-a.fr,agent,admin\n")
    html = _upload(client, "/admin/utilisateurs/import", text, name="liste.csv").get_data(
        as_text=True)
    assert "liste.csv:3 : nom manquant" in html
    assert "liste.csv:4 : adresse électronique invalide" in html
    assert "liste.csv:5 : adresse en double : déjà à la ligne 2" in html
    assert "liste.csv:6 : rôle inconnu : « sorcier »" in html
    dora = re.search(r"<td>dora@ville-a.fr</td>.*?</tr>", html, re.S).group(0)
    assert "Agent, Administrateur·rice" in dora and "Nouvelle invitation" in dora
    assert 'name="jeton"' not in html  # all or nothing: no confirm button
    assert _count(User, User.email == "ana@ville-a.fr") == 0


def test_unreadable_file_is_a_french_error(client, org, login_as):
    login_as("admin")
    resp = client.post("/admin/utilisateurs/import",
                       data={"fichier": (io.BytesIO(b"PK\x03\x04zip"), "agents.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "agents.xlsx : c&#39;est un classeur" in resp.get_data(as_text=True)
    resp = client.post("/admin/utilisateurs/import", data={})
    assert resp.status_code == 400 and "Choisissez un fichier CSV" in resp.get_data(as_text=True)


def test_confirm_invites_through_one_job_and_reports(client, org, other_org, login_as, outbox,
                                                     monkeypatch):
    admin = login_as("admin")
    factories.create_service(org, "État civil")
    factories.create_user(org, email="deja@ville-a.fr")
    elsewhere = factories.create_user(other_org, email="connu@ailleurs.fr")
    calls = []
    real = import_views.enqueue
    monkeypatch.setattr(import_views, "enqueue",
                        lambda func, *args: calls.append((func.__name__, args)) or real(
                            func, *args))
    token = _token(_upload(client, "/admin/utilisateurs/import",
                           PEOPLE.encode("utf-8").decode("utf-8")).get_data(as_text=True))
    resp = client.post("/admin/utilisateurs/import/confirmer", data={"jeton": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "3 invitation(s) enregistrée(s)" in html
    assert len(calls) == 1 and calls[0][0] == "send_invitations" and len(calls[0][1][0]) == 3
    assert len(list(outbox.glob("invitation-*.eml"))) == 3
    helene = db.session.scalars(select(User).where(User.email == "helene@ville-a.fr")).one()
    assert helene.organisation_id == org.id and helene.service.name == "État civil"
    assert {r.role for r in helene.roles} == {"agent", "trainer"}
    assert db.session.scalars(select(Service).where(
        Service.organisation_id == org.id, Service.name == "Cuisine centrale")).one()
    # Same account, a pending membership: the other collectivité's row is untouched.
    pending = db.session.scalars(select(User).where(User.email == "connu@ailleurs.fr",
                                                    User.organisation_id == org.id)).one()
    assert pending.account_id == elsewhere.account_id and pending.status == "invited"
    assert all(i.invited_by_id == admin.id for i in db.session.scalars(select(Invitation)))
    # The report: one row per line, formulas neutralised.
    report = client.post("/admin/utilisateurs/import/rapport",
                         data={"rapport": _token(html, "rapport")})
    assert report.status_code == 200 and report.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Ligne" and len(rows) == 5
    assert rows[2][5] == "déjà membre de la collectivité"
    assert rows[3][5] == "invitation envoyée ; service créé"
    assert rows[4][1] == "'=HYPERLINK(\"http://x\")"
    # Replaying the same confirmation creates nothing twice (they are members now).
    again = client.post("/admin/utilisateurs/import/confirmer", data={"jeton": token})
    assert "0 invitation(s)" in again.get_data(as_text=True)
    assert _count(Invitation) == 3


def test_token_is_bound_to_its_admin_and_cannot_be_forged(app, client, org, other_org,
                                                         login_as):
    login_as("admin")
    token = _token(_upload(client, "/admin/utilisateurs/import", PEOPLE).get_data(
        as_text=True))
    other = app.test_client()
    factories.log_in(other, factories.create_user(other_org, roles=["admin"]))
    resp = other.post("/admin/utilisateurs/import/confirmer", data={"jeton": token},
                      follow_redirects=True)
    assert "Cet aperçu a expiré ou n&#39;est pas valide" in resp.get_data(as_text=True)
    resp = client.post("/admin/utilisateurs/import/confirmer", data={"jeton": token[:-3] + "abc"},
                       follow_redirects=True)
    assert "Cet aperçu a expiré" in resp.get_data(as_text=True)
    assert _count(Invitation) == 0


def test_not_for_non_admins(client, org, login_as):
    login_as("trainer")
    assert client.get("/admin/utilisateurs/import").status_code == 403
    assert _upload(client, "/admin/utilisateurs/import", PEOPLE).status_code == 403
    assert client.post("/admin/services/import/confirmer", data={}).status_code == 403


# --- services ----------------------------------------------------------------

SERVICES = (
    "nom;parent\n"
    "Direction générale;\n"
    "État civil;Population\n"      # parent defined further down
    "Population;Direction générale\n"
    "Accueil;Population\n"          # an existing service moves
)


def test_services_hierarchy_preview_then_confirm(client, org, login_as):
    login_as("admin")
    accueil = factories.create_service(org, "Accueil")
    html = _upload(client, "/admin/services/import", SERVICES, name="services.csv").get_data(
        as_text=True)
    assert "3 service(s) à créer" in html and "1 rattachement(s) à modifier" in html
    assert _count(Service, Service.organisation_id == org.id) == 1
    resp = client.post("/admin/services/import/confirmer", data={"jeton": _token(html)})
    assert resp.status_code == 302
    by_name = {s.name: s for s in db.session.scalars(
        select(Service).where(Service.organisation_id == org.id))}
    assert by_name["État civil"].parent_id == by_name["Population"].id
    assert by_name["Population"].parent_id == by_name["Direction générale"].id
    assert by_name["Direction générale"].parent_id is None
    assert accueil.parent_id == by_name["Population"].id
    listing = client.get("/admin/services").get_data(as_text=True)
    assert "Rattaché à" in listing


def test_services_errors_unknown_parent_cycle_duplicate(client, org, login_as):
    login_as("admin")
    text = ("service,parent\n"
            "A,B\n"
            "B,A\n"
            "C,Inconnu\n"
            "a,\n"
            "D,D\n")
    html = _upload(client, "/admin/services/import", text, name="s.csv").get_data(as_text=True)
    assert "s.csv:2 : rattachement circulaire" in html
    assert "s.csv:4 : service parent inconnu : « Inconnu »" in html
    assert "s.csv:5 : service en double : déjà à la ligne 2" in html
    assert "s.csv:6 : un service ne peut pas être son propre parent" in html
    assert 'name="jeton"' not in html
    assert _count(Service, Service.organisation_id == org.id) == 0


def test_plan_never_compares_other_collectivites(org, other_org):
    factories.create_user(other_org, email="x@ailleurs.fr")
    plan = bulk.plan_people(org, b"nom;email\nX;x@ailleurs.fr\nY;y@nulle-part.fr\n", "f.csv")
    assert [li.action for li in plan.lines] == ["invite", "invite"]


def test_largest_file_fits_in_the_confirmation_form(app, org, login_as):
    admin = login_as("admin")
    lines = ["Nom;Courriel;Service;Rôles"] + [
        f"Agent Numéro{i} Dupont-Lefèvre;agent.numero{i}@beaumont-sur-lys.fr;"
        f"Service technique {i % 40};Agent | Formateur·rice" for i in range(MAX_ROWS)]
    data = "\n".join(lines).encode("cp1252")
    assert len(data) < MAX_BYTES
    plan = bulk.plan_people(org, data, "agents.csv")
    assert plan.count("invite") == MAX_ROWS and plan.can_confirm
    token = bulk.sign_file(app.config["SECRET_KEY"], kind="people", actor=admin, data=data,
                           filename="agents.csv")
    assert len(token) < 500_000  # Flask's default MAX_FORM_MEMORY_SIZE
    assert bulk.load_file(app.config["SECRET_KEY"], token, kind="people",
                          actor=admin) == (data, "agents.csv")


def test_file_content_is_escaped_in_the_preview(client, org, login_as):
    login_as("admin")
    text = "nom;email;service\n<script>alert(1)</script>;x@ville-a.fr;<img src=x onerror=1>\n"
    html = _upload(client, "/admin/utilisateurs/import", text).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


@pytest.mark.redis
def test_with_redis_the_confirmation_queues_exactly_one_job(app, client, org, login_as, outbox):
    redis_url = app.config.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL not set: the real-queue test runs in CI's second pass")
    from redis import Redis
    from rq import Queue

    login_as("admin")
    token = _token(_upload(client, "/admin/utilisateurs/import", PEOPLE).get_data(
        as_text=True))
    queue_name = f"test-bulk-{uuid.uuid4().hex[:8]}"
    saved = {k: app.config[k] for k in ("REDIS_URL", "RQ_QUEUE")}
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=queue_name)
    queue = Queue(queue_name, connection=Redis.from_url(redis_url))
    try:
        resp = client.post("/admin/utilisateurs/import/confirmer", data={"jeton": token})
        assert "4 invitation(s) enregistrée(s)" in resp.get_data(as_text=True)
        jobs = queue.get_jobs()
        assert len(jobs) == 1
        assert jobs[0].description == "change_portal.accounts.jobs:send_invitations"
        assert len(jobs[0].args[1]) == 4
        assert list(outbox.glob("*.eml")) == []  # the worker sends them, not the request
    finally:
        app.config.update(saved)
        queue.empty()


def test_services_moves_that_swap_places_apply_in_a_safe_order(client, org, login_as):
    admin = login_as("admin")
    from change_portal.organisations import services as org_services

    n, p, q = (factories.create_service(org, x) for x in ("N", "P", "Q"))
    org_services.set_parent(admin, p, q)   # P under Q
    org_services.set_parent(admin, q, n)   # Q under N (so N is above P today)
    db.session.flush()
    # Wanted: N under P, Q at the top (P stays under Q): N→P→Q.
    html = _upload(client, "/admin/services/import", "nom;parent\nN;P\nQ;\n").get_data(
        as_text=True)
    assert "2 rattachement(s) à modifier" in html
    resp = client.post("/admin/services/import/confirmer", data={"jeton": _token(html)})
    assert resp.status_code == 302
    assert (n.parent_id, p.parent_id, q.parent_id) == (p.id, q.id, None)


def test_templates_import_as_they_are(client, org, login_as):
    login_as("admin")
    people = client.get("/admin/utilisateurs/import/modele.csv")
    assert people.mimetype == "text/csv" and people.data.startswith(b"\xef\xbb\xbf")
    plan = bulk.plan_people(org, people.data, "modele-comptes.csv")
    assert [li.action for li in plan.lines] == ["invite", "invite"]
    assert plan.lines[1].roles == ["agent", "trainer"]
    services = client.get("/admin/services/import/modele.csv")
    plan = bulk.plan_services(org, services.data, "modele-services.csv")
    assert [li.action for li in plan.lines] == ["create"] * 3


def test_double_submission_of_the_confirmation_is_done_once(client, org, login_as, outbox):
    login_as("admin")
    html = _upload(client, "/admin/utilisateurs/import", PEOPLE).get_data(as_text=True)
    form = {"jeton": _token(html), "submission_token": _token(html, "submission_token")}
    assert client.post("/admin/utilisateurs/import/confirmer", data=form).status_code == 200
    again = client.post("/admin/utilisateurs/import/confirmer", data=form)
    assert again.status_code == 302
    assert _count(Invitation) == 4 and len(list(outbox.glob("invitation-*.eml"))) == 4
