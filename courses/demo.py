"""Demo content: the shipped library, an assignment and some progress, so that
`make run` shows living pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from change_portal.core import clock
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Service
from change_portal.projects.models import Project
from courses import assignments, importer, learning, queries
from courses.models import Module


def _module(slug: str) -> Module | None:
    return db.session.scalar(select(Module).where(Module.slug == slug,
                                                  Module.organisation_id.is_(None)))


def _take_module(user, module: Module, lessons: int | None = None) -> None:
    version = queries.version_with_lessons(module)
    for lesson in version.lessons[:lessons]:
        full = queries.lesson_with_quizzes(version, lesson.key)
        for quiz in full.quizzes:
            answers = {q.id: {o.id for o in q.options if o.correct} for q in quiz.questions}
            learning.answer_quiz(user, module, full, quiz, answers)
        learning.mark_lesson_done(user, module, full)


def load_demo(org, users=None, **_kwargs) -> None:
    """demo_loaded receiver: import the library, assign cybersecurity to the
    Accueil service (due in three weeks), and give two agents some progress."""
    importer.sync(None, None)
    users = users or {}
    cyber = _module("cybersecurite-bons-reflexes")
    rgpd = _module("rgpd-au-quotidien")
    trainer = users.get("nathalie.dubois@demo.example")
    accueil = db.session.scalar(select(Service).where(of_tenant(Service, org.id),
                                                      Service.name == "Accueil"))
    if cyber is not None and trainer is not None and accueil is not None:
        assignments.assign_module(trainer, cyber, service=accueil,
                                  due_date=clock.today() + timedelta(weeks=3))
    karim = users.get("karim.benali@demo.example")
    julie = users.get("julie.lefevre@demo.example")
    if cyber is not None and karim is not None:
        _take_module(karim, cyber, lessons=2)
    if rgpd is not None and julie is not None:
        _take_module(julie, rgpd)
    # The GRC project requires the module on following a request (if projects loaded it).
    lead = users.get("thomas.girard@demo.example")
    grc = db.session.scalar(select(Project).where(of_tenant(Project, org.id),
                                                  Project.title.like("%GRC%")))
    follow = _module("suivre-demande-usager")
    if grc is not None and lead is not None and follow is not None:
        assignments.add_required_module(lead, grc, follow)
        if julie is not None:
            _take_module(julie, follow)
    db.session.flush()
