"""Seeded French text for the benchmark data: titles, sentences, Markdown bodies
with lists and tables, in the vocabulary of a collectivité's digital projects.

Everything takes a `random.Random` so that a given seed gives the same data.
"""

from __future__ import annotations

import random

SUBJECTS = [
    "Le service État civil", "L'accueil de la mairie", "La DSI", "Le service Urbanisme",
    "Une usagère", "Un usager", "Le pôle Finances", "L'équipe de la médiathèque",
    "Le centre communal d'action sociale", "La direction des ressources humaines",
    "Le service Voirie", "Un agent d'accueil", "La cheffe de projet GRC",
    "Le comité social territorial (CST)", "Une association du quartier",
    "Le guichet unique", "L'équipe des Sports", "Le service Enfance et écoles",
]
VERBS = [
    "reçoit chaque semaine", "signale régulièrement", "constate depuis des mois",
    "demande à améliorer", "a du mal à traiter", "voudrait simplifier", "n'arrive pas à suivre",
    "propose de tester", "attend une réponse sur", "a mis en place", "redoute",
    "souhaite mieux comprendre", "a documenté", "traite à la main",
]
OBJECTS = [
    "les demandes d'acte de naissance en ligne", "la prise de rendez-vous pour les passeports",
    "les signalements de lampadaires en panne", "les inscriptions à la cantine",
    "le suivi des demandes dans la GRC", "la signature électronique des arrêtés",
    "les courriels envoyés à la mauvaise adresse", "le formulaire de demande de subvention",
    "la démarche en ligne d'autorisation de voirie",
    "les appels sur les horaires de la déchetterie",
    "les pièces justificatives manquantes", "le portail famille", "les données ouvertes du budget",
    "la messagerie sécurisée", "les mots de passe oubliés", "le parapheur électronique",
    "les réservations de salles municipales", "le paiement en ligne des factures",
    "l'accusé de réception automatique", "les délais de réponse aux usagers",
    "la dématérialisation des factures", "la télétransmission des actes au contrôle de légalité",
]
TAILS = [
    "avant la fin du trimestre", "sans que personne ne soit prévenu",
    "depuis la mise à jour du logiciel",
    "surtout le lundi matin", "pour les personnes âgées", "quand le réseau est lent",
    "alors que la procédure papier marchait bien", "malgré la formation de septembre",
    "avec des délais qui s'allongent", "en lien avec le schéma de développement numérique",
    "pour gagner du temps au guichet", "sans ressaisie", "dans le respect du RGPD",
]
CONNECTORS = ["Par ailleurs,", "En pratique,", "Concrètement,", "Du coup,", "Pourtant,",
              "De plus,", "Au quotidien,", "Pour l'instant,", "Selon les collègues,"]
TITLE_STARTS = [
    "Question sur", "Retour d'expérience :", "Problème avec", "Idée pour", "Besoin :",
    "Comment gérer", "Bilan de", "Inquiétude sur", "Proposition :", "Aide demandée :",
]
PROJECT_TITLES = [
    "Outil de gestion de la relation citoyen (GRC)", "Prise de rendez-vous en ligne",
    "Parapheur et signature électronique", "Portail famille", "Portail de données ouvertes",
    "Dématérialisation des actes d'urbanisme", "Paiement en ligne des services",
    "Messagerie collaborative des agents", "Guichet numérique des associations",
    "Télétransmission des actes", "Gestion électronique des courriers",
    "Espace numérique de travail des écoles", "Inclusion numérique : conseillers numériques",
    "Cartographie des signalements", "Archivage électronique",
]
AXES = [
    "Relation avec les usagers", "Outils internes des agents", "Données et transparence",
    "Cybersécurité", "Inclusion numérique", "Compétences des agents",
]
OBJECTIVES = [
    "Proposer {} démarches en ligne de bout en bout",
    "Répondre à {} % des demandes en moins de 8 jours",
    "Former {} agents aux outils collaboratifs", "Publier {} jeux de données ouvertes",
    "Réduire de {} % les appels sur les horaires",
    "Équiper {} services d'un parapheur électronique",
    "Sensibiliser {} agents à la cybersécurité", "Accompagner {} habitants éloignés du numérique",
]
INDICATORS = [
    ("Démarches en ligne disponibles", "démarches"), ("Délai moyen de réponse", "jours"),
    ("Agents formés", "agents"), ("Jeux de données publiés", "jeux"),
    ("Taux de satisfaction des usagers", "%"), ("Demandes traitées dans la GRC", "%"),
]
MODULE_TOPICS = [
    "Accueillir un usager pour une démarche en ligne", "Les bons réflexes de cybersécurité",
    "Le RGPD au quotidien", "Suivre une demande d'usager", "Rédiger une réponse claire",
    "Utiliser le parapheur électronique", "Animer un atelier participatif",
    "Publier des données ouvertes", "Comprendre le schéma de développement numérique",
    "Accompagner un usager éloigné du numérique", "Travailler avec la GRC",
    "Sécuriser ses mots de passe", "Organiser une consultation du CST",
]
LESSON_TITLES = [
    "Pourquoi c'est important", "Les étapes une par une", "Les pièges à éviter",
    "Ce que dit la réglementation", "Un exemple concret", "Les bons outils",
    "Répondre aux questions fréquentes", "Travailler avec les autres services",
    "Mesurer le résultat", "Pour aller plus loin", "Cas pratique au guichet",
    "Les délais à respecter",
]
FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Nathalie", "Sophie",
    "Isabelle", "Claire", "Aurélie", "Hélène", "Thomas", "Nicolas", "Julien", "Maxime", "Hugo",
    "Lucas", "Antoine", "Pierre", "Karim", "Mehdi", "Yann", "Olivier", "François", "Éric",
    "Sébastien", "Baptiste", "Amina", "Fatou", "Mathilde", "Pauline", "Gaëlle", "Rémi",
]
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller",
    "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Benali", "Nguyen", "Diallo",
]
SERVICES = [
    "Accueil", "État civil", "Urbanisme", "Finances", "DSI", "Ressources humaines", "Voirie",
    "Culture", "Enfance et écoles", "Action sociale", "Sports", "Communication",
]
TOWNS = [
    "Saint-Martin-sur-Loire", "Montreval", "Villeneuve-les-Prés", "Beaulieu", "Fontenay-le-Bourg",
    "Castelnau", "Rochefort-en-Vallée", "Valmont", "Pontarlier-le-Haut", "Sainte-Colombe",
    "Champagnac", "Belleville-sur-Mer", "Auberive", "Mirande", "Lussac", "Courville",
    "Ribérac", "Marsac", "Vic-le-Comte", "Séverac", "Brassac", "Malemort", "Saint-Genis",
    "Montbrison-les-Bains", "Chantemerle",
]


def sentence(rng: random.Random) -> str:
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
    if rng.random() < 0.6:
        parts.append(rng.choice(TAILS))
    text = " ".join(parts) + "."
    if rng.random() < 0.3:
        text = f"{rng.choice(CONNECTORS)} {text[0].lower()}{text[1:]}"
    return text


def paragraph(rng: random.Random, low: int = 2, high: int = 5) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


def title(rng: random.Random) -> str:
    obj = rng.choice(OBJECTS)
    return f"{rng.choice(TITLE_STARTS)} {obj}"[:140]


def _list(rng: random.Random) -> str:
    bullet = "-" if rng.random() < 0.7 else "1."
    return "\n".join(f"{bullet} {sentence(rng)}" for _ in range(rng.randint(2, 6)))


def _table(rng: random.Random) -> str:
    rows = ["| Démarche | Canal | Demandes par mois | Délai moyen |",
            "| --- | --- | ---: | ---: |"]
    for _ in range(rng.randint(2, 6)):
        rows.append(f"| {rng.choice(OBJECTS).capitalize()} | "
                    f"{rng.choice(['Accueil', 'Téléphone', 'Courriel', 'En ligne'])} | "
                    f"{rng.randint(3, 900)} | {rng.randint(1, 30)} j |")
    return "\n".join(rows)


def markdown_body(rng: random.Random, size: str = "post") -> str:
    """A Markdown text: paragraphs, sometimes **bold**, lists and tables.

    size: "short" (a reply), "post" (1-6 blocks), "long" (a lesson, ~4-9 KB).
    """
    if size == "short":
        return paragraph(rng, 1, 3)
    blocks = []
    count = rng.randint(1, 6) if size == "post" else rng.randint(10, 18)
    for i in range(count):
        r = rng.random()
        if size == "long" and i % 3 == 0:
            blocks.append(f"## {rng.choice(LESSON_TITLES)}")
        if r < 0.55:
            text = paragraph(rng)
            if rng.random() < 0.4:
                words = text.split(" ")
                k = rng.randrange(len(words))
                words[k] = f"**{words[k]}**"
                text = " ".join(words)
            blocks.append(text)
        elif r < 0.8:
            blocks.append(_list(rng))
        elif r < 0.93:
            blocks.append(_table(rng))
        else:
            blocks.append("> " + sentence(rng))
    return "\n\n".join(blocks)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
