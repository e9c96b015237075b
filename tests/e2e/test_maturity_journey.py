"""Maturity observatory, in a real Chromium without JavaScript (the answering form
needs none): the admin entrusts a theme, the colleague answers it, the admin
submits and sees the positioning, the elected official sees the dashboard block,
a member of another collectivité gets 404. Every page is audited with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from change_portal.accounts import services as accounts
from change_portal.accounts.models import User
from change_portal.extensions import db
from change_portal.maturity.models import Edition, EditionStatus
from change_portal.organisations.models import Organisation
from tests.e2e.conftest import DEMO_PASSWORD, login
from tests.e2e.steps import ADMIN, ELECTED, Journey, expect_flash

pytestmark = pytest.mark.e2e
COLLEAGUE = "marc.petit@demo.example"
OUTSIDER = "agent.maturite@val-d-orgelet.example"


def _outsider(live_server) -> None:
    with live_server.app_context():
        if db.session.scalar(select(User.id).where(User.email == OUTSIDER)) is None:
            peer = db.session.scalar(select(Organisation).where(
                Organisation.slug == "val-d-orgelet"))
            accounts.create_user(email=OUTSIDER, full_name="Agent de Val-d'Orgelet",
                                 roles=["admin"], organisation=peer, password=DEMO_PASSWORD)
            db.session.commit()


def _only_the_demo_edition_open(live_server) -> None:
    """Other browser tests (the axe sweep builds rows for every route) may have opened
    editions of their own in the shared demo database: the journey is about the demo's
    « Édition 2026 », whose peers have submitted, so it is the only open one here."""
    with live_server.app_context():
        for edition in db.session.scalars(select(Edition).where(
                Edition.status == EditionStatus.OPEN, Edition.slug != "2026")):
            edition.status = EditionStatus.CLOSED
        db.session.commit()


def test_maturity_journey(new_page, browser, live_server):
    _only_the_demo_edition_open(live_server)
    j = Journey("maturity", False, browser)
    admin = new_page(js=False)
    login(admin, ADMIN)
    admin.get_by_role("link", name="Maturité numérique", exact=True).click()
    j.audit(admin)
    admin.get_by_role("link", name="Ouvrir le diagnostic").click()
    if admin.get_by_role("button", name="Rouvrir le diagnostic").count():
        admin.get_by_role("button", name="Rouvrir le diagnostic").click()  # a rerun
    diagnosis_url = admin.url
    admin.select_option("#theme_id", label="Cybersécurité")
    admin.select_option("#user_id", label="Marc Petit")
    admin.get_by_role("button", name="Confier").click()
    expect_flash(admin, "Le thème « Cybersécurité » est confié à Marc Petit")
    j.audit(admin)

    colleague = new_page(js=False)
    login(colleague, COLLEAGUE)
    colleague.goto(diagnosis_url)
    colleague.get_by_role("link", name="Cybersécurité").click()
    j.audit(colleague)
    for radio in colleague.locator("input[type=radio][value='3']").all():
        radio.check()
    colleague.get_by_role("button", name="Enregistrer ce thème").click()
    expect_flash(colleague, "Vos réponses au thème « Cybersécurité » sont enregistrées.")

    admin.goto(diagnosis_url)
    admin.get_by_role("button", name="Soumettre le diagnostic").click()
    expect_flash(admin, "Le diagnostic est soumis")
    expect(admin.locator("main")).to_contain_text(
        "Cybersécurité : votre niveau 3,0. La moitié des communes de 3 500 à 9 999 habitants "
        "se situent entre")
    results_url = admin.url
    j.audit(admin)

    elected = new_page(js=False)
    login(elected, ELECTED)
    elected.goto("/feuille-de-route/tableau-de-bord")
    expect(elected.locator("main")).to_contain_text("Maturité numérique : Édition 2026")
    j.audit(elected)

    _outsider(live_server)
    outsider = new_page(js=False)
    login(outsider, OUTSIDER)
    assert outsider.goto(results_url).status == 404
    assert outsider.goto(diagnosis_url).status == 404
    j.finish(elected)


def test_operator_and_public_observatory_pages_pass_axe(new_page, browser, live_server):
    """The operator's editions, participation and observatory, and the public page."""
    from tests.e2e.steps import Journey as _Journey

    j = _Journey("maturity-observatory", True, browser)
    page = new_page(js=True)
    login(page, "operateur@plateforme.example")
    page.get_by_role("link", name="Observatoire", exact=True).click()
    j.audit(page)
    page.get_by_role("link", name="Édition 2025").click()
    expect(page.locator("main")).to_contain_text("l'ont soumis")
    j.audit(page)
    page.get_by_role("link", name="Voir l'observatoire de cette édition").click()
    expect(page.locator("main")).to_contain_text("collectivités ont soumis leur diagnostic")
    j.audit(page)
    public = new_page(js=True)
    public.goto("/observatoire/2025")
    expect(public.locator("main")).to_contain_text("Niveaux par thème")
    j.finish(public)
