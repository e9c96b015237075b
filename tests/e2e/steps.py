"""Small helpers shared by the browser journeys and the keyboard-only tests.

- `Journey`: names a journey run, audits pages with axe-core as they are reached
  and, at the end, keeps a screenshot of the last page and fails with every
  violation found (rule, element, page).
- keyboard helpers: `tab_to` presses Tab (or Shift+Tab) until the focused element
  matches, asserting at every step that the focus is visible; `skip_to_content`
  checks the skip link.
"""

from __future__ import annotations

import re
import time
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tests.e2e.conftest import DEMO_PASSWORD, axe_violations, screenshot

ADMIN = "sophie.martin@demo.example"
AGENT = "karim.benali@demo.example"          # Accueil
COLLEAGUE = "julie.lefevre@demo.example"     # État civil (another service)
TRAINER = "nathalie.dubois@demo.example"
LEAD = "thomas.girard@demo.example"
ELECTED = "claire.moreau@demo.example"


def token() -> str:
    """A unique word of lowercase letters (no digits: search engines and slugs
    treat it as one plain word)."""
    return uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))


class Journey:
    """One run of a journey: axe audits of the pages reached, final screenshot."""

    def __init__(self, name: str, js: bool, browser=None):
        self.name = f"{name}-{'js' if js else 'nojs'}"
        self.js = js
        self.browser = browser
        self._auditor = None
        self._copy = ("", "")
        self.violations: list[str] = []
        self.audited: list[str] = []

    def _audit_page(self, page):
        """axe-core needs JavaScript (its run is asynchronous): a page of a context
        without JavaScript is audited as a copy, in a JavaScript-enabled page that
        receives the very same HTML at the same address (styles load for real)."""
        if self.js:
            return page
        assert self.browser is not None, "Journey(..., browser=browser) for js=False"
        if self._auditor is None:
            ctx = self.browser.new_context(viewport=page.viewport_size, locale="fr-FR")
            self._auditor = ctx.new_page()
            self._auditor.route(lambda u: u.split("#")[0] == self._copy[0], lambda route:
                                route.fulfill(status=200, body=self._copy[1],
                                              content_type="text/html; charset=utf-8"))
        # Without its scripts: they never ran in the audited page.
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
        self._copy = (page.url.split("#")[0], html)
        aux = self._auditor
        aux.goto(self._copy[0])
        return aux

    def audit(self, page, label: str | None = None) -> None:
        """Run axe-core on the page as it is now and remember any violation."""
        where = f"{label or ''} {page.url}".strip()
        self.audited.append(where)
        for v in axe_violations(self._audit_page(page)):
            self.violations.append(f"{where}: {v['id']} ({v['help']}) at {v['nodes']}")

    def finish(self, page) -> Path:
        """Screenshot of the last page, axe on it, and fail on any violation seen."""
        path = screenshot(page, f"journey-{self.name}")
        self.audit(page, "last page")
        if self._auditor is not None:
            self._auditor.context.close()
        assert self.violations == [], (
            f"axe-core violations on pages of journey {self.name}:\n" + "\n".join(self.violations))
        return path


def expect_flash(page, text: str) -> None:
    """The page shows `text` in its content (flash message or notice)."""
    main = page.locator("main")
    assert text in main.inner_text(), (
        f"expected « {text} » on {page.url}; the page says:\n{main.inner_text()[:1500]}")


def wait_until(predicate, *, timeout: float = 60, every: float = 0.5, what: str = ""):
    """Poll `predicate` until it returns a truthy value (jobs run by a worker)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def job_timeout(live_server, with_worker: float) -> float:
    """How long to wait for a background job: without Redis jobs run inline,
    before the page answers, so a job still pending then will never finish."""
    return with_worker if live_server.config.get("REDIS_URL") else 5


def inline_job_defect(live_server, what: str) -> str:
    """The message of a background job that never ends on the embedded mode."""
    if live_server.config.get("REDIS_URL"):
        return f"{what}: the rq worker did not finish the job in time"
    return (
        f"DEFECT (core/jobs.py inline mode on SQLite): {what} never happens. The view commits, "
        "then reads an expired attribute (e.g. `obj.id`) to enqueue the job, which reopens a "
        "transaction in the request (BEGIN IMMEDIATE, change_portal/extensions.py); the inline "
        "job runs in its own session and fails with 'database is locked' on every attempt "
        "(see the log). Fix in core: release the caller's transaction before running a job "
        "inline (e.g. `db.session.commit()` at the start of `_run_inline`, or run inline jobs "
        "after the response with `after_this_request`/`response.call_on_close`).")


def outbox_message(outbox_dir: str, to: str, *, timeout: float = 60):
    """The last message written to the outbox folder for `to` (waits for the job)."""
    folder = Path(outbox_dir)

    def find():
        found = []
        for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if to.lower() in str(msg["To"]).lower():
                found.append(msg)
        return found[-1] if found else None

    return wait_until(find, timeout=timeout, what=f"an email to {to} in {folder}")


def link_path(text: str, pattern: str) -> str:
    """The path of the first URL of `text` matching `pattern` (the link in an
    email points to BASE_URL, not to the live server: keep only its path)."""
    match = re.search(r"https?://[^\s/]+(" + pattern + r"[^\s]*)", text)
    assert match, f"no link matching {pattern} in:\n{text}"
    return match.group(1)


# --- keyboard ---------------------------------------------------------------

_FOCUS_INFO = """() => {
  const el = document.activeElement;
  if (!el) return null;
  const cs = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id || '',
    name: el.getAttribute('name') || '', value: el.value || '',
    text: (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 200),
    label: (el.getAttribute('aria-label') || label || '').trim().replace(/\\s+/g, ' '),
    cls: el.className && el.className.baseVal === undefined ? el.className : '',
    href: el.getAttribute('href') || '',
    outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0,
    boxShadow: cs.boxShadow,
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(_FOCUS_INFO)


def describe(info: dict | None) -> str:
    if not info:
        return "nothing"
    return (f"<{info['tag']}{' type=' + info['type'] if info['type'] else ''}"
            f"{' id=' + info['id'] if info['id'] else ''}> "
            f"« {info['label'] or info['text']} »")


def assert_focus_visible(page, info: dict | None = None) -> dict:
    """The focused element is shown with an outline or a box-shadow, on screen."""
    info = info or focused(page)
    assert info and info["tag"] not in ("body", "html"), f"focus lost on {page.url}"
    has_ring = (info["outlineStyle"] != "none" and info["outlineWidth"] > 0) or (
        info["boxShadow"] not in ("none", ""))
    assert has_ring, (f"focus not visible on {page.url}: {describe(info)} has outline "
                      f"{info['outlineStyle']} {info['outlineWidth']}px, box-shadow "
                      f"{info['boxShadow']}")
    assert info["visible"], f"focused element off screen on {page.url}: {describe(info)}"
    return info


def tab_to(page, match, *, backwards: bool = False, limit: int = 120) -> dict:
    """Press Tab (Shift+Tab) until `match(info)` is true; every element reached on
    the way must show a visible focus. Returns the info of the matching element.

    `match` may be a callable on the focus info, or a string: the element's
    label, text or value contains it (case-sensitive)."""
    if isinstance(match, str):
        needle = match

        def match(info, needle=needle):  # noqa: PLR0911
            return needle in info["label"] or needle in info["text"] or (
                info["tag"] == "input" and info["type"] in ("submit", "button")
                and needle in info["value"])
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        info = focused(page)
        if info is None or info["tag"] in ("body", "html"):
            seen.append("body")
            continue
        assert_focus_visible(page, info)
        seen.append(describe(info))
        if match(info):
            return info
    raise AssertionError(f"could not reach the element by keyboard on {page.url}; "
                         f"focus went through:\n" + "\n".join(seen[-40:]))


def press(page, key: str) -> None:
    """Press a key that opens a page (link, submit button), and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state()


def skip_to_content(page) -> None:
    """First Tab reaches the visible skip link; Enter moves focus to <main>."""
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    info = focused(page)
    assert info and "skip-link" in (info["cls"] or ""), (
        f"first Tab on {page.url} does not reach the skip link: {describe(info)}")
    assert_focus_visible(page, info)
    box = page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"skip link stays off screen on {page.url}"
    page.keyboard.press("Enter")
    active = page.evaluate("document.activeElement.id")
    assert active == "contenu", f"the skip link did not move focus to the content on {page.url}"


def type_text(page, text: str) -> None:
    """Type text into the focused field, key by key (newlines are Enter)."""
    page.keyboard.type(text)


def keyboard_login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/connexion")
    info = focused(page)
    if not info or info["id"] != "email":  # the login page may autofocus the field
        skip_to_content(page)
        tab_to(page, lambda i: i["id"] == "email")
    assert_focus_visible(page)
    type_text(page, email)
    tab_to(page, lambda i: i["id"] == "password")
    type_text(page, password)
    press(page, "Enter")
    assert "/connexion" not in page.url, f"keyboard login failed for {email}"
