"""Small helpers shared by the roadmap views."""

from __future__ import annotations

from change_portal.core.web import form_error  # noqa: F401 - the views' shared helper

