"""RGPD: a learner's data is exported; erasure wipes answers and attestations."""

from __future__ import annotations

from sqlalchemy import select

from change_portal.core import privacy
from change_portal.extensions import db
from courses import assignments
from courses.models import Attestation, Completion, QuizAttempt
from tests import factories
from tests.courses.factories import complete_module, create_module


def test_export_and_erasure_of_a_learner(client, org):
    user = factories.create_user(org)
    admin = factories.create_user(org, ["admin"])
    module = create_module()
    assignments.assign_module(admin, module, users=[user])
    complete_module(user, module)
    code = db.session.scalar(select(Attestation.code).join(Completion)
                             .where(Completion.user_id == user.id))
    data = privacy.collect(user)
    assert data["formation_modules_termines"][0]["code_attestation"] == code
    assert data["formation_quiz"][0]["reponses"]
    assert data["formation_modules_attribues"][0]["module"] == "Module d'essai"
    privacy.erase(user)
    db.session.expire_all()
    assert client.get(f"/verifier/{code}").status_code == 404
    assert all(a.answers == {} for a in db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id)))
    assert db.session.scalar(select(Completion).where(Completion.user_id == user.id))
    assert privacy.collect(user)["formation_modules_attribues"] == []
