"""Outgoing mail: SMTP when MAIL_SERVER is set, else `.eml` files in the outbox
folder (instance/outbox/), which is how the embedded mode and the tests read them.

Call `send_message` from a job, never from a request: SMTP can be slow or down.

Every message has a key, and a `sent_mail` row records it, committed right after the
delivery and checked before it: a job retried after a crash (a killed worker, a lost
connection) does not mail the same person twice, over SMTP as in the outbox.
"""

from __future__ import annotations

import re
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from change_portal.core.models import UTCDateTime, utcnow
from change_portal.core.text import single_line
from change_portal.extensions import db


class SentMail(db.Model):
    """One e-mail delivered, by its key (see send_message)."""

    __tablename__ = "sent_mail"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False,
                                              index=True)


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """One message from the default sender; `subject` may come from people's input
    (names, titles): it is reduced to one line of at most 250 characters."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    # A line break in a header makes EmailMessage raise (the job then failed for
    # good): a subject built from a name or a title is made one line here.
    msg["Subject"] = single_line(subject)[:250]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="change-portal.local")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def already_sent(key: str) -> bool:
    """Whether the message `key` was delivered already (by this run or an earlier one)."""
    return db.session.get(SentMail, key[:200]) is not None


def send_message(msg: EmailMessage, *, key: str) -> bool:
    """Deliver one message once; return False when `key` was delivered already.

    `key` names the message (e.g. 'invitation-12-abc'). It is checked before the
    delivery and recorded right after it, and the caller's session is COMMITTED
    there: whatever the job marked before (e.g. the previous recipients of a
    digest) is kept with it, so a retry resumes after the last message sent.
    The window left is the instant between the delivery and that commit."""
    if already_sent(key):
        return False
    _deliver(msg, key)
    db.session.add(SentMail(key=key[:200], sent_at=utcnow()))
    db.session.commit()
    return True


def _deliver(msg: EmailMessage, key: str) -> None:
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        _write_outbox(msg, key)
        return
    port = current_app.config["MAIL_PORT"]
    with smtplib.SMTP(server, port, timeout=20) as smtp:
        if current_app.config.get("MAIL_USE_TLS"):
            smtp.starttls()
        user = current_app.config.get("MAIL_USERNAME")
        if user:
            smtp.login(user, current_app.config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def _write_outbox(msg: EmailMessage, key: str) -> Path:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    safe_key = re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:150]
    path = outbox / f"{safe_key}.eml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(path)  # atomic: a reader never sees half a message
    return path
