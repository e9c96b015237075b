"""Reading the e-mails the portal wrote to the outbox (tests)."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path


def message(path: Path):
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def text_of(path: Path) -> str:
    """The plain-text part of the message stored at `path`."""
    return message(path).get_body(preferencelist=("plain",)).get_content()


def html_of(path: Path) -> str:
    """The HTML part of the message stored at `path`."""
    return message(path).get_body(preferencelist=("html",)).get_content()
