"""Pages of the learning domain: learners (learn), trainers (manage), follow-up,
assignments and project links (follow). One blueprint, `courses`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("courses", __name__)

# The modules below attach their routes to `bp`.
from courses.views import follow, learn, manage  # noqa: E402,F401
