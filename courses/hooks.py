"""Receivers that other pages call: the home page's "À faire" panel and the
project page's readiness and required-modules panel (change_portal calls them
through core.home and core.registry, never importing courses)."""

from __future__ import annotations

from flask import g, render_template
from markupsafe import Markup
from sqlalchemy import select

from change_portal.core.permissions import Role
from change_portal.extensions import db
from courses import queries, readiness
from courses.models import Competence, Module, ModuleVersion


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
    """Required modules and readiness; a form for project leads and admins."""
    can_edit = user is not None and getattr(user, "organisation_id", None) == \
        project.organisation_id and (user.has_role(Role.PROJECT_LEAD) or user.has_role(Role.ADMIN))
    # The readiness, the required modules and the choices of the select ((module_id,
    # title) only: the select needs no introduction HTML) in one statement; the
    # readiness is kept for the page's own readiness hook call.
    ready, required, choices = readiness.project_panel_data(project, with_choices=can_edit)
    g.setdefault("_course_readiness", {})[project.id] = ready
    return Markup(render_template(  # noqa: S704 - autoescaped template
        "courses/_project_panel.html", project=project, required=required, readiness=ready,
        can_edit=can_edit, choices=choices))


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
