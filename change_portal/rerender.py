"""Re-render the stored HTML of every Markdown field with the current engine.

Pages print HTML rendered at save time. When the engine changes (0016: from
Python-Markdown to markdown-it-py, for a linear-time parser) the stored HTML of
existing content must follow, so that what is shown is what a new save would
give. Run by migration ``0016_markdown`` and by
``flask --app change_portal markdown rerender`` (idempotent; safe to run again).

This module sits next to ``app_setup`` (the composition root) because it lists
fields of several domains; it uses SQLAlchemy Core on a connection so that it
works inside a migration as well as from the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from change_portal.core.markdown import render_markdown

CHUNK = 500


@dataclass(frozen=True)
class Field:
    """A Markdown source column and the column holding its rendered HTML."""

    table: str
    source: str
    html: str


PLAIN_FIELDS = (
    Field("forum_post", "body", "body_html"),
    Field("forum_need", "answer", "answer_html"),
    Field("project", "description", "description_html"),
    Field("project_action", "minutes", "minutes_html"),
    Field("project_proposal", "body", "body_html"),
    Field("roadmap_objective", "description", "description_html"),
    # retours d'expérience (published snapshots keep the HTML they were validated with)
    Field("sharing_fiche", "difficulties", "difficulties_html"),
    Field("sharing_question", "body", "body_html"),
    Field("sharing_event", "programme", "programme_html"),
)


def _rows(conn: sa.Connection, query: Callable[[int], sa.Select]) -> Iterator[sa.Row]:
    # Keyset pages of CHUNK rows: memory stays flat on a large forum.
    last = 0
    while True:
        rows = conn.execute(query(last)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _rerender(conn: sa.Connection, field: Field, rows: Iterator[sa.Row],
              render: Callable[[sa.Row], str]) -> int:
    table = sa.table(field.table, sa.column("id"), sa.column(field.html))
    changed = 0
    for row in rows:
        html = render(row)
        if html != row[-1]:
            conn.execute(sa.update(table).where(table.c.id == row[0]).values({field.html: html}))
            changed += 1
    return changed


def rerender_all(conn: sa.Connection) -> dict[str, int]:
    """Re-render every stored Markdown field on ``conn``; returns the number of
    rows changed per ``table.column``."""
    from courses.services import render_module_markdown  # domain renderer (image URLs, quizzes)

    counts = {}
    inspector = sa.inspect(conn)
    for field in PLAIN_FIELDS:
        if not inspector.has_table(field.table):
            continue
        table = sa.table(field.table, sa.column("id"), sa.column(field.source),
                         sa.column(field.html))

        def page(last: int, table: sa.TableClause = table, field: Field = field) -> sa.Select:
            return (sa.select(table.c.id, table.c[field.source], table.c[field.html])
                    .where(table.c.id > last).order_by(table.c.id).limit(CHUNK))

        counts[f"{field.table}.{field.html}"] = _rerender(
            conn, field, _rows(conn, page), lambda row: render_markdown(row[1] or ""))

    if inspector.has_table("course_lesson"):
        version = sa.table("course_module_version", sa.column("id"), sa.column("module_id"),
                           sa.column("introduction"), sa.column("introduction_html"))
        lesson = sa.table("course_lesson", sa.column("id"), sa.column("version_id"),
                          sa.column("body"), sa.column("body_html"))

        def versions(last: int) -> sa.Select:
            return (sa.select(version.c.id, version.c.module_id, version.c.introduction,
                              version.c.introduction_html)
                    .where(version.c.id > last).order_by(version.c.id).limit(CHUNK))

        def lessons(last: int) -> sa.Select:
            return (sa.select(lesson.c.id, version.c.module_id, lesson.c.body, lesson.c.body_html)
                    .join(version, version.c.id == lesson.c.version_id)
                    .where(lesson.c.id > last).order_by(lesson.c.id).limit(CHUNK))

        def course(row: sa.Row) -> str:
            return render_module_markdown(row[1], row[2] or "")

        counts["course_module_version.introduction_html"] = _rerender(
            conn, Field("course_module_version", "introduction", "introduction_html"),
            _rows(conn, versions), course)
        counts["course_lesson.body_html"] = _rerender(
            conn, Field("course_lesson", "body", "body_html"), _rows(conn, lessons), course)
    return counts


@click.group("markdown")
def markdown_cli():
    """Markdown stored as HTML."""


@markdown_cli.command("rerender")
@with_appcontext
def rerender_command():
    """Re-render the stored HTML of every Markdown field with the current engine."""
    from change_portal.core import cache
    from change_portal.extensions import db

    counts = rerender_all(db.session.connection())
    db.session.commit()
    # Written on the session's connection, not through the ORM: the cache watches saw
    # nothing, and cached pages hold the former HTML.
    cache.bump_all()
    for name, changed in counts.items():
        click.echo(f"{name}: {changed} re-rendered")
