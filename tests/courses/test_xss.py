"""The XSS corpora through lesson Markdown (stored HTML) and the editor preview."""

from __future__ import annotations

from change_portal.core.errors import DomainError
from change_portal.extensions import db
from courses import services
from tests import factories
from tests.courses.factories import create_module
from tests.security.pages import batches
from tests.xss import all_payloads, unsafe_parts

# Lessons of ~40 payloads (batches keep every payload live: see tests/security/pages.py).
BATCH_CHARS = 3_200


def _assert_safe(html: str, payload: str) -> None:
    problems = unsafe_parts(html)
    assert not problems, f"{problems} for payload {payload!r}"
    lowered = html.lower()
    assert "<script" not in lowered, payload


def test_corpora_through_saved_lessons(org):
    trainer = factories.create_user(org, ["trainer"])
    module = create_module(org)
    lesson = services.ensure_draft(trainer, module).lessons[0]
    payloads = all_payloads()
    saved = 0
    for text, batch in batches(payloads, BATCH_CHARS):
        try:
            services.save_lesson(trainer, lesson, title="Leçon", source=text)
            sources = [(text, lesson.body_html)]
        except DomainError:
            sources = []
            for payload in batch:  # one payload refused: check the others one by one
                try:
                    services.save_lesson(trainer, lesson, title="Leçon", source=payload)
                except DomainError:
                    continue
                sources.append((payload, lesson.body_html))
        for payload, html in sources:
            saved += 1
            _assert_safe(html, payload)
            for kind, value in services.split_quiz_html(html):
                if kind == "html":
                    _assert_safe(value, payload)
    assert saved > 50  # most batches are accepted (refusals are errors, not leaks)
    db.session.flush()


def test_corpora_through_preview(org):
    module = create_module(org)
    for payload in all_payloads():
        result = services.preview(module, payload)
        _assert_safe(result["html"], payload)


def test_preview_route_escapes_errors_and_html(client, login_as, org):
    login_as("trainer")
    module = create_module(org)
    lesson = services.ensure_draft(factories.create_user(org, ["trainer"]), module).lessons[0]
    source = '<img src=x onerror=alert(1)>\n\n```quiz\n? <script>alert(1)</script>\n```\n'
    resp = client.post(f"/modules/gestion/{module.id}/lecons/{lesson.id}",
                       data={"title": "<script>alert(2)</script>", "source": source,
                             "action": "preview"})
    page = resp.get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x onerror" not in page and 'onerror="alert' not in page


def test_titles_are_plain_text(client, login_as, org):
    trainer = factories.create_user(org, ["trainer"])
    module = create_module(org)
    lesson = services.ensure_draft(trainer, module).lessons[0]
    services.save_lesson(trainer, lesson, title='<img src=x onerror="alert(1)">', source="Texte")
    services.publish(trainer, module)
    login_as("agent")
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=" in page
