"""What the maturity domain holds about a person (RGPD): export and erasure.

Answers, their comments and the history describe the collectivité's digital
policy, not the person: erasure keeps them (the diagnosis stays true) and cuts
every link to the person (who answered, who was assigned, who submitted).
"""

from __future__ import annotations

from sqlalchemy import select

from change_portal.core.privacy import PrivacyProvider, detach_user
from change_portal.extensions import db
from change_portal.maturity.models import Answer, Assignment, Diagnosis, DiagnosisHistory, Theme


def _export(user) -> dict[str, list[dict]]:
    uid = user.id
    return {
        "maturite_reponses": [
            {"diagnostic_id": a.diagnosis_id, "affirmation_id": a.statement_id,
             "niveau": a.level, "commentaire": a.comment, "date": a.updated_at}
            for a in db.session.scalars(select(Answer).where(Answer.updated_by_id == uid))],
        "maturite_themes_confies": [
            {"diagnostic_id": a.diagnosis_id, "theme": title, "date": a.assigned_at}
            for a, title in db.session.execute(
                select(Assignment, Theme.title).join(Theme, Theme.id == Assignment.theme_id)
                .where(Assignment.user_id == uid))],
        "maturite_historique": [
            {"diagnostic_id": h.diagnosis_id, "date": h.at, "quoi": h.kind,
             "avant": h.from_value, "apres": h.to_value}
            for h in db.session.scalars(select(DiagnosisHistory).where(
                DiagnosisHistory.actor_id == uid))],
    }


def _erase(user) -> None:
    uid = user.id
    detach_user(uid, (
        (Answer, "updated_by_id"), (Assignment, "user_id"), (Assignment, "assigned_by_id"),
        (DiagnosisHistory, "actor_id"), (Diagnosis, "started_by_id"),
        (Diagnosis, "reviewer_id"), (Diagnosis, "submitted_by_id"),
    ))


PROVIDER = PrivacyProvider(
    name="maturity",
    covers=frozenset({
        ("maturity_answer", "updated_by_id"), ("maturity_assignment", "user_id"),
        ("maturity_assignment", "assigned_by_id"), ("maturity_history", "actor_id"),
        ("maturity_diagnosis", "started_by_id"), ("maturity_diagnosis", "reviewer_id"),
        ("maturity_diagnosis", "submitted_by_id"),
    }),
    export=_export,
    erase=_erase,
)
