"""One short journey: an admin invites agents from a CSV file (preview, confirm,
report), every page audited by axe-core (the preview and the result are POST
pages the GET sweep cannot reach)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, login
from tests.e2e.steps import ADMIN, token


def test_admin_invites_from_a_file(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/utilisateurs")
    page.get_by_role("link", name="Inviter depuis un fichier (CSV)").click()
    word = token()
    csv = (f"Nom;Courriel;Service;Rôles\r\n"
           f"Agent Un;{word}.un@demo.example;Accueil;Agent\r\n"
           f"Agent Deux;{word}.deux@demo.example;Service {word};Agent | Formateur·rice\r\n"
           f"Déjà Là;karim.benali@demo.example;Accueil;Agent\r\n").encode("cp1252")
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "agents.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Voir l'aperçu").click()
    main = page.locator("main")
    expect(main).to_contain_text("2 nouvelle(s) invitation(s)")
    expect(main).to_contain_text(f"Services à créer : Service {word}")
    expect(main).to_contain_text("Déjà membre de la collectivité")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirmer et envoyer 2 invitation(s)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import terminé")
    assert axe_violations(page) == []
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le rapport (CSV)").click()
    report = info.value.path().read_bytes().decode("utf-8-sig")
    assert f"{word}.deux@demo.example" in report and "invitation envoyée" in report
