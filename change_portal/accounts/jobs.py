"""Background jobs of the accounts domain."""

from __future__ import annotations

import hashlib

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from change_portal.accounts.models import Account, Invitation
from change_portal.accounts.reset import RESET_MAX_AGE, reset_token
from change_portal.accounts.services import (
    default_membership,
    invitation_sets_password,
    invitation_token,
)
from change_portal.core import links
from change_portal.core.jobs import EMAIL_TIMEOUT, job_timeout
from change_portal.core.mail import build_message, send_message
from change_portal.core.models import utcnow
from change_portal.extensions import db


def invitation_url(invitation: Invitation) -> str:
    """The absolute link of an invitation, where people reach the portal (core.links)."""
    token = invitation_token(invitation, current_app.config["SECRET_KEY"])
    return links.external(f"/invitation/{token}")


@job_timeout(EMAIL_TIMEOUT)
def send_invitation_email(invitation_id: int) -> bool:
    """Send the invitation email once. Idempotent: a sent, used or replaced
    invitation is skipped; the outbox file name is keyed on the invitation."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.sent_at is not None:
        return False
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return False
    user = invitation.user
    with force_locale(user.locale or "fr"):
        context = {
            "user": user,
            "organisation": user.organisation,
            "url": invitation_url(invitation),
            "expires_at": invitation.expires_at,
            "invited_by": invitation.invited_by,
        }
        # An account that already has a password is asked to join, not to activate.
        template = ("email/invitation.txt" if invitation_sets_password(invitation)
                    else "email/invitation_join.txt")
        msg = build_message(
            user.email,
            _("Votre accès au portail de la transformation numérique"),
            render_template(template, **context),
        )
    send_message(msg, key=f"invitation-{invitation.id}-{invitation.nonce[:8]}")
    invitation.sent_at = utcnow()
    return True


@job_timeout(EMAIL_TIMEOUT)
def send_password_reset_email(account_id: int) -> bool:
    """Send a reset link to the account's address (one email per request: requests are
    throttled, and each link dies as soon as the password changes)."""
    account = db.session.get(Account, account_id)
    user = default_membership(account) if account is not None else None
    if user is None or not account.email:
        return False
    token = reset_token(account, current_app.config["SECRET_KEY"])
    url = links.external(f"/mot-de-passe-oublie/{token}")
    with force_locale(user.locale or "fr"):
        msg = build_message(
            account.email,
            _("Changer votre mot de passe sur le portail de la transformation numérique"),
            render_template("email/password_reset.txt", user=user, url=url,
                            minutes=RESET_MAX_AGE // 60),
        )
    key = "reset-" + hashlib.sha256(token.encode()).hexdigest()[:24]
    send_message(msg, key=key)
    return True


@job_timeout(1800)  # up to 500 emails; each one is committed, a retry goes on from there
def send_invitations(invitation_ids: list[int]) -> int:
    """Send the invitations of a bulk import, in one job; return how many left.
    Each sending is committed at once, so that a retry after a failure half-way
    sends only the remaining ones (send_invitation_email skips sent ones)."""
    sent = 0
    for invitation_id in invitation_ids:
        if send_invitation_email(int(invitation_id)):
            sent += 1
        db.session.commit()
    return sent
