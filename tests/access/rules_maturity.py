"""Access rules of the maturity observatory."""

from change_portal.maturity.models import Edition
from tests.access import MEMBER, PUBLIC, Rule, roles
from tests.maturity import factories as mf

ADMIN = roles("admin")
OPERATOR = roles("operator")

RULES = {
    "maturity.index": Rule(MEMBER),
    "maturity.start": Rule(ADMIN, tenant=False),
    "maturity.diagnosis": Rule(MEMBER),
    "maturity.assign": Rule(ADMIN),
    "maturity.reviewer": Rule(ADMIN),
    "maturity.theme": Rule(MEMBER),
    "maturity.submit": Rule(MEMBER),
    "maturity.reopen": Rule(ADMIN),
    "maturity.results": Rule(MEMBER),
    "maturity.results_csv": Rule(MEMBER),
    "maturity.link": Rule(ADMIN, form={"theme_slug": "cybersecurite", "objective_id": "0"}),
    "maturity.new_objective": Rule(ADMIN, form={"axis_id": "0"}),
    "maturity_platform.editions": Rule(OPERATOR, tenant=False),
    "maturity_platform.edition": Rule(OPERATOR, tenant=False),
    "maturity_platform.close": Rule(OPERATOR, tenant=False),
    "maturity_platform.publish": Rule(OPERATOR, tenant=False),
    "maturity_platform.observatory": Rule(OPERATOR, tenant=False),
    "maturity_public.observatory": Rule(PUBLIC, tenant=False),
    "maturity_public.observatory_json": Rule(PUBLIC, tenant=False),
}


def objects(org, users) -> dict:
    """An open edition with a diagnosis of `org`, and a closed published one."""
    ref = mf.shipped_referential()
    diagnosis = mf.submitted_diagnosis(ref, {"cybersecurite": [2, 3]}, org=org, submit=False)
    closed = mf.create_edition(ref, status="closed")
    from change_portal.core.models import utcnow

    closed.published_at = utcnow()
    edition = diagnosis.edition
    assert isinstance(edition, Edition)
    return {
        "diagnosis_id": diagnosis.id,
        "theme_slug": "cybersecurite",
        "edition_id": edition.id,
        "edition": closed.slug,
    }
