"""Receivers that other pages call: the home page's "À faire" panel and the
project page's readiness and required-modules panel (change_portal calls them
through core.home and core.registry, never importing courses)."""

from __future__ import annotations

import uuid

from flask import g, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from change_portal.core import cache
from change_portal.core.permissions import Role
from change_portal.extensions import db
from courses import queries, readiness
from courses.models import Competence, Module, ModuleVersion

# What a project's readiness and its required modules are made of (courses.setup).
READINESS_WATCH = "project.readiness"


def _readiness(project) -> dict:
    """Readiness of one project, computed once per request: the project page's
    panel computes it with its modules (project_panel) before the page asks for it
    through the readiness hook."""
    cache = g.setdefault("_course_readiness", {})
    if project.id not in cache:
        cache[project.id] = readiness.readiness_many([project])[project.id]
    return cache[project.id]


def project_readiness(project) -> dict:
    """(project) -> dict(required, ready_agents, total_agents, percent)."""
    return _readiness(project)


def project_readiness_many(projects) -> dict:
    """(projects) -> {project_id: readiness dict}, in a constant number of queries."""
    return readiness.readiness_many(list(projects))


def project_panel(project, user) -> Markup | None:
    """Required modules and readiness; a form for project leads and admins.

    The same for every reader of the project who may (or may not) edit it: cached under
    the watch "project.readiness" (what readiness and the modules' titles are made of,
    courses.setup), keyed by that right and the page's path (the forms' `next`); the
    forms' CSRF token, the reader's own, is put in per request."""
    can_edit = user is not None and getattr(user, "organisation_id", None) == \
        project.organisation_id and (user.has_role(Role.PROJECT_LEAD) or user.has_role(Role.ADMIN))

    def build() -> tuple[str, str, dict]:
        # The readiness, the required modules and the choices of the select ((module_id,
        # title) only: the select needs no introduction HTML) in one statement.
        ready, required, choices = readiness.project_panel_data(project, with_choices=can_edit)
        nonce = uuid.uuid4().hex  # where the token goes (no module title can forge it)
        html = render_template("courses/_project_panel.html", project=project,
                               required=required, readiness=ready, can_edit=can_edit,
                               choices=choices, csrf=nonce)
        return str(html), nonce, ready

    html, nonce, ready = cache.cached_value(
        READINESS_WATCH, project.organisation_id,
        ("project_panel", project.id, can_edit, request.path, str(get_locale()),
         request.script_root), build, db.session)
    # Kept for the page's own readiness hook call.
    g.setdefault("_course_readiness", {})[project.id] = ready
    if can_edit:
        html = html.replace(nonce, generate_csrf())
    return Markup(html)  # noqa: S704 - autoescaped template, a token of [\w.-]


def maturity_theme_modules(tags_by_theme: dict, organisation_id: int) -> dict:
    """Receiver of "maturity.theme_modules": the published modules (shared or of
    this collectivité) whose competences match each theme's tags, in one query.
    Returns {theme slug: [(title, module id)]}."""
    names = sorted({tag for tags in tags_by_theme.values() for tag in tags})
    if not names:
        return {}
    rows = db.session.execute(
        select(Competence.name, ModuleVersion.title, ModuleVersion.module_id)
        .join(ModuleVersion, ModuleVersion.id == Competence.version_id)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(Competence.name.in_(names), ModuleVersion.is_current.is_(True),
               ModuleVersion.status == "published", queries.visible(organisation_id))
        .order_by(ModuleVersion.title)).all()
    by_tag: dict[str, list] = {}
    for name, title, module_id in rows:
        by_tag.setdefault(name, []).append((title, module_id))
    result = {}
    for slug, tags in tags_by_theme.items():
        seen, items = set(), []
        for tag in tags:
            for title, module_id in by_tag.get(tag, []):
                if module_id not in seen:
                    seen.add(module_id)
                    items.append((title, module_id))
        result[slug] = items[:5]
    return result
