"""The demo collectivité: a fictional town of about 6,000 inhabitants.

Demo accounts exist only when loaded through `flask --app change_portal demo`
(what `make run` does on an empty database). Their shared password is public by
design: never load the demo on a production database.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from change_portal.accounts import services as accounts
from change_portal.accounts.models import User
from change_portal.core.permissions import Role
from change_portal.core.signals import demo_loaded
from change_portal.extensions import db
from change_portal.organisations import services
from change_portal.organisations.demo_peers import load_peers
from change_portal.organisations.models import Organisation, Service

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-portail-2026"  # noqa: S105 - documented public demo password
DEMO_SERVICES = ("Accueil", "État civil", "Urbanisme", "Finances", "Ressources humaines",
                 "Services techniques", "Numérique (DSI)", "Cabinet du maire")

# (email, full name, roles, service)
DEMO_USERS = (
    ("operateur@plateforme.example", "Opérateur de la plateforme", [Role.OPERATOR], None),
    ("sophie.martin@demo.example", "Sophie Martin", [Role.ADMIN, Role.AGENT],
     "Numérique (DSI)"),
    ("karim.benali@demo.example", "Karim Benali", [Role.AGENT], "Accueil"),
    ("julie.lefevre@demo.example", "Julie Lefèvre", [Role.AGENT], "État civil"),
    ("nathalie.dubois@demo.example", "Nathalie Dubois", [Role.TRAINER, Role.AGENT],
     "Ressources humaines"),
    ("thomas.girard@demo.example", "Thomas Girard", [Role.PROJECT_LEAD, Role.AGENT],
     "Numérique (DSI)"),
    ("claire.moreau@demo.example", "Claire Moreau", [Role.ELECTED], "Cabinet du maire"),
    ("marc.petit@demo.example", "Marc Petit", [Role.AGENT], "Urbanisme"),
)


# A person who also works for the town's intercommunalité (shared IT service):
# one account, two memberships, so the demo shows the collectivité switcher.
SHARED_PERSON = "thomas.girard@demo.example"
SHARED_WITH = "ca-pays-des-trois-rivieres"


def _second_membership(user: User | None) -> None:
    peer = db.session.scalars(select(Organisation).where(Organisation.slug == SHARED_WITH)).first()
    if user is not None and peer is not None:
        accounts.add_membership(user, peer, roles=[Role.AGENT.value])


def exists() -> bool:
    return db.session.scalar(
        select(Organisation.id).where(Organisation.slug == DEMO_SLUG)
    ) is not None


def load(on_progress=None) -> Organisation:
    """Create the demo collectivité, its services, one account per role, and the
    fictional peer collectivités of the association (without accounts); then each
    domain fills its part (`on_progress(done, total, domain)` after each step)."""
    org = services.create_organisation(
        None, name="Ville de Beaumont-sur-Lys", slug=DEMO_SLUG, kind="commune",
        population=6140, services=DEMO_SERVICES, region="32",
    )
    load_peers()
    by_name = {s.name: s for s in db.session.scalars(
        select(Service).where(Service.organisation_id == org.id))}
    users: dict[str, User] = {}
    for email, name, roles, service in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue  # the operator may survive a removed demo
        is_operator = Role.OPERATOR in roles
        user = accounts.create_user(
            email=email, full_name=name, roles=[r.value for r in roles],
            organisation=None if is_operator else org, password=DEMO_PASSWORD,
            service=by_name.get(service) if service else None,
        )
        users[email] = user
    _second_membership(users.get(SHARED_PERSON))
    org.roadmap_published = True
    db.session.flush()
    # What demo_loaded.send does, one receiver at a time, to report each step.
    receivers = list(demo_loaded.receivers_for(org))
    for done, receiver in enumerate(receivers, 1):
        receiver(org, users=users)
        if on_progress is not None:
            on_progress(done, len(receivers), getattr(receiver, "__module__", ""))
    return org


def print_accounts(echo: Callable[[str], None]) -> None:
    echo("")
    echo("Demo accounts (password for all: %s)" % DEMO_PASSWORD)
    for email, name, roles, _service in DEMO_USERS:
        echo(f"  {email:<34} {name:<28} {', '.join(r.value for r in roles)}")
    echo(f"  ({SHARED_PERSON} is also an agent of the intercommunalité: see the switcher)")
    echo("")
