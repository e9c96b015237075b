"""Attachments: checked by their bytes, served safely, reachable by other
collectivités only once a validated snapshot lists them."""

from __future__ import annotations

import io

import pytest

from change_portal.core.errors import DomainError
from change_portal.sharing import services
from tests import factories
from tests.sharing.factories import published_fiche

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n% plan de deploiement\n"


@pytest.mark.parametrize("data", [b"<svg onload=alert(1)>", b"<html><script>x</script>",
                                  b"MZ\x90\x00", b""])
def test_refused_by_their_bytes(org, data):
    fiche = published_fiche(org)
    lead = factories.create_user(org, ["project_lead"])
    with pytest.raises(DomainError):
        services.upload_attachment(lead, fiche, "fichier.png", data)


def test_visible_to_others_only_after_validation(client, org, other_org, login_as):
    admin = factories.create_user(org, ["admin"])
    fiche = published_fiche(org, admin=admin)
    lead = factories.create_user(org, ["project_lead"])
    login_as(lead)
    resp = client.post(f"/retours-experience/fiches/{fiche.id}/pieces",
                       data={"name": "Schéma", "file": (io.BytesIO(PNG), "schema.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    bad = client.post(f"/retours-experience/fiches/{fiche.id}/pieces",
                      data={"name": "Faux", "file": (io.BytesIO(b"<svg/>"), "x.png")},
                      content_type="multipart/form-data")
    assert bad.status_code == 302
    image = services.current_attachments(fiche)
    assert [a.name for a in image] == ["Schéma"]
    url = f"/retours-experience/{fiche.id}/pieces/{image[0].id}"
    own = client.get(url)
    assert own.status_code == 200 and own.headers["Content-Type"] == "image/png"
    assert own.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in own.headers["Content-Security-Policy"]
    login_as(factories.create_user(other_org, ["agent"]))
    assert client.get(url).status_code == 404  # not in the published snapshot yet
    services.submit(lead, fiche)
    services.validate(admin, fiche)
    assert client.get(url).data == PNG
    assert f'src="{url}"' in client.get(f"/retours-experience/{fiche.id}").get_data(
        as_text=True)
    doc = services.upload_attachment(lead, fiche, "Plan", PDF)
    services.submit(lead, fiche)
    services.validate(admin, fiche)
    resp = client.get(f"/retours-experience/{fiche.id}/pieces/{doc.id}")
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    services.unpublish(admin, fiche)
    assert client.get(url).status_code == 404
