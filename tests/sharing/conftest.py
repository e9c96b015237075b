"""Fixtures of the sharing tests."""

from __future__ import annotations

import pytest

from change_portal.core import cache


@pytest.fixture(autouse=True)
def _empty_cache(app):
    """Each test's world is rolled back at its end, its ids reused by the next: the
    pages it cached (catalogue, fiche pages: views/_shared.py) must not serve it."""
    with app.app_context():
        cache.cache.clear()
