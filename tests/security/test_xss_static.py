"""Every entry of the XSS corpora (../shared/security/xss/) through every place
where people type text that others see, through the domain services (the same
code the forms call), then:

- every stored `*_html` column is checked with `tests.xss.unsafe_parts`;
- the page that shows it is rendered by the Flask test client and parsed with
  html5lib: no script element other than the portal's `<script src="/static/…">`,
  no event attribute, no active element, no script URL (`tests.security.pages`).

Markdown bodies take the payloads joined in batches (as long as the field
allows); titles and names take them joined with spaces (cut to the title length).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.projects import services as projects
from change_portal.roadmap import services as roadmap
from courses import services as courses
from forums import needs
from forums import services as forums
from forums.services import first_post
from tests import factories
from tests.courses.factories import create_module
from tests.forums.factories import category
from tests.roadmap import factories as rf
from tests.security.pages import chunks, corpus, page_problems
from tests.xss import unsafe_parts

BODY_LIMIT = 9_000
TOTALS: dict[str, int] = {}


class World:
    """One collectivité with a person of every role and one object of each kind."""

    def __init__(self, org):
        self.org = org
        self.service = factories.create_service(org, "Accueil")
        self.user = factories.create_user(
            org, ["admin", "project_lead", "trainer", "agent", "elected"],
            name="Camille Martin", service=self.service)
        self.cat = category(org)
        self.topic = forums.create_topic(self.user, self.cat, title="Un sujet",
                                         body="Un message.", rate_limited=False)
        self.need = needs.record_need(self.user, self.cat, title="Un besoin",
                                      description="Les usagers demandent ceci.",
                                      public="particuliers", channel="accueil",
                                      frequency="semaine", impact="moyen", workaround="",
                                      services=[self.service], rate_limited=False)
        rm = rf.create_roadmap(org)
        self.axis = rf.create_axis(rm)
        self.objective = rf.create_objective(self.axis, title="Un objectif")
        self.project = projects.save_project(self.user, org.id, title="Un projet",
                                             services=[self.service],
                                             objectives=[self.objective])
        self.action = projects.save_action(self.user, self.project, kind="atelier",
                                           title="Un atelier", planned_on=date(2026, 5, 1),
                                           objectives=[self.objective])
        self.concern = projects.raise_concern(self.user, self.action, "Une inquiétude")
        self.proposal = projects.open_proposal(self.user, self.project, title="Une proposition",
                                               body="Texte.",
                                               closes_at=utcnow() + timedelta(days=7))
        self.comment = projects.add_comment(self.user, self.project, "Un commentaire")
        self.indicator = rf.create_indicator(self.objective, values=[10, 20])
        self.module = create_module(org)
        db.session.flush()


@pytest.fixture
def world(org, client):
    w = World(org)
    factories.log_in(client, w.user)
    return w


class Findings:
    def __init__(self, surface: str):
        self.surface, self.tried, self.problems = surface, 0, []

    def stored(self, html: str, text: str) -> None:
        found = unsafe_parts(html)
        if found:
            self.problems.append(("stored", found[:3], text[:120]))

    def page(self, client, url: str, text: str) -> None:
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 200, f"{url} answered {resp.status_code}"
        found = page_problems(resp.get_data(as_text=True))
        if found:
            self.problems.append((url, found[:3], text[:120]))

    def done(self) -> None:
        TOTALS[self.surface] = self.tried
        assert self.tried > 0
        assert not self.problems, f"{len(self.problems)} escapes in {self.surface}: " \
                                  f"{self.problems[:5]}"


def test_baseline_pages_are_clean(world, client):
    w = world
    for url in (f"/forums/sujets/{w.topic.id}", f"/forums/besoins/{w.need.id}",
                f"/projets/{w.project.id}", f"/projets/actions/{w.action.id}",
                f"/projets/propositions/{w.proposal.id}",
                f"/feuille-de-route/objectifs/{w.objective.id}", "/forums/",
                f"/forums/categories/{w.cat.id}", "/projets/", "/feuille-de-route/",
                "/accueil", "/forums/besoins", "/modules/", f"/modules/{w.module.id}"):
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 200, url
        assert page_problems(resp.get_data(as_text=True)) == [], url


# --- Markdown bodies -----------------------------------------------------------------

def test_forum_posts_and_need_fields(world, client):
    w, f = world, Findings("forum posts, need description/workaround/answer")
    post = first_post(w.need.topic)
    for text in chunks(corpus(), BODY_LIMIT):
        f.tried += text.count("\n\n") + 1
        topic = forums.create_topic(w.user, w.cat, title="Un sujet", body="Premier message.",
                                    rate_limited=False)
        reply = forums.reply(w.user, topic, body=text, rate_limited=False)
        forums.edit_post(w.user, post, body=text)
        needs.update_need_fields(w.user, w.need, public="particuliers", channel="accueil",
                                 frequency="semaine", impact="moyen",
                                 workaround=text[:needs.WORKAROUND_MAX],
                                 services=[w.service])
        needs.draft_answer(w.user, w.need, text)
        db.session.flush()
        f.stored(post.body_html, text)
        f.stored(w.need.answer_html, text)
        f.stored(reply.body_html, text)
        f.page(client, f"/forums/besoins/{w.need.id}", text)
        f.page(client, f"/forums/sujets/{topic.id}", text)
        f.page(client, f"/forums/sujets/{w.need.topic.id}", text)
    f.done()


def test_project_description_minutes_proposal(world, client):
    w, f = world, Findings("project description, minutes, proposal, comments, concerns")
    for text in chunks(corpus(), BODY_LIMIT):
        f.tried += text.count("\n\n") + 1
        projects.save_project(w.user, w.org.id, title="Un projet", description=text,
                              services=[w.service], objectives=[w.objective], project=w.project)
        projects.save_action(w.user, w.project, kind="atelier", title="Un atelier",
                             planned_on=date(2026, 5, 1), objectives=[w.objective],
                             minutes=text, action=w.action)
        proposal = projects.open_proposal(w.user, w.project, title="Une proposition", body=text,
                                          closes_at=utcnow() + timedelta(days=7))
        projects.write_outcome(w.user, proposal, text)
        projects.add_comment(w.user, w.project, text)
        concern = projects.raise_concern(w.user, w.action, text)
        projects.answer_concern(w.user, concern, text)
        db.session.flush()
        f.stored(w.project.description_html, text)
        f.stored(w.action.minutes_html, text)
        f.stored(proposal.body_html, text)
        f.page(client, f"/projets/{w.project.id}", text)
        f.page(client, f"/projets/actions/{w.action.id}", text)
        f.page(client, f"/projets/propositions/{proposal.id}", text)
    f.done()


def test_objective_description(world, client):
    w, f = world, Findings("objective description")
    for text in chunks(corpus(), BODY_LIMIT):
        f.tried += text.count("\n\n") + 1
        roadmap.save_objective(w.user, w.axis, title="Un objectif", description=text,
                               status="en_cours", objective=w.objective)
        db.session.flush()
        f.stored(w.objective.description_html, text)
        f.page(client, f"/feuille-de-route/objectifs/{w.objective.id}", text)
    f.done()


def test_lessons_and_module_introductions(world, client):
    """Payloads the course editor refuses on their own (an image that is not in the
    module, a malformed quiz…) are never stored: they are counted apart (their
    preview is checked in tests/courses/test_xss.py). The others are saved in
    batches, published, and the learner pages rendered."""
    w, f = world, Findings("lessons, module introductions")
    module = w.module
    payloads = corpus()
    lesson_ok = [p for p in payloads if not courses.preview(module, p)["errors"]]
    intro_ok = [p for p in payloads if not courses.preview(module, p, allow_quiz=False)["errors"]]
    TOTALS["refused by the course editor"] = len(payloads) - len(lesson_ok)

    def save(draft, lesson, source: str, intro: str) -> bool:
        try:
            courses.save_lesson(w.user, lesson, title="Leçon", source=source)
            courses.update_module(w.user, module, title=draft.title, summary=draft.summary,
                                  duration=20, pass_score=80, level=draft.level,
                                  competences=[], introduction=intro)
            return True
        except DomainError:
            return False

    intros = chunks(intro_ok, 9_000)
    for n, text in enumerate(chunks(lesson_ok, 9_000)):
        intro = intros[n] if n < len(intros) else ""
        draft = courses.ensure_draft(w.user, module)
        lesson = draft.lessons[0]
        if not save(draft, lesson, text, intro):
            # Together they break (e.g. an unclosed fence swallowing a quiz): one by one.
            for payload in text.split("\n\n"):
                if save(draft, lesson, payload, ""):
                    f.tried += 1
                    f.stored(lesson.body_html, payload)
            continue
        f.tried += text.count("\n\n") + 1
        f.stored(lesson.body_html, text)
        f.stored(draft.introduction_html, intro)
        for kind, value in courses.split_quiz_html(lesson.body_html):
            if kind == "html":
                f.stored(value, text)
        courses.publish(w.user, module)
        db.session.flush()
        f.page(client, f"/modules/{module.id}", text)
        f.page(client, f"/modules/{module.id}/lecons/{lesson.key}", text)
        f.page(client, f"/modules/gestion/{module.id}", text)
    assert f.tried > len(payloads) // 2
    f.done()


# --- Plain text: titles, names, search queries -----------------------------------------

def test_titles_and_names(world, client):
    """Titles of topics, needs, projects, actions, proposals, objectives, modules,
    lessons, and the names of people: all payloads, joined with spaces up to the
    shortest title length (140)."""
    w, f = world, Findings("titles and names")
    need_post = first_post(w.need.topic)
    topic_post = first_post(w.topic)
    texts = chunks(corpus(), 140, sep=" ")
    for n, text in enumerate(texts):
        f.tried += 1
        title = text.strip() or "x"
        forums.edit_post(w.user, topic_post, body="Un message.", title=title)
        forums.edit_post(w.user, need_post, body="Un besoin.", title=title)
        w.user.full_name = title[:120]  # the column (and the form) hold 120
        projects.save_project(w.user, w.org.id, title=title, services=[w.service],
                              objectives=[w.objective], project=w.project)
        projects.save_action(w.user, w.project, kind="atelier", title=title,
                             planned_on=date(2026, 5, 1), objectives=[w.objective],
                             action=w.action)
        w.proposal.title = title
        roadmap.save_objective(w.user, w.axis, title=title, status="en_cours",
                               objective=w.objective)
        w.axis.title = title
        w.axis.roadmap.title = title
        w.indicator.name, w.indicator.unit = title[:120], title[:20]
        w.cat.name, w.cat.description = title[:120], title
        w.service.name = title[:120]
        draft = courses.ensure_draft(w.user, w.module)
        draft.title = title
        draft.lessons[0].title = title
        db.session.flush()
        # Each batch on one of the detail pages in turn (every title is on most of
        # them), and on all of them every 25 batches: a full pass would take minutes.
        pages = [f"/forums/sujets/{w.topic.id}", f"/forums/besoins/{w.need.id}",
                 f"/projets/{w.project.id}", f"/projets/actions/{w.action.id}",
                 f"/projets/propositions/{w.proposal.id}",
                 f"/feuille-de-route/objectifs/{w.objective.id}",
                 f"/modules/gestion/{w.module.id}", "/forums/", "/feuille-de-route/"]
        for url in (pages if n % 25 == 0 else [pages[n % len(pages)]]):
            f.page(client, url, text)
        if n % 50 == 0:  # the lists (heavier pages) on a sample of the batches
            for url in ("/forums/", f"/forums/categories/{w.cat.id}", "/forums/besoins",
                        "/projets/", "/feuille-de-route/", "/accueil", "/admin/utilisateurs",
                        f"/admin/utilisateurs/{w.user.id}"):
                f.page(client, url, text)
    f.done()


def test_search_queries(world, client):
    w, f = world, Findings("search queries")
    forums.reply(w.user, w.topic, body="script alert img onerror svg javascript iframe",
                 rate_limited=False)
    for n, text in enumerate(chunks(corpus(), 300, sep=" ")):
        f.tried += 1
        f.page(client, "/forums/recherche?" + _qs(q=text), text)
        if n % 4 == 0:  # the needs board's filter box echoes the query too
            f.page(client, "/forums/besoins?" + _qs(q=text), text)
    f.done()


def _qs(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def test_totals_reported():
    """The figures of the closing note (printed with `pytest -s`)."""
    print("XSS payload batches tried per surface:", TOTALS)


# --- CSV exports: formula injection ----------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def _cells(text: str, delimiter: str = ";") -> list[str]:
    import csv

    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff")),
                                       delimiter=delimiter) for cell in row]


def _assert_neutral(cells: list[str], where: str) -> None:
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), f"{where}: {cell!r}"


def test_csv_exports_neutralise_formulas(world, client):
    w = world
    from change_portal.roadmap import reports

    for formula in FORMULAS:
        needs.record_need(w.user, w.cat, title=formula.strip() or "x", description=formula,
                          public="particuliers", channel="accueil", frequency="semaine",
                          impact="moyen", workaround=formula, services=[w.service],
                          rate_limited=False)
        forums.reply(w.user, w.topic, body=formula, rate_limited=False)
        rf.create_objective(w.axis, title=formula.strip() or "x")
    projects.save_project(w.user, w.org.id, title="=1+1", services=[w.service],
                          objectives=[w.objective], project=w.project)
    w.axis.title = "@SUM(1)"
    w.service.name = "-1+1"
    w.user.full_name = "=Camille"
    db.session.flush()

    resp = client.get("/forums/besoins/export.csv")
    assert resp.status_code == 200
    cells = _cells(resp.get_data(as_text=True))
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    _assert_neutral(cells, "needs export")

    data = reports.collect(w.org, None, None)
    cells = _cells(reports.build_csv(data).decode("utf-8"))
    assert any(c.startswith("'@SUM") for c in cells)
    _assert_neutral(cells, "roadmap CSV")

    resp = client.get("/compte/mes-donnees-csv.zip")
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    seen = 0
    for name in archive.namelist():
        cells = _cells(archive.read(name).decode("utf-8"), delimiter=",")
        seen += len(cells)
        _assert_neutral(cells, f"personal data {name}")
    assert seen > 0


def test_every_stored_html_column_is_covered():
    """The surfaces above cover every `*_html` column of the schema."""
    covered = {("forum_post", "body_html"), ("forum_need", "answer_html"),
               ("project", "description_html"), ("project_action", "minutes_html"),
               ("project_proposal", "body_html"), ("roadmap_objective", "description_html"),
               ("course_module_version", "introduction_html"), ("course_lesson", "body_html")}
    columns = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns
               if c.name.endswith("_html")}
    assert columns, "no *_html column found"
    assert columns <= covered, f"not covered by the XSS tests: {columns - covered}"


_ = select
