"""Every entry of the XSS corpora (tests/data/xss/) through every place
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
from urllib.parse import urlencode

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
from tests.security.pages import batches, corpus, page_problems, suspects
from tests.xss import unsafe_parts

# Markdown bodies hold up to 20,000 characters; each batch stays below.
BODY_LIMIT = 19_000


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
    """What one surface received and what escaped. `done` checks that every distinct
    payload of the corpus went through the surface, and names the payloads behind
    each escape (the suspects of the batch that showed it)."""

    def __init__(self, surface: str):
        self.surface, self.seen, self.problems = surface, set(), []

    def tried(self, payloads: list[str]) -> None:
        self.seen.update(payloads)

    def stored(self, html: str, payloads: list[str]) -> None:
        found = unsafe_parts(html)
        if found:
            self.problems.append(("stored", found[:3], suspects(found, payloads)[:5]))

    def page(self, client, url: str, payloads: list[str]) -> None:
        resp = client.get(url, follow_redirects=True)
        assert resp.status_code == 200, f"{url} answered {resp.status_code}"
        found = page_problems(resp.get_data(as_text=True))
        if found:
            self.problems.append((url, found[:3], suspects(found, payloads)[:5]))

    def done(self, expected: list[str], cut: int | None = None) -> None:
        """Every payload of `expected` (cut to `cut` characters: the field's length)
        went through, and nothing escaped."""
        missing = {p[:cut] for p in expected} - self.seen
        assert not missing, f"{self.surface}: {len(missing)} payloads never tried, " \
                            f"e.g. {sorted(missing)[:3]}"
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

def test_forum_posts(world, client):
    w, f = world, Findings("forum posts (new reply, edited first post)")
    post = first_post(w.need.topic)
    for text, payloads in batches(corpus(), BODY_LIMIT):
        f.tried(payloads)
        topic = forums.create_topic(w.user, w.cat, title="Un sujet", body="Premier message.",
                                    rate_limited=False)
        reply = forums.reply(w.user, topic, body=text, rate_limited=False)
        forums.edit_post(w.user, post, body=text)
        db.session.flush()
        f.stored(post.body_html, payloads)
        f.stored(reply.body_html, payloads)
        f.page(client, f"/forums/sujets/{topic.id}", payloads)
        f.page(client, f"/forums/besoins/{w.need.id}", payloads)  # its topic
    f.done(corpus())


def test_need_workaround_and_answer(world, client):
    """The workaround holds 5,000 characters (the answer 10,000): batches of 5,000."""
    w, f = world, Findings("need workaround and answer")
    for text, payloads in batches(corpus(), needs.WORKAROUND_MAX):
        f.tried(payloads)
        needs.update_need_fields(w.user, w.need, public="particuliers", channel="accueil",
                                 frequency="semaine", impact="moyen", workaround=text,
                                 services=[w.service])
        needs.draft_answer(w.user, w.need, text)
        db.session.flush()
        f.stored(w.need.answer_html, payloads)
        f.page(client, f"/forums/besoins/{w.need.id}", payloads)
    f.done(corpus(), cut=needs.WORKAROUND_MAX)


def test_project_description_minutes_proposal(world, client):
    w, f = world, Findings("project description, minutes, proposal, comments, concerns")
    for text, payloads in batches(corpus(), BODY_LIMIT):
        f.tried(payloads)
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
        f.stored(w.project.description_html, payloads)
        f.stored(w.action.minutes_html, payloads)
        f.stored(proposal.body_html, payloads)
        f.page(client, f"/projets/{w.project.id}", payloads)
        f.page(client, f"/projets/actions/{w.action.id}", payloads)
        f.page(client, f"/projets/propositions/{proposal.id}", payloads)
    f.done(corpus())


def test_objective_description(world, client):
    w, f = world, Findings("objective description")
    for text, payloads in batches(corpus(), BODY_LIMIT):
        f.tried(payloads)
        roadmap.save_objective(w.user, w.axis, title="Un objectif", description=text,
                               status="en_cours", objective=w.objective)
        db.session.flush()
        f.stored(w.objective.description_html, payloads)
        f.page(client, f"/feuille-de-route/objectifs/{w.objective.id}", payloads)
    f.done(corpus())


def accepted(payloads: list[str], ok) -> list[str]:
    """The payloads the editor accepts: previewed in batches, a refused batch split
    in two until the refused payloads stand alone (instead of one preview each)."""
    kept: list[str] = []

    def walk(group: list[str]) -> None:
        if ok("\n\n".join(group)):
            kept.extend(group)
        elif len(group) > 1:
            walk(group[:len(group) // 2])
            walk(group[len(group) // 2:])

    for _, group in batches(payloads, BODY_LIMIT):
        walk(group)
    return kept


def test_lessons_and_module_introductions(world, client):
    """Payloads the course editor refuses on their own (an image that is not in the
    module, a malformed quiz…) are never stored: they are left out here (their
    preview is checked in tests/courses/test_xss.py). The others are saved in
    batches, published, and the learner pages rendered; a batch refused as a whole
    (an unclosed fence swallowing a quiz…) is saved one payload at a time."""
    w = world
    lessons, intros = Findings("lessons"), Findings("module introductions")
    module = w.module
    payloads = corpus()
    lesson_ok = accepted(payloads, lambda text: not courses.preview(module, text)["errors"])
    intro_ok = accepted(payloads, lambda text: not courses.preview(
        module, text, allow_quiz=False)["errors"])
    assert len(lesson_ok) > len(payloads) // 2 and len(intro_ok) > len(payloads) // 2
    refused: set[str] = set()

    def save(draft, lesson, source: str, intro: str) -> bool:
        try:
            courses.save_lesson(w.user, lesson, title="Leçon", source=source)
            courses.update_module(w.user, module, title=draft.title, summary=draft.summary,
                                  duration=20, pass_score=80, level=draft.level,
                                  competences=[], introduction=intro)
            return True
        except DomainError:
            return False

    lesson_batches = batches(lesson_ok, BODY_LIMIT)
    intro_batches = batches(intro_ok, BODY_LIMIT)
    for n in range(max(len(lesson_batches), len(intro_batches))):
        text, in_lesson = lesson_batches[n] if n < len(lesson_batches) else ("", [])
        intro, in_intro = intro_batches[n] if n < len(intro_batches) else ("", [])
        draft = courses.ensure_draft(w.user, module)
        lesson = draft.lessons[0]
        if not save(draft, lesson, text, intro):
            for payload in in_lesson:
                if save(draft, lesson, payload, ""):
                    lessons.tried([payload])
                    lessons.stored(lesson.body_html, [payload])
                else:
                    refused.add(payload)
            for payload in in_intro:
                if save(draft, lesson, "Texte.", payload):
                    intros.tried([payload])
                    intros.stored(draft.introduction_html, [payload])
                else:
                    refused.add(payload)
            continue
        lessons.tried(in_lesson)
        intros.tried(in_intro)
        lessons.stored(lesson.body_html, in_lesson)
        intros.stored(draft.introduction_html, in_intro)
        for kind, value in courses.split_quiz_html(lesson.body_html):
            if kind == "html":
                lessons.stored(value, in_lesson)
        courses.publish(w.user, module)
        db.session.flush()
        intros.page(client, f"/modules/{module.id}", in_intro)
        lessons.page(client, f"/modules/{module.id}/lecons/{lesson.key}", in_lesson)
        intros.page(client, f"/modules/gestion/{module.id}", in_intro)
    assert len(refused) < 50, f"{len(refused)} payloads refused alone but not in batches"
    lessons.done([p for p in lesson_ok if p not in refused])
    intros.done([p for p in intro_ok if p not in refused])


# --- Plain text: titles, names, search queries -----------------------------------------

# Objects of each kind per round: the list pages show all of them (the paginated
# ones over a few pages).
PER_ROUND = 50
DETAILS_PER_ROUND = 3


class Titled:
    """PER_ROUND objects of each kind whose titles and names are shown by list pages."""

    def __init__(self, w: World, client):
        org, n = w.org, PER_ROUND
        self.users = [w.user] + [
            factories.create_user(org, ["agent", "project_lead"], service=w.service)
            for _ in range(n - 1)]
        self.services = [w.service] + [factories.create_service(org) for _ in range(n - 1)]
        self.topics = [w.topic] + [
            forums.create_topic(u, w.cat, title="Un sujet", body="Un message.",
                                rate_limited=False) for u in self.users[1:]]
        self.need_topics = [w.need.topic] + [
            needs.record_need(u, w.cat, title="Un besoin", description="Ceci.",
                              public="particuliers", channel="accueil", frequency="semaine",
                              impact="moyen", workaround="", services=[],
                              rate_limited=False).topic for u in self.users[1:]]
        self.categories = [w.cat] + [
            forums.save_category(w.user, org, name=f"Catégorie {i}") for i in range(n - 1)]
        self.objectives = [w.objective] + [rf.create_objective(w.axis) for _ in range(n - 1)]
        self.axes = [w.axis] + [rf.create_axis(w.axis.roadmap, position=i + 1)
                                for i in range(n - 1)]
        self.indicators = [w.indicator] + [rf.create_indicator(w.objective)
                                           for _ in range(n - 1)]
        # Only the first project serves the objective, and needs name no service: the
        # lists then show each title once, not once per link.
        self.projects = [w.project] + [rf.create_project(org, lead=w.user)
                                       for _ in range(n - 1)]
        self.actions = [w.action] + [
            projects.save_action(w.user, w.project, kind="atelier", title="Un atelier",
                                 planned_on=date(2026, 5, 1), objectives=[w.objective])
            for _ in range(n - 1)]
        self.proposals = [w.proposal] + [
            projects.open_proposal(w.user, w.project, title="Une proposition", body="Texte.",
                                   closes_at=utcnow() + timedelta(days=7))
            for _ in range(n - 1)]
        self.module = create_module(org, slug="module-titres", lessons=n)
        self.draft = courses.ensure_draft(w.user, self.module)
        db.session.flush()

    def set(self, k: int, title: str, taken: set[str]) -> None:
        """Object k of every kind gets `title` (each column cut to its length: 140 for
        titles, 120 for names, 20 for units). Titles are plain text that the services
        only strip and measure: they are set on the rows, and the pages print them.
        Names are unique in a collectivité: two batches that agree on their first 120
        characters get a number after the second one."""
        name = title[:120]
        if name in taken:
            name = f"{name[:110]} {k}"
        taken.add(name)
        self.users[k].full_name = name
        self.services[k].name = name
        self.topics[k].title = title
        self.need_topics[k].title = title
        self.categories[k].name, self.categories[k].description = name, title
        self.objectives[k].title = title
        self.axes[k].title = title
        self.indicators[k].name, self.indicators[k].unit = name, title[:20]
        self.projects[k].title = title
        self.actions[k].title = title
        self.proposals[k].title = title
        self.draft.lessons[k].title = title
        if k == 0:
            self.axes[0].roadmap.title = title
            self.draft.title = title


def test_titles_and_names(world, client):
    """Titles of topics, needs, projects, actions, proposals, objectives, axes, the
    roadmap, modules and lessons; names of people, services, categories, indicators.
    Every payload, joined with spaces up to the shortest title length (140), goes into
    every one of these fields: PER_ROUND batches at a time, one per object of each
    kind. Each round renders the list pages that show all of these objects (so every
    batch is checked in every field on a list page), and DETAILS_PER_ROUND detail
    pages in turn, each for another object (<title>, heading, breadcrumb, form values)."""
    w, f = world, Findings("titles and names")
    t = Titled(w, client)
    texts = [(text.strip() or "x", payloads) for text, payloads in batches(corpus(), 140, " ")]
    lists = [*(f"/forums/categories/{w.cat.id}?page={n}" for n in (1, 2, 3, 4, 5)),
             "/forums/besoins", "/forums/besoins?page=2", "/forums/",
             f"/projets/{w.project.id}", "/projets/", "/projets/?page=2", "/feuille-de-route/",
             f"/feuille-de-route/objectifs/{w.objective.id}", "/admin/utilisateurs",
             "/admin/services", f"/modules/gestion/{t.module.id}"]
    details = [lambda j: f"/forums/sujets/{t.topics[j].id}",
               lambda j: f"/forums/sujets/{t.need_topics[j].id}",
               lambda j: f"/projets/{t.projects[j].id}",
               lambda j: f"/projets/{t.projects[j].id}/modifier",
               lambda j: f"/projets/actions/{t.actions[j].id}",
               lambda j: f"/projets/propositions/{t.proposals[j].id}",
               lambda j: f"/feuille-de-route/objectifs/{t.objectives[j].id}",
               lambda j: f"/admin/utilisateurs/{t.users[j].id}",
               lambda j: f"/modules/gestion/{t.module.id}/lecons/{t.draft.lessons[j].id}"]
    rounds = -(-len(texts) // PER_ROUND)
    for r in range(rounds):
        batch = texts[r * PER_ROUND:(r + 1) * PER_ROUND]
        batch += texts[:PER_ROUND - len(batch)]  # the last round: filled from the start
        for k, service in enumerate(t.services):  # names are unique per collectivité:
            service.name = t.categories[k].name = f"~{k}"  # free them before the swap
        db.session.flush()
        taken: set[str] = set()
        for k, (title, _) in enumerate(batch):
            t.set(k, title, taken)
        db.session.flush()
        shown = [p for _, payloads in batch for p in payloads]
        f.tried(shown)
        for url in lists:
            f.page(client, url, shown)
        for d in range(DETAILS_PER_ROUND):
            j = (r + d) % PER_ROUND
            f.page(client, details[(r * DETAILS_PER_ROUND + d) % len(details)](j), batch[j][1])
    f.done(corpus(), cut=140)


def test_search_queries(world, client):  # noqa: ARG001 (world: a member, logged in)
    """The search page prints the query (cut to 200 characters) in its form, its
    status line and its pager: every payload, in queries of up to 200 characters."""
    f = Findings("search queries")
    for text, payloads in batches(corpus(), 200, sep=" "):
        f.tried(payloads)
        f.page(client, "/forums/recherche?" + urlencode({"q": text}), payloads)
    f.done(corpus(), cut=200)


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
    from change_portal.officials import reports

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
    # swept by tests/sharing/test_xss.py (same corpora, batched, pages parsed)
    covered |= {("sharing_fiche", "difficulties_html"), ("sharing_question", "body_html"),
                ("sharing_event", "programme_html")}
    covered |= {("maturity_answer", "comment_html")}  # swept by tests/maturity/test_xss.py
    columns = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns
               if c.name.endswith("_html")}
    assert columns, "no *_html column found"
    assert columns <= covered, f"not covered by the XSS tests: {columns - covered}"


_ = select
