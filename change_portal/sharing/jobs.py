"""Emails of the sharing domain, sent by jobs (ids as arguments, idempotent by
their outbox key): a new question or answer to the fiche's authors and contact, a
contact message to the contact (whose address the sender never sees)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from change_portal.accounts.models import User
from change_portal.core import links
from change_portal.core.mail import build_message, send_message
from change_portal.extensions import db
from change_portal.sharing.models import Fiche, FicheQuestion


def _url(fiche_id: int) -> str:
    return links.external(f"/retours-experience/{fiche_id}")


def _reachable(user: User | None) -> bool:
    return bool(user and user.email and user.active and user.erased_at is None)


def notify_question(message_id: int) -> int:
    """Tell the fiche's author and contact (and, for an answer, the asker) that a
    message was posted; never the person who wrote it. Returns emails sent."""
    msg = db.session.get(FicheQuestion, message_id)
    if msg is None or msg.hidden_at is not None:
        return 0
    fiche = db.session.get(Fiche, msg.fiche_id)
    if fiche is None or not fiche.published:
        return 0
    ids = {fiche.author_id, fiche.contact_id}
    if msg.parent_id is not None:
        parent = db.session.get(FicheQuestion, msg.parent_id)
        ids.add(parent.author_id if parent else None)
    ids.discard(None)
    ids.discard(msg.author_id)
    sent = 0
    for user in db.session.scalars(db.select(User).where(User.id.in_(ids))):
        if not _reachable(user):
            continue
        with force_locale(user.locale or "fr"):
            body = render_template("sharing/email_question.txt", user=user, msg=msg,
                                   title=fiche.pub_title, url=_url(fiche.id))
            subject = (_("Nouvelle réponse sur la fiche « %(t)s »", t=fiche.pub_title)
                       if msg.parent_id else
                       _("Nouvelle question sur la fiche « %(t)s »", t=fiche.pub_title))
        send_message(build_message(user.email, subject, body),
                     key=f"sharing-question-{msg.id}-{user.id}")
        sent += 1
    return sent


def send_contact(fiche_id: int, sender_id: int, body: str, key: str) -> bool:
    """Deliver a contact message to the fiche's contact; Reply-To is the sender,
    so the contact decides whether to reveal their own address by answering."""
    fiche = db.session.get(Fiche, fiche_id)
    sender = db.session.get(User, sender_id)
    contact_id = ((fiche.published_content or {}).get("contact") or {}).get("user_id") \
        if fiche else None
    contact = db.session.get(User, contact_id) if contact_id else None
    if not (fiche and fiche.published and _reachable(contact) and sender):
        return False
    with force_locale(contact.locale or "fr"):
        text = render_template("sharing/email_contact.txt", contact=contact, sender=sender,
                               title=fiche.pub_title, body=body, url=_url(fiche.id))
        subject = _("Un message au sujet de votre fiche « %(t)s »", t=fiche.pub_title)
    msg = build_message(contact.email, subject, text)
    if sender.email:
        msg["Reply-To"] = sender.email
    send_message(msg, key=f"sharing-contact-{key}")
    return True
