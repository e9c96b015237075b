"""Pages of the learning domain: learners (learn), trainers (manage), follow-up,
assignments and project links (follow). One blueprint, `courses`."""

from courses.views import follow, learn, manage  # noqa: F401 - routes register on import
from courses.views.blueprint import bp

__all__ = ["bp"]
