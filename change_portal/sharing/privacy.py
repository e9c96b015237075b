"""What the sharing domain holds about a person (RGPD): export and erasure.

Erasure deletes the questions and answers the person wrote on fiches (free text),
their attendance; everywhere else the link to the person is cut (author, submitter,
validator, contact — a fiche whose contact is erased shows no contact —, who
marked an interest, who reused, who proposed or created an event)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from change_portal.core.privacy import PrivacyProvider
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.sharing.models import (
    EventAttendance,
    EventProposal,
    Fiche,
    FicheAttachment,
    FicheInterest,
    FicheQuestion,
    FicheReuse,
    FicheRevision,
    QuestionReport,
    SharingEvent,
)


def _export(user) -> dict[str, list[dict]]:
    uid = user.id
    return {
        "fiches_retour_experience": [
            {"fiche": f.title, "statut": f.status, "contact": f.contact_id == uid}
            for f in db.session.scalars(select(Fiche).where(
                (Fiche.author_id == uid) | (Fiche.contact_id == uid)))],
        "questions_retours_experience": [
            {"fiche_id": q.fiche_id, "date": q.created_at, "texte": q.body}
            for q in db.session.scalars(select(FicheQuestion).where(
                FicheQuestion.author_id == uid))],
    }


def _names(content: dict | None, uid: int) -> bool:
    contact = (content or {}).get("contact") or {}
    return contact.get("user_id") == uid


def _erase(user) -> None:
    uid = user.id
    db.session.execute(delete(FicheQuestion).where(FicheQuestion.author_id == uid))
    db.session.execute(delete(EventAttendance).where(EventAttendance.user_id == uid))
    # Published snapshots and their history name the contact: remove it there too.
    for fiche in db.session.scalars(select(Fiche).where(
            of_tenant(Fiche, user.organisation_id))):
        if _names(fiche.published_content, uid):
            fiche.published_content = {**fiche.published_content, "contact": None}
    for rev in db.session.scalars(select(FicheRevision).where(
            of_tenant(FicheRevision, user.organisation_id))):
        if _names(rev.content, uid):
            rev.content = {**rev.content, "contact": None}
    db.session.flush()
    db.session.execute(update(Fiche).where(Fiche.contact_id == uid)
                       .values(contact_id=None, contact_role="")
                       .execution_options(synchronize_session=False))
    for model, column in (
        (Fiche, "author_id"), (Fiche, "submitted_by_id"), (FicheRevision, "submitted_by_id"),
        (FicheRevision, "validated_by_id"), (FicheInterest, "user_id"),
        (FicheReuse, "user_id"), (FicheQuestion, "hidden_by_id"),
        (QuestionReport, "reporter_id"), (EventProposal, "proposed_by_id"),
        (SharingEvent, "created_by_id"), (FicheAttachment, "uploaded_by_id"),
    ):
        col = getattr(model, column)
        db.session.execute(update(model).where(col == uid).values({column: None})
                           .execution_options(synchronize_session=False))
    db.session.flush()


PROVIDER = PrivacyProvider(
    name="sharing",
    covers=frozenset({
        ("sharing_fiche", "author_id"), ("sharing_fiche", "contact_id"),
        ("sharing_fiche", "submitted_by_id"), ("sharing_fiche_revision", "submitted_by_id"),
        ("sharing_fiche_revision", "validated_by_id"), ("sharing_interest", "user_id"),
        ("sharing_question", "author_id"), ("sharing_question", "hidden_by_id"),
        ("sharing_question_report", "reporter_id"), ("sharing_reuse", "user_id"),
        ("sharing_event", "created_by_id"), ("sharing_event_proposal", "proposed_by_id"),
        ("sharing_event_attendance", "user_id"), ("sharing_attachment", "uploaded_by_id"),
    }),
    export=_export,
    erase=_erase,
)
