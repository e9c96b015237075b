"""Access rules of the courses domain."""

from change_portal.extensions import db
from courses import assignments, services
from courses.models import Attestation, Completion
from tests import factories
from tests.access import MEMBER, PUBLIC, Rule, roles
from tests.courses import factories as course_factories

AUTHORS = roles("trainer", "admin")
ASSIGNERS = roles("trainer", "admin", "project_lead")
PROJECT = roles("admin", "project_lead")

RULES = {
    "courses.catalogue": Rule(MEMBER),
    "courses.module": Rule(MEMBER),
    "courses.lesson": Rule(MEMBER),
    "courses.complete_lesson": Rule(MEMBER),
    "courses.answer_quiz": Rule(MEMBER),
    "courses.image": Rule(MEMBER),
    "courses.attestation": Rule(MEMBER),
    "courses.verify": Rule(PUBLIC, tenant=False),
    "courses.verify_legacy": Rule(PUBLIC, tenant=False),
    "courses.verify_form": Rule(PUBLIC, tenant=False),
    "courses.my_attestations": Rule(MEMBER),
    "courses.manage": Rule(AUTHORS),
    "courses.sync_library": Rule(AUTHORS),
    "courses.new_module": Rule(AUTHORS),
    "courses.edit_module": Rule(AUTHORS),
    "courses.new_lesson": Rule(AUTHORS, form={"new-title": "Une leçon"}),
    "courses.edit_lesson": Rule(AUTHORS),
    "courses.preview_api": Rule(AUTHORS, form={"source": "# Titre\n\nTexte"}),
    "courses.move_lesson": Rule(AUTHORS, form={"direction": "down"}),
    "courses.delete_lesson": Rule(AUTHORS),
    "courses.upload_image": Rule(AUTHORS),
    "courses.publish_module": Rule(AUTHORS),
    "courses.versions": Rule(AUTHORS),
    "courses.export_module": Rule(AUTHORS),
    "courses.copy_module": Rule(AUTHORS),
    "courses.start_draft": Rule(AUTHORS),
    "courses.import_zip": Rule(AUTHORS),
    "courses.followup": Rule(AUTHORS),
    "courses.followup_module": Rule(roles("admin")),
    "courses.assignments_page": Rule(ASSIGNERS),
    "courses.delete_assignment": Rule(ASSIGNERS),
    "courses.add_project_module": Rule(PROJECT),
    "courses.remove_project_module": Rule(PROJECT),
}


def objects(org, users) -> dict:
    """URL parameter values for rows of the courses domain owned by `org`."""
    module = course_factories.create_module(org, slug=f"prive-{org.slug}", image=True)
    trainer = factories.create_user(org, ["trainer"])
    draft = services.ensure_draft(trainer, module)
    learner = factories.create_user(org, ["agent"])
    course_factories.complete_module(learner, module)
    code = db.session.scalar(db.select(Attestation.code).join(Completion)
                             .where(Completion.user_id == learner.id))
    assignment = assignments.assign_module(
        factories.create_user(org, ["admin"]), module, users=[learner])
    project = course_factories.create_project(org)
    return {
        "module_id": module.id,
        "lesson_key": "lecon-1",
        "quiz_number": 0,
        "image_name": "images/schema.png",
        "lesson_id": draft.lessons[0].id,
        "attestation_code": code,
        "assignment_id": assignment.id,
        "project_id": project.id,
    }
