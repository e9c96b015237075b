"""What the projects and roadmap domains hold about a person (RGPD): export and
erasure. Registered with core.privacy by change_portal.projects.views.

Erasure keeps what the collectivité needs and nothing that names the person:
- comments (free text they wrote) are deleted, and so is their dashboard visit;
- positions keep their stance (the meters' figures stay true) but lose their
  reason; they stay tied to the anonymised account (the account row remains as
  "un ancien agent");
- everywhere else the link to the person is cut (lead, owner, author of a change,
  of a value, of an answer, of a report request, of a concern).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from change_portal.core.privacy import PrivacyProvider, detach_user
from change_portal.extensions import db
from change_portal.projects.models import (
    Concern,
    Position,
    PositionChange,
    Project,
    ProjectComment,
    ProjectStatusChange,
    Proposal,
)
from change_portal.roadmap.models import (
    DashboardVisit,
    IndicatorValue,
    Objective,
    ObjectiveHistory,
    ReportJob,
)

ERASED_REASON = "(raison effacée à la demande de la personne)"


def _export(user) -> dict[str, list[dict]]:
    uid = user.id
    return {
        "projets_conduits": [
            {"projet": p.title, "statut": p.status}
            for p in db.session.scalars(select(Project).where(Project.lead_id == uid))],
        "commentaires_projets": [
            {"projet_id": c.project_id, "date": c.created_at, "texte": c.body}
            for c in db.session.scalars(select(ProjectComment).where(
                ProjectComment.author_id == uid))],
        "inquietudes_exprimees": [
            {"action_id": c.action_id, "date": c.created_at, "texte": c.text,
             "reponse": c.answer}
            for c in db.session.scalars(select(Concern).where(Concern.raised_by_id == uid))],
        "positions": [
            {"proposition_id": p.proposal_id, "date": p.at, "position": p.stance,
             "raison": p.reason}
            for p in db.session.scalars(select(PositionChange).where(
                PositionChange.user_id == uid).order_by(PositionChange.at))],
        "objectifs_dont_vous_etes_responsable": [
            {"objectif": o.title, "statut": o.status}
            for o in db.session.scalars(select(Objective).where(Objective.owner_id == uid))],
        "modifications_feuille_de_route": [
            {"objectif_id": h.objective_id, "date": h.at, "quoi": h.kind, "valeur": h.to_value}
            for h in db.session.scalars(select(ObjectiveHistory).where(
                ObjectiveHistory.actor_id == uid))],
        "rapports_demandes": [
            {"date": j.created_at, "document": j.kind, "etat": j.status}
            for j in db.session.scalars(select(ReportJob).where(
                ReportJob.requested_by_id == uid))],
    }


def _erase(user) -> None:
    uid = user.id
    db.session.execute(delete(ProjectComment).where(ProjectComment.author_id == uid))
    db.session.execute(delete(DashboardVisit).where(DashboardVisit.user_id == uid))
    db.session.execute(update(Position).where(Position.user_id == uid)
                       .values(reason=ERASED_REASON))
    db.session.execute(update(PositionChange).where(PositionChange.user_id == uid)
                       .values(reason=ERASED_REASON))
    detach_user(uid, (
        (Project, "lead_id"), (ProjectStatusChange, "actor_id"), (Proposal, "created_by_id"),
        (Concern, "raised_by_id"), (Concern, "answered_by_id"), (Objective, "owner_id"),
        (ObjectiveHistory, "actor_id"), (IndicatorValue, "recorded_by_id"),
        (ReportJob, "requested_by_id"),
    ))


PROVIDER = PrivacyProvider(
    name="projects_roadmap",
    covers=frozenset({
        ("project", "lead_id"), ("project_status_change", "actor_id"),
        ("project_concern", "raised_by_id"), ("project_concern", "answered_by_id"),
        ("project_comment", "author_id"), ("project_proposal", "created_by_id"),
        ("project_position", "user_id"), ("project_position_change", "user_id"),
        ("roadmap_objective", "owner_id"), ("roadmap_objective_history", "actor_id"),
        ("roadmap_indicator_value", "recorded_by_id"), ("roadmap_dashboard_visit", "user_id"),
        ("roadmap_report_job", "requested_by_id"),
    }),
    export=_export,
    erase=_erase,
)
