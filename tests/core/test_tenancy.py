"""The tenancy helpers: one condition for queries, 404 for another tenant's ids."""

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from change_portal.core.tenancy import all_or_404, of_tenant
from change_portal.extensions import db
from change_portal.organisations.models import Service
from tests import factories


def test_of_tenant_keeps_the_rows_of_one_collectivite(org, other_org):
    mine = factories.create_service(org, "Accueil")
    factories.create_service(other_org, "Accueil")
    rows = db.session.scalars(select(Service).where(of_tenant(Service, org.id))).all()
    assert rows == [mine]


def test_all_or_404_returns_the_rows_and_refuses_another_tenants_id(app, org, other_org):
    a, b = factories.create_service(org), factories.create_service(org)
    theirs = factories.create_service(other_org)
    assert all_or_404(Service, [b.id, a.id, str(a.id)], org.id) == sorted([a, b],
                                                                          key=lambda s: s.id)
    assert all_or_404(Service, [], org.id) == []
    for ids in ([a.id, theirs.id], [a.id, 999_999]):
        with pytest.raises(NotFound):
            all_or_404(Service, ids, org.id)
