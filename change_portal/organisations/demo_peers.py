"""Fictional peer collectivités for the demo: the other members of the
association that runs the deployment. They have no accounts; the observatory and
the experience sharing give them diagnoses and fiches, so that the demo
collectivité has peers to compare itself with and to learn from.

Every name is invented (no real collectivité is meant).
"""

from __future__ import annotations

from sqlalchemy import select

from change_portal.extensions import db
from change_portal.organisations import services
from change_portal.organisations.models import Organisation

# (slug, name, kind, population, region INSEE code). Seven communes share the demo
# town's stratum (communes of 3,500 to 9,999 inhabitants), so that its positioning
# is shown; the others spread over every kind and size.
PEERS: tuple[tuple[str, str, str, int, str], ...] = (
    ("val-d-orgelet", "Val-d'Orgelet", "commune", 4_210, "27"),
    ("saint-aubin-des-pres", "Saint-Aubin-des-Prés", "commune", 5_380, "53"),
    ("montferrier-le-haut", "Montferrier-le-Haut", "commune", 7_950, "76"),
    ("les-essarts-sur-ande", "Les Essarts-sur-Ande", "commune", 3_620, "28"),
    ("pontcarre-la-riviere", "Pontcarré-la-Rivière", "commune", 8_840, "32"),
    ("bourg-sainte-odile", "Bourg-Sainte-Odile", "commune", 6_075, "44"),
    ("lanvezec", "Lanvézec", "commune", 9_310, "53"),
    ("rocheblanche", "Rocheblanche", "commune", 1_240, "84"),
    ("villers-les-saules", "Villers-les-Saules", "commune", 2_870, "32"),
    ("la-motte-fenouil", "La Motte-Fenouil", "commune", 780, "93"),
    ("chateaubrun", "Châteaubrun", "commune", 18_400, "24"),
    ("port-lannic", "Port-Lannic", "commune", 31_750, "53"),
    ("sainte-verane", "Sainte-Vérane", "commune", 64_200, "75"),
    ("cc-vallee-de-l-ande", "Communauté de communes de la Vallée de l'Ande",
     "intercommunalite", 27_900, "28"),
    ("ca-pays-des-trois-rivieres", "Communauté d'agglomération du Pays des Trois Rivières",
     "intercommunalite", 88_300, "32"),
    ("cc-hautes-combes", "Communauté de communes des Hautes-Combes",
     "intercommunalite", 12_650, "27"),
    ("departement-de-l-arvonne", "Département de l'Arvonne", "departement", 412_000, "75"),
    ("departement-des-hautes-landes", "Département des Hautes-Landes", "departement",
     268_500, "76"),
    ("region-ouest-atlantique", "Région Ouest-Atlantique (fictive)", "region",
     3_900_000, "52"),
)


def load_peers() -> dict[str, Organisation]:
    """Create the peer collectivités that are missing; return them all by slug."""
    existing = {org.slug: org for org in db.session.scalars(
        select(Organisation).where(Organisation.slug.in_([p[0] for p in PEERS])))}
    for slug, name, kind, population, region in PEERS:
        if slug not in existing:
            existing[slug] = services.create_organisation(
                None, name=name, slug=slug, kind=kind, population=population, region=region,
                services=("Direction générale", "Numérique"),
            )
    db.session.flush()
    return existing
