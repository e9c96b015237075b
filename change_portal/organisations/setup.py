"""Wiring of the organisations domain, in one place (called by create_app)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to wire: the pages that manage collectivités and services show people
    too, so they live one layer up, in accounts.admin."""
