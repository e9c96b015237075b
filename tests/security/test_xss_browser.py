"""The most dangerous payloads stored for real (a forum post, a need, a lesson, people's
names) on a portal served with its real CSP, opened in Chromium with JavaScript on.
Every `alert(`/`prompt(`/`confirm(` is rewritten to bump a `window.__xss` canary
first; the test counts dialogs and the canary: both must stay at zero. Every
response must carry the CSP header.
"""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import select

from tests.live import LiveServer
from tests.xss import event_handler_payloads, html_payloads, markdown_vectors

pytestmark = pytest.mark.e2e

ADMIN = "sophie.martin@demo.example"
PASSWORD = "demo-portail-2026"
CANARY = "(window.__xss=(window.__xss||0)+1,alert)("
RESULTS: dict[str, int] = {}


def _missing() -> str | None:
    if not shutil.which("chromium"):
        return "Debian's chromium is not installed"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


if _missing():
    if os.environ.get("CI"):
        raise RuntimeError(f"browser XSS tests cannot run in CI: {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)


def armed(payload: str) -> str:
    for fn in ("alert(", "prompt(", "confirm("):
        payload = payload.replace(fn, CANARY)
    return payload


def dangerous_payloads() -> list[str]:
    html = html_payloads()
    sample = html[:: max(1, len(html) // 150)]
    imgs = [p for p in event_handler_payloads() if p.startswith("<img")]
    return [armed(p) for p in markdown_vectors() + sample + imgs]


def _chunks(payloads: list[str], limit: int = 8_000) -> list[str]:
    from tests.security.pages import chunks

    return chunks(payloads, limit)


@pytest.fixture(scope="module")
def server(app):
    srv = LiveServer("xss", redis_url=None, demo=True)
    urls = _store(srv.app)
    yield srv, urls
    srv.stop()


def _store(live_app) -> list[str]:
    """Store the payloads through the domain services, committed; return the URLs
    of the pages that show them."""
    from change_portal.accounts.models import User
    from change_portal.core.errors import DomainError
    from change_portal.extensions import db
    from courses import services as courses
    from forums import needs
    from forums import services as forums
    from forums.models import Category

    payloads = dangerous_payloads()
    RESULTS["payloads"] = len(payloads)
    urls = []
    with live_app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        org_id = admin.organisation_id
        cat = db.session.scalars(select(Category).where(
            Category.organisation_id == org_id)).first()
        people = list(db.session.scalars(select(User).where(
            User.organisation_id == org_id, User.id != admin.id)))
        for text in _chunks(payloads):
            topic = forums.create_topic(admin, cat, title=armed('<img src=x onerror=alert(1)>'),
                                        body=text, rate_limited=False)
            urls.append(f"/forums/sujets/{topic.id}")
            need = needs.record_need(admin, cat, title=armed("<script>alert(1)</script>"),
                                     description=text, public="particuliers",
                                     channel="accueil", frequency="semaine", impact="moyen",
                                     workaround=text[:5000], services=[], rate_limited=False)
            urls.append(f"/forums/besoins/{need.id}")
        # People's names: short payloads, each person replies in one topic.
        names = [p for p in payloads if len(p) <= 120][: len(people)]
        topic = forums.create_topic(admin, cat, title="Noms", body="Qui êtes-vous ?",
                                    rate_limited=False)
        for person, name in zip(people, names, strict=False):
            person.full_name = name
            forums.reply(person, topic, body="Bonjour.", rate_limited=False)
        urls.append(f"/forums/sujets/{topic.id}")
        # A lesson (published) and a module introduction.
        module = courses.create_module(admin, title=armed("<svg onload=alert(1)>"),
                                       summary="Résumé", duration=10, pass_score=80,
                                       level="débutant", competences=[])
        # The editor refuses some payloads on their own (images outside the module…):
        # those are never stored; the others go in.
        accepted = [p for p in payloads if not courses.preview(module, p)["errors"]]
        intro = [p for p in payloads
                 if not courses.preview(module, p, allow_quiz=False)["errors"]]
        RESULTS["lesson_payloads"] = len(accepted)
        counter = iter(range(10_000))

        def put(parts: list[str]) -> None:
            """One lesson with these payloads; halves when together they break a fence."""
            lesson = courses.add_lesson(admin, module, f"Leçon {next(counter)}")
            try:
                courses.save_lesson(admin, lesson, title=armed("<b onmouseover=alert(1)>L</b>"),
                                    source="\n\n".join(parts))
            except DomainError:
                courses.delete_lesson(admin, lesson)
                if len(parts) > 1:
                    put(parts[: len(parts) // 2])
                    put(parts[len(parts) // 2:])

        for text in _chunks(accepted):
            put(text.split("\n\n"))
        draft = courses.draft_version(module)
        for text in _chunks(intro, 2_000):  # the first batch the editor takes together
            try:
                courses.update_module(admin, module, title=draft.title, summary="Résumé",
                                      duration=10, pass_score=80, level="débutant",
                                      competences=[], introduction=text)
                break
            except DomainError:
                continue
        courses.publish(admin, module)
        db.session.flush()
        urls.append(f"/modules/{module.id}")
        urls += [f"/modules/{module.id}/lecons/{lesson.key}" for lesson in draft.lessons]
        urls += ["/forums/", "/forums/besoins", "/accueil", "/admin/utilisateurs"]
        db.session.commit()
    return urls


def test_zero_script_execution_in_chromium(server):
    """Run in a thread of its own: the browser tests of tests/e2e keep a Playwright
    session (an asyncio loop) open in the main thread for the whole run."""
    import threading

    outcome: dict = {}

    def run():
        try:
            _in_chromium(*server)
        except BaseException as err:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=900)
    assert not thread.is_alive(), "the browser run did not finish"
    if "error" in outcome:
        raise outcome["error"]


def _in_chromium(srv, urls):
    from playwright.sync_api import sync_playwright

    dialogs, missing_csp, visited, blocked = [], [], 0, 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu"])
        ctx = browser.new_context(base_url=srv.url, java_script_enabled=True)
        # Through the DevTools protocol (not a <script>): counts CSP refusals.
        ctx.add_init_script("document.addEventListener('securitypolicyviolation',"
                            "() => { window.__csp = (window.__csp || 0) + 1; });")
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append((page.url, d.message)), d.dismiss()))

        def on_response(resp):
            if resp.url.startswith(srv.url) and not resp.headers.get("content-security-policy"):
                missing_csp.append(resp.url)

        page.on("response", on_response)
        page.goto("/connexion")
        page.fill("#email", ADMIN)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        canaries = {}
        for url in urls:
            resp = page.goto(url)
            assert resp is not None and resp.status == 200, f"{url}: {resp and resp.status}"
            page.wait_for_load_state("networkidle")
            # Hover and focus everything, so that onmouseover/onfocus payloads get
            # their chance (they would need a person otherwise).
            page.evaluate("""() => { for (const el of document.querySelectorAll('main *')) {
                for (const t of ['mouseover', 'mouseenter', 'pointerover', 'focus',
                                 'focusin', 'animationstart', 'toggle', 'input']) {
                  el.dispatchEvent(new Event(t)); } } }""")
            page.wait_for_timeout(200)
            canaries[url] = page.evaluate("window.__xss || 0")
            blocked += page.evaluate("window.__csp || 0")
            visited += 1
        # Control: the same detector on a page without the portal's sanitiser nor its
        # CSP does see a payload run (so zero above means zero).
        control = ctx.new_page()
        fired = []
        control.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
        control.set_content(armed('<img src="x" onerror="alert(1)">'))
        control.wait_for_timeout(300)
        assert control.evaluate("window.__xss || 0") == 1 and fired == ["1"]
        browser.close()
    RESULTS.update(pages=visited, dialogs=len(dialogs), canary=sum(canaries.values()),
                   csp_blocked=blocked)
    print("browser XSS:", RESULTS)
    assert dialogs == [], dialogs[:5]
    assert sum(canaries.values()) == 0, {u: c for u, c in canaries.items() if c}
    assert missing_csp == [], missing_csp[:5]
    assert visited == len(urls)
