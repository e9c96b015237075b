"""Demo content of the forums: topics with replies, needs with endorsements at
several statuses, an anonymous worry answered by the project lead, notifications.

Connected to `demo_loaded`. The projects engineer's receiver may run before or
after this one: needs are linked to the demo projects that exist at this point
(and a category is created per active project found).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.projects.models import Project
from forums import needs, notify, services
from forums.models import Category, NeedStatus, Post, Topic

TOPICS = [
    # (category, author email, title, body, [(reply author, reply body)])
    ("Accueil et démarches", "karim.benali@demo.example",
     "Les usagers ne trouvent pas la démarche de recensement citoyen",
     "Cette semaine, trois jeunes sont venus au guichet parce que le lien vers le "
     "**recensement citoyen** n'apparaît pas sur la page d'accueil du site.\n\n"
     "Est-ce qu'on peut l'ajouter dans les démarches les plus demandées ?",
     [("julie.lefevre@demo.example", "Même constat à l'état civil : on l'imprime souvent pour "
       "eux. @thomas.girard, est-ce prévu dans la refonte du site ?"),
      ("thomas.girard@demo.example", "Oui, c'est noté pour la refonte. En attendant, je "
       "demande l'ajout d'un lien direct dès lundi.")]),
    ("Accueil et démarches", "julie.lefevre@demo.example",
     "Prise de rendez-vous pour les cartes d'identité : les créneaux partent en une heure",
     "Dès l'ouverture des créneaux, tout est pris. Les personnes âgées appellent ensuite "
     "l'accueil, déçues. Comment faites-vous dans les autres services ?",
     [("karim.benali@demo.example", "À l'accueil on garde une liste d'attente papier, ce "
       "n'est pas idéal."),
      ("sophie.martin@demo.example", "On peut réserver une partie des créneaux aux "
       "rendez-vous pris par téléphone. Je propose d'en parler au prochain point d'équipe.")]),
    ("Outils internes", "marc.petit@demo.example",
     "Le logiciel d'urbanisme plante à l'export PDF",
     "Depuis la mise à jour de mardi, l'export PDF des arrêtés ferme le logiciel. "
     "Contournement : imprimer en PDF depuis l'aperçu.",
     [("sophie.martin@demo.example", "Merci Marc, ticket ouvert chez l'éditeur. Je vous "
       "tiens au courant ici.")]),
    ("Outils internes", "nathalie.dubois@demo.example",
     "Partager un agenda d'équipe sans tout le monde en copie",
     "Nous cherchons une façon simple de partager les absences de l'équipe RH. "
     "Quelqu'un utilise déjà l'agenda partagé de la messagerie ?",
     [("karim.benali@demo.example", "Oui à l'accueil, ça marche bien une fois les droits "
       "réglés.")]),
    ("Idées", "karim.benali@demo.example",
     "Une borne pour scanner les justificatifs à l'accueil",
     "Beaucoup d'usagers n'ont pas de scanner. Une borne en libre-service à l'accueil leur "
     "permettrait de terminer leur démarche en ligne sur place.",
     [("marc.petit@demo.example", "Bonne idée, l'urbanisme en aurait besoin aussi pour les "
       "permis."),
      ("thomas.girard@demo.example", "On peut l'étudier avec le projet de guichet "
       "numérique.")]),
    ("Idées", "nathalie.dubois@demo.example",
     "Des ateliers courts pour prendre en main les nouveaux outils",
     "Plutôt qu'une grande formation, des ateliers de 30 minutes entre collègues ?",
     [("julie.lefevre@demo.example", "Oui ! Et le jeudi matin, c'est plus calme.")]),
    ("Accueil et démarches", "karim.benali@demo.example",
     "Les demandes d'aide pour remplir les formulaires en ligne augmentent",
     "Chaque matin, deux ou trois personnes demandent de l'aide pour une démarche en ligne "
     "(CAF, impôts, carte grise). Nous n'avons pas de poste dédié.",
     [("nathalie.dubois@demo.example", "Un poste en libre-service avec un agent référent "
       "une demi-journée par semaine ?"),
      ("sophie.martin@demo.example", "Le conseiller numérique de l'intercommunalité peut "
       "tenir une permanence ici. Je prends contact.")]),
    ("Accueil et démarches", "julie.lefevre@demo.example",
     "Courriels des usagers : qui répond quand la boîte générique déborde ?",
     "La boîte contact@ reçoit plus de 50 messages par jour. Certains restent sans réponse "
     "plusieurs jours.",
     [("karim.benali@demo.example", "On pourrait se répartir les messages par thème chaque "
       "matin."),
      ("thomas.girard@demo.example", "C'est exactement ce que l'outil de relation usagers "
       "(GRC) doit régler : un circuit de réponse avec validation.")]),
    ("Outils internes", "sophie.martin@demo.example",
     "Changement des mots de passe : mode d'emploi",
     "Le changement des mots de passe aura lieu le mois prochain. Voici les étapes :\n\n"
     "1. choisir une phrase de passe ;\n2. l'enregistrer dans le coffre-fort ;\n"
     "3. ne jamais la transmettre par courriel.",
     [("marc.petit@demo.example", "Merci pour le mode d'emploi, c'est clair.")]),
    ("Outils internes", "marc.petit@demo.example",
     "Visioconférence avec les architectes : quel outil utiliser ?",
     "Les architectes nous proposent des outils différents à chaque réunion. Avons-nous un "
     "outil recommandé ?",
     [("sophie.martin@demo.example", "Oui, l'outil de visioconférence de l'État est "
       "recommandé pour les collectivités. Je vous envoie le lien.")]),
    ("Idées", "julie.lefevre@demo.example",
     "Un rappel par SMS avant les rendez-vous d'état civil",
     "Beaucoup de rendez-vous ne sont pas honorés. Un SMS la veille éviterait des créneaux "
     "perdus.",
     [("thomas.girard@demo.example", "Prévu dans le projet de prise de rendez-vous en ligne, "
       "étape 2.")]),
    ("Idées", "marc.petit@demo.example",
     "Publier les arrêtés d'urbanisme en données ouvertes",
     "Les notaires et les habitants demandent souvent la liste des arrêtés. Les publier "
     "éviterait des appels.",
     [("sophie.martin@demo.example", "Bonne piste pour le portail open data.")]),
]

# Words that point a demo need to the demo project that carries it (if it exists).
PROJECT_HINTS = {
    "Suivre l'avancement d'une demande sans appeler la mairie": ("GRC", "relation"),
    "Déposer un permis de construire en ligne": ("GRC", "relation", "démarche"),
    "Demander un acte d'état civil sans se déplacer": ("rendez-vous", "état civil"),
}

NEEDS = [
    # (author, title, description, public, channel, frequency, impact, services,
    #  workaround, endorsers, status)
    ("karim.benali@demo.example", "Suivre l'avancement d'une demande sans appeler la mairie",
     "Les usagers appellent pour savoir où en est leur demande (acte, permis, "
     "inscription). Ils aimeraient un suivi en ligne.",
     "particuliers", "telephone", "jour", "fort", ["Accueil", "État civil", "Urbanisme"],
     "L'accueil cherche le dossier et rappelle.",
     ["julie.lefevre@demo.example", "marc.petit@demo.example", "nathalie.dubois@demo.example"],
     NeedStatus.LINKED),
    ("julie.lefevre@demo.example", "Demander un acte d'état civil sans se déplacer",
     "Les personnes nées ici mais installées loin doivent écrire un courrier.",
     "particuliers", "courrier", "semaine", "moyen", ["État civil"],
     "Courrier postal avec enveloppe timbrée.",
     ["karim.benali@demo.example"], NeedStatus.LINKED),
    ("marc.petit@demo.example", "Déposer un permis de construire en ligne",
     "Les architectes et les entreprises veulent déposer les pièces en ligne.",
     "entreprises", "courriel", "semaine", "fort", ["Urbanisme"],
     "Envoi par courriel de fichiers trop lourds, refusés par la messagerie.",
     ["sophie.martin@demo.example", "karim.benali@demo.example"], NeedStatus.ANSWERED),
    ("nathalie.dubois@demo.example", "Réserver une salle municipale pour une association",
     "Les associations réservent par téléphone et il y a des doublons.",
     "associations", "telephone", "semaine", "moyen", ["Accueil", "Services techniques"],
     "Un tableau partagé tenu par l'accueil.",
     ["karim.benali@demo.example", "julie.lefevre@demo.example"], NeedStatus.NEW),
    ("karim.benali@demo.example", "Payer la cantine en ligne",
     "Les familles demandent à payer la cantine par carte, en ligne.",
     "particuliers", "accueil", "jour", "fort", ["Finances"],
     "Paiement par chèque à l'accueil.",
     ["nathalie.dubois@demo.example", "marc.petit@demo.example", "julie.lefevre@demo.example",
      "sophie.martin@demo.example"], NeedStatus.QUALIFIED),
    ("marc.petit@demo.example", "Signaler un nid-de-poule avec une photo",
     "Des habitants envoient des photos sur les réseaux sociaux de la ville.",
     "particuliers", "reseaux", "semaine", "faible", ["Services techniques"],
     "Le cabinet transfère les messages aux services techniques.",
     ["karim.benali@demo.example"], NeedStatus.DISMISSED),
    ("julie.lefevre@demo.example", "Accès aux dossiers RH pour les agents d'autres services",
     "Les agents veulent consulter leurs fiches de paie et congés sans passer par les RH.",
     "agents", "courriel", "semaine", "moyen", ["Ressources humaines"], "",
     ["marc.petit@demo.example"], NeedStatus.NEW),
]


def _categories(org) -> dict[str, Category]:
    return {c.name: c for c in db.session.scalars(
        select(Category).where(Category.organisation_id == org.id))}


def load_demo(org, users: dict | None = None, **_kw) -> None:
    """Fill the demo collectivité's forums (receiver of `demo_loaded`)."""
    users = users or {}
    if db.session.scalar(select(Topic.id).where(Topic.organisation_id == org.id).limit(1)):
        return  # already there
    services.create_default_categories(org)
    projects = list(db.session.scalars(select(Project).where(
        Project.organisation_id == org.id).order_by(Project.id)))
    for project in projects:
        if project.is_active:
            services.category_for_project(project)
    cats = _categories(org)
    by_service = {s.name: s for s in db.session.scalars(
        select(Service).where(Service.organisation_id == org.id))}

    def u(email):
        return users.get(email)

    now = utcnow()
    age = len(TOPICS) + len(NEEDS) + 2
    for cat_name, author, title, body, replies in TOPICS:
        if u(author) is None:
            continue
        topic = services.create_topic(u(author), cats[cat_name], title=title, body=body,
                                      rate_limited=False)
        for r_author, r_body in replies:
            if u(r_author) is not None:
                services.reply(u(r_author), topic, body=r_body, rate_limited=False)
        _age(topic, now - timedelta(days=age))
        age -= 1
    # A first reply marked useful and accepted.
    first = db.session.scalar(select(Topic).where(Topic.organisation_id == org.id)
                              .order_by(Topic.id))
    replies = db.session.scalars(select(Post).where(Post.topic_id == first.id,
                                                    Post.is_first.is_(False))
                                 .order_by(Post.id)).all()
    if len(replies) >= 2 and u("karim.benali@demo.example"):
        services.toggle_useful(u("karim.benali@demo.example"), replies[1])
        services.accept_answer(u("karim.benali@demo.example"), replies[1])

    lead = u("thomas.girard@demo.example")
    admin = u("sophie.martin@demo.example")
    for (author, title, desc, public, channel, freq, impact, svc, workaround, endorsers,
         status) in NEEDS:
        if u(author) is None:
            continue
        need = needs.record_need(
            u(author), cats["Accueil et démarches"], title=title, description=desc,
            public=public, channel=channel, frequency=freq, impact=impact,
            workaround=workaround, services=[by_service[s] for s in svc if s in by_service],
            rate_limited=False)
        _age(need.topic, now - timedelta(days=age))
        age -= 1
        for email in endorsers:
            if u(email) is not None and email != author:
                needs.endorse(u(email), need, channel=channel,
                              note="Je le vois aussi chaque semaine." if email.startswith("j")
                              else "")
        if lead is None or admin is None:
            continue
        if status in (NeedStatus.QUALIFIED, NeedStatus.LINKED, NeedStatus.ANSWERED):
            needs.change_status(lead, need, NeedStatus.QUALIFIED, "Besoin confirmé par "
                                "plusieurs services.")
        if status in (NeedStatus.LINKED, NeedStatus.ANSWERED) and projects:
            needs.link_project(lead, need, _project_for(title, projects))
        if status == NeedStatus.ANSWERED:
            needs.draft_answer(lead, need, "Le dépôt en ligne des demandes d'urbanisme est "
                               "ouvert depuis le 1er octobre sur le site de la ville.")
            needs.validate_answer(admin, need)
        if status == NeedStatus.DISMISSED:
            needs.change_status(admin, need, NeedStatus.DISMISSED,
                                "Déjà couvert par l'application de signalement du "
                                "département.")

    worry_author = u("julie.lefevre@demo.example")
    if worry_author is not None and lead is not None:
        worry = services.create_topic(
            worry_author, cats["Questions et inquiétudes"],
            title="Le guichet numérique va-t-il remplacer l'accueil physique ?",
            body="On entend que l'accueil sera réduit quand les démarches seront en ligne. "
                 "Qu'est-ce qui va changer pour nos postes ?",
            anonymous=True, rate_limited=False)
        services.reply(lead, worry, rate_limited=False, body=(
            "Merci de poser la question. Non : l'accueil physique reste ouvert aux mêmes "
            "horaires. Le guichet numérique doit libérer du temps pour accompagner les "
            "personnes qui en ont le plus besoin. Nous en parlerons à la réunion "
            "d'information du mois prochain, et au CST (comité social territorial)."))
        _age(worry, now - timedelta(days=2))
    # A mention so that the header shows unread notifications.
    karim = u("karim.benali@demo.example")
    if karim is not None and admin is not None:
        notify.notify_users({admin.id}, org.id, kind="mention",
                            text="Karim Benali vous a cité·e dans « Une borne pour scanner "
                                 "les justificatifs à l'accueil »")
    db.session.flush()


def _project_for(title: str, projects: list[Project]) -> Project:
    hints = PROJECT_HINTS.get(title, ())
    for project in projects:
        if any(h.lower() in project.title.lower() for h in hints):
            return project
    return projects[0]


def _age(topic: Topic, when) -> None:
    """Spread demo topics over the past weeks, replies a few hours apart."""
    topic.created_at = when
    last = when
    posts = db.session.scalars(select(Post).where(Post.topic_id == topic.id)
                               .order_by(Post.id)).all()
    for i, post in enumerate(posts):
        last = when + timedelta(hours=3 * i)
        post.created_at = last
    topic.last_post_at = last
