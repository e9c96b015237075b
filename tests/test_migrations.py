"""The migration history has exactly one head.

Branches that each add a revision on top of the same parent leave several heads
once merged; `flask db upgrade` (which means `head`) then refuses to run. The
fixtures upgrade to `head` too, so a forked history fails here with a clear
message rather than somewhere in the fixtures.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_exactly_one_alembic_head():
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    assert len(heads) == 1, (
        f"{len(heads)} Alembic heads {sorted(heads)}: chain the new revisions "
        "(set each one's down_revision to the previous one) or add a merge revision")

