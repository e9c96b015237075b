"""What the accounts domain holds about a person, its export and its erasure."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from change_portal.accounts.models import (
    Invitation,
    LoginSession,
    MembershipStatus,
    User,
    UserRole,
)
from change_portal.core.audit import AuditEvent
from change_portal.core.models import utcnow
from change_portal.core.privacy import PrivacyProvider, detach_user
from change_portal.extensions import db


def _export(user: User) -> dict[str, list[dict]]:
    profile = {
        "nom": user.full_name,
        "adresse_electronique": user.email,
        "collectivite": user.organisation.name if user.organisation else None,
        "service": user.service.name if user.service else None,
        "roles": sorted(r.role for r in user.roles),
        "langue": user.locale,
        "compte_cree_le": user.created_at,
        "derniere_connexion": user.last_login_at,
        "actif": user.active,
    }
    sessions = [
        {"ouverte_le": s.created_at, "derniere_activite": s.last_seen_at, "adresse_ip": s.ip,
         "navigateur": s.user_agent}
        for s in db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id))
    ]
    invitations = [
        {"creee_le": i.created_at, "expire_le": i.expires_at, "acceptee_le": i.accepted_at}
        for i in db.session.scalars(select(Invitation).where(Invitation.user_id == user.id))
    ]
    history = [
        {"date": e.at, "action": e.action, "adresse_ip": e.ip}
        for e in db.session.scalars(
            select(AuditEvent)
            .where(or_(AuditEvent.actor_id == user.id,
                       (AuditEvent.target_type == "User") & (AuditEvent.target_id == user.id)))
            .order_by(AuditEvent.at)
        )
    ]
    # The account is shared by the person's memberships: list them all (each
    # collectivité's content is exported while acting in it).
    memberships = [
        {"collectivite": m.organisation.name if m.organisation else None,
         "statut": m.status, "roles": sorted(r.role for r in m.roles),
         "service": m.service.name if m.service else None, "depuis_le": m.created_at}
        for m in db.session.scalars(
            select(User).where(User.account_id == user.account_id).order_by(User.id))
    ] if user.account_id is not None else []
    return {"profil": [profile], "adhesions": memberships, "sessions": sessions,
            "invitations": invitations, "historique": history}


def _forget_outbox(email: str | None) -> None:
    """Emails waiting in the outbox folder carry the address: remove them."""
    if not email:
        return
    outbox = Path(current_app.config["OUTBOX_DIR"])
    if not outbox.is_dir():
        return
    for path in outbox.glob("*.eml"):
        msg = message_from_bytes(path.read_bytes())
        if (msg.get("To") or "").strip().lower() == email.lower():
            path.unlink(missing_ok=True)


def _erase(user: User) -> None:
    """Ends this membership; the account (email, password) goes with its last
    membership and survives while the person still belongs to another
    collectivité."""
    account = user.account
    others = db.session.scalar(select(func.count()).select_from(User).where(
        User.account_id == user.account_id, User.id != user.id,
        User.status != MembershipStatus.LEFT.value)) if account is not None else 0
    if not others:
        _forget_outbox(user.email)
        if account is not None:
            account.email = None
            account.password_hash = None
            account.erased_at = utcnow()
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(delete(Invitation).where(Invitation.user_id == user.id))
    detach_user(user.id, ((Invitation, "invited_by_id"),))
    db.session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    # The history keeps that something happened, not who could be recognised by it.
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(ip=None))
    user.full_name = ""
    user.email = None
    user.status = MembershipStatus.LEFT.value
    user.locale = None
    user.last_login_at = None
    user.active = False
    user.erased_at = utcnow()
    db.session.expire(user, ["roles"])


PROVIDER = PrivacyProvider(
    name="accounts",
    covers=frozenset({
        ("login_session", "user_id"), ("invitation", "user_id"),
        ("invitation", "invited_by_id"), ("audit_event", "actor_id"), ("user_role", "user_id"),
    }),  # and the account behind the membership (account.email, account.password_hash)
    export=_export,
    erase=_erase,
    order=0,  # exported first, erased last
)
