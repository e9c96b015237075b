"""Browser tests: the portal served for real on 127.0.0.1, Debian's Chromium
driven by Playwright, axe-core from the npm registry (installed by `make e2e-deps`).

Locally, these tests are skipped when Chromium, Playwright or axe-core is missing;
in CI (CI=true) a missing part is an error, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".cache" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DEMO_PASSWORD = "demo-portail-2026"


def _missing() -> str | None:
    if not shutil.which("chromium"):
        return "Debian's chromium is not installed"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not AXE_JS.exists():
        return "axe-core is not installed (make e2e-deps)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"browser tests cannot run in CI: {reason}")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live_server(app):
    """The portal with the demo collectivité, served on a free port in a thread
    (and a real rq worker beside it when Redis is configured)."""
    server = LiveServer("e2e", redis_url=app.config.get("TEST_REDIS_URL"), demo=True)
    yield server.app
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(js=True) → a page in a fresh context (own cookies)."""
    contexts = []

    def _make(js: bool = True, width: int = 1280):
        ctx = browser.new_context(java_script_enabled=js, base_url=live_server.config["LIVE_URL"],
                                  viewport={"width": width, "height": 900}, locale="fr-FR")
        contexts.append(ctx)
        return ctx.new_page()

    yield _make
    for ctx in contexts:
        ctx.close()


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/connexion")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/connexion" not in page.url, f"login failed for {email}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page (WCAG 2.0/2.1 A and AA rules)."""
    # Evaluated through the DevTools protocol, so the page keeps its real CSP
    # (an injected <script> tag would be refused by it, as it should be).
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;window.axe = axe; true")
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
