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


def test_the_embedded_servers_processes_share_entries_and_invalidations(tmp_path):
    """`flask serve` runs several processes without Redis: the cache lives in files
    of the instance folder, so a token replaced by one is seen by the others."""
    from change_portal import create_app
    from tests.conftest import _test_config

    config = {**_test_config(), "TESTING": False, "CACHE_DIR": str(tmp_path)}
    one, two = create_app(config), create_app(config)
    with one.app_context():
        assert cache.cache.cache.__class__.__name__ == "FileSystemCache"
        (token,) = cache.version_tokens("watch:7")
        cache.set(f"entry:{token}", "made by one")
    with two.app_context():
        assert cache.version_tokens("watch:7") == [token]
        assert cache.get(f"entry:{token}") == "made by one"
        cache.bump("watch:7")
    with one.app_context():
        assert cache.version_tokens("watch:7") != [token]


ACROSS = "test.across"


@pytest.fixture
def across(app):
    cache.watch(ACROSS, (Service,), across_collectivites=True)
    yield
    cache._WATCHES.pop(ACROSS, None)
    cache._ACROSS.discard(ACROSS)


def test_across_collectivites_a_write_of_any_replaces_the_shared_entry(across, org, other_org):
    factories.create_service(org, name="Accueil")
    db.session.commit()
    builds: list[int] = []

    def everyone():
        def build():
            builds.append(1)
            return sorted(db.session.scalars(db.select(Service.name)))
        return cache.cached_value(ACROSS, 0, ("fr",), build, db.session)

    assert everyone() == ["Accueil"] and everyone() == ["Accueil"] and len(builds) == 1
    factories.create_service(other_org, name="Ailleurs")  # another collectivité's row
    db.session.commit()
    assert everyone() == ["Accueil", "Ailleurs"] and len(builds) == 2
    with pytest.raises(ValueError, match="per collectivité and across"):
        cache.watch(ACROSS, (Service,))


def test_bookkeeping_columns_keep_the_entries(app, org):
    """A login (last_login_at) or a notification (the unread counter, moved by a bulk
    UPDATE) changes no cached page: entries made of users stay; a name change does not."""
    from sqlalchemy import update as sql_update

    from change_portal.accounts.models import User
    from change_portal.core.models import utcnow

    cache.watch("test.people", (User,))
    try:
        user = factories.create_user(org, ["agent"])
        db.session.commit()
        builds: list[int] = []

        def names():
            def build():
                builds.append(1)
                return sorted(db.session.scalars(
                    db.select(User.full_name).where(User.organisation_id == org.id)))
            return cache.cached_value("test.people", org.id, (), build, db.session)

        names()
        user.last_login_at = utcnow()
        db.session.commit()
        db.session.execute(sql_update(User).where(User.id == user.id)
                           .values(unread_notifications=User.unread_notifications + 1))
        db.session.commit()
        names()
        assert len(builds) == 1
        user.full_name = "Camille Renommée"
        db.session.commit()
        assert "Camille Renommée" in names() and len(builds) == 2
    finally:
        cache._WATCHES.pop("test.people", None)


def test_a_new_deployment_never_serves_the_previous_ones_entries(app, org, monkeypatch):
    """Version names carry a digest of the code and templates: Redis keeps entries
    across a restart, and HTML made by older templates must not come back."""
    cache.watch(WATCH, (Service,))
    try:
        factories.create_service(org, name="Accueil")
        db.session.commit()
        builds: list[int] = []
        _names(org, builds)
        _names(org, builds)
        assert len(builds) == 1
        monkeypatch.setattr(cache, "_code_generation", lambda: "next-release")
        _names(org, builds)
        assert len(builds) == 2
    finally:
        cache._WATCHES.pop(WATCH, None)


def test_writes_to_bookkeeping_columns_alone_keep_the_entry(app, org):
    """Bookkeeping columns (`User.cache_ignored_columns`): writing only those, through
    the ORM or a bulk UPDATE, keeps the entry; with any other column it goes."""
    from change_portal.accounts.models import User

    cache.watch("test.users", (User,))
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
