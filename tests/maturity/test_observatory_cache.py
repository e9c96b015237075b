"""The published observatory (page and open-data JSON) is cached across collectivités
(issue 15) and never stale: a change of an edition, its referential or a distribution
shows on the next request; a collectivité's diagnosis alone changes nothing published."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.maturity.models import Answer, Distribution, Edition, Theme
from tests.maturity import factories as mf
from tests.maturity.test_observatory import _respondents
from tests.roadmap.factories import QueryCounter

PAGE, JSON = "/observatoire/2026", "/api/v1/observatoire/2026"


@pytest.fixture
def published(db):
    ref = mf.shipped_referential()
    edition = mf.create_edition(ref, status="closed", slug="2026", title="Édition 2026")
    _respondents(ref, edition, [2.0, 2.5, 3.0, 3.5, 4.0])
    edition.published_at = utcnow()
    db.session.commit()
    return ref, edition


def _statements(client, url) -> tuple[int, str]:
    db.session.commit()  # the test shares the requests' session: measure after a commit
    with QueryCounter() as counter:
        body = client.get(url).get_data(as_text=True)
    return counter.count, body


def test_cached_until_a_change_then_rebuilt_at_once(client, published):
    _ref, edition = published
    hits = {}
    for url in (PAGE, JSON):
        client.get(url)
        hits[url], _body = _statements(client, url)
        assert hits[url] <= 3, url  # the edition (and the session) only: the rest is cached
    # An ORM change of the edition, committed: the next page shows it.
    edition.title = "Édition 2026 (corrigée)"
    db.session.commit()
    miss, page = _statements(client, PAGE)
    assert "Observatoire de la maturité numérique : Édition 2026 (corrigée)" in page
    assert miss > hits[PAGE]
    assert client.get(JSON).get_json()["edition"]["title"] == "Édition 2026 (corrigée)"
    # Bulk UPDATE statements (no ORM object): a distribution, a theme's title.
    db.session.execute(update(Distribution).where(Distribution.edition_id == edition.id,
                                                  Distribution.group_key == "all",
                                                  Distribution.theme_slug == "cybersecurite")
                       .values(median=4.9))
    db.session.execute(update(Theme).where(Theme.slug == "cybersecurite")
                       .values(title="Sécurité des systèmes"))
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Sécurité des systèmes" in page and "<td>4,9</td>" in page
    theme = next(t for t in client.get(JSON).get_json()["themes"]
                 if t["slug"] == "cybersecurite")
    assert theme["title"] == "Sécurité des systèmes"
    assert theme["all_respondents"]["median"] == 4.9
    # Unpublished: gone at once.
    db.session.execute(update(Edition).where(Edition.id == edition.id).values(published_at=None))
    db.session.commit()
    assert client.get(PAGE).status_code == 404 and client.get(JSON).status_code == 404


def test_a_collectivite_change_keeps_the_entry(client, published):
    _ref, edition = published
    client.get(PAGE)
    hit, before = _statements(client, PAGE)
    # A respondent edits an answer (its collectivité's rows, no distribution recomputed).
    answer = db.session.scalar(db.select(Answer).limit(1))
    answer.comment = "Une précision"
    db.session.commit()
    again, after = _statements(client, PAGE)
    assert again == hit and after == before


def test_public_and_operator_pages_keep_their_own_links(client, login_as, published):
    _ref, edition = published
    public = client.get(PAGE).get_data(as_text=True)
    login_as("operator")
    operator = client.get(f"/plateforme/maturite/editions/{edition.id}/observatoire")
    operator = operator.get_data(as_text=True)
    public_again = client.get(PAGE).get_data(as_text=True)
    json_link = "Les mêmes données en JSON (données ouvertes)"
    assert json_link in public and json_link in public_again and json_link not in operator
    assert "← L'édition" in operator and "← L'édition" not in public_again


def test_open_edition_shows_the_notice_to_the_operator(client, login_as, published):
    ref, _edition = published
    running = mf.create_edition(ref, status="open", slug="2027", title="Édition 2027")
    db.session.commit()
    login_as("operator")
    page = client.get(f"/plateforme/maturite/editions/{running.id}/observatoire")
    assert "n'est calculé qu'après sa clôture" in page.get_data(as_text=True)
