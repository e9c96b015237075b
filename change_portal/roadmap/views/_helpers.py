"""Small helpers shared by the roadmap views."""

from __future__ import annotations

from change_portal.core.errors import DomainError


def form_error(form, err: DomainError, default_field: str) -> None:
    """Show a DomainError next to the field it concerns."""
    field = getattr(form, err.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, err.message]


def project_limit() -> int:
    """How many projects the dashboard lists (the rest are on the project list)."""
    return 50
