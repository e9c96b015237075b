"""RGPD: every person can download their data; an admin can erase a person, and
nothing recognisable remains anywhere."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select, text

from change_portal.accounts.models import User
from change_portal.core import privacy
from change_portal.extensions import db
from tests import factories

NAME = "Bérénice Tartempion"
EMAIL = "berenice.tartempion@ville-a.fr"


def test_every_user_reference_is_covered_by_export_and_erasure(app):
    references = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name == "user"
    }
    missing = references - privacy.covered_columns()
    assert missing == set(), f"user references not covered by a privacy provider: {missing}"


def test_download_my_data_as_json_and_csv(client, org, login_as):
    user = login_as(factories.create_user(org, ["agent"], name=NAME, email=EMAIL))
    resp = client.get("/compte/mes-donnees.json")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    data = json.loads(resp.data)
    assert data["profil"][0]["adresse_electronique"] == EMAIL
    assert data["sessions"], "the open session is personal data too"
    resp = client.get("/compte/mes-donnees-csv.zip")
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    assert "profil.csv" in archive.namelist()
    assert NAME in archive.read("profil.csv").decode("utf-8-sig")
    assert user.id


def test_erasure_leaves_no_trace(app, client, org, login_as, outbox):
    admin = login_as("admin")
    resp = client.post("/admin/utilisateurs/inviter", data={
        "full_name": NAME, "email": EMAIL, "service_id": "0", "roles": ["agent"]})
    assert resp.status_code == 302
    target = db.session.scalars(select(User).where(User.email == EMAIL)).one()
    person = app.test_client()
    factories.log_in(person, target)
    assert list(outbox.glob("*.eml"))
    resp = client.post(f"/admin/utilisateurs/{target.id}/effacer", data={"confirm": "oui"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert person.get("/accueil").status_code == 302  # sessions ended
    assert target.display_name == "un ancien agent"
    leftovers = _find_everywhere({NAME, EMAIL, "Tartempion", "berenice"})
    assert leftovers == [], leftovers
    assert not [p for p in outbox.glob("*.eml") if EMAIL in p.read_text(errors="ignore")]
    assert admin.active


def test_erasure_needs_confirmation_and_is_not_for_oneself(client, org, login_as):
    admin = login_as("admin")
    target = factories.create_user(org, ["agent"], name=NAME, email=EMAIL)
    client.post(f"/admin/utilisateurs/{target.id}/effacer", data={})
    db.session.expire_all()
    assert target.email == EMAIL
    client.post(f"/admin/utilisateurs/{admin.id}/effacer", data={"confirm": "oui"})
    db.session.expire_all()
    assert admin.erased_at is None


def _find_everywhere(needles: set[str]) -> list[str]:
    """Every table, every row: where does any of `needles` still appear?"""
    found = []
    lowered = {n.lower() for n in needles}
    conn = db.session.connection()
    for table in db.metadata.sorted_tables:
        for row in conn.execute(table.select()):
            blob = " ".join(str(v) for v in row).lower()
            hits = [n for n in lowered if n in blob]
            if hits:
                found.append(f"{table.name}: {hits}")
    if conn.dialect.name == "sqlite":
        names = [r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%fts%'"))]
        for name in names:
            for row in conn.execute(text(f'SELECT * FROM "{name}"')):  # noqa: S608
                blob = " ".join(str(v) for v in row).lower()
                if any(n in blob for n in lowered):
                    found.append(f"{name}: search index")
    return found


def test_retention_purges_old_history_only(app, org):
    from datetime import timedelta

    from change_portal.core.audit import AuditEvent
    from change_portal.core.models import utcnow
    from change_portal.core.retention import purge_older_than

    now = utcnow()
    old = AuditEvent(action="login", organisation_id=org.id, at=now - timedelta(days=400))
    recent = AuditEvent(action="login", organisation_id=org.id, at=now - timedelta(days=10))
    db.session.add_all([old, recent])
    db.session.flush()
    assert purge_older_than(365, now=now) >= 1
    db.session.expire_all()
    assert db.session.get(AuditEvent, old.id) is None
    assert db.session.get(AuditEvent, recent.id) is not None
