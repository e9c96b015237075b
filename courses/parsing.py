"""Former home of the course format, kept so that ``courses.parsing`` imports
keep working: everything now lives in the ``courses.format`` package."""

from __future__ import annotations

from courses.format import *  # noqa: F403
from courses.format import __all__  # noqa: F401
