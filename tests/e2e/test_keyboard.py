"""Journeys 1 and 2 done with the keyboard alone (Tab, Shift+Tab, Enter, Space;
arrow keys inside radio groups and lists, as a keyboard user does; text typed key
by key). Every element the focus reaches must show a visible focus ring, and the
skip link must move the focus to the content on every page reached without an
anchor."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.steps import (
    ADMIN,
    AGENT,
    COLLEAGUE,
    LEAD,
    TRAINER,
    Journey,
    assert_focus_visible,
    focused,
    keyboard_login,
    press,
    skip_to_content,
    tab_to,
    token,
    type_text,
)
from tests.e2e.test_journeys import (
    PROJECT,
    import_folder,
    main,
    need_title,
    write_module,
)

pytestmark = pytest.mark.e2e


def text_is(text: str):
    return lambda i: i["text"] == text or i["label"] == text or (
        i["tag"] == "input" and i["value"] == text)


def text_starts(text: str):
    return lambda i: i["text"].startswith(text) or i["label"].startswith(text)


def activate(page, match, key: str = "Enter", *, skip: bool = True,
             backwards: bool = False) -> None:
    """Reach an element by Tab (Shift+Tab) and press Enter (or Space); then, on the
    new page, check the skip link unless the page was opened at an anchor."""
    tab_to(page, match, backwards=backwards)
    press(page, key)
    if skip and "#" not in page.url:
        skip_to_content(page)


def nav(page, name: str) -> None:
    """Follow a link of the main navigation (from the top of the page)."""
    # From the content (after the skip link) the header is behind: Shift+Tab.
    up = page.evaluate("document.activeElement !== document.body")
    activate(page, lambda i: i["tag"] == "a" and i["text"] == name, backwards=up)


def choose(page, option_text: str, limit: int = 40) -> None:
    """In the focused <select>, move with the arrow keys to the option."""
    for _ in range(limit):
        current = page.evaluate(
            "document.activeElement.selectedOptions[0] ? "
            "document.activeElement.selectedOptions[0].textContent.trim() : ''")
        if current == option_text:
            assert_focus_visible(page)
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option « {option_text} » not reachable with the arrow keys")


def answer_quiz(page, picks: list[int]) -> None:
    """Answer each question (single choice) of the first quiz: Tab into its radio
    group, arrow down to the option (0-based), Space to check it."""
    for index in picks:
        info = tab_to(page, lambda i: i["type"] == "radio")
        name = info["name"]
        for _ in range(index):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        assert_focus_visible(page)
        assert page.evaluate("document.activeElement.checked"), "the option is not checked"
        assert focused(page)["name"] == name


def test_keyboard_journey_1_module(new_page, browser, live_server, tmp_path):
    j = Journey("keyboard-1-module", True, browser)
    tok = token()
    _slug, title = write_module(tmp_path, tok)
    import_folder(live_server, tmp_path)
    added = f"Une boucle magnétique est au guichet {tok}."

    trainer = new_page()
    keyboard_login(trainer, TRAINER)
    skip_to_content(trainer)
    nav(trainer, "Modules")
    activate(trainer, text_is("Espace formateur : gérer les modules"))
    activate(trainer, text_is(title))
    activate(trainer, text_starts("Modifier les leçons"), "Space")
    activate(trainer, text_is("Les bons gestes"))
    tab_to(trainer, lambda i: i["tag"] == "textarea" and i["name"] == "source")
    trainer.keyboard.press("Control+End")
    type_text(trainer, "\n\n" + added)
    activate(trainer, text_is("Prévisualiser"))
    expect(trainer.get_by_role("region", name="Aperçu")).to_contain_text(added)
    activate(trainer, text_is("Enregistrer"))
    expect(main(trainer)).to_contain_text("Leçon enregistrée dans le brouillon.")
    activate(trainer, text_is("Retour au module"))
    activate(trainer, text_is("Enregistrer et publier ce brouillon"), "Space")
    expect(main(trainer)).to_contain_text("Version 2 publiée")

    agent = new_page()
    keyboard_login(agent, AGENT)
    nav(agent, "Modules")
    tab_to(agent, lambda i: i["id"] == "q")
    type_text(agent, tok)
    activate(agent, text_is("Filtrer"))
    expect(main(agent)).to_contain_text("1 module(s)")
    activate(agent, text_is(title))
    activate(agent, text_is("Commencer le module"))
    expect(main(agent)).to_contain_text(added)
    activate(agent, text_is("Marquer comme terminé"))
    expect(agent.get_by_role("heading", level=1)).to_have_text("Vérifier vos acquis")
    answer_quiz(agent, [1, 0])  # second question wrong
    activate(agent, text_is("Valider mes réponses"))
    expect(main(agent)).to_contain_text("Résultat : 1 bonne(s) réponse(s) sur 2.")
    j.audit(agent, "quiz failed (keyboard)")
    activate(agent, text_is("Marquer comme terminé"))
    expect(main(agent)).to_contain_text("quiz : 1 bonne(s) réponse(s) sur 2")
    activate(agent, text_is("Vérifier vos acquis"))
    answer_quiz(agent, [1, 1])
    activate(agent, text_is("Valider mes réponses"))
    expect(main(agent)).to_contain_text("Résultat : 2 bonne(s) réponse(s) sur 2.")
    activate(agent, text_is("Sommaire du module"))
    activate(agent, text_is("Voir mon attestation"))
    expect(agent.get_by_role("heading", level=1)).to_have_text("Attestation de formation")
    code = agent.locator(".attestation code").inner_text().strip()

    public = new_page()
    public.goto(f"/verifier/{code}")
    skip_to_content(public)
    expect(main(public)).to_contain_text("Cette attestation est authentique.")
    # Shift+Tab from the content goes back up to the header, with a visible focus.
    tab_to(public, lambda i: i["tag"] == "a" and "brand" in i["cls"], backwards=True)
    j.finish(agent)


def keyboard_search(page, query: str, title: str) -> None:
    nav(page, "Forums et besoins")
    tab_to(page, lambda i: i["id"] == "forum-q")
    type_text(page, query)
    press(page, "Enter")
    skip_to_content(page)
    expect(main(page)).to_contain_text("1 résultat(s)")
    activate(page, text_is(title))


def test_keyboard_journey_2_need(new_page, browser):
    j = Journey("keyboard-2-need", True, browser)
    tok = token()
    title = need_title(tok)
    query = f"echeancier perime periscolaire {tok}"

    agent = new_page()
    keyboard_login(agent, AGENT)
    skip_to_content(agent)
    activate(agent, text_is("Signaler un besoin d'usager"))
    tab_to(agent, lambda i: i["name"] == "title")
    type_text(agent, title)
    for group in ("public", "channel", "frequency", "impact"):
        tab_to(agent, lambda i, g=group: i["type"] == "radio" and i["name"] == g)
        agent.keyboard.press("Space")
    tab_to(agent, lambda i: i["name"] == "services" and i["label"] == "Accueil")
    agent.keyboard.press("Space")
    assert agent.evaluate("document.activeElement.checked")
    tab_to(agent, lambda i: i["name"] == "workaround")
    type_text(agent, "Corrigé à la main au guichet.")
    tab_to(agent, lambda i: i["name"] == "body")
    type_text(agent, "Les familles arrivent avec un échéancier périmé.")
    activate(agent, text_is("Enregistrer le besoin"))
    expect(main(agent)).to_contain_text("Le besoin est enregistré.")

    colleague = new_page()
    keyboard_login(colleague, COLLEAGUE)
    keyboard_search(colleague, query, title)
    tab_to(colleague, lambda i: i["label"] == "Une précision (facultatif)")
    type_text(colleague, "Vu deux fois ce matin.")
    activate(colleague, text_is("Je l'ai aussi constaté"), "Space")
    expect(main(colleague)).to_contain_text("Merci : votre constat est compté.")
    expect(main(colleague)).to_contain_text("Collègues qui l'ont aussi constaté : 1")

    lead = new_page()
    keyboard_login(lead, LEAD)
    keyboard_search(lead, query, title)
    tab_to(lead, lambda i: i["tag"] == "select" and i["name"] == "project_id")
    choose(lead, PROJECT)
    activate(lead, text_is("Rattacher au projet"))
    expect(main(lead)).to_contain_text(f"Besoin rattaché au projet « {PROJECT} »")
    tab_to(lead, lambda i: i["tag"] == "textarea" and i["name"] == "answer")
    type_text(lead, f"Le bon échéancier est en ligne ({tok}).")
    activate(lead, text_is("Enregistrer le projet de réponse"))
    expect(main(lead)).to_contain_text("Projet de réponse enregistré.")

    admin = new_page()
    keyboard_login(admin, ADMIN)
    keyboard_search(admin, query, title)
    activate(admin, text_is("Valider et publier la réponse"))
    expect(main(admin)).to_contain_text("Réponse validée et publiée")

    nav(agent, "Accueil")
    activate(agent, lambda i: i["tag"] == "a" and i["text"].startswith("Notifications"),
             backwards=True)
    expect(main(agent)).to_contain_text(f"Une réponse est publiée pour le besoin « {title} »")
    j.finish(agent)


def test_skip_link_on_journey_pages(new_page):
    """The skip link is the first stop and works on the main pages of both
    journeys (as an agent)."""
    page = new_page()
    login(page, AGENT)
    for url in ("/accueil", "/modules/", "/forums/", "/forums/besoins", "/forums/besoins/nouveau",
                "/forums/notifications", "/projets/", "/feuille-de-route/"):
        page.goto(url)
        skip_to_content(page)
        info = tab_to(page, lambda i: True)
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), (
            f"after the skip link, Tab leaves the content on {url}: {info}")
        assert re.match(r"^(a|button|input|select|textarea|summary)$", info["tag"]), info
