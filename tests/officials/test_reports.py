"""Council report (PDF) and CSV export jobs: built, stored, downloadable; a failure
is visible with a retry button and retrying works."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError
from change_portal.core.models import utcnow
from change_portal.core.retention import purge_older_than
from change_portal.extensions import db
from change_portal.officials import jobs, reports
from change_portal.roadmap.models import ReportJob
from tests.roadmap import factories as f


def _data(org):
    axis = f.create_axis(f.create_roadmap(org), title="=Axe piégé")
    obj = f.create_objective(axis, title="Objectif en retard", target_date=date(2020, 1, 1))
    project = f.create_project(org, title="GRC", objectives=[obj])
    f.create_action(project, [obj], title="Atelier fait", status="realisee",
                    planned_on=date(2026, 3, 1),
                    minutes="Les agents ont testé l'outil.\n\nDétails longs ici.")
    f.create_action(project, [obj], title="+Action tardive", planned_on=date(2020, 1, 1))
    return obj


def test_pdf_report_is_built_by_a_job_and_downloadable(client, org, login_as):
    login_as("elected")
    _data(org)
    resp = client.post("/feuille-de-route/rapports",
                       data={"kind": "pdf", "period_start": "2026-01-01",
                             "period_end": "2026-12-31"})
    assert resp.status_code == 302
    job = db.session.scalar(select(ReportJob))
    db.session.refresh(job)
    assert job.status == "done", job.error
    assert job.content.startswith(b"%PDF")
    # the embedded mode ran it inline: the page says it is ready, not "en préparation"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Votre document est prêt" in page and "en préparation" not in page
    dl = client.get(f"/feuille-de-route/rapports/{job.id}/fichier")
    assert dl.status_code == 200 and dl.mimetype == "application/pdf"


def test_report_contents(org):
    _data(org)
    data = reports.collect(org, date(2026, 1, 1), date(2026, 12, 31))
    assert [a.title for a in data.done_actions] == ["Atelier fait"]
    assert [a.title for a in data.late_actions] == ["+Action tardive"]
    assert reports.summary("Les agents **ont** testé.\n\nSuite") == "Les agents ont testé."


def test_csv_export_is_utf8_and_neutralises_formulas(client, org, login_as):
    login_as("admin")
    _data(org)
    client.post("/feuille-de-route/rapports", data={"kind": "csv"})
    job = db.session.scalar(select(ReportJob))
    db.session.refresh(job)
    text = job.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert ";'=Axe piégé;" in text
    assert "Objectif en retard" in text
    assert "Atelier participatif : +Action tardive" in text  # not at the start of a cell
    assert reports.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert reports.neutralise("-2+3") == "'-2+3"
    assert reports.neutralise("\tx") == "'\tx"
    assert reports.neutralise("ok") == "ok"
    assert reports.neutralise(5) == 5


def test_failed_job_is_visible_and_can_be_retried(client, org, login_as, monkeypatch):
    login_as("elected")
    _data(org)

    def broken(_data):
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.BUILDERS, "pdf", broken)
    client.post("/feuille-de-route/rapports", data={"kind": "pdf"})
    job = db.session.scalar(select(ReportJob))
    db.session.refresh(job)
    assert job.status == "failed"
    page = client.get("/feuille-de-route/rapports").get_data(as_text=True)
    assert "Échec" in page and "Réessayer" in page and "disk full" not in page
    assert client.get(f"/feuille-de-route/rapports/{job.id}/fichier").status_code == 404
    monkeypatch.setitem(jobs.BUILDERS, "pdf", reports.build_pdf)
    resp = client.post(f"/feuille-de-route/rapports/{job.id}/relancer")
    assert resp.status_code == 302
    db.session.refresh(job)
    assert job.status == "done" and job.content.startswith(b"%PDF")


def test_job_is_idempotent(org):
    job = f.create_report_job(org, kind="csv", status="done")
    jobs.build_report(job.id)
    assert job.content == b"%PDF-1.4 test"  # untouched


def test_period_end_before_start_is_refused(client, org, login_as):
    login_as("elected")
    resp = client.post("/feuille-de-route/rapports",
                       data={"kind": "pdf", "period_start": "2026-05-01",
                             "period_end": "2026-01-01"})
    assert resp.status_code == 422
    assert "postérieure" in resp.get_data(as_text=True)
    assert db.session.scalar(select(ReportJob)) is None


def test_agents_cannot_ask_for_reports(client, org, login_as):
    login_as("agent")
    assert client.get("/feuille-de-route/rapports").status_code == 403


def test_old_reports_are_purged_by_retention(org):
    old = f.create_report_job(org, status="done")
    old.created_at = utcnow() - timedelta(days=800)
    recent = f.create_report_job(org, status="done")
    db.session.flush()
    assert purge_older_than(365) >= 1
    db.session.expire_all()
    assert db.session.get(ReportJob, old.id) is None
    assert db.session.get(ReportJob, recent.id) is not None


def _pdf_text(content: bytes) -> bytes:
    import re
    import zlib

    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S)
    out = b""
    for s in streams:
        try:
            out += zlib.decompress(s)
        except zlib.error:
            out += s
    return out


def test_report_sections_are_bounded_with_the_rest_counted(org):
    obj = _data(org)
    project = f.create_project(org, title="Gros projet", objectives=[obj])
    for i in range(5):
        f.create_action(project, [obj], title=f"Fait {i}", status="realisee",
                        planned_on=date(2026, 4, 1 + i))
        f.create_action(project, [obj], title=f"Tard {i}", planned_on=date(2021, 1, 1 + i))
    data = reports.collect(org, date(2026, 1, 1), date(2026, 12, 31), limit=2)
    assert [a.title for a in data.done_actions] == ["Atelier fait", "Fait 0"]
    assert data.done_total == 6
    assert [a.title for a in data.late_actions] == ["+Action tardive", "Tard 0"]
    assert data.late_total == 6
    text = _pdf_text(reports.build_pdf(data))
    assert text.count(b"et 4 autres") == 2  # late actions and done actions


def test_report_period_defaults_to_the_last_report_or_six_months(org):
    _data(org)
    today = date(2026, 6, 30)
    data = reports.collect(org, None, None, today=today)
    assert data.default_period and data.start == date(2025, 12, 30)
    assert data.done_actions[0].title == "Atelier fait"  # 2026-03-01 is in the period
    last = ReportJob(organisation_id=org.id, kind="pdf", status="done",
                     finished_at=utcnow().replace(year=2026, month=3, day=15))
    db.session.add(last)
    db.session.flush()
    data = reports.collect(org, None, None, today=today)
    assert data.start == date(2026, 3, 15) and data.done_actions == [] and data.done_total == 0
    # a period chosen by the person is kept as it is
    data = reports.collect(org, None, date(2026, 12, 31), today=today)
    assert data.start is None and not data.default_period


def test_a_stuck_job_shows_as_such_with_a_retry_for_the_person_who_asked(client, org, login_as):
    from change_portal.roadmap import services
    from change_portal.roadmap.models import REPORT_STUCK_AFTER, ReportStatus
    from tests import factories

    elected = login_as("elected")
    _data(org)
    job = ReportJob(organisation_id=org.id, kind="pdf", requested_by_id=elected.id)
    db.session.add(job)
    db.session.flush()
    page = client.get("/feuille-de-route/rapports").get_data(as_text=True)
    assert "En attente" in page and "Réessayer" not in page  # young: just waiting
    # its worker was killed and the queue lost it: still "queued" long after
    job.updated_at = utcnow() - REPORT_STUCK_AFTER - timedelta(minutes=1)
    db.session.flush()
    page = client.get("/feuille-de-route/rapports").get_data(as_text=True)
    assert "Bloqué" in page and "Réessayer" in page
    other = factories.create_user(org, ["elected"])
    with pytest.raises(DomainError):  # someone else may not relaunch it
        services.retry_report(other, job)
    resp = client.post(f"/feuille-de-route/rapports/{job.id}/relancer")
    assert resp.status_code == 302
    db.session.refresh(job)
    assert job.status == ReportStatus.DONE and job.content.startswith(b"%PDF")


def test_council_report_bounded_by_the_setting_with_its_default_period(client, app, org,
                                                                       login_as, monkeypatch):
    """The job behind the form: without a period the report covers the last six
    months (said on the report and in the list), and COUNCIL_REPORT_ITEMS bounds each
    section, the rest counted in "… et N autres"."""
    monkeypatch.setitem(app.config, "COUNCIL_REPORT_ITEMS", 3)
    obj = _data(org)
    project = f.create_project(org, title="Gros projet", objectives=[obj])
    recent = utcnow().date() - timedelta(days=10)
    for i in range(5):
        f.create_action(project, [obj], title=f"Fait {i}", status="realisee", planned_on=recent)
        f.create_action(project, [obj], title=f"Tard {i}", planned_on=date(2021, 1, 1 + i))
    f.create_action(project, [obj], title="Trop ancien", status="realisee",
                    planned_on=utcnow().date() - timedelta(days=400))
    login_as("elected")
    page = client.get("/feuille-de-route/rapports").get_data(as_text=True)
    assert "Sans date de début, le rapport PDF commence au dernier rapport" in page
    assert client.post("/feuille-de-route/rapports", data={"kind": "pdf"}).status_code == 302
    job = db.session.scalar(select(ReportJob))
    db.session.refresh(job)
    assert job.status == "done", job.error
    text = _pdf_text(job.content)
    assert b"et 3 autres" in text  # 6 late actions, 3 shown
    assert b"et 2 autres" in text  # 5 done in the period (not the old one), 3 shown
    assert b"Trop ancien" not in text and b"riode par d" in text
    page = client.get("/feuille-de-route/rapports").get_data(as_text=True)
    assert "depuis le dernier rapport (ou six mois)" in page
