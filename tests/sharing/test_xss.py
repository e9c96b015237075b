"""The XSS corpora through every new text field of the sharing domain, batched:
fiche texts (plain and Markdown), short fields, links, titles on the catalogue,
questions and answers, an event's title, place and programme. Every page that
prints them is checked whole (tests/security/pages.page_problems)."""

from __future__ import annotations

from datetime import date

from change_portal.extensions import db
from change_portal.organisations.strata import population_band
from change_portal.sharing import events, qa, services
from change_portal.sharing.models import Fiche
from tests import factories, xss
from tests.security.pages import batches, chunks, corpus, page_problems, suspects
from tests.sharing.factories import project_with_figures


def _check(client, url: str, payloads: list[str]) -> None:
    resp = client.get(url)
    assert resp.status_code == 200, url
    problems = page_problems(resp.get_data(as_text=True))
    assert problems == [], (url, problems[:5], suspects(problems, payloads)[:5])


def test_fiche_fields_batched(client, org, other_org, login_as):
    project, _ind, lead = project_with_figures(org)
    admin = factories.create_user(org, ["admin"])
    fiche = services.draft_from_project(lead, project)
    reader = factories.create_user(other_org, ["agent"])
    every = corpus()
    done = 0
    for text, batch in batches(every, 20_000):
        line = batch[0].replace("|", " ").replace("\n", " ")[:100] or "x"
        services.save_fiche(
            lead, fiche, title=text[:200].strip() or "x", summary=text, problem=text,
            what_done=text, difficulties=text, cost=text[:120], duration=text[-120:],
            links=f"{line} | https://exemple.fr/a", repo_url="https://forge.exemple.fr/x",
            themes=["donnees"], contact_me=True, contact_role=text[:120])
        assert xss.unsafe_parts(fiche.difficulties_html) == []
        services.submit(lead, fiche)
        services.validate(admin, fiche)
        login_as(lead)
        _check(client, f"/retours-experience/fiches/{fiche.id}/apercu", batch)
        login_as(reader)
        _check(client, f"/retours-experience/{fiche.id}", batch)
        _check(client, "/retours-experience/", batch)
        done += len(batch)
    assert done == len(every)


def test_titles_on_the_catalogue(client, org, other_org, login_as):
    """Every payload as a fiche title (200 characters), 20 cards a page."""
    titles = chunks(corpus(), 200)
    band = population_band(org.population).slug
    for title in titles:
        content = {"title": title, "organisation": org.name, "kind": org.kind, "band": band,
                   "themes": ["donnees"], "results": [], "involvement": {}, "needs": [],
                   "links": [], "contact": None}
        db.session.add(Fiche(organisation_id=org.id, title=title, pub_title=title,
                             published=True, published_content=content, kind=org.kind,
                             band=band, status="validee", pub_themes=",donnees,"))
    db.session.flush()
    login_as(factories.create_user(other_org, ["agent"]))
    for page in range(1, len(titles) // 20 + 2):
        _check(client, f"/retours-experience/?page={page}", titles[(page - 1) * 20:page * 20])


def test_questions_answers_and_events(client, org, other_org, login_as):
    from tests.sharing.factories import published_fiche

    fiche = published_fiche(org)
    asker = factories.create_user(other_org, ["agent"])
    every = corpus()
    parts = chunks(every, 5_000)
    for text in parts:
        question = qa.ask(asker, fiche, text, rate_limited=False)
        qa.answer(asker, question, text, rate_limited=False)
        assert xss.unsafe_parts(question.body_html) == []
    login_as(asker)
    _check(client, f"/retours-experience/{fiche.id}", every)
    operator = factories.create_user(None, ["operator"])
    for text, batch in batches(every, 20_000):
        ev = events.save_event(operator, title=text[:200].strip() or "x",
                               held_on=date(2031, 5, 1), place=text[:200], programme=text)
        _check(client, f"/retours-experience/journees/{ev.id}", batch)
    _check(client, "/retours-experience/journees", every)
