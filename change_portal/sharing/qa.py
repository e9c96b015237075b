"""Questions and answers on published fiches (public to every member of the
deployment), their moderation and reports, the contact form, and "S'en inspirer".

Rate limits follow the forums': SHARING_POST_LIMIT (default 10 messages per 5
minutes) for questions and answers, SHARING_CONTACT_LIMIT (default 5 per hour) for
contact messages."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from change_portal.core import clock, ratelimit
from change_portal.core.audit import record
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.extensions import db
from change_portal.projects import services as project_services
from change_portal.sharing.models import Fiche, FicheQuestion, FicheReuse, QuestionReport

BODY_MAX = 5_000


class TooFast(DomainError):
    """Too many messages in a short time; `retry_after` seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, field="body")
        self.retry_after = retry_after


def _throttle(key: str, setting: str, default: str) -> None:
    limits = ratelimit.parse_limits(current_app.config.get(setting, default))
    wait = ratelimit.take(key, limits)
    if wait:
        raise TooFast(_("Vous avez envoyé beaucoup de messages en peu de temps. Votre texte "
                        "est conservé ci-dessous : réessayez dans %(n)d minute(s).",
                        n=(wait + 59) // 60), wait)


def _body(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Le message est vide : écrivez quelques mots."), field="body")
    if len(value) > BODY_MAX:
        raise DomainError(_("Ce message est trop long : %(n)d caractères au plus.",
                            n=BODY_MAX), field="body")
    return value


def _member(actor) -> None:
    if actor.organisation_id is None:
        raise NotAllowed(_("Réservé aux membres d'une collectivité."))


def ask(actor, fiche: Fiche, body: str, *, rate_limited: bool = True) -> FicheQuestion:
    """A member of any collectivité asks a question on a published fiche; its
    authors and contact are notified (by the caller, after commit)."""
    _member(actor)
    if not fiche.published:
        raise NotAllowed(_("Cette fiche n'est pas publiée."))
    body = _body(body)
    if rate_limited:
        _throttle(f"sharing-post:{actor.id}", "SHARING_POST_LIMIT", "10/300")
    question = FicheQuestion(fiche_id=fiche.id, organisation_id=actor.organisation_id,
                             author_id=actor.id, body=body, body_html=render_markdown(body))
    db.session.add(question)
    db.session.flush()
    return question


def answer(actor, question: FicheQuestion, body: str, *,
           rate_limited: bool = True) -> FicheQuestion:
    """Anyone of the deployment answers a question (the fiche's authors first)."""
    _member(actor)
    if question.parent_id is not None:
        raise DomainError(_("On répond à une question, pas à une réponse."))
    body = _body(body)
    if rate_limited:
        _throttle(f"sharing-post:{actor.id}", "SHARING_POST_LIMIT", "10/300")
    reply = FicheQuestion(fiche_id=question.fiche_id, parent_id=question.id,
                          organisation_id=actor.organisation_id, author_id=actor.id,
                          body=body, body_html=render_markdown(body))
    db.session.add(reply)
    db.session.flush()
    return reply


def can_moderate(user, fiche: Fiche) -> bool:
    """The fiche's collectivité's admin, and the platform operator."""
    if user.has_role(Role.OPERATOR):
        return True
    return user.organisation_id == fiche.organisation_id and user.has_role(Role.ADMIN)


def set_hidden(actor, message: FicheQuestion, fiche: Fiche, hidden: bool) -> None:
    """Hide (or show again) a question or an answer; its open reports are closed."""
    if not can_moderate(actor, fiche):
        raise NotAllowed(_("Seuls l'administrateur de la collectivité de la fiche et "
                           "l'opérateur de la plateforme modèrent."))
    message.hidden_at = utcnow() if hidden else None
    message.hidden_by_id = actor.id if hidden else None
    for report in db.session.scalars(select(QuestionReport).where(
            QuestionReport.question_id == message.id, QuestionReport.dismissed_at.is_(None))):
        report.dismissed_at = utcnow()
    db.session.flush()
    record("sharing.message_hidden" if hidden else "sharing.message_restored", actor=actor,
           target=message)


def report(actor, message: FicheQuestion, reason: str) -> QuestionReport | None:
    """Flag a message to the moderators (once per person)."""
    _member(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Indiquez la raison du signalement."), field="reason")
    exists = db.session.scalar(select(QuestionReport.id).where(
        QuestionReport.question_id == message.id, QuestionReport.reporter_id == actor.id))
    if exists:
        return None
    row = QuestionReport(question_id=message.id, reporter_id=actor.id, reason=reason[:500])
    db.session.add(row)
    db.session.flush()
    return row


def check_contact(actor, fiche: Fiche, body: str) -> str:
    """Validate a contact message (the job sends it): the fiche must name an
    opted-in contact; the sender is throttled."""
    _member(actor)
    content = fiche.published_content or {}
    if not fiche.published or not content.get("contact"):
        raise DomainError(_("Cette fiche n'indique pas de contact."))
    body = _body(body)
    _throttle(f"sharing-contact:{actor.id}", "SHARING_CONTACT_LIMIT", "5/3600")
    return body


def inspire(actor, fiche: Fiche, today: date | None = None):
    """"S'en inspirer": a draft project in the actor's collectivité with the fiche's
    title and summary and a plan of actions of the same types, linked back."""
    if not fiche.published:
        raise NotAllowed(_("Cette fiche n'est pas publiée."))
    if actor.organisation_id == fiche.organisation_id:
        raise DomainError(_("C'est une fiche de votre collectivité."))
    content = fiche.published_content
    description = "\n\n".join(p for p in (
        content.get("summary", ""),
        _("Inspiré de la fiche « %(t)s » de %(o)s.", t=content["title"],
          o=content["organisation"])) if p)
    project = project_services.save_project(
        actor, actor.organisation_id, title=content["title"], description=description,
        lead=actor)
    kinds = list((content.get("involvement") or {}).get("actions", {}))
    project_services.draft_plan(actor, project, kinds, today or clock.today())
    db.session.add(FicheReuse(fiche_id=fiche.id, organisation_id=actor.organisation_id,
                              project_id=project.id, user_id=actor.id))
    db.session.flush()
    record("sharing.fiche_reused", actor=actor, target=fiche)
    return project
