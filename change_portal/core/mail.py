"""Outgoing mail: SMTP when MAIL_SERVER is set, else `.eml` files in the outbox
folder (instance/outbox/), which is how the embedded mode and the tests read them.

Call `send_message` from a job, never from a request: SMTP can be slow or down.
"""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from change_portal.core.text import single_line


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


def send_message(msg: EmailMessage, *, key: str) -> Path | None:
    """Deliver one message. `key` names it (e.g. 'invitation-12-abc'): in the
    outbox it is the file name, so delivering the same key twice writes once."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return _write_outbox(msg, key)
    port = current_app.config["MAIL_PORT"]
    with smtplib.SMTP(server, port, timeout=20) as smtp:
        if current_app.config.get("MAIL_USE_TLS"):
            smtp.starttls()
        user = current_app.config.get("MAIL_USERNAME")
        if user:
            smtp.login(user, current_app.config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)
    return None


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
