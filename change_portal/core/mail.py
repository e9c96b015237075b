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
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import String, insert
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


def text_to_html(text: str, lang: str = "fr") -> str:
    """The HTML part of a message, made from its text part: paragraphs on blank lines,
    line breaks kept, web addresses as links, everything else escaped (linear: one pass
    over whitespace-separated words, no regex)."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines = []
        for line in block.split("\n"):
            words = []
            for word in line.split(" "):
                if word.startswith(("https://", "http://")):
                    url = escape(word)
                    words.append(f'<a href="{url}">{url}</a>')
                else:
                    words.append(str(escape(word)))
            lines.append(" ".join(words))
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    body = "\n".join(paragraphs)
    return (f'<!doctype html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'</head><body style="font-family: sans-serif; line-height: 1.5; '
            f'max-width: 40em">\n{body}\n</body></html>\n')


def build_message(to: str, subject: str, text: str, html: str | None = None, *,
                  manage_url: str | None = None) -> EmailMessage:
    """One message from the default sender, with a plain-text and an HTML part.

    `subject` may come from people's input (names, titles): it is reduced to one line
    of at most 250 characters. Without `html`, the HTML part is made from `text`.
    `manage_url` (notifications) adds the link where the person changes or stops these
    e-mails, at the end of both parts and as the List-Unsubscribe header."""
    if manage_url:
        text = f"{text.rstrip()}\n\n-- \n{_('Gérer ou arrêter ces courriels :')} {manage_url}\n"
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    # A line break in a header makes EmailMessage raise (the job then failed for
    # good): a subject built from a name or a title is made one line here.
    msg["Subject"] = single_line(subject)[:250]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="change-portal.local")
    if manage_url:
        msg["List-Unsubscribe"] = f"<{single_line(manage_url)}>"
    locale = get_locale()
    language = locale.language if locale else "fr"
    msg.set_content(text)
    msg.add_alternative(html or text_to_html(text, language), subtype="html")
    msg["Content-Language"] = language  # after set_content, which clears Content-* headers
    return msg


class _BulkPolicy(Compat32):
    """compat32 that writes a short ASCII header as it is: the default folds every
    header through email.header.Header, a third of a digest message's cost."""

    def _fold(self, name, value, sanitize):
        if (isinstance(value, str) and value.isascii() and "\n" not in value
                and "\r" not in value and len(name) + len(value) + 2 <= 78):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


_BULK_POLICY = _BulkPolicy()
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable ASCII in the stored file, 7-bit safe for SMTP


def build_bulk_message(to: str, subject: str, text: str, *, manage_url: str,
                       language: str = "fr") -> Message:
    """The same message as `build_message` (text and HTML parts, the link to manage
    these e-mails, List-Unsubscribe, Content-Language), for jobs that build thousands
    (the forum digest): made with the `compat32` classes, whose headers are stored as
    given instead of parsed, it costs about a third. Read it as bytes (outbox, SMTP);
    it has not the `EmailMessage` methods (`get_body`)."""
    text = f"{text.rstrip()}\n\n-- \n{_('Gérer ou arrêter ces courriels :')} {manage_url}\n"
    msg = MIMEMultipart("alternative", policy=_BULK_POLICY)
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    msg["From"] = formataddr((name, address), charset="utf-8")
    msg["To"] = single_line(to)
    msg["Subject"] = Header(single_line(subject)[:250], "utf-8")
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="change-portal.local")
    msg["List-Unsubscribe"] = f"<{single_line(manage_url)}>"
    msg["Content-Language"] = language
    msg.attach(MIMEText(text, "plain", _UTF8_QP, policy=_BULK_POLICY))
    msg.attach(MIMEText(text_to_html(text, language), "html", _UTF8_QP, policy=_BULK_POLICY))
    return msg


def already_sent(key: str) -> bool:
    """Whether the message `key` was delivered already (by this run or an earlier one)."""
    return db.session.get(SentMail, key[:200]) is not None


def send_message(msg: EmailMessage | Message, *, key: str, checked: bool = False) -> bool:
    """Deliver one message once; return False when `key` was delivered already
    (`checked`: the caller looked the key up already, e.g. a batch in one query).

    `key` names the message (e.g. 'invitation-12-abc'). It is checked before the
    delivery and recorded right after it, and the caller's session is COMMITTED
    there: whatever the job marked before (e.g. the previous recipients of a
    digest) is kept with it, so a retry resumes after the last message sent.
    The window left is the instant between the delivery and that commit."""
    if not checked and already_sent(key):
        return False
    _deliver(msg, key)
    # A Core INSERT: no object to track for a row nobody reads back here.
    db.session.execute(insert(SentMail).values(key=key[:200], sent_at=utcnow()))
    db.session.commit()
    return True


def _deliver(msg: EmailMessage | Message, key: str) -> None:
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


def _write_outbox(msg: EmailMessage | Message, key: str) -> Path:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    safe_key = re.sub(r"[^A-Za-z0-9_.-]", "_", key)[:150]
    path = outbox / f"{safe_key}.eml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(msg))
        tmp.replace(path)  # atomic: a reader never sees half a message
    return path
