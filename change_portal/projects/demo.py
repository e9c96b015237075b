"""Demo content of the roadmap and projects domains, added when the demo
collectivité is loaded (`flask demo`, `make run`): a 2026–2030 roadmap with six
axes, objectives at various statuses with indicators measured over time, five
projects at different stages with consensus-building actions (some done with
minutes and concerns, some planned, one late) and proposals with positions.

Connected to `demo_loaded` by projects.setup.init_app, before the forums and courses
receivers, so that they find the demo projects to link needs and modules to.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from change_portal.core import clock
from change_portal.core.models import utcnow
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.projects import services as projects
from change_portal.projects.models import ProjectStatusChange
from change_portal.roadmap import services as roadmap

ADMIN = "sophie.martin@demo.example"
LEAD = "thomas.girard@demo.example"
ELECTED = "claire.moreau@demo.example"

# axis → [(objective, status, weight, manual %, target, [(indicator, unit, base, target, values)])]
ROADMAP = [
    ("Relation aux usagers", [
        ("Proposer 30 démarches en ligne", "en_cours", 2, 0, date(2027, 12, 31),
         [("Démarches disponibles en ligne", "démarches", 4, 30, [6, 9, 13])]),
        ("Répondre à toute demande en moins de 5 jours", "en_cours", 1, 0, date(2026, 9, 30),
         [("Délai moyen de réponse", "jours", 15, 5, [13, 11])]),
        ("Ouvrir un outil de relation usagers (GRC)", "non_commence", 1, 0, date(2028, 6, 30),
         []),
    ]),
    ("Outils internes", [
        ("Signer les actes électroniquement", "en_cours", 1, 40, date(2027, 3, 31), []),
        ("Équiper les services techniques de tablettes", "en_cours", 1, 20, date(2027, 6, 30),
         []),
    ]),
    ("Données", [
        ("Publier les données de la commune en open data", "en_cours", 1, 0, date(2028, 12, 31),
         [("Jeux de données publiés", "jeux", 0, 25, [3, 7])]),
    ]),
    ("Cybersécurité", [
        ("Sauvegarder les serveurs hors site", "atteint", 1, 100, date(2026, 6, 30), []),
        ("Former tous les agents au hameçonnage", "en_cours", 1, 0, date(2026, 10, 31),
         [("Agents formés", "%", 0, 100, [15, 35])]),
    ]),
    ("Inclusion numérique", [
        ("Ouvrir un point d'accueil numérique en mairie", "en_cours", 1, 60, date(2027, 1, 31),
         []),
        ("Créer un réseau d'aidants bénévoles", "abandonne", 1, 10, date(2027, 12, 31), []),
    ]),
    ("Compétences des agents", [
        ("Chaque agent suit 2 modules par an", "en_cours", 1, 0, date(2030, 12, 31),
         [("Modules suivis par agent", "modules", 0, 2, [0.4, 0.9])]),
    ]),
]

# title, status, services, objectives (by title), description, start, end
PROJECTS = [
    ("Prise de rendez-vous en ligne pour l'état civil", "en_cours", ["État civil", "Accueil"],
     ["Proposer 30 démarches en ligne", "Répondre à toute demande en moins de 5 jours"],
     "Permettre aux usagers de **réserver un créneau** pour une carte d'identité, un "
     "passeport ou un mariage, sans appeler la mairie.", -120, 150),
    ("Outil de relation usagers (GRC)", "cadrage", ["Accueil", "Urbanisme", "État civil"],
     ["Ouvrir un outil de relation usagers (GRC)"],
     "Suivre chaque demande d'usager (GRC : gestion de la relation citoyen) du premier "
     "contact à la réponse, avec une validation avant envoi.", -30, 400),
    ("Parapheur électronique", "en_cours", ["Finances", "Ressources humaines",
                                            "Cabinet du maire"],
     ["Signer les actes électroniquement"],
     "Faire circuler et signer les bons de commande, arrêtés et courriers sans papier.",
     -200, 60),
    ("Portail open data", "idee", ["Numérique (DSI)", "Urbanisme"],
     ["Publier les données de la commune en open data"],
     "Publier les données publiques de la commune dans un format réutilisable.", None, None),
    ("Tablettes pour les services techniques", "deploye", ["Services techniques"],
     ["Équiper les services techniques de tablettes"],
     "Les équipes sur le terrain reçoivent et clôturent leurs interventions sur tablette.",
     -300, -20),
]


STATUS_PATH = ["idee", "cadrage", "en_cours", "deploye"]


def _backdate_history(project, start: int | None) -> None:
    """Demo only: spread the status history over the project's life."""
    rows = db.session.scalars(
        select(ProjectStatusChange).where(ProjectStatusChange.project_id == project.id)
        .order_by(ProjectStatusChange.id)).all()
    first = (start if start is not None else -10) - 40
    now = utcnow()
    for i, row in enumerate(rows):
        row.at = now + timedelta(days=min(-1, first + 40 * i))


def _services(org) -> dict[str, Service]:
    return {s.name: s for s in db.session.scalars(
        select(Service).where(of_tenant(Service, org.id)))}


def load_demo(org, users) -> None:
    """Create the demo roadmap and projects (only when the demo users exist)."""
    admin, lead, elected = users.get(ADMIN), users.get(LEAD), users.get(ELECTED)
    if admin is None or lead is None:
        return
    today = clock.today()
    by_service = _services(org)
    agents = {email: u for email, u in users.items() if u.service_id}
    rm = roadmap.save_roadmap(admin, org.id, title="Schéma de développement numérique",
                              start_year=2026, end_year=2030)
    objectives = {}
    for position, (axis_title, items) in enumerate(ROADMAP):
        axis = roadmap.save_axis(admin, rm, title=axis_title, position=position)
        for title, status, weight, manual, target, indicators in items:
            obj = roadmap.save_objective(
                admin, axis, title=title, status=status, weight=weight,
                manual_progress=manual, target_date=target, owner=lead,
                description=f"Objectif adopté par le conseil municipal : {title.lower()}.")
            objectives[title] = obj
            for name, unit, base, goal, values in indicators:
                ind = roadmap.save_indicator(admin, obj, name=name, unit=unit, baseline=base,
                                             target=goal)
                for i, value in enumerate(values):
                    roadmap.add_indicator_value(
                        admin, ind, value=value,
                        measured_on=today - timedelta(days=90 * (len(values) - i)))
    made = {}
    for title, status, svc, objs, description, start, end in PROJECTS:
        steps = STATUS_PATH[: STATUS_PATH.index(status) + 1] if status in STATUS_PATH else [status]
        kwargs = dict(
            title=title, description=description,
            services=[by_service[s] for s in svc if s in by_service], lead=lead,
            start_date=today + timedelta(days=start) if start is not None else None,
            end_date=today + timedelta(days=end) if end is not None else None,
            objectives=[objectives[o] for o in objs])
        project = None
        for step in steps:  # walk the statuses so that the history tells the story
            project = projects.save_project(lead, org.id, status=step, project=project,
                                            **kwargs)
        _backdate_history(project, start)
        made[title] = project
    _actions(org, lead, made, objectives, by_service, users, today)
    _proposals(lead, made, agents)
    if elected is not None:
        projects.add_comment(elected, made["Parapheur électronique"],
                             "Merci pour ce point d'étape. Pensez à présenter le calendrier "
                             "au prochain conseil.")
    db.session.flush()


def _actions(org, lead, made, objectives, by_service, users, today):
    rdv = made["Prise de rendez-vous en ligne pour l'état civil"]
    obj = objectives["Proposer 30 démarches en ligne"]
    info = projects.save_action(
        lead, rdv, kind="reunion_information", title="Présentation du projet aux agents",
        planned_on=today - timedelta(days=60), status="realisee", participants=14,
        services=[by_service["État civil"], by_service["Accueil"]], objectives=[obj],
        minutes="Présentation du calendrier et de l'outil de réservation aux agents de "
                "l'état civil et de l'accueil.\n\n- 14 participants\n- Démonstration de "
                "l'agenda en ligne\n- Questions sur les créneaux réservés aux personnes "
                "sans internet")
    julie = users.get("julie.lefevre@demo.example")
    karim = users.get("karim.benali@demo.example")
    if julie:
        c = projects.raise_concern(julie, info, "Les usagers qui n'ont pas internet vont-ils "
                                               "perdre leurs créneaux au guichet ?")
        projects.answer_concern(lead, c, "Non : la moitié des créneaux reste réservée à "
                                         "l'accueil et au téléphone.")
    if karim:
        projects.raise_concern(karim, info, "Qui gère les annulations de dernière minute ?")
    projects.save_action(
        lead, rdv, kind="atelier", title="Atelier : définir les motifs de rendez-vous",
        planned_on=today - timedelta(days=25), status="realisee", participants=8,
        services=[by_service["État civil"]], objectives=[obj],
        minutes="Les agents ont listé **12 motifs** et la durée de chacun.\n\nLe mariage "
                "demande un rendez-vous de 45 minutes.")
    projects.save_action(
        lead, rdv, kind="cst", title="Avis du CST sur les nouveaux horaires",
        planned_on=today + timedelta(days=12), status="prevue", participants=0,
        objectives=[obj, objectives["Répondre à toute demande en moins de 5 jours"]])
    projects.save_action(
        lead, rdv, kind="test_pilote", title="Test pilote avec 20 usagers",
        planned_on=today + timedelta(days=40), status="prevue", participants=20,
        services=[by_service["Accueil"]], objectives=[obj])
    grc = made["Outil de relation usagers (GRC)"]
    projects.save_action(
        lead, grc, kind="enquete", title="Enquête auprès des agents d'accueil",
        planned_on=today - timedelta(days=10), status="prevue", participants=0,
        services=[by_service["Accueil"]],
        objectives=[objectives["Ouvrir un outil de relation usagers (GRC)"]])  # late
    projects.save_action(
        lead, grc, kind="entretien", title="Entretiens avec le service urbanisme",
        planned_on=today + timedelta(days=20), status="prevue", participants=4,
        services=[by_service["Urbanisme"]],
        objectives=[objectives["Ouvrir un outil de relation usagers (GRC)"]])
    para = made["Parapheur électronique"]
    sign = objectives["Signer les actes électroniquement"]
    done = projects.save_action(
        lead, para, kind="formation", title="Formation au parapheur des gestionnaires",
        planned_on=today - timedelta(days=45), status="realisee", participants=11,
        services=[by_service["Finances"], by_service["Ressources humaines"]],
        objectives=[sign],
        minutes="Deux sessions d'une heure. Les gestionnaires savent déposer un document "
                "et suivre sa signature.")
    nathalie = users.get("nathalie.dubois@demo.example")
    if nathalie:
        projects.raise_concern(nathalie, done, "Les arrêtés urgents pourront-ils encore être "
                                               "signés sur papier ?")
    projects.save_action(
        lead, para, kind="communication_interne", title="Article dans la lettre interne",
        planned_on=today + timedelta(days=5), status="prevue", objectives=[sign])
    tab = made["Tablettes pour les services techniques"]
    projects.save_action(
        lead, tab, kind="test_pilote", title="Pilote avec l'équipe voirie",
        planned_on=today - timedelta(days=150), status="realisee", participants=6,
        services=[by_service["Services techniques"]],
        objectives=[objectives["Équiper les services techniques de tablettes"]],
        minutes="L'équipe voirie a utilisé les tablettes trois semaines. Demande : une coque "
                "renforcée et un mode hors connexion.")


def _proposals(lead, made, agents):
    now = utcnow()
    rdv = made["Prise de rendez-vous en ligne pour l'état civil"]
    julie = agents.get("julie.lefevre@demo.example")
    karim = agents.get("karim.benali@demo.example")
    earlier = now - timedelta(days=30)
    closed = projects.open_proposal(
        lead, rdv, title="Réserver la moitié des créneaux au guichet",
        body="La moitié des créneaux de rendez-vous reste proposée à l'accueil et par "
             "téléphone.", closes_at=now - timedelta(days=10), now=earlier)
    closed.created_at = earlier
    if julie:
        projects.give_position(julie, closed, stance="reserves",
                               reason="D'accord si on revoit la part après six mois.",
                               now=earlier + timedelta(days=2))
        projects.give_position(julie, closed, stance="accord",
                               reason="La revue à six mois est prévue : d'accord.",
                               now=earlier + timedelta(days=9))
    if karim:
        projects.give_position(karim, closed, stance="accord",
                               reason="Cela protège les usagers sans internet.",
                               now=earlier + timedelta(days=4))
    projects.write_outcome(lead, closed, "Adoptée : 50 % des créneaux restent au guichet, "
                                         "bilan au bout de six mois.")
    open_ = projects.open_proposal(
        lead, rdv, title="Ouvrir les rendez-vous le samedi matin",
        body="Une permanence d'état civil le samedi de 9 h à 12 h, sur rendez-vous.",
        closes_at=now + timedelta(days=14))
    open_.created_at = now - timedelta(days=3)
    if julie:
        projects.give_position(julie, open_, stance="blocage",
                               reason="Le service compte deux agents : impossible sans "
                                      "renfort.")
    if karim:
        projects.give_position(karim, open_, stance="reserves",
                               reason="Possible si l'accueil est fermé un autre jour.")


