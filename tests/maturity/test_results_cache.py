"""The results page's shared part (figures, chart, table, theme by theme) is cached per
collectivité (issue 15) and never stale: every committed change it is made of shows
on the next request, in one process and across two app instances sharing Redis; the
admin forms (CSRF) and the other collectivités' fiches are per request."""

from __future__ import annotations

import re

import pytest
from flask import g
from markupsafe import Markup
from sqlalchemy import update

from change_portal.core import cache, registry
from change_portal.extensions import db
from change_portal.maturity import jobs
from change_portal.maturity.models import Answer, Distribution, Edition, ThemeObjective
from change_portal.roadmap.models import Objective
from change_portal.sharing import services
from courses.models import ModuleVersion
from tests import factories
from tests.courses import factories as cf
from tests.maturity import factories as mf
from tests.maturity.test_results import _peers
from tests.roadmap import factories as rf
from tests.roadmap.factories import QueryCounter
from tests.sharing import factories as sf


@pytest.fixture
def setting(db, org):
    ref = mf.shipped_referential()
    edition = mf.create_edition(ref, title="Édition 2026")
    mine = mf.submitted_diagnosis(ref, {"cybersecurite": [2, 3, 2, None]}, org=org,
                                  edition=edition, submit=False)
    _peers(ref, edition, 5)
    objective = rf.create_objective(rf.create_axis(rf.create_roadmap(org)),
                                    title="Sauvegarder hors site")
    db.session.add(ThemeObjective(organisation_id=org.id, theme_slug="cybersecurite",
                                  objective_id=objective.id))
    db.session.commit()
    return ref, edition, mine, objective


def _url(diagnosis) -> str:
    return f"/maturite/diagnostic/{diagnosis.id}/resultats"


def _statements(client, url) -> tuple[int, str]:
    db.session.commit()  # the test shares the requests' session: measure after a commit
    with QueryCounter() as counter:
        page = client.get(url).get_data(as_text=True)
    return counter.count, page


def test_cached_until_a_change_then_rebuilt_at_once(client, login_as, setting):
    _ref, edition, mine, objective = setting
    login_as("elected")
    url = _url(mine)
    client.get(url)
    hit, page = _statements(client, url)
    assert "Cybersécurité : votre niveau 2,3." in page and "Sauvegarder hors site" in page
    # An ORM change of an answer, committed: the live level shows on the next request.
    answer = db.session.scalar(db.select(Answer).where(Answer.diagnosis_id == mine.id,
                                                       Answer.level == 3))
    answer.level = 5
    db.session.commit()
    miss, page = _statements(client, url)
    assert "Cybersécurité : votre niveau 3,0." in page
    assert miss > hit
    # Another domain's row the page shows: the linked objective's title (ORM)…
    objective.title = "Sauvegardes chiffrées"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Sauvegardes chiffrées" in page and "Sauvegarder hors site" not in page
    # …and bulk UPDATE statements (no ORM object flushed): the objective, the peers'
    # distributions, the edition.
    db.session.execute(update(Objective).where(Objective.id == objective.id)
                       .values(title="Plan de reprise"))
    db.session.execute(update(Distribution).where(Distribution.edition_id == edition.id,
                                                  Distribution.theme_slug == "cybersecurite",
                                                  Distribution.group_key == "all")
                       .values(q1=1.1, q3=4.4))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Plan de reprise" in page
    assert "Parmi tous les répondants, la moitié se situent entre 1,1 et 4,4." in page
    db.session.execute(update(Edition).where(Edition.id == edition.id)
                       .values(title="Édition renommée"))
    db.session.commit()
    assert "Où en sommes-nous ? – Édition renommée" in client.get(url).get_data(as_text=True)


def test_course_modules_show_at_once(client, org, other_org, login_as, setting):
    _ref, _edition, mine, _objective = setting
    login_as("agent")
    url = _url(mine)
    assert "Modules pour progresser" not in client.get(url).get_data(as_text=True)
    # A shared module (no collectivité) matching the theme's tags is imported…
    module = cf.create_module(slug="sauvegardes", title="Sauvegarder ses données")
    db.session.commit()
    assert "Sauvegarder ses données" in client.get(url).get_data(as_text=True)
    # …renamed by a bulk UPDATE of its version…
    db.session.execute(update(ModuleVersion).where(ModuleVersion.module_id == module.id)
                       .values(title="Restaurer ses données"))
    db.session.commit()
    assert "Restaurer ses données" in client.get(url).get_data(as_text=True)
    # …while another collectivité's own module is never listed here.
    cf.create_module(other_org, slug="module-b", title="Module de Ville B")
    db.session.commit()
    assert "Module de Ville B" not in client.get(url).get_data(as_text=True)


def test_submission_and_peers_show_at_once(client, login_as, setting):
    ref, edition, mine, _objective = setting
    login_as("agent")
    url = _url(mine)
    before = client.get(url).get_data(as_text=True)
    assert "Diagnostic en cours" in before
    mine.status, mine.theme_levels, mine.overall_level = "submitted", {"cybersecurite": 4.0}, 4.0
    mine.stratum_kind, mine.stratum_band = "commune", "3500-9999"
    db.session.commit()
    after = client.get(url).get_data(as_text=True)
    assert "Diagnostic en cours" not in after and "Cybersécurité : votre niveau 4,0." in after
    # A sixth peer submits (another collectivité), the distributions are recomputed.
    _peers(ref, edition, 1)
    jobs.refresh_distributions(edition.id)
    db.session.commit()
    assert client.get(url).get_data(as_text=True) != after


def test_another_collectivite_change_keeps_the_entry(client, org, other_org, login_as,
                                                     setting):
    ref, edition, mine, _objective = setting
    login_as("elected")
    url = _url(mine)
    client.get(url)
    hit, _page = _statements(client, url)
    theirs = mf.submitted_diagnosis(ref, {"cybersecurite": [5, 5]}, org=other_org,
                                    edition=edition, submit=False)
    rf.create_objective(rf.create_axis(rf.create_roadmap(other_org)), title="Ailleurs")
    db.session.commit()
    again, page = _statements(client, url)
    assert again == hit and "Ailleurs" not in page
    # Theirs is cached apart: their page shows their own figures.
    login_as(factories.create_user(other_org, ["agent"]))
    assert "Cybersécurité : votre niveau 5,0." in client.get(_url(theirs)).get_data(as_text=True)


def test_admin_forms_stay_personal(app, client, org, login_as, setting, monkeypatch):
    _ref, _edition, mine, objective = setting
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = _url(mine)
    login_as("agent")
    agent_page = client.get(url).get_data(as_text=True)  # fills the cache
    admin_pages = []
    for admin_client in (client, app.test_client()):  # two people, two sessions
        factories.log_in(admin_client, factories.create_user(org, ["admin"]))
        # The tests' app context outlives requests: forget the token Flask-WTF keeps in g.
        g.pop("csrf_token", None)
        admin_pages.append(admin_client.get(url).get_data(as_text=True))
    login_as("agent")
    agent_again = client.get(url).get_data(as_text=True)
    tokens = [set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', p))
              for p in admin_pages]
    assert all(len(t) == 1 for t in tokens) and tokens[0] != tokens[1]  # one per person
    for page in admin_pages:
        assert "Lier un objectif à ce thème" in page and "Créer l'objectif" in page
        assert f'<option value="{objective.id}">Sauvegarder hors site</option>' in page
    for page in (agent_page, agent_again):
        content = page.split('<main id="contenu"')[1].split("</main>")[0]
        assert "csrf_token" not in content and "Lier un objectif" not in content
        assert "Créer l'objectif" not in content and "Sauvegarder hors site" in content


def test_other_collectivites_fiches_show_at_once(client, org, other_org, login_as, setting,
                                                 monkeypatch):
    _ref, _edition, mine, _objective = setting
    login_as("agent")
    url = _url(mine)
    assert "Pas encore de fiche publiée sur ce thème." in client.get(url).get_data(as_text=True)
    hit, _page = _statements(client, url)
    # Another collectivité publishes: its writes do not touch this collectivité's watch,
    # and the page shows the fiche at once all the same (the sharing domain's watch,
    # across collectivités); the collectivité's own fiches are never listed there.
    fiche = sf.published_fiche(other_org, themes=("cybersecurite",),
                               title="Sauvegardes mutualisées")
    sf.published_fiche(org, themes=("cybersecurite",), title="Notre propre fiche")
    db.session.commit()
    miss, page = _statements(client, url)
    assert "Sauvegardes mutualisées" in page and "Notre propre fiche" not in page
    assert miss > hit
    again, _page = _statements(client, url)
    assert again == hit  # the panels are cached too
    services.unpublish(factories.create_user(other_org, ["admin"]), fiche)
    db.session.commit()
    assert "Sauvegardes mutualisées" not in client.get(url).get_data(as_text=True)
    # Any receiver of the hook is asked on each request.
    monkeypatch.setitem(registry._HOOKS, "maturity.theme_panels",
                        [(50, lambda themes, organisation_id: {
                            "cybersecurite": Markup("<p>Bloc du moment</p>")})])
    assert "<p>Bloc du moment</p>" in client.get(url).get_data(as_text=True)


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_serve_stale(app, org, two_redis_apps):
    one, two = two_redis_apps
    ref = mf.shipped_referential()
    mine = mf.submitted_diagnosis(ref, {"cybersecurite": [2, 2]}, org=org, submit=False)
    elected = factories.create_user(org, ["elected"])
    db.session.commit()
    clients = []
    for instance in (one, two):
        with instance.app_context():
            cache.bump_all()  # tokens left by an earlier run
        c = instance.test_client()
        factories.log_in(c, elected)
        clients.append(c)
    for c in clients:
        assert "Cybersécurité : votre niveau 2,0." in c.get(_url(mine)).get_data(as_text=True)
    with two.app_context():
        db.session.execute(update(Answer).where(Answer.diagnosis_id == mine.id).values(level=4))
        db.session.commit()
    assert "Cybersécurité : votre niveau 4,0." in clients[0].get(_url(mine)).get_data(
        as_text=True)


def test_dashboard_panel_cached_and_never_stale(client, login_as, setting):
    """The maturity block of the elected officials' dashboard is the collectivité's:
    cached under the same watch, shown at once when a diagnosis is submitted or its
    edition renamed."""
    _ref, edition, mine, _objective = setting
    login_as("elected")
    dashboard = "/feuille-de-route/tableau-de-bord"
    assert "Maturité numérique :" not in client.get(dashboard).get_data(as_text=True)
    mine.status = "submitted"  # an ORM change of the diagnosis
    db.session.commit()
    assert "Maturité numérique : Édition 2026" in client.get(dashboard).get_data(as_text=True)
    db.session.execute(update(Edition).where(Edition.id == edition.id)
                       .values(title="Édition de printemps"))
    db.session.commit()
    assert "Maturité numérique : Édition de printemps" in client.get(dashboard).get_data(
        as_text=True)
