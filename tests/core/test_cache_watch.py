"""core.cache.watch / cached_value: entries keyed by version tokens that committed
writes replace, per collectivité (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from change_portal.core import cache
from change_portal.extensions import db
from change_portal.organisations.models import Service
from tests import factories

WATCH = "test.services"


@pytest.fixture
def watched(app):
    cache.watch(WATCH, (Service,))
    yield
    cache._WATCHES.pop(WATCH, None)


def _names(org, builds):
    def build():
        builds.append(1)
        return sorted(db.session.scalars(
            db.select(Service.name).where(Service.organisation_id == org.id)))
    return cache.cached_value(WATCH, org.id, ("fr",), build, db.session)


def test_built_once_then_rebuilt_after_a_committed_change(watched, org):
    service = factories.create_service(org, name="Accueil")
    db.session.commit()
    builds: list[int] = []
    assert _names(org, builds) == ["Accueil"] and _names(org, builds) == ["Accueil"]
    assert len(builds) == 1
    service.name = "Accueil général"
    db.session.commit()
    assert _names(org, builds) == ["Accueil général"] and len(builds) == 2
    db.session.execute(update(Service).where(Service.id == service.id).values(name="État civil"))
    db.session.commit()  # a bulk statement: every collectivité's entries go
    assert _names(org, builds) == ["État civil"] and len(builds) == 3


def test_a_transaction_that_wrote_neither_reads_nor_fills_the_cache(watched, org):
    service = factories.create_service(org, name="Accueil")
    db.session.commit()
    builds: list[int] = []
    _names(org, builds)
    service.name = "Brouillon"
    db.session.flush()
    assert _names(org, builds) == ["Brouillon"]  # built, not the stored entry
    db.session.rollback()
    assert _names(org, builds) == ["Accueil"]  # the entry made before, still current
    assert len(builds) == 2


def test_another_collectivite_keeps_its_entry(watched, org, other_org):
    factories.create_service(org, name="Accueil")
    db.session.commit()
    builds: list[int] = []
    _names(org, builds)
    factories.create_service(other_org, name="Ailleurs")
    db.session.commit()
    _names(org, builds)
    assert len(builds) == 1


def test_an_undeclared_watch_is_an_error(app, org):
    with pytest.raises(KeyError, match="not declared"):
        cache.cached_value("nothing.here", org.id, (), list, db.session)


def test_writes_to_unseen_columns_keep_the_entry(app, org):
    """`unseen` columns (counters no cached content shows): writing only those, through
    the ORM or a bulk UPDATE, keeps the entry; with any other column it goes."""
    from change_portal.accounts.models import User

    cache.watch("test.users", (User,), unseen=(User.unread_notifications,))
    builds: list[int] = []

    def names():
        def build():
            builds.append(1)
            return sorted(db.session.scalars(
                db.select(User.full_name).where(User.organisation_id == org.id)))
        return cache.cached_value("test.users", org.id, (), build, db.session)

    try:
        user = factories.create_user(org, name="Ada")
        db.session.commit()
        assert names() == ["Ada"]
        user.unread_notifications += 1
        db.session.commit()
        db.session.execute(update(User).where(User.id == user.id)
                           .values(unread_notifications=User.unread_notifications + 1))
        db.session.commit()
        assert names() == ["Ada"] and len(builds) == 1
        user.unread_notifications += 1
        user.full_name = "Ada L."
        db.session.commit()
        assert names() == ["Ada L."] and len(builds) == 2
        db.session.execute(update(User).where(User.id == user.id)
                           .values(unread_notifications=0, full_name="Ada Lovelace"))
        db.session.commit()
        assert names() == ["Ada Lovelace"] and len(builds) == 3
    finally:
        cache._WATCHES.pop("test.users", None)
        cache._UNSEEN.pop("test.users", None)
