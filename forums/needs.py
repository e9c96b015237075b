"""Business rules of user needs (besoins usagers): recording, "je l'ai aussi
constaté", status with history, links to projects, drafted and validated answers.

Statuses: nouveau → qualifié → rattaché à un projet → réponse apportée → clos;
écarté (with a reason) from any open status. Linking a project sets "rattaché";
"réponse apportée" is reached only by publishing a validated answer.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from change_portal.accounts.models import User
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import Role
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.projects.models import Project
from forums import notify, search
from forums.models import (
    CHANNEL_LABELS,
    FREQUENCY_LABELS,
    IMPACT_LABELS,
    IMPACT_RANK,
    NOTE_MAX,
    PUBLIC_LABELS,
    Category,
    Need,
    NeedEndorsement,
    NeedProject,
    NeedStatus,
    NeedStatusChange,
    TopicKind,
)
from forums.services import create_topic, first_post

WORKAROUND_MAX = 5000

# Moves a person may choose by hand (the others happen through linking/answers).
MANUAL_MOVES = {
    NeedStatus.NEW: {NeedStatus.QUALIFIED, NeedStatus.DISMISSED},
    NeedStatus.QUALIFIED: {NeedStatus.NEW, NeedStatus.DISMISSED},
    NeedStatus.LINKED: {NeedStatus.QUALIFIED, NeedStatus.DISMISSED},
    NeedStatus.ANSWERED: {NeedStatus.CLOSED},
    NeedStatus.CLOSED: {NeedStatus.QUALIFIED},
    NeedStatus.DISMISSED: {NeedStatus.NEW},
}


def can_manage(user: User) -> bool:
    """Admins and project leads qualify needs, link them and change their status."""
    return user.has_role(Role.ADMIN) or user.has_role(Role.PROJECT_LEAD)


def _choice(value: str, labels: dict, field: str) -> str:
    if value not in labels:
        raise DomainError(_("Choisissez une des options proposées."), field=field)
    return value


def _services(organisation_id: int, services: list[Service]) -> list[Service]:
    for s in services:
        if s.organisation_id != organisation_id:
            raise DomainError(_("Choix invalide."), field="services")
    return list(services)


def record_need(actor: User, category: Category, *, title: str, description: str,
                public: str, channel: str, frequency: str, impact: str,
                workaround: str = "", services: list[Service] | None = None,
                rate_limited: bool = True) -> Need:
    """Record a need: a topic of the "besoin" kind with its structured fields."""
    public = _choice(public, PUBLIC_LABELS, "public")
    channel = _choice(channel, CHANNEL_LABELS, "channel")
    frequency = _choice(frequency, FREQUENCY_LABELS, "frequency")
    impact = _choice(impact, IMPACT_LABELS, "impact")
    workaround = (workaround or "").strip()
    if len(workaround) > WORKAROUND_MAX:
        raise DomainError(_("Ce texte est trop long : %(n)d caractères au plus.",
                            n=WORKAROUND_MAX), field="workaround")
    services = _services(category.organisation_id, services or [])
    topic = create_topic(actor, category, title=title, body=description, kind=TopicKind.NEED,
                         rate_limited=rate_limited)
    need = Need(organisation_id=topic.organisation_id, topic_id=topic.id, public=public,
                channel=channel, frequency=frequency, impact=impact,
                impact_rank=IMPACT_RANK[impact], workaround=workaround,
                status=NeedStatus.NEW, services=services)
    need.topic = topic
    db.session.add(need)
    db.session.flush()
    db.session.add(NeedStatusChange(need_id=need.id, actor_id=actor.id, from_status=None,
                                    to_status=NeedStatus.NEW))
    db.session.flush()
    search.index_post(first_post(topic))
    notify.on_new_post(actor, topic, first_post(topic), new_topic=True)
    return need


def update_need_fields(actor: User, need: Need, *, public: str, channel: str, frequency: str,
                       impact: str, workaround: str, services: list[Service]) -> Need:
    """The author or a manager corrects the structured fields."""
    if need.topic.author_id != actor.id and not can_manage(actor):
        raise NotAllowed(_("Seul l'auteur du besoin ou un·e chef·fe de projet peut le modifier."))
    need.public = _choice(public, PUBLIC_LABELS, "public")
    need.channel = _choice(channel, CHANNEL_LABELS, "channel")
    need.frequency = _choice(frequency, FREQUENCY_LABELS, "frequency")
    need.impact = _choice(impact, IMPACT_LABELS, "impact")
    need.impact_rank = IMPACT_RANK[need.impact]
    workaround = (workaround or "").strip()
    if len(workaround) > WORKAROUND_MAX:
        raise DomainError(_("Ce texte est trop long : %(n)d caractères au plus.",
                            n=WORKAROUND_MAX), field="workaround")
    need.workaround = workaround
    need.services = _services(need.organisation_id, services)
    db.session.flush()
    search.index_post(first_post(need.topic))
    return need


def endorse(actor: User, need: Need, *, note: str = "", channel: str | None = None
            ) -> NeedEndorsement:
    """"Je l'ai aussi constaté": once per person (a second time is refused)."""
    if need.topic.author_id == actor.id:
        raise DomainError(_("Vous avez vous-même signalé ce besoin : il est déjà compté."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("La note est trop longue : %(n)d caractères au plus.", n=NOTE_MAX),
                          field="note")
    if channel:
        channel = _choice(channel, CHANNEL_LABELS, "channel")
    already = db.session.scalar(select(NeedEndorsement.id).where(
        NeedEndorsement.need_id == need.id, NeedEndorsement.user_id == actor.id))
    if already is not None:
        raise DomainError(_("Vous avez déjà indiqué avoir constaté ce besoin. Merci !"))
    endorsement = NeedEndorsement(need_id=need.id, user_id=actor.id,
                                  service_id=actor.service_id, channel=channel or None,
                                  note=note)
    try:
        with db.session.begin_nested():
            db.session.add(endorsement)
            db.session.flush()
    except IntegrityError as exc:  # two clicks at once: the unique constraint decides
        raise DomainError(_("Vous avez déjà indiqué avoir constaté ce besoin. Merci !")) from exc
    _count_endorsements(need, +1)
    notify.follow_topic(actor, need.topic)
    if need.topic.author_id:
        notify.notify_users({need.topic.author_id}, need.organisation_id, kind="constat",
                            text=_("%(who)s a aussi constaté votre besoin « %(t)s »",
                                   who=actor.display_name, t=need.topic.title),
                            topic_id=need.topic_id)
    return endorsement


def withdraw_endorsement(actor: User, need: Need) -> None:
    """Withdraw one's "je l'ai aussi constaté" (nothing happens when there is none)."""
    row = db.session.scalar(select(NeedEndorsement).where(
        NeedEndorsement.need_id == need.id, NeedEndorsement.user_id == actor.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        _count_endorsements(need, -1)


def _count_endorsements(need: Need, delta: int) -> None:
    """The need's stored count, as `count = count ± 1` in the caller's transaction
    (two colleagues endorsing at once both count)."""
    db.session.execute(update(Need).where(Need.id == need.id)
                       .values(endorsement_count=Need.endorsement_count + delta),
                       execution_options={"synchronize_session": False})
    db.session.expire(need, ["endorsement_count"])


def recount_endorsements(need_ids: list[int] | None = None) -> None:
    """Recompute the stored counts from the endorsements (all needs, or those given):
    the benchmark's generator and a repair after a manual change."""
    stmt = update(Need).values(endorsement_count=select(func.count(NeedEndorsement.id))
                               .where(NeedEndorsement.need_id == Need.id).scalar_subquery())
    if need_ids is not None:
        stmt = stmt.where(Need.id.in_(need_ids))
    db.session.execute(stmt, execution_options={"synchronize_session": False})


def _set_status(actor: User, need: Need, status: str, reason: str = "") -> None:
    db.session.add(NeedStatusChange(need_id=need.id, actor_id=actor.id, from_status=need.status,
                                    to_status=status, reason=reason))
    need.status = status
    db.session.flush()


def change_status(actor: User, need: Need, status: str, reason: str = "") -> Need:
    """Move a need by hand (admins and project leads); "écarté" needs a reason."""
    if not can_manage(actor):
        raise NotAllowed(_("Seuls les administrateurs et chef·fe·s de projet changent le statut."))
    try:
        target = NeedStatus(status)
    except ValueError as exc:
        raise DomainError(_("Choisissez un statut proposé."), field="status") from exc
    reason = (reason or "").strip()
    if len(reason) > NOTE_MAX:
        raise DomainError(_("La raison est trop longue : %(n)d caractères au plus.", n=NOTE_MAX),
                          field="reason")
    if target not in MANUAL_MOVES.get(NeedStatus(need.status), set()):
        if target == NeedStatus.ANSWERED:
            raise DomainError(_("« Réponse apportée » s'obtient en publiant une réponse "
                                "validée."), field="status")
        if target == NeedStatus.LINKED:
            raise DomainError(_("Rattachez le besoin à un projet pour le passer à ce statut."),
                              field="status")
        raise DomainError(_("Ce changement de statut n'est pas possible depuis « %(s)s ».",
                            s=need.status_label), field="status")
    if target == NeedStatus.DISMISSED and not reason:
        raise DomainError(_("Expliquez pourquoi ce besoin est écarté."), field="reason")
    _set_status(actor, need, target, reason)
    notify.notify_topic_followers(actor, need.topic, _("Le besoin « %(t)s » est maintenant : "
                                  "%(s)s", t=need.topic.title, s=need.status_label), "statut")
    return need


def link_project(actor: User, need: Need, project: Project) -> NeedProject:
    """Link the need to a project of the same collectivité; sets "rattaché"."""
    if not can_manage(actor):
        raise NotAllowed(_("Seuls les administrateurs et chef·fe·s de projet rattachent un "
                           "besoin à un projet."))
    if project.organisation_id != need.organisation_id:
        raise DomainError(_("Ce projet n'existe pas."), field="project_id")
    if need.status == NeedStatus.DISMISSED:
        raise DomainError(_("Ce besoin est écarté : rouvrez-le avant de le rattacher."),
                          field="project_id")
    exists = db.session.scalar(select(NeedProject).where(
        NeedProject.need_id == need.id, NeedProject.project_id == project.id))
    if exists is not None:
        raise DomainError(_("Ce besoin est déjà rattaché à ce projet."), field="project_id")
    link = NeedProject(need_id=need.id, project_id=project.id, linked_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    # No project title in the history nor in the notification: both reach members
    # who may not read that project (the panel lists the projects each may read).
    if need.status in (NeedStatus.NEW, NeedStatus.QUALIFIED):
        _set_status(actor, need, NeedStatus.LINKED, _("Rattaché à un projet"))
    notify.notify_topic_followers(actor, need.topic, _("Le besoin « %(t)s » est rattaché à un "
                                  "projet", t=need.topic.title), "projet")
    return link


def unlink_project(actor: User, need: Need, project: Project) -> None:
    if not can_manage(actor):
        raise NotAllowed(_("Action réservée aux administrateurs et chef·fe·s de projet."))
    link = db.session.scalar(select(NeedProject).where(
        NeedProject.need_id == need.id, NeedProject.project_id == project.id))
    if link is not None:
        db.session.delete(link)
        db.session.flush()


def draft_answer(actor: User, need: Need, text: str) -> Need:
    """A project lead writes (or rewrites) the answer; it waits for validation."""
    if not actor.has_role(Role.PROJECT_LEAD):
        raise NotAllowed(_("La réponse est rédigée par un·e chef·fe de projet."))
    if need.status in (NeedStatus.DISMISSED, NeedStatus.CLOSED):
        raise DomainError(_("Ce besoin est %(s)s : rouvrez-le pour y répondre.",
                            s=need.status_label.lower()), field="answer")
    if need.answer_published_at is not None:
        raise DomainError(_("La réponse est déjà publiée."), field="answer")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Écrivez la réponse avant de l'enregistrer."), field="answer")
    if len(text) > 10_000:
        raise DomainError(_("Cette réponse est trop longue : 10 000 caractères au plus."),
                          field="answer")
    need.answer = text
    need.answer_html = render_markdown(text)
    need.answer_drafted_by_id = actor.id
    need.answer_drafted_at = utcnow()
    need.answer_validated_by_id = None
    db.session.flush()
    return need


def validate_answer(actor: User, need: Need) -> Need:
    """An admin or ANOTHER project lead validates the drafted answer: it is published,
    the need moves to "réponse apportée" and its followers are notified."""
    if not (actor.has_role(Role.ADMIN) or actor.has_role(Role.PROJECT_LEAD)):
        raise NotAllowed(_("La validation est faite par un administrateur ou un·e autre "
                           "chef·fe de projet."))
    if not need.answer or need.answer_drafted_by_id is None:
        raise DomainError(_("Aucune réponse n'attend de validation."), field="answer")
    if need.answer_published_at is not None:
        raise DomainError(_("La réponse est déjà publiée."), field="answer")
    if need.answer_drafted_by_id == actor.id:
        raise NotAllowed(_("Vous avez rédigé cette réponse : une autre personne doit la "
                           "valider."))
    need.answer_validated_by_id = actor.id
    need.answer_published_at = utcnow()
    _set_status(actor, need, NeedStatus.ANSWERED, _("Réponse validée et publiée"))
    notify.notify_topic_followers(actor, need.topic, _("Une réponse est publiée pour le besoin "
                                  "« %(t)s »", t=need.topic.title), "reponse_besoin")
    return need
