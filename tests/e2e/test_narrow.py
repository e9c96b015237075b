"""At 360 pixels: a compact header whose menu opens without JavaScript, and wide
tables that scroll inside a labelled, focusable region."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("js", [False, True], ids=["sans-js", "avec-js"])
def test_menu_folds_behind_a_button_at_360_pixels(new_page, js):
    page = new_page(js=js, width=360)
    login(page, "karim.benali@demo.example")
    page.goto("/forums/besoins")
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 110  # was ~290 px of the first screen
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav).to_be_hidden()
    page.get_by_role("link", name="Menu", exact=True).click()
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    nav.get_by_role("link", name="Projets").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Projets")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_hidden()


def test_wide_needs_table_scrolls_in_a_labelled_region(new_page):
    page = new_page(width=360)
    login(page, "karim.benali@demo.example")
    page.goto("/forums/besoins")
    region = page.get_by_role("region", name="besoin(s)")
    expect(region).to_be_visible()
    assert region.get_attribute("tabindex") == "0"  # reachable and scrollable by keyboard
    widths = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1]  # the table is wider than the screen: it scrolls inside
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the page does not


def test_wide_screen_keeps_the_full_header(new_page):
    page = new_page(width=1280)
    login(page, "karim.benali@demo.example")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    expect(page.get_by_role("link", name="Menu", exact=True)).to_be_hidden()
