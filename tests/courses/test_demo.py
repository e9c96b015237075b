"""The demo receiver: shipped library, an assignment, some progress."""

from __future__ import annotations

from sqlalchemy import func, select

from change_portal.extensions import db
from courses import importer
from courses.demo import load_demo
from courses.models import Assignment, Completion, LessonProgress, ProjectModule
from tests import factories
from tests.courses.factories import create_project


def test_demo_receiver_gives_living_pages(org):
    accueil = factories.create_service(org, "Accueil")
    users = {
        "nathalie.dubois@demo.example": factories.create_user(org, ["trainer"]),
        "karim.benali@demo.example": factories.create_user(org, service=accueil),
        "julie.lefevre@demo.example": factories.create_user(org),
        "thomas.girard@demo.example": factories.create_user(org, ["project_lead"]),
    }
    project = create_project(org, [accueil], title="Outil de relation usagers (GRC)")
    load_demo(org, users=users)
    assignment = db.session.scalar(select(Assignment))
    assert assignment.service_id == accueil.id and assignment.due_date is not None
    karim = users["karim.benali@demo.example"]
    assert db.session.scalar(select(func.count(LessonProgress.id)).where(
        LessonProgress.user_id == karim.id)) == 2
    assert db.session.scalar(select(func.count(Completion.id))) == 2
    assert db.session.scalar(select(ProjectModule).where(
        ProjectModule.project_id == project.id)) is not None
    assert importer.sync().unchanged  # `make demo` runs the sync again: nothing to do
