"""Demo content of the retours d'expérience: published fiches of the fictional
peer collectivités (organisations/demo_peers.py) across the themes, Beaumont-sur-Lys's
fiche made from its "Prise de rendez-vous en ligne" project (written by Thomas,
validated by Sophie), a past and an upcoming journée de partage, a few questions
and answers.

Connected to `demo_loaded` by sharing.setup. Blinker does not promise an order
between receivers: Beaumont's fiche cites the needs linked to the project only when
the forums' demo ran first (the fiche can re-copy them: "Recopier les chiffres du
projet").
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from change_portal.core import clock
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from change_portal.organisations.strata import population_band
from change_portal.projects.models import Project
from change_portal.sharing import search, services
from change_portal.sharing.models import (
    EventAttendance,
    EventProposal,
    Fiche,
    FicheInterest,
    FicheQuestion,
    FicheRevision,
    FicheStatus,
    SharingEvent,
)

ADMIN = "sophie.martin@demo.example"
LEAD = "thomas.girard@demo.example"
OPERATOR = "operateur@plateforme.example"
RDV_PROJECT = "Prise de rendez-vous en ligne pour l'état civil"

# slug, title, themes, summary, what was done, difficulties (Markdown),
# (indicator, unit, baseline, latest), actions by type, participants, proposals/decided,
# cost, duration, open-source repository
PEER_FICHES = [
    ("val-d-orgelet", "Un outil de relation citoyen fait maison, en logiciel libre",
     ["relation-usagers", "cooperation"],
     "Toutes les demandes des habitants (courriel, accueil, téléphone) arrivent dans un "
     "même outil, avec un suivi souple et une validation des réponses avant envoi.",
     "Un agent du service informatique a développé l'outil avec l'accueil, en six ateliers. "
     "Les réponses sont relues par un second agent avant d'être envoyées.",
     "- Les agents craignaient d'être **surveillés** : nous avons retiré les statistiques "
     "individuelles.\n- La validation des réponses a d'abord ralenti l'accueil ; un modèle de "
     "réponse par motif a réglé le problème.",
     ("Demandes traitées en moins de 5 jours", "%", 48, 86), {"atelier": 6, "formation": 2},
     41, (2, 2), "12 000 € (temps agent)", "9 mois",
     "https://forge.exemple.org/val-d-orgelet/relation-citoyen"),
    ("saint-aubin-des-pres", "Dématérialiser les demandes d'urbanisme",
     ["relation-usagers", "administration-interne"],
     "Les demandes d'autorisation d'urbanisme se déposent en ligne depuis 2025.",
     "Un guichet en ligne mutualisé avec l'intercommunalité, et une formation des "
     "instructeurs.",
     "Le plus difficile a été de **convaincre les architectes** de déposer en ligne.",
     ("Demandes déposées en ligne", "%", 0, 64), {"reunion_information": 2, "formation": 3},
     18, (1, 1), "", "6 mois", ""),
    ("montferrier-le-haut", "Un inventaire partagé des données de la commune", ["donnees"],
     "Chaque service a recensé ses fichiers ; les données publiques sont ouvertes.",
     "Un atelier par service, puis un catalogue tenu par la DSI.",
     "Les services ne savaient pas ce qu'est une *donnée* : partir d'exemples concrets.",
     ("Jeux de données publiés", "jeux", 0, 23), {"atelier": 5, "enquete": 1}, 32, (1, 1),
     "", "4 mois", "https://forge.exemple.org/montferrier/inventaire"),
    ("lanvezec", "Plan de sécurité informatique après une attaque", ["cybersecurite"],
     "Après un rançongiciel en 2024, la commune a reconstruit ses sauvegardes et formé "
     "tous les agents.",
     "Audit, sauvegardes hors ligne, double authentification, exercice de crise.",
     "Nous avons appris à **tester la restauration** des sauvegardes, pas seulement à les "
     "faire.", ("Agents formés à la sécurité", "%", 5, 92),
     {"formation": 8, "communication_interne": 3}, 120, (1, 1), "35 000 €", "1 an", ""),
    ("cc-vallee-de-l-ande", "Des conseillers numériques itinérants", ["inclusion"],
     "Deux conseillers numériques tiennent des permanences dans les mairies du territoire.",
     "Permanences hebdomadaires, ateliers en médiathèque, partenariat avec la CAF.",
     "Trouver des salles avec une **connexion fiable** a été plus dur que prévu.",
     ("Personnes accompagnées par mois", "personnes", 0, 140),
     {"reunion_information": 4, "enquete": 1}, 60, (0, 0), "", "2 ans", ""),
    ("departement-de-l-arvonne", "Réduire l'empreinte du parc informatique",
     ["numerique-responsable"],
     "Allonger la durée de vie des postes de travail de 4 à 7 ans.",
     "Reconditionnement, systèmes plus légers, achats responsables.",
     "Les agents tenaient à leurs écrans neufs : les associer au choix a tout changé.",
     ("Durée de vie moyenne des postes", "ans", 4, 6.5), {"atelier": 3, "cst": 1}, 45,
     (2, 1), "", "18 mois", ""),
    ("port-lannic", "Un parcours de formation au numérique pour tous les agents",
     ["competences"],
     "Un parcours de modules courts, suivi sur le temps de travail.",
     "Des référents par service, des modules de 15 minutes, un badge à la fin.",
     "Les agents de terrain n'ont pas d'ordinateur : prévoir des **créneaux en salle**.",
     ("Agents ayant suivi le parcours", "%", 0, 71), {"formation": 10, "enquete": 2}, 210,
     (1, 1), "8 000 €", "1 an", ""),
    ("bourg-sainte-odile", "Un schéma numérique construit avec les élus", ["strategie"],
     "Le schéma de développement numérique a été écrit en séminaire avec les élus et les "
     "chefs de service.", "Trois séminaires, une consultation des agents, un vote en conseil.",
     "Garder le schéma **court** (12 pages) l'a rendu vivant.",
     ("Objectifs du schéma suivis au tableau de bord", "objectifs", 0, 14),
     {"atelier": 3, "enquete": 1, "cst": 1}, 38, (1, 1), "", "5 mois", ""),
    ("ca-pays-des-trois-rivieres", "Mutualiser un parapheur électronique entre communes",
     ["cooperation", "administration-interne"],
     "L'agglomération héberge un parapheur pour ses 22 communes.",
     "Groupement de commande, formation des secrétaires de mairie.",
     "Chaque commune voulait son circuit : un modèle commun avec des variantes a suffi.",
     ("Communes utilisatrices", "communes", 0, 17), {"reunion_information": 3, "formation": 5},
     64, (1, 1), "", "10 mois", "https://forge.exemple.org/trois-rivieres/parapheur"),
]

RDV_DIFFICULTIES = (
    "- L'accueil craignait de **perdre le contact** avec les usagers : la moitié des "
    "créneaux reste proposée au guichet et par téléphone.\n"
    "- Les motifs de rendez-vous étaient trop nombreux ; l'atelier avec l'état civil les a "
    "ramenés à six.")


def _peer_fiche(org: Organisation, row, now) -> Fiche:
    (_slug, title, themes, summary, done, difficulties, result, actions, participants,
     (proposals, decided), cost, duration, repo) = row
    name, unit, base, latest = result
    content = {
        "title": title, "summary": summary, "problem": "", "needs": [], "what_done": done,
        "results": [{"indicator_id": None, "name": name, "unit": unit, "baseline": base,
                     "target": None, "latest": latest,
                     "latest_on": (clock.today() - timedelta(days=60)).isoformat()}],
        "involvement": {"actions": actions, "participants": participants,
                        "proposals": proposals, "decided": decided},
        "difficulties_html": render_markdown(difficulties), "cost": cost,
        "duration": duration, "links": [], "repo_url": repo, "themes": themes,
        "contact": None, "organisation": org.name, "kind": org.kind,
        "band": population_band(org.population).slug, "region": org.region,
    }
    fiche = Fiche(
        organisation_id=org.id, title=title, summary=summary, what_done=done,
        difficulties=difficulties, difficulties_html=content["difficulties_html"],
        results=content["results"], involvement=content["involvement"], cost=cost,
        duration=duration, repo_url=repo, themes=themes, kind=org.kind,
        band=content["band"], region=org.region, status=FicheStatus.VALIDATED,
        published=True, published_content=content, published_at=now, pub_title=title,
        pub_themes="," + ",".join(themes) + ",", has_repo=bool(repo))
    db.session.add(fiche)
    db.session.flush()
    db.session.add(FicheRevision(organisation_id=org.id, fiche_id=fiche.id, content=content,
                                 at=now, note="publication"))
    search.index_fiche(fiche)
    return fiche


def load_demo(org, users) -> None:
    """Peer fiches, Beaumont's fiche, two events, questions and answers."""
    admin, lead = users.get(ADMIN), users.get(LEAD)
    if admin is None or lead is None:
        return
    peers = {o.slug: o for o in db.session.scalars(select(Organisation).where(
        Organisation.slug.in_([row[0] for row in PEER_FICHES])))}
    now = utcnow()
    peer_fiches = []
    for i, row in enumerate(PEER_FICHES):
        if row[0] in peers:
            peer_fiches.append(_peer_fiche(peers[row[0]], row, now - timedelta(days=10 * i)))
    project = db.session.scalar(select(Project).where(of_tenant(Project, org.id),
                                                      Project.title == RDV_PROJECT))
    ours = None
    if project is not None:
        ours = services.draft_from_project(lead, project)
        services.save_fiche(
            lead, ours, title="Prise de rendez-vous en ligne pour l'état civil",
            summary="Les habitants réservent en ligne un créneau pour une carte d'identité, "
                    "un passeport ou un mariage, sans appeler la mairie.",
            problem="Le téléphone de l'état civil sonnait sans cesse et les files d'attente "
                    "décourageaient les usagers qui travaillent.",
            what_done="Un outil de réservation, six motifs de rendez-vous, une permanence le "
                      "samedi, et l'accueil associé dès le premier atelier.",
            difficulties=RDV_DIFFICULTIES, duration="8 mois", themes=["relation-usagers"],
            contact_me=True, contact_role="Chef de projet, DSI")
        services.submit(lead, ours)
        services.validate(admin, ours)
    for slug in ("val-d-orgelet", "lanvezec", "port-lannic"):
        if ours is not None and slug in peers:
            db.session.add(FicheInterest(fiche_id=ours.id, organisation_id=peers[slug].id))
            ours.interest_count = (ours.interest_count or 0) + 1
    if peer_fiches:
        db.session.add(FicheInterest(fiche_id=peer_fiches[0].id, organisation_id=org.id,
                                     user_id=lead.id))
        peer_fiches[0].interest_count = 1
        question = FicheQuestion(
            fiche_id=peer_fiches[0].id, organisation_id=org.id, author_id=lead.id,
            body="Votre outil gère-t-il les demandes arrivées par courrier papier ?",
            body_html=render_markdown("Votre outil gère-t-il les demandes arrivées par "
                                      "courrier papier ?"))
        db.session.add(question)
        db.session.flush()
        peer = peer_fiches[0].organisation_id
        db.session.add(FicheQuestion(
            fiche_id=peer_fiches[0].id, parent_id=question.id, organisation_id=peer,
            body="Oui : l'accueil les scanne et les enregistre, elles suivent ensuite le "
                 "même circuit de **validation**.",
            body_html=render_markdown("Oui : l'accueil les scanne et les enregistre, elles "
                                      "suivent ensuite le même circuit de **validation**.")))
    if ours is not None and "lanvezec" in peers:
        db.session.add(FicheQuestion(
            fiche_id=ours.id, organisation_id=peers["lanvezec"].id,
            body="Combien de temps a pris le paramétrage des motifs ?",
            body_html=render_markdown("Combien de temps a pris le paramétrage des motifs ?")))
    _events(users.get(OPERATOR), peer_fiches, ours, users)
    db.session.flush()


def _events(operator, peer_fiches, ours, users) -> None:
    today = clock.today()
    past = SharingEvent(
        title="Journée de partage du printemps", held_on=today - timedelta(days=75),
        place="Salle du conseil, Val-d'Orgelet", created_by_id=operator.id if operator else None,
        programme="## Matin\n\nAccueil, puis trois projets présentés par leurs équipes.\n\n"
                  "## Après-midi\n\nAteliers : *relation citoyen*, *données*, *sécurité*.")
    upcoming = SharingEvent(
        title="Journée de partage de l'automne", held_on=today + timedelta(days=40),
        online_url="https://visio.exemple.org/journee-automne",
        place="En ligne", created_by_id=operator.id if operator else None,
        programme="Présentations de 20 minutes suivies de questions.")
    for ev in (past, upcoming):
        ev.programme_html = render_markdown(ev.programme)
        db.session.add(ev)
    db.session.flush()
    for fiche in peer_fiches[:3]:
        db.session.add(EventProposal(event_id=past.id, fiche_id=fiche.id, accepted=True))
    for fiche in peer_fiches[3:5]:
        db.session.add(EventProposal(event_id=upcoming.id, fiche_id=fiche.id, accepted=True))
    if ours is not None:
        db.session.add(EventProposal(event_id=upcoming.id, fiche_id=ours.id,
                                     proposed_by_id=ours.author_id))
    for user in users.values():
        if user.organisation_id is not None and user.email.startswith(("thomas", "karim")):
            db.session.add(EventAttendance(event_id=upcoming.id, user_id=user.id))
