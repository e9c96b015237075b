"""Uploads and downloads: course images are checked by their content (not their
name) and served with their real image type, nosniff, a sandbox CSP and a
Content-Disposition; HTML or SVG disguised as .png is refused, by the editor and
by the zip import; every export (CSV, PDF, zip, JSON) is an attachment."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from change_portal.extensions import db
from courses import importer
from courses.models import CourseImage, Module
from tests import factories
from tests.courses.factories import PNG, create_module, module_files
from tests.roadmap import factories as rf

DISGUISED = {
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "html-bom": b"\xef\xbb\xbf<html><img src=x onerror=alert(1)></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)'
           b"</script></svg>",
    "svg-xml": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
               b"<script>alert(1)</script></svg>",
    "svg-spaces": b"   \n<svg onload=alert(1)>",
    "text": b"just some text, not an image at all",
    "empty": b"",
}


def _images(module_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(CourseImage).where(
        CourseImage.module_id == module_id))


def _upload(client, module, name: str, data: bytes):
    return client.post(f"/modules/gestion/{module.id}/images",
                       data={"img-image": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_real_image_is_served_with_its_type_and_safe_headers(client, org, login_as):
    login_as("trainer")
    module = create_module(org)
    assert _upload(client, module, "schema.png", PNG).status_code == 302
    row = db.session.scalar(select(CourseImage).where(CourseImage.module_id == module.id))
    assert row is not None and row.content_type == "image/png"
    resp = client.get(f"/modules/{module.id}/fichiers/{row.name}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("inline; filename=")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert resp.data == PNG


@pytest.mark.parametrize("kind", sorted(DISGUISED))
@pytest.mark.parametrize("name", ["photo.png", "photo.jpg", "photo.gif", "photo.webp",
                                  "photo.html", "photo.svg"])
def test_disguised_upload_is_refused(client, org, login_as, kind, name):
    login_as("trainer")
    module = create_module(org)
    resp = _upload(client, module, name, DISGUISED[kind])
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "refusé" in page or "vide" in page or "Choisissez une image" in page
    assert _images(module.id) == 0


def test_polyglot_with_png_magic_is_served_as_png_only(client, org, login_as):
    """A file that starts like a PNG but carries HTML is stored as image/png: with
    nosniff and the sandbox CSP, no browser runs it as a page."""
    login_as("trainer")
    module = create_module(org)
    _upload(client, module, "x.html", PNG + b"<html><script>alert(1)</script>")
    row = db.session.scalar(select(CourseImage).where(CourseImage.module_id == module.id))
    assert row.name.endswith(".png")
    resp = client.get(f"/modules/{module.id}/fichiers/{row.name}")
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("kind", ["html", "svg", "svg-xml", "text"])
def test_zip_import_with_disguised_image_is_refused(client, org, login_as, kind):
    login_as("trainer")
    files = module_files(title="Module piégé", image=True)
    files["images/schema.png"] = DISGUISED[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"module-piege/{name}", content)
    report = importer.sync_zip(buf.getvalue(), org.id)
    assert report.errors, f"a {kind} file named .png was accepted"
    module = db.session.scalar(select(Module).where(Module.slug == "module-piege"))
    assert module is None or _images(module.id) == 0


def test_exports_are_attachments(client, org, login_as):
    user = login_as("admin")
    module = create_module(org)
    rm = rf.create_roadmap(org)
    rf.create_objective(rf.create_axis(rm), title="Objectif")
    expected = {
        "/forums/besoins/export.csv": "text/csv",
        "/compte/mes-donnees.json": "application/json",
        "/compte/mes-donnees-csv.zip": "application/zip",
    }
    for url, mimetype in expected.items():
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.mimetype == mimetype, (url, resp.mimetype)
        assert resp.headers["Content-Disposition"].startswith("attachment"), url
        assert resp.headers["X-Content-Type-Options"] == "nosniff", url
    trainer = factories.create_user(org, ["trainer"])
    factories.log_in(client, trainer)
    resp = client.get(f"/modules/gestion/{module.id}/export")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    factories.log_in(client, user)
    from change_portal.roadmap.models import ReportJob

    for kind, mimetype in (("pdf", "application/pdf"), ("csv", "text/csv")):
        client.post("/feuille-de-route/rapports", data={"kind": kind, "period_start": "",
                                                        "period_end": ""})
        job = db.session.scalar(select(ReportJob).where(ReportJob.kind == kind)
                                .order_by(ReportJob.id.desc()))
        assert job is not None and job.status == "done", kind
        resp = client.get(f"/feuille-de-route/rapports/{job.id}/fichier")
        assert resp.status_code == 200
        assert resp.mimetype == mimetype
        assert resp.headers["Content-Disposition"].startswith("attachment")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
