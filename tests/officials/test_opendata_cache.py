"""The open-data JSON is cached (issue 15): ETag, 304, Cache-Control, and never stale
after a change, in one process and across two app instances sharing Redis."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from change_portal.core import cache
from change_portal.extensions import db
from change_portal.officials import opendata
from change_portal.projects.models import Action
from change_portal.roadmap.models import IndicatorValue
from tests.roadmap import factories as f


def _published(org):
    axis = f.create_axis(f.create_roadmap(org), title="Données")
    obj = f.create_objective(axis, title="Portail open data", target_date=date(2028, 12, 31))
    indicator = f.create_indicator(obj, baseline=0, target=20, values=[5], name="Jeux")
    project = f.create_project(org, title="Portail", objectives=[obj])
    action = f.create_action(project, [obj], title="Atelier données", status="realisee",
                             planned_on=date(2026, 3, 1))
    org.roadmap_published = True
    db.session.commit()
    return action, indicator


def _url(org):
    return f"/api/v1/organisations/{org.slug}/roadmap"


def test_etag_and_304(client, org):
    _published(org)
    first = client.get(_url(org))
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "public, no-cache"
    again = client.get(_url(org), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    other = client.get(_url(org), headers={"If-None-Match": '"autre-chose"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


def test_member_view_of_an_unpublished_roadmap_is_private(client, org, login_as):
    _published(org)
    org.roadmap_published = False
    login_as("agent")
    resp = client.get(_url(org))
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "private, no-cache"
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_never_stale_after_a_change(client, org):
    action, indicator = _published(org)
    etag = client.get(_url(org)).headers["ETag"]
    # an ORM change, committed: read at once
    action.title = "Atelier renommé"
    db.session.commit()
    resp = client.get(_url(org), headers={"If-None-Match": etag})
    assert resp.status_code == 200
    assert resp.get_json()["actions"][0]["title"] == "Atelier renommé"
    # a new indicator value
    db.session.add(IndicatorValue(organisation_id=org.id, indicator_id=indicator.id,
                                  value=15, measured_on=date(2026, 6, 1)))
    db.session.commit()
    values = client.get(_url(org)).get_json()["axes"][0]["objectives"][0]["indicators"][0]
    assert [v["value"] for v in values["values"]] == [5.0, 15.0]
    # a bulk UPDATE statement (no ORM object flushed)
    db.session.execute(update(Action).where(Action.id == action.id).values(participants=42))
    db.session.commit()
    assert client.get(_url(org)).get_json()["actions"][0]["participants"] == 42
    # the collectivité unpublishes: the document is no longer public at once
    org.roadmap_published = False
    db.session.commit()
    assert client.get(_url(org)).status_code == 404


def test_uncommitted_changes_are_never_cached(client, org):
    action, _ = _published(org)
    action.title = "Brouillon"
    db.session.flush()
    body, _etag = opendata.published_document(org)
    assert b"Brouillon" in body
    db.session.rollback()
    db.session.expire_all()
    body, _etag = opendata.published_document(org)
    assert b"Brouillon" not in body


def test_another_collectivite_change_keeps_the_entry(client, org, other_org):
    _published(org)
    etag = client.get(_url(org)).headers["ETag"]
    f.create_project(other_org, title="Ailleurs")
    db.session.commit()
    assert client.get(_url(org), headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, two_redis_apps):
    one, two = two_redis_apps
    action, _ = _published(org)
    with one.app_context():  # tokens left by an earlier run on the same ids
        cache.bump_all()
    first = one.test_client().get(_url(org))
    etag = first.headers["ETag"]
    # instance two serves instance one's entry (same ETag, 304)
    assert two.test_client().get(_url(org), headers={"If-None-Match": etag}).status_code == 304
    with two.app_context():
        db.session.execute(update(Action).where(Action.id == action.id)
                           .values(title="Modifié par l'instance deux"))
        db.session.commit()
    resp = one.test_client().get(_url(org), headers={"If-None-Match": etag})
    assert resp.status_code == 200
    assert resp.get_json()["actions"][0]["title"] == "Modifié par l'instance deux"
