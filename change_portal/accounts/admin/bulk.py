"""Bulk onboarding of a collectivité: invite people and create services from a
file, in two steps. `plan_*` says what each line would do and changes nothing;
`apply_*` re-reads the same file against the database as it is then, and does
everything or nothing (the caller commits, then enqueues one sending job).

Only the collectivité's own members are ever compared with the file: an address
used by an account elsewhere reads as a new invitation, exactly like an unknown
one, so that the preview tells nothing about other collectivités.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from change_portal.accounts import services as accounts
from change_portal.accounts.admin.tabular import Table, fold, read_table
from change_portal.accounts.models import User
from change_portal.core import audit
from change_portal.core.errors import DomainError
from change_portal.core.permissions import ORGANISATION_ROLES, ROLE_LABELS, Role
from change_portal.core.privacy import csv_safe
from change_portal.extensions import db
from change_portal.organisations import services as org_services
from change_portal.organisations.models import Organisation, Service

PEOPLE_COLUMNS = {
    "name": {"nom", "nom complet", "nom et prénom", "prénom nom", "full_name", "agent"},
    "first_name": {"prénom", "prenom", "first name", "firstname"},
    "email": {"courriel", "e-mail", "mail", "adresse électronique", "adresse mail",
              "adresse e-mail", "email address"},
    "service": {"direction", "service de rattachement", "department"},
    "roles": {"rôles", "rôle", "role", "profil", "profils"},
}
SERVICE_COLUMNS = {
    "name": {"nom", "service", "nom du service"},
    "parent": {"service parent", "parent_name", "rattachement", "rattaché à", "direction"},
}
# The files offered to download from the import pages, ready to fill in.
PEOPLE_TEMPLATE = ("Nom;Courriel;Service;Rôles\r\n"
                   "Camille Exemple;camille.exemple@mairie.example;Accueil;Agent\r\n"
                   "Dominique Exemple;dominique.exemple@mairie.example;Ressources humaines;"
                   "Agent | Formateur·rice\r\n")
SERVICES_TEMPLATE = ("Nom;Parent\r\n"
                     "Direction générale des services;\r\n"
                     "Pôle population;Direction générale des services\r\n"
                     "État civil;Pôle population\r\n")
NAME_MAX, EMAIL_MAX, SERVICE_MAX = 120, 254, 120
PAYLOAD_MAX_AGE = 3600  # seconds a preview may wait for its confirmation

# Every way people write a role in a spreadsheet, folded (see tabular.fold).
_ROLE_WORDS = {
    Role.AGENT: {"agent", "agente"},
    Role.TRAINER: {"formateur", "formatrice", "formateurrice", "trainer"},
    Role.PROJECT_LEAD: {"chef de projet", "cheffe de projet", "project lead"},
    Role.ELECTED: {"élu", "élue", "elected", "elected official"},
    Role.ADMIN: {"admin", "administrateur", "administratrice", "administrateurrice"},
}
ROLE_WORDS = {fold(w): role.value for role, words in _ROLE_WORDS.items() for w in words}
ROLE_WORDS.update({fold(str(ROLE_LABELS[r])): r.value for r in ORGANISATION_ROLES})
ROLE_WORDS.update({fold(r.value): r.value for r in ORGANISATION_ROLES})


def split_roles(cell: str) -> list[str]:
    """The tokens of a roles cell: "Agent | Formateur·rice", "agent,admin", "agent+elu"."""
    for sep in ("|", "+", ";", "/"):
        cell = cell.replace(sep, ",")
    return [t.strip() for t in cell.split(",") if t.strip()]


# --- people ------------------------------------------------------------------

INVITE, MEMBER, ERROR = "invite", "member", "error"


@dataclass
class PersonLine:
    line: int
    full_name: str
    email: str
    service: str
    roles: list[str]
    action: str = INVITE
    new_service: bool = False
    default_roles: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class Plan:
    filename: str
    encoding: str
    delimiter: str
    lines: list = field(default_factory=list)
    new_services: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for li in self.lines if li.action == action)

    @property
    def errors(self) -> list:
        return [li for li in self.lines if li.action == ERROR]

    @property
    def can_confirm(self) -> bool:
        return not self.errors and any(li.action != MEMBER for li in self.lines)


def _where(table: Table, line: int) -> str:
    return f"{table.filename}:{line}"


def _check_email(raw: str) -> tuple[str, str | None]:
    email = accounts.normalise_email(raw)
    if not email:
        return email, _("adresse électronique manquante")
    if len(email) > EMAIL_MAX:
        return email, _("adresse électronique trop longue (%(n)d caractères au plus)",
                        n=EMAIL_MAX)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email, _("adresse électronique invalide : %(email)s", email=email)
    return email, None


def _service_names(organisation_id: int) -> dict[str, Service]:
    rows = db.session.scalars(select(Service).where(Service.organisation_id == organisation_id))
    return {s.name.strip().lower(): s for s in rows}


def plan_people(organisation: Organisation, data: bytes, filename: str) -> Plan:
    """What importing this file of people would do, line by line (nothing is
    written). Raises tabular.FileProblem when the file cannot be read at all."""
    table = read_table(data, filename, PEOPLE_COLUMNS, required=("name", "email"),
                       spill="roles")
    plan = Plan(filename=table.filename, encoding=table.encoding, delimiter=table.delimiter)
    members = set(db.session.scalars(
        select(User.email).where(User.organisation_id == organisation.id,
                                 User.erased_at.is_(None))))
    known_services = _service_names(organisation.id)
    seen: dict[str, int] = {}
    for line, row in table.rows:
        name = " ".join(p for p in (row.get("first_name", ""), row["name"]) if p).strip()
        email, problem = _check_email(row["email"])
        item = PersonLine(line=line, full_name=name, email=email,
                          service=" ".join(row.get("service", "").split()), roles=[])
        errors = item.errors
        if line in table.line_errors:
            errors.append(table.line_errors[line])
        if not name:
            errors.append(_("nom manquant"))
        elif len(name) > NAME_MAX:
            errors.append(_("nom trop long (%(n)d caractères au plus)", n=NAME_MAX))
        if problem:
            errors.append(problem)
        elif email in seen:
            errors.append(_("adresse en double : déjà à la ligne %(line)d", line=seen[email]))
        else:
            seen[email] = line
        for token in split_roles(row.get("roles", "")):
            role = ROLE_WORDS.get(fold(token))
            if role is None:
                errors.append(_("rôle inconnu : « %(role)s » (rôles possibles : %(list)s)",
                                role=token, list=", ".join(
                                    str(ROLE_LABELS[r]) for r in ORGANISATION_ROLES)))
            elif role not in item.roles:
                item.roles.append(role)
        if not item.roles and not errors:
            item.roles, item.default_roles = [Role.AGENT.value], True
        if len(item.service) > SERVICE_MAX:
            errors.append(_("nom de service trop long (%(n)d caractères au plus)",
                            n=SERVICE_MAX))
        elif item.service and item.service.lower() not in known_services:
            item.new_service = True
        if errors:
            item.action = ERROR
            item.errors = [f"{_where(table, line)} : {e}" for e in errors]
        elif email in members:
            item.action = MEMBER
        plan.lines.append(item)
    for item in plan.lines:  # created once, spelt as on its first line
        if item.action == INVITE and item.new_service and item.service.lower() not in {
                s.lower() for s in plan.new_services}:
            plan.new_services.append(item.service)
    return plan


def apply_people(actor: User, organisation: Organisation, data: bytes, filename: str, *,
                 days: int) -> tuple[Plan, list[int]]:
    """Create the missing services and one invitation per new line, all or
    nothing; return the plan as done and the invitation ids to send (the caller
    commits, then enqueues one job for all of them)."""
    plan = plan_people(organisation, data, filename)
    if plan.errors:
        raise DomainError(_("Le fichier contient des erreurs : rien n'a été fait. Corrigez-le "
                            "puis importez-le à nouveau."))
    services = _service_names(organisation.id)
    for name in plan.new_services:
        services[name.lower()] = org_services.create_service(actor, organisation.id, name)
    invitation_ids = []
    for item in plan.lines:
        if item.action != INVITE:
            continue
        invitation = accounts.invite_user(
            actor, organisation, email=item.email, full_name=item.full_name, roles=item.roles,
            service=services.get(item.service.lower()) if item.service else None, days=days)
        invitation_ids.append(invitation.id)
    audit.record("users_imported", actor=actor, organisation_id=organisation.id,
                 file=plan.filename, invited=len(invitation_ids),
                 members=plan.count(MEMBER), services_created=plan.new_services)
    return plan, invitation_ids


# --- services ----------------------------------------------------------------

CREATE, REPARENT, UNCHANGED = "create", "reparent", "unchanged"


@dataclass
class ServiceLine:
    line: int
    name: str
    parent: str
    action: str = CREATE
    errors: list[str] = field(default_factory=list)


def plan_services(organisation: Organisation, data: bytes, filename: str) -> Plan:
    """What importing this hierarchy (name, parent) would do, line by line: a
    parent is an existing service or another line of the file, in any order."""
    table = read_table(data, filename, SERVICE_COLUMNS, required=("name",))
    plan = Plan(filename=table.filename, encoding=table.encoding, delimiter=table.delimiter)
    existing = _service_names(organisation.id)
    by_id = {s.id: s for s in existing.values()}
    seen: dict[str, int] = {}
    for line, row in table.rows:
        item = ServiceLine(line=line, name=" ".join(row["name"].split()),
                           parent=" ".join(row.get("parent", "").split()))
        key = item.name.lower()
        if line in table.line_errors:
            item.errors.append(table.line_errors[line])
        elif not item.name:
            item.errors.append(_("nom manquant"))
        elif len(item.name) > SERVICE_MAX or len(item.parent) > SERVICE_MAX:
            item.errors.append(_("nom de service trop long (%(n)d caractères au plus)",
                                 n=SERVICE_MAX))
        elif key in seen:
            item.errors.append(_("service en double : déjà à la ligne %(line)d",
                                 line=seen[key]))
        elif item.parent.lower() == key:
            item.errors.append(_("un service ne peut pas être son propre parent"))
        else:
            seen[key] = line
        plan.lines.append(item)
    parents: dict[str, str] = {s.name.lower(): by_id[s.parent_id].name.lower()
                               for s in existing.values() if s.parent_id in by_id}
    for item in plan.lines:
        if item.errors:
            continue
        key, parent = item.name.lower(), item.parent.lower()
        if parent and parent not in existing and parent not in seen:
            item.errors.append(_("service parent inconnu : « %(name)s » (ni dans la "
                                 "collectivité ni dans le fichier)", name=item.parent))
            continue
        if key in existing:
            item.action = REPARENT if parents.get(key, "") != parent else UNCHANGED
        if parent:
            parents[key] = parent
        else:
            parents.pop(key, None)
    for item in plan.lines:
        if not item.errors and _in_cycle(item.name.lower(), parents):
            item.errors.append(_("rattachement circulaire : « %(name)s » finirait sous "
                                 "lui-même", name=item.name))
    for item in plan.lines:
        if item.errors:
            item.action = ERROR
            item.errors = [f"{_where(table, item.line)} : {e}" for e in item.errors]
    return plan


def _in_cycle(start: str, parents: dict[str, str]) -> bool:
    node, steps = parents.get(start), 0
    while node and steps <= len(parents):
        if node == start:
            return True
        node, steps = parents.get(node), steps + 1
    return False


def _ancestors(start: str, parents: dict[str, str]) -> set[str]:
    found, node = set(), parents.get(start)
    while node and node not in found and node != start:
        found.add(node)
        node = parents.get(node)
    return found


def apply_services(actor: User, organisation: Organisation, data: bytes,
                   filename: str) -> Plan:
    """Create the new services and set every parent named in the file, all or
    nothing (the caller commits)."""
    plan = plan_services(organisation, data, filename)
    if plan.errors:
        raise DomainError(_("Le fichier contient des erreurs : rien n'a été fait. Corrigez-le "
                            "puis importez-le à nouveau."))
    services = _service_names(organisation.id)
    by_id = {s.id: s.name.lower() for s in services.values()}
    final = {name: by_id[s.parent_id] for name, s in services.items() if s.parent_id in by_id}
    for item in plan.lines:
        final.pop(item.name.lower(), None)
        if item.parent:
            final[item.name.lower()] = item.parent.lower()
        if item.action == CREATE:
            services[item.name.lower()] = org_services.create_service(
                actor, organisation.id, item.name)
    # Parents before children: when a service moves, every service above it in the
    # final hierarchy is already in place, so no intermediate state has a cycle
    # (the plan proved the final one has none).
    pending = {item.name.lower(): item for item in plan.lines
               if item.action in (CREATE, REPARENT)}
    while pending:
        ready = [key for key in pending if not _ancestors(key, final) & pending.keys()]
        if not ready:  # cannot happen after a clean plan; never loop for ever
            raise DomainError(_("rattachement circulaire : « %(name)s » finirait sous "
                                "lui-même", name=next(iter(pending))))
        for key in ready:
            item = pending.pop(key)
            parent = services.get(item.parent.lower()) if item.parent else None
            org_services.set_parent(actor, services[key], parent)
    audit.record("services_imported", actor=actor, organisation_id=organisation.id,
                 file=plan.filename, created=plan.count(CREATE), moved=plan.count(REPARENT))
    db.session.flush()
    return plan


# --- keeping the file between preview and confirmation ------------------------

def _signer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="bulk-import")


def sign_file(secret_key: str, *, kind: str, actor: User, data: bytes, filename: str) -> str:
    """A token holding the uploaded file, bound to its kind, admin and
    collectivité (compressed and signed: the browser carries it, cannot alter it)."""
    return _signer(secret_key).dumps({
        "k": kind, "u": actor.id, "o": actor.organisation_id, "f": filename,
        "d": data.decode("latin-1")})


def load_file(secret_key: str, token: str, *, kind: str, actor: User) -> tuple[bytes, str]:
    """The file a preview showed, or DomainError when the token is not this
    admin's, not of this kind, or older than an hour."""
    try:
        payload = _signer(secret_key).loads(token or "", max_age=PAYLOAD_MAX_AGE)
    except BadData:
        raise DomainError(_("Cet aperçu a expiré ou n'est pas valide : importez le fichier à "
                            "nouveau.")) from None
    if (not isinstance(payload, dict) or payload.get("k") != kind
            or payload.get("u") != actor.id or payload.get("o") != actor.organisation_id):
        raise DomainError(_("Cet aperçu a expiré ou n'est pas valide : importez le fichier à "
                            "nouveau."))
    return str(payload["d"]).encode("latin-1"), str(payload["f"])


def sign_report(secret_key: str, actor: User, rows: list[list[str]]) -> str:
    return _signer(secret_key).dumps({"k": "report", "u": actor.id, "r": rows})


def load_report(secret_key: str, token: str, actor: User) -> list[list[str]]:
    try:
        payload = _signer(secret_key).loads(token or "", max_age=24 * 3600)
    except BadData:
        raise DomainError(_("Ce rapport a expiré.")) from None
    if not isinstance(payload, dict) or payload.get("k") != "report" or \
            payload.get("u") != actor.id:
        raise DomainError(_("Ce rapport a expiré."))
    return payload["r"]


def report_rows(plan: Plan) -> list[list[str]]:
    """One row per line of the file: what was done with it."""
    outcome = {INVITE: _("invitation envoyée"), MEMBER: _("déjà membre de la collectivité"),
               ERROR: _("erreur")}
    rows = []
    for item in plan.lines:
        result = outcome[item.action]
        if item.action == INVITE and item.new_service:
            result += " ; " + _("service créé")
        rows.append([str(item.line), item.full_name, item.email, item.service,
                     ", ".join(str(ROLE_LABELS[Role(r)]) for r in item.roles), result])
    return rows


def report_csv(rows: list[list[str]]) -> bytes:
    """The report as a UTF-8 CSV (with BOM, `;`: opens as is in Excel) whose
    cells can never run as formulas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Ligne"), _("Nom"), _("Courriel"), _("Service"), _("Rôles"),
                     _("Résultat")])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

