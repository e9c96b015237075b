"""Accounts: authentication, invitations, roles (server-side sessions: sessions.py).

Functions take the acting user and objects explicitly, flush but never commit,
and raise DomainError with a message meant for people.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from change_portal.accounts import passwords
from change_portal.accounts.models import (
    Account,
    Invitation,
    MembershipStatus,
    User,
    UserRole,
)
from change_portal.accounts.sessions import end_sessions
from change_portal.core import audit, privacy, ratelimit
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.models import utcnow
from change_portal.core.permissions import ORGANISATION_ROLES, Role
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service

PASSWORD_MIN = 12
PASSWORD_MAX = 128
# A few passwords that pass the length rule but are still guessed first.
_COMMON = {
    "motdepasse123", "azertyuiop123", "123456789012", "password1234", "administrateur",
    "bonjour123456", "motdepasse2026", "azertyazerty", "qwertyuiop12",
}  # fmt: skip


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """The reasons why `password` is refused (empty list when it is acceptable)."""
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(_("Le mot de passe doit faire au moins %(n)d caractères.", n=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        problems.append(_("Le mot de passe doit faire au plus %(n)d caractères.", n=PASSWORD_MAX))
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        problems.append(_("Ce mot de passe est trop facile à deviner."))
    if email and lowered.strip() == normalise_email(email):
        problems.append(_("Le mot de passe ne doit pas être votre adresse électronique."))
    return problems


def set_password(user: User, password: str) -> None:
    """Hash (Argon2id, accounts/passwords.py) and store a new password."""
    problems = password_problems(password, email=user.email)
    if problems:
        raise DomainError(" ".join(problems), field="password")
    user.password_hash = passwords.hash_password(password)


# --- login and throttling ----------------------------------------------------
# The login itself (count first, then check) lives in accounts/login.py.

def _limits(spec: str) -> list[ratelimit.Limit]:
    return ratelimit.parse_limits(spec)


def _email_key(email: str) -> str:
    # Hashed so that the counters never hold an email address in clear.
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def memberships(account_id: int | None, *, active_only: bool = True,
                with_organisation: bool = True) -> list[User]:
    """The memberships of an account (active ones by default), most recently used
    first, with their collectivité loaded (the switcher names them) unless
    `with_organisation` is False (a login needs only the rows)."""
    if account_id is None:
        return []
    stmt = select(User).where(User.account_id == account_id)
    if active_only:
        stmt = stmt.where(User.status == MembershipStatus.ACTIVE.value, User.active.is_(True),
                          User.erased_at.is_(None))
    if with_organisation:
        stmt = stmt.options(joinedload(User.organisation))
    return list(db.session.scalars(stmt.order_by(
        User.last_login_at.is_(None), User.last_login_at.desc(), User.id)))


def default_membership(account: Account) -> User | None:
    """The membership a login lands in: the one used last."""
    rows = memberships(account.id)
    return rows[0] if rows else None


def change_password(user: User, current: str, new: str, *, current_ok: bool | None = None) -> None:
    """Change one's own password; the other sessions of the user end. `current_ok`:
    the current password was already checked (throttled, by login.check_current_password)."""
    if current_ok is None:
        current_ok = passwords.verify(user.password_hash, current)
    if not current_ok:
        raise DomainError(_("Le mot de passe actuel n'est pas le bon."), field="current_password")
    if current == new:
        raise DomainError(_("Choisissez un mot de passe différent de l'actuel."), field="password")
    set_password(user, new)
    end_sessions(user, keep=user.login_session, whole_account=True)
    audit.record("password_changed", actor=user, target=user)


# --- users and roles ---------------------------------------------------------

def _check_admin_of(actor: User, organisation_id: int | None) -> None:
    if organisation_id is None or actor.organisation_id != organisation_id:
        raise NotAllowed(_("Vous ne pouvez pas gérer les comptes d'une autre collectivité."))
    if not actor.has_role(Role.ADMIN):
        raise NotAllowed(_("Seuls les administrateurs gèrent les comptes."))


def _check_service(organisation_id: int, service: Service | None) -> None:
    if service is not None and service.organisation_id != organisation_id:
        raise DomainError(_("Ce service n'existe pas."), field="service_id")


def _apply_roles(user: User, roles: list[str]) -> None:
    wanted = {r for r in roles if r in {x.value for x in ORGANISATION_ROLES}}
    if not wanted:
        raise DomainError(_("Choisissez au moins un rôle."), field="roles")
    current = {r.role: r for r in user.roles}
    for name, row in current.items():
        if name not in wanted and name != Role.OPERATOR:
            user.roles.remove(row)
    for name in sorted(wanted - set(current)):
        user.roles.append(UserRole(role=name))


def email_taken(email: str) -> bool:
    """Whether an account uses this address (never tell another collectivité)."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Account).where(
                Account.email == normalise_email(email))
        )
        > 0
    )


def create_user(
    *,
    email: str,
    full_name: str,
    roles: list[str],
    organisation: Organisation | None,
    password: str | None = None,
    service: Service | None = None,
) -> User:
    """Create a user directly (CLI bootstrap, demo). Operators have no collectivité;
    every other role needs one."""
    email = normalise_email(email)
    if email_taken(email):
        raise DomainError(_("Un compte existe déjà avec cette adresse."), field="email")
    if Role.OPERATOR in roles and organisation is not None:
        raise DomainError(_("Un opérateur de la plateforme n'appartient à aucune collectivité."))
    if Role.OPERATOR not in roles and organisation is None:
        raise DomainError(_("Indiquez la collectivité de ce compte."))
    user = User(email=email, full_name=full_name.strip(), organisation=organisation,
                account=Account(email=email))
    if organisation is not None:
        _check_service(organisation.id, service)
        user.service = service
    if password is not None:
        set_password(user, password)
    return _add_member(user, roles)


def _add_member(user: User, roles: list[str]) -> User:
    """Store a new membership with `roles` (as given: the callers are trusted) and
    record it in the audit log."""
    for name in sorted(set(roles)):
        user.roles.append(UserRole(role=str(name)))
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", organisation_id=user.organisation_id, target=user,
                 roles=sorted(roles))
    return user


def add_membership(
    user: User, organisation: Organisation, *, roles: list[str], service: Service | None = None
) -> User:
    """Give the account of `user` an active membership of `organisation` at once
    (CLI, demo, tests); people invited through the admin pages accept first."""
    _check_service(organisation.id, service)
    member = User(email=user.email, full_name=user.full_name, organisation=organisation,
                  service=service, account_id=user.account_id)
    return _add_member(member, roles)


def invite_user(
    actor: User,
    organisation: Organisation,
    *,
    email: str,
    full_name: str,
    roles: list[str],
    service: Service | None,
    days: int,
) -> Invitation:
    """Create a pending membership of `organisation` and its invitation (valid `days`).

    The address may already have an account (another collectivité's): the
    membership then waits until that person, signed in, accepts joining; a new
    address gets an account without password. Either way the inviting admin is
    told the same thing, so that no collectivité learns who works elsewhere, and
    no collectivité can stop another from inviting someone.
    The caller enqueues `send_invitation_email(invitation.id)` after commit.
    Admins invite into their own collectivité; operators invite a first admin.
    """
    if not actor.has_role(Role.OPERATOR):
        _check_admin_of(actor, organisation.id)
    email = normalise_email(email)
    _check_service(organisation.id, service)
    if db.session.scalar(select(func.count()).select_from(User).where(
            User.organisation_id == organisation.id, User.email == email,
            User.erased_at.is_(None))):
        # Only this collectivité's own members are compared: nothing leaks.
        raise DomainError(_("Cette personne fait déjà partie de la collectivité."),
                          field="email")
    account = db.session.execute(
        select(Account).where(Account.email == email)).scalar_one_or_none()
    user = User(email=email, full_name=full_name.strip(), organisation=organisation,
                service=service, status=MembershipStatus.INVITED.value,
                account=account or Account(email=email))
    _apply_roles(user, roles)
    db.session.add(user)
    db.session.flush()
    invitation = _new_invitation(actor, user, days)
    audit.record("user_invited", actor=actor, organisation_id=organisation.id, target=user,
                 roles=sorted(r.role for r in user.roles))
    return invitation


def _new_invitation(actor: User, user: User, days: int) -> Invitation:
    now = utcnow()
    # Earlier invitations of this user stop working: only the newest link is valid.
    for old in db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None))
    ):
        old.revoked_at = now
    invitation = Invitation(
        organisation_id=user.organisation_id,
        user=user,
        invited_by=actor,
        nonce=secrets.token_urlsafe(16),
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def resend_invitation(actor: User, user: User, *, days: int) -> Invitation:
    """A fresh link for a membership not accepted yet."""
    _check_admin_of(actor, user.organisation_id)
    if user.has_password:
        raise DomainError(_("Cette personne a déjà activé son compte."))
    invitation = _new_invitation(actor, user, days)
    audit.record("invitation_resent", actor=actor, target=user)
    return invitation


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="invitation")


def invitation_token(invitation: Invitation, secret_key: str) -> str:
    """The token of the invitation link, derived from (id, nonce) and the secret."""
    return _serializer(secret_key).dumps([invitation.id, invitation.nonce])


def load_invitation(token: str, secret_key: str) -> Invitation:
    """The invitation behind a link, or DomainError saying why it cannot be used."""
    try:
        inv_id, nonce = _serializer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_("Ce lien d'invitation n'est pas valide.")) from None
    invitation = db.session.get(Invitation, inv_id) if isinstance(inv_id, int) else None
    if invitation is None or not secrets.compare_digest(str(nonce), invitation.nonce):
        raise DomainError(_("Ce lien d'invitation n'est pas valide."))
    if invitation.accepted_at is not None:
        raise DomainError(_("Ce lien a déjà servi. Connectez-vous avec votre mot de passe."))
    if invitation.revoked_at is not None:
        raise DomainError(_("Ce lien a été remplacé par une invitation plus récente."))
    if invitation.expires_at < utcnow():
        raise DomainError(
            _("Ce lien a expiré. Demandez à votre administrateur de vous inviter à nouveau.")
        )
    invited = invitation.user
    if (not invited.active or invited.erased_at is not None
            or invited.status == MembershipStatus.LEFT):
        raise DomainError(_("Ce compte a été désactivé."))
    return invitation


def invitation_sets_password(invitation: Invitation) -> bool:
    """True when the invited account has no password yet (the link sets it);
    False when it has one: the person signs in and accepts joining."""
    return invitation.user.password_hash is None


def accept_invitation(invitation: Invitation, password: str) -> User:
    """Set the invited account's password, activate the membership, mark the
    link used."""
    user = invitation.user
    if not invitation_sets_password(invitation):
        raise NotAllowed(_("Connectez-vous pour accepter cette invitation."))
    set_password(user, password)
    user.status = MembershipStatus.ACTIVE.value
    invitation.accepted_at = utcnow()
    audit.record("invitation_accepted", actor=user, target=user)
    return user


def join_membership(actor: User, invitation: Invitation) -> User:
    """The signed-in person (acting as any of their memberships) accepts joining
    the collectivité of `invitation`; returns the now active membership."""
    user = invitation.user
    if actor.account_id is None or actor.account_id != user.account_id:
        raise NotAllowed(_("Cette invitation est destinée à une autre personne."))
    user.status = MembershipStatus.ACTIVE.value
    invitation.accepted_at = utcnow()
    audit.record("membership_joined", actor=user, organisation_id=user.organisation_id,
                 target=user)
    return user


def switch_membership(user: User, target_id: int) -> User | None:
    """Make the current login session act as another active membership of the
    same account; None (nothing changes) when `target_id` is not one."""
    target = db.session.get(User, target_id) if isinstance(target_id, int) else None
    if (target is None or target.account_id is None or target.account_id != user.account_id
            or not target.is_current_membership or user.login_session is None):
        return None
    ls = user.login_session
    ls.user = target
    target.login_session = ls
    target.last_login_at = utcnow()  # the next login lands here too
    audit.record("membership_switched", actor=target, organisation_id=target.organisation_id,
                 target=target)
    return target


def update_user(
    actor: User, user: User, *, full_name: str, service: Service | None, roles: list[str]
) -> None:
    """Change a user's name, service and roles (admins of the same collectivité)."""
    _check_admin_of(actor, user.organisation_id)
    _check_service(user.organisation_id, service)
    before = sorted(r.role for r in user.roles)
    if actor.id == user.id and Role.ADMIN not in roles:
        raise DomainError(_("Vous ne pouvez pas retirer votre propre rôle d'administrateur."),
                          field="roles")
    user.full_name = full_name.strip()
    user.service = service
    _apply_roles(user, roles)
    after = sorted(r.role for r in user.roles)
    if before != after:
        audit.record("roles_changed", actor=actor, target=user, before=before, after=after)


def deactivate_user(actor: User, user: User) -> None:
    """The user can no longer log in; their content stays; sessions end now."""
    _check_admin_of(actor, user.organisation_id)
    if actor.id == user.id:
        raise DomainError(_("Vous ne pouvez pas désactiver votre propre compte."))
    if not user.active:
        return
    user.active = False
    end_sessions(user)
    audit.record("user_deactivated", actor=actor, target=user)


def reactivate_user(actor: User, user: User) -> None:
    _check_admin_of(actor, user.organisation_id)
    if user.active:
        return
    user.active = True
    audit.record("user_reactivated", actor=actor, target=user)


def erase_user(actor: User, user: User) -> None:
    """Erase a person on request (RGPD): every domain anonymises what it holds,
    content stays (shown as from "un ancien agent"), sessions end."""
    _check_admin_of(actor, user.organisation_id)
    if actor.id == user.id:
        raise DomainError(_("Vous ne pouvez pas effacer votre propre compte."))
    if user.erased_at is not None:
        return
    privacy.erase(user)
    audit.record("user_erased", actor=actor, target=user)
