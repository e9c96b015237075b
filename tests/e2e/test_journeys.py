"""The five journeys of issue 6, in a real Chromium, from login to the visible
result; each runs with JavaScript enabled and disabled, keeps a screenshot of its
last page (test-artifacts/screenshots/journey-<n>-...) and audits with axe-core
every page it reaches (zero WCAG 2.1 A/AA violation).

Journeys change data: every title carries a unique token so they can run in any
order, and more than once on the same server.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login
from tests.e2e.steps import (
    ADMIN,
    AGENT,
    COLLEAGUE,
    ELECTED,
    LEAD,
    TRAINER,
    Journey,
    inline_job_defect,
    job_timeout,
    link_path,
    outbox_message,
    token,
    wait_until,
)

pytestmark = pytest.mark.e2e
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
PROJECT = "Prise de rendez-vous en ligne pour l'état civil"  # demo: État civil + Accueil


def main(page):
    return page.locator("main")


# --- journey 1: a module from a folder to a verified attestation -----------------------

QUIZ_RIGHT = ("Face à elle, le visage bien éclairé", "En écrivant, sur papier ou sur écran")
QUIZ_WRONG_2 = "En parlant plus fort"


def write_module(root: Path, tok: str) -> tuple[str, str]:
    """A trainer's module folder (the documented format); returns (slug, title)."""
    slug = f"accueil-malentendants-{tok}"
    title = f"Accueillir une personne malentendante {tok}"
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "module.md").write_text(textwrap.dedent(f"""\
        ---
        title: "{title}"
        summary: "Trois réflexes pour accueillir au guichet une personne sourde ou malentendante."
        duration: 15
        competences:
          - "Communication et collaboration"
        ---
        Ce module vous donne trois réflexes simples pour l'accueil au guichet.
        """), encoding="utf-8")
    (folder / "01-les-bons-gestes.md").write_text(textwrap.dedent("""\
        ---
        title: Les bons gestes
        ---
        ## Avant de parler

        Placez-vous face à la personne, le visage éclairé, et parlez posément.
        """), encoding="utf-8")
    (folder / "02-verifier.md").write_text(textwrap.dedent(f"""\
        ---
        title: Vérifier vos acquis
        ---
        ## À vous de jouer

        ```quiz
        ? Comment vous placez-vous pour parler à une personne malentendante ?
        - [ ] De profil, pour ne pas la gêner
        - [x] {QUIZ_RIGHT[0]}
        ! Elle doit voir votre visage et vos lèvres.

        ? Que proposez-vous si l'échange oral reste difficile ?
        - [ ] {QUIZ_WRONG_2}
        - [x] {QUIZ_RIGHT[1]}
        ! L'écrit est un relais simple et respectueux.
        ```
        """), encoding="utf-8")
    return slug, title


def import_folder(live_server, folder: Path) -> str:
    """`flask courses sync <folder> --organisation demo`, on the live server's database."""
    result = live_server.test_cli_runner().invoke(
        args=["courses", "sync", str(folder), "--organisation", "demo"])
    assert result.exit_code == 0, result.output
    return result.output


@JS
def test_journey_1_trainer_runs_the_library_import_job(new_page, browser, live_server, js):
    """The trainers' page: "Lancer l'import" runs the library import as a job
    (inline without Redis, by the rq worker with it) and shows its result."""
    j = Journey("1-library-import", js, browser)
    page = new_page(js=js)
    login(page, TRAINER)
    page.get_by_role("link", name="Modules", exact=True).click()
    page.get_by_role("link", name="Espace formateur : gérer les modules").click()
    page.get_by_role("button", name="Lancer l'import").click()
    expect(main(page)).to_contain_text("L'import de la bibliothèque est lancé")
    runs = page.locator("section.sync-run h3")

    def finished():
        text = runs.first.inner_text() if runs.count() else ""
        if "en cours" in text:
            page.reload()
            return False
        return text

    try:
        state = wait_until(finished, timeout=job_timeout(live_server, 60), every=1,
                           what="the library import job")
    except AssertionError:
        raise AssertionError(inline_job_defect(
            live_server, "the library import (courses/views/manage.py sync_library, run "
            "still « en cours »)")) from None
    assert "réussi" in state, f"library import did not succeed: {state}"
    expect(page.locator("section.sync-run pre").first).to_contain_text("inchangé(s)")
    j.finish(page)


@JS
def test_journey_1_module_from_folder_to_verified_attestation(
        new_page, browser, live_server, tmp_path, js):
    j = Journey("1-module", js, browser)
    tok = token()
    _slug, title = write_module(tmp_path, tok)
    output = import_folder(live_server, tmp_path)
    assert "1 créé(s)" in output, output
    added = f"Pensez à la boucle magnétique du guichet ({tok})."

    # The trainer: the imported module is there; edit a lesson with the preview, publish.
    trainer = new_page(js=js)
    login(trainer, TRAINER)
    trainer.get_by_role("link", name="Modules", exact=True).click()
    trainer.get_by_role("link", name="Espace formateur : gérer les modules").click()
    j.audit(trainer, "trainer space")
    trainer.get_by_role("link", name=title).click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Modifier le module")
    trainer.get_by_role("button", name="Modifier les leçons").click()
    trainer.get_by_role("link", name="Les bons gestes").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Modifier la leçon")
    source = trainer.get_by_label("Contenu (Markdown)")
    source.fill(source.input_value().rstrip() + "\n\n" + added + "\n")
    preview = trainer.locator(".preview-target")
    if js:  # the optional script previews while typing
        expect(preview).to_contain_text(added, timeout=10_000)
    trainer.get_by_role("button", name="Prévisualiser").click()
    expect(trainer.get_by_role("region", name="Aperçu")).to_contain_text(added)
    j.audit(trainer, "lesson editor with preview")
    trainer.get_by_role("button", name="Enregistrer").click()
    expect(main(trainer)).to_contain_text("Leçon enregistrée dans le brouillon.")
    trainer.get_by_role("link", name="Retour au module").click()
    trainer.get_by_role("button", name="Enregistrer et publier ce brouillon").click()
    expect(main(trainer)).to_contain_text("Version 2 publiée")

    # The agent: catalogue, lessons, quiz failed then passed, attestation.
    agent = new_page(js=js)
    login(agent, AGENT)
    agent.get_by_role("link", name="Modules", exact=True).click()
    agent.get_by_role("searchbox", name="Rechercher").fill(tok)
    agent.get_by_role("button", name="Filtrer").click()
    expect(main(agent)).to_contain_text("1 module(s)")
    j.audit(agent, "catalogue search")
    agent.get_by_role("link", name=title).click()
    agent.get_by_role("link", name="Commencer le module").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Les bons gestes")
    expect(main(agent)).to_contain_text(added)
    agent.get_by_role("button", name="Marquer comme terminé").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Vérifier vos acquis")
    agent.get_by_label(QUIZ_RIGHT[0]).check()
    agent.get_by_label(QUIZ_WRONG_2).check()
    agent.get_by_role("button", name="Valider mes réponses").click()
    expect(main(agent)).to_contain_text("Résultat : 1 bonne(s) réponse(s) sur 2.")
    j.audit(agent, "quiz failed")
    agent.get_by_role("button", name="Marquer comme terminé").click()
    expect(main(agent)).to_contain_text("quiz : 1 bonne(s) réponse(s) sur 2")
    assert agent.get_by_role("link", name="Voir mon attestation").count() == 0, (
        "the module is completed although the quiz score is below the pass score")
    agent.get_by_role("link", name="Vérifier vos acquis").click()
    agent.get_by_label(QUIZ_RIGHT[0]).check()
    agent.get_by_label(QUIZ_RIGHT[1]).check()
    agent.get_by_role("button", name="Valider mes réponses").click()
    expect(main(agent)).to_contain_text("Résultat : 2 bonne(s) réponse(s) sur 2.")
    agent.get_by_role("link", name="Sommaire du module").click()
    expect(main(agent)).to_contain_text("Module terminé le")
    agent.get_by_role("link", name="Voir mon attestation").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Attestation de formation")
    expect(main(agent)).to_contain_text("Karim Benali")
    expect(main(agent)).to_contain_text(title)
    code = agent.locator(".attestation code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code), code
    j.audit(agent, "attestation")
    # "Download": the attestation is a printable page; the browser saves it as PDF.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = agent.pdf(path=str(SCREENSHOTS / f"journey-{j.name}-attestation.pdf"))
    assert pdf[:4] == b"%PDF"

    # Anyone: the public verification page.
    public = new_page(js=js)
    public.goto(f"/verify/{code}")
    expect(main(public)).to_contain_text("Cette attestation est authentique.")
    expect(main(public)).to_contain_text("Karim Benali")
    expect(main(public)).to_contain_text(title)
    j.finish(public)


# --- journey 2: a user need, from the counter to the published answer ------------------

def need_title(tok: str) -> str:
    return f"Échéancier périmé sur la démarche périscolaire {tok}"


def record_need(page, title: str) -> None:
    page.get_by_role("link", name="Forums et besoins").click()
    page.goto("/forums/besoins/nouveau")  # (the link on the board is tested by the keyboard)
    page.get_by_label("Le besoin en une phrase").fill(title)
    page.get_by_role("group", name="Qui a ce besoin").get_by_label("Particuliers").check()
    page.get_by_role("group", name="Où l'avez-vous constaté").get_by_label(
        "Accueil physique").check()
    page.get_by_role("group", name="À quelle fréquence").get_by_label("Chaque semaine").check()
    page.get_by_role("group", name="Quel impact").get_by_label("Fort").check()
    page.get_by_role("group", name="Services concernés").get_by_label(
        "Accueil", exact=True).check()
    page.get_by_label("Que se passe-t-il aujourd'hui").fill(
        "Nous imprimons l'échéancier de l'an dernier et corrigeons les dates à la main.")
    page.get_by_label("Description", exact=True).fill(
        "Les familles arrivent au guichet avec un échéancier **périmé** trouvé en ligne.")
    page.get_by_role("button", name="Enregistrer le besoin").click()
    expect(main(page)).to_contain_text("Le besoin est enregistré.")


@JS
def test_journey_2_need_endorsed_linked_answered_notified(new_page, browser, js):
    j = Journey("2-need", js, browser)
    tok = token()
    title = need_title(tok)

    agent = new_page(js=js)
    login(agent, AGENT)
    record_need(agent, title)
    expect(agent.get_by_role("heading", level=1)).to_contain_text(title)
    need_url = agent.url
    j.audit(agent, "need recorded")

    # A colleague of another service finds it without accents and endorses it.
    colleague = new_page(js=js)
    login(colleague, COLLEAGUE)
    colleague.get_by_role("link", name="Forums et besoins").click()
    colleague.get_by_label("Rechercher dans les forums et les besoins").fill(
        f"echeancier perime periscolaire {tok}")
    colleague.get_by_role("button", name="Rechercher", exact=True).click()
    expect(main(colleague)).to_contain_text("1 résultat(s)")
    j.audit(colleague, "search without accents")
    colleague.get_by_role("link", name=title).click()
    colleague.get_by_label("Une précision (facultatif)").fill("Trois familles cette semaine.")
    colleague.get_by_role("button", name="Je l'ai aussi constaté").click()
    expect(main(colleague)).to_contain_text("Merci : votre constat est compté.")
    expect(main(colleague)).to_contain_text("Collègues qui l'ont aussi constaté : 1")
    expect(main(colleague)).to_contain_text("État civil")

    # A project lead links it to a project and drafts the answer.
    lead = new_page(js=js)
    login(lead, LEAD)
    lead.goto(need_url)
    lead.get_by_label("Projet", exact=True).select_option(label=PROJECT)
    lead.get_by_role("button", name="Rattacher au projet").click()
    expect(main(lead)).to_contain_text(f"Besoin rattaché au projet « {PROJECT} »")
    answer = f"Le nouvel échéancier est en ligne depuis ce matin ({tok})."
    lead.get_by_label("Réponse apportée aux usagers").fill(answer)
    lead.get_by_role("button", name="Enregistrer le projet de réponse").click()
    expect(main(lead)).to_contain_text("Projet de réponse enregistré.")
    expect(main(lead)).to_contain_text("Un administrateur ou un·e autre chef·fe de projet "
                                       "doit la valider.")
    j.audit(lead, "answer drafted")

    # An admin validates and publishes it.
    admin = new_page(js=js)
    login(admin, ADMIN)
    admin.goto(need_url)
    admin.get_by_role("button", name="Valider et publier la réponse").click()
    expect(main(admin)).to_contain_text("Réponse validée et publiée")
    expect(main(admin)).to_contain_text(answer)

    # The first agent is told, in the portal.
    agent.goto("/")
    notif = agent.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(notif).to_contain_text("non lue")
    notif.click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Mes notifications")
    expect(main(agent)).to_contain_text(f"Une réponse est publiée pour le besoin « {title} »")
    j.finish(agent)


# --- journey 3: a meeting, a concern answered, positions and the consensus meter -------

STANCES = ("D'accord", "Réserves", "Pas d'accord", "Blocage")


def meter_counts(page) -> dict[str, int]:
    text = page.locator(".meter-legend").first.inner_text()
    counts = {}
    for stance in STANCES:
        m = re.search(re.escape(stance) + r"\s*:\s*(\d+)", text)
        assert m, f"no « {stance} » in the consensus meter: {text}"
        counts[stance] = int(m.group(1))
    return counts


def give_position(page, proposal_url: str, stance: str, reason: str, button: str) -> None:
    page.goto(proposal_url)
    # radios, none ticked in advance; each label starts with the stance then explains it
    page.get_by_role("radio", name=re.compile("^" + re.escape(stance) + " :")).check()
    page.get_by_label("Pourquoi ?").fill(reason)
    page.get_by_role("button", name=button).click()
    expect(main(page)).to_contain_text("Votre position est enregistrée.")
    expect(main(page)).to_contain_text(f"Votre position actuelle : {stance}.")


@JS
def test_journey_3_meeting_concern_positions_meter(new_page, browser, js):
    j = Journey("3-consensus", js, browser)
    tok = token()
    today = date.today()
    meeting = f"Réunion d'information aux agents d'accueil {tok}"
    objective = "Proposer 30 démarches en ligne"

    lead = new_page(js=js)
    login(lead, LEAD)
    lead.get_by_role("link", name="Projets", exact=True).click()
    lead.get_by_role("link", name=PROJECT).first.click()
    expect(lead.get_by_role("heading", level=1)).to_have_text(PROJECT)
    before = meter_counts(lead)

    # Plan the meeting, linked to a roadmap objective.
    lead.get_by_role("link", name="Ajouter une action de concertation").click()
    lead.get_by_label("Type d'action").select_option(label="Réunion d'information")
    lead.get_by_label("Titre", exact=True).fill(meeting)
    lead.get_by_label("Date prévue").fill((today + timedelta(days=7)).isoformat())
    lead.get_by_label("Statut").select_option(label="Prévue")
    lead.get_by_role("group", name="Services participants").get_by_label(
        "Accueil", exact=True).check()
    lead.get_by_role("group", name="Objectifs de la feuille de route servis").get_by_label(
        objective).check()
    lead.get_by_role("button", name="Enregistrer l'action").click()
    expect(main(lead)).to_contain_text("L'action est enregistrée.")
    expect(lead.get_by_role("heading", level=1)).to_have_text(meeting)
    expect(main(lead)).to_contain_text("Prévue")
    action_url = lead.url

    # It took place: done, with minutes, and a concern raised during it.
    lead.get_by_role("link", name="Modifier l'action").click()
    lead.get_by_label("Date prévue").fill(today.isoformat())
    lead.get_by_label("Statut").select_option(label="Réalisée")
    lead.get_by_label("Nombre de participants").fill("14")
    lead.get_by_label("Compte rendu").fill(
        f"Quatorze agents présents ({tok}).\n\n## Questions\n\n- Les créneaux du samedi ?")
    lead.get_by_role("button", name="Enregistrer l'action").click()
    expect(main(lead)).to_contain_text("L'action est enregistrée.")
    expect(main(lead)).to_contain_text("Réalisée")
    expect(main(lead)).to_contain_text(f"Quatorze agents présents ({tok}).")
    concern = f"Qui répondra au téléphone pendant les rendez-vous ? ({tok})"
    lead.get_by_label("Votre inquiétude").fill(concern)
    lead.get_by_role("button", name="Enregistrer l'inquiétude").click()
    expect(main(lead)).to_contain_text("Votre inquiétude est enregistrée.")
    expect(main(lead)).to_contain_text("Sans réponse pour l'instant")
    lead.get_by_label("Répondre", exact=True).fill("Un agent de l'état civil, par roulement.")
    lead.get_by_role("button", name="Enregistrer la réponse").click()
    expect(main(lead)).to_contain_text("La réponse est enregistrée.")
    expect(main(lead)).to_contain_text("Réponse : Un agent de l'état civil, par roulement.")
    j.audit(lead, "action with minutes and answered concern")
    # The roadmap objective shows the meeting that serves it.
    lead.get_by_role("link", name=objective).click()
    expect(main(lead)).to_contain_text(meeting)
    lead.goto(action_url)

    # A proposal, positions, one changed.
    lead.get_by_role("link", name=PROJECT).click()
    lead.get_by_role("link", name="Ouvrir une proposition").click()
    proposal_title = f"Ouvrir un créneau de rendez-vous le mercredi soir {tok}"
    lead.get_by_label("Titre de la proposition").fill(proposal_title)
    lead.get_by_label("Ce qui est proposé").fill("Un créneau de 17 h à 19 h, deux agents.")
    lead.get_by_label("Clôture des positions").fill(
        f"{(today + timedelta(days=20)).isoformat()}T18:00")
    lead.get_by_role("button", name="Ouvrir la proposition").click()
    expect(main(lead)).to_contain_text("La proposition est ouverte aux positions.")
    proposal_url = lead.url

    karim = new_page(js=js)
    login(karim, AGENT)
    give_position(karim, proposal_url, "D'accord", "Les usagers le demandent souvent.",
                  "Donner ma position")
    julie = new_page(js=js)
    login(julie, COLLEAGUE)
    give_position(julie, proposal_url, "Pas d'accord", "Nous ne sommes que deux agents.",
                  "Donner ma position")
    j.audit(julie, "position given")
    give_position(julie, proposal_url, "Réserves",
                  "D'accord si un agent de l'accueil vient en renfort.", "Changer ma position")

    # The lead sees the history and the meter moved.
    lead.goto(proposal_url)
    expect(lead.get_by_text(re.compile(r"Historique des positions \(3\)"))).to_be_visible()
    lead.get_by_role("link", name=PROJECT).click()
    after = meter_counts(lead)
    assert after["D'accord"] == before["D'accord"] + 1, (before, after)
    assert after["Réserves"] == before["Réserves"] + 1, (before, after)
    assert after["Pas d'accord"] == before["Pas d'accord"], (before, after)
    assert after["Blocage"] == before["Blocage"], (before, after)
    expect(main(lead)).to_contain_text(meeting)
    j.finish(lead)


# --- journey 4: the elected official's dashboard and the council report ----------------

AXIS = "Données"
OBJECTIVE = "Publier les données de la commune en open data"  # demo: one indicator 0 → 25


def axis_figure(page, axis: str) -> int:
    row = page.locator("tr.axis-row").filter(has=page.get_by_role("rowheader", name=axis,
                                                                     exact=True))
    text = row.locator(".progress-figure").inner_text()
    m = re.match(r"\s*(\d+)\s*%", text)
    assert m, f"axis « {axis} » has no figure: {text!r}"
    return int(m.group(1))


@JS
def test_journey_4_dashboard_progress_and_council_report(new_page, browser, live_server, js):
    j = Journey("4-dashboard", js, browser)

    elected = new_page(js=js)
    login(elected, ELECTED)
    elected.get_by_role("link", name="Feuille de route", exact=True).click()
    elected.get_by_role("link", name="Tableau de bord des élus").click()
    expect(elected.get_by_role("heading", level=1)).to_have_text(
        "Tableau de bord de la feuille de route")
    before = axis_figure(elected, AXIS)
    # Value that moves the single indicator of the axis far from where it is.
    value, expected = (20, 80) if before < 50 else (5, 20)

    admin = new_page(js=js)
    login(admin, ADMIN)
    admin.get_by_role("link", name="Feuille de route", exact=True).click()
    admin.get_by_role("link", name=OBJECTIVE).first.click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(OBJECTIVE)
    admin.get_by_label("Valeur mesurée").first.fill(str(value))
    admin.get_by_label("Date de la mesure").first.fill(date.today().isoformat())
    admin.get_by_role("button", name="Enregistrer la valeur").first.click()
    expect(main(admin)).to_contain_text(f"dernière valeur : {value}")
    j.audit(admin, "indicator value entered")

    elected.reload()
    after = axis_figure(elected, AXIS)
    assert after == expected, f"axis « {AXIS} » went from {before} % to {after} %, " \
                              f"expected {expected} %"
    changes = elected.get_by_role("heading", name="Ce qui a changé depuis votre dernière visite")
    expect(changes.locator("xpath=..")).to_contain_text(f"« Jeux de données publiés » : {value}")
    j.audit(elected, "dashboard after the change")

    elected.get_by_role("link", name="Préparer un rapport pour le conseil").click()
    elected.get_by_label("Document").select_option(value="pdf")
    elected.get_by_role("button", name="Préparer le document").click()
    # inline jobs (SQLite pass) have built it already; a worker (Redis pass) builds it soon
    expect(main(elected)).to_contain_text(
        re.compile(r"Votre document est (en préparation|prêt)"))
    rows = elected.locator("main table tbody tr")

    def ready():
        first = rows.first.inner_text()
        if "Télécharger" in first:
            return True
        assert "Échec" not in first and "Réessayer" not in first, f"report failed: {first}"
        elected.reload()
        return False

    try:
        wait_until(ready, timeout=job_timeout(live_server, 120), every=1,
                   what="the council report (job queue)")
    except AssertionError:
        raise AssertionError(inline_job_defect(
            live_server,
            "the council report (officials/views/reports.py, `_queue(job)`)")) from None
    expect(rows.first).to_contain_text("Rapport PDF")
    with elected.expect_download() as info:
        rows.first.get_by_role("link", name=re.compile("Télécharger")).click()
    download = info.value
    path = SCREENSHOTS / f"journey-{j.name}-rapport.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.save_as(str(path))
    data = path.read_bytes()
    assert data[:4] == b"%PDF" and len(data) > 1000, f"not a PDF: {data[:40]!r}"
    j.finish(elected)


# --- journey 5: an invitation, a password, the agent's home ---------------------------

@JS
def test_journey_5_invited_user_sets_password(new_page, browser, live_server, js):
    j = Journey("5-invitation", js, browser)
    tok = token()
    email = f"camille.{tok}@demo.example"
    name = f"Camille Roux {tok}"

    admin = new_page(js=js)
    login(admin, ADMIN)
    admin.get_by_role("link", name="Administration").click()
    admin.get_by_role("link", name="Inviter une personne").click()
    admin.get_by_label("Nom et prénom").fill(name)
    admin.get_by_label("Adresse électronique").fill(email)
    admin.get_by_label("Service").select_option(label="Accueil")
    admin.get_by_role("group", name="Rôles").get_by_label("Agent", exact=True).check()
    j.audit(admin, "invitation form")
    admin.get_by_role("button", name="Envoyer l'invitation").click()
    expect(main(admin)).to_contain_text(f"Invitation envoyée à {email}.")

    try:
        msg = outbox_message(live_server.config["OUTBOX_DIR"], email,
                             timeout=job_timeout(live_server, 60))
    except AssertionError:
        raise AssertionError(inline_job_defect(
            live_server, "the invitation email (accounts/admin/views.py invite_user, "
            "`_queue_invitation(invitation.id)`)")) from None
    body = msg.get_body(preferencelist=("plain",)).get_content()
    path = link_path(body, "/invitation/")

    person = new_page(js=js)
    person.goto(path)
    expect(person.get_by_role("heading", level=1)).to_have_text("Activer mon compte")
    expect(main(person)).to_contain_text(email)
    j.audit(person, "invitation page")
    password = f"une phrase de passe {tok} assez longue"
    person.get_by_label("Nouveau mot de passe").fill(password)
    person.get_by_label("Confirmez le mot de passe").fill(password)
    person.get_by_role("button", name="Activer mon compte").click()
    expect(main(person)).to_contain_text("Bienvenue ! Votre compte est prêt.")
    expect(person.get_by_role("heading", level=1)).to_have_text(f"Bonjour {name}")
    expect(main(person)).to_contain_text("Vos rôles : Agent")
    expect(main(person)).to_contain_text("Service : Accueil")
    expect(person.get_by_role("link", name=re.compile("^Se former"))).to_be_visible()
    assert person.url.endswith("/accueil"), person.url
    j.finish(person)
