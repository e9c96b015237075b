"""RGPD: a contact's name leaves the published snapshot and its history on erasure."""

from sqlalchemy import select

from change_portal.core import privacy
from change_portal.extensions import db
from change_portal.sharing import services
from change_portal.sharing.models import FicheRevision
from change_portal.sharing.privacy import PROVIDER
from tests import factories
from tests.sharing.factories import project_with_figures


def test_registered():
    assert PROVIDER in privacy.providers()


def test_erasure_removes_contact_from_snapshots(org):
    project, _ind, lead = project_with_figures(org)
    fiche = services.draft_from_project(lead, project)
    services.save_fiche(lead, fiche, title="Fiche", themes=["donnees"], contact_me=True,
                        contact_role="DSI")
    services.submit(lead, fiche)
    services.validate(factories.create_user(org, ["admin"]), fiche)
    assert fiche.published_content["contact"]["name"] == lead.full_name
    assert PROVIDER.export(lead)["fiches_retour_experience"][0]["contact"] is True
    PROVIDER.erase(lead)
    db.session.expire_all()
    assert fiche.published_content["contact"] is None
    assert fiche.contact_id is None and fiche.author_id is None
    rev = db.session.scalar(select(FicheRevision).where(FicheRevision.fiche_id == fiche.id))
    assert rev.content["contact"] is None
