"""Small helpers shared by the roadmap views."""

from __future__ import annotations

from change_portal.core.web import form_error  # noqa: F401 - the views' shared helper


def project_limit() -> int:
    """How many projects the dashboard lists (the rest are on the project list)."""
    return 50
