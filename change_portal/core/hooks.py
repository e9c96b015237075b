"""The catalogue of extension points between domains: every hook, its arguments, what a
receiver returns and who calls it. `core.registry.register` refuses a name that is not
declared here, so this file is the one list to read before adding a cross-domain link.

How they are used (the layering is in tests/test_import_rules.py): a lower layer calls a
hook when a page needs content from a domain above it (a project page shows the needs of
the forums and the modules of the courses without importing them); a domain above
registers its receivers in its init_app. Home panels (core.home) and privacy providers
(core.privacy) are extension points of the same kind, listed here too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hook:
    """One extension point: its name, the keyword arguments receivers get, what they
    return, and how the caller combines the answers."""

    name: str
    arguments: str
    returns: str
    combined: str
    doc: str
    single: bool = False  # one provider answers (registry.ask); a second is refused


CATALOGUE: dict[str, Hook] = {h.name: h for h in (
    Hook("project.panels", "project: Project, user: User", "Markup | None",
         "all, in order (render_hook)",
         "Blocks shown on a project's page (linked needs, required modules)."),
    Hook("project.needs_many", "projects: list[Project]", "dict[project id, int]",
         "one provider (registry.ask)",
         "Number of user needs linked to each project, for lists (one query).", single=True),
    Hook("project.readiness", "project: Project", "dict(required, ready_agents, "
         "total_agents, percent)", "one provider (registry.ask)",
         "How many agents of the services concerned finished the required modules.",
         single=True),
    Hook("project.readiness_many", "projects: list[Project]", "dict[project id, dict]",
         "one provider (registry.ask)",
         "The same for a list of projects, in a constant number of queries.", single=True),
    Hook("project.need_titles", "project: Project", "list[str]", "all, concatenated",
         "Titles (never authors) of the user needs linked to a project: what a fiche "
         "retour d'expérience cites (sharing)."),
    Hook("objective.panels", "objective: Objective, user: User", "Markup | None",
         "all, in order (render_hook)",
         "Blocks shown on a roadmap objective's page (projects: the projects and actions "
         "that serve it, among those the user may read)."),
    Hook("retention.purge", "cutoff: datetime", "int (rows deleted)", "sum",
         "Delete what the domain keeps past the retention period (daily job)."),
    Hook("dashboard.panels", "user: User", "Markup | None", "all, in order (render_hook)",
         "Blocks at the end of the elected officials' dashboard (maturity: the latest "
         "submitted diagnosis, its levels and the peer band)."),
    Hook("maturity.theme_panels", "themes: list[(slug, title)], organisation_id: int",
         "dict[theme slug, Markup]", "all, merged per theme (maturity.results)",
         "Blocks under each theme of a collectivité's maturity results (sharing: the "
         "published fiches of that theme). One call for all themes, on every request "
         "(not cached with the results: a receiver caches its answer under its own watch)."),
    Hook("maturity.theme_modules", "tags_by_theme: dict[slug, list[str]], "
         "organisation_id: int", "dict[theme slug, list[(title, module id)]]",
         "all, merged per theme (maturity.results)",
         "Published modules whose competences match each theme's tags (courses). Cached "
         "with the results: the receiver's domain adds its models to the cache watch "
         "\"maturity.results\"."),
)}

# Extension points with their own small registry (same rule: register in init_app).
OTHER_EXTENSION_POINTS = {
    "core.home.register_panel(func(user) -> Markup | None, order=…)":
        "A block on the home page of signed-in people.",
    "core.privacy.register_provider(PrivacyProvider(...))":
        "What a domain holds about a person: export (Mes données) and erasure.",
    "core.jobs.periodic(every)": "A job run every `every` by the ticker (flask worker).",
    "core.signals (blinker)": "organisation_created, demo_loaded, …: see core/signals.py.",
}


def declared(name: str) -> Hook:
    """The declared hook `name`; KeyError with the list when it does not exist."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"hook {name!r} is not declared in change_portal/core/hooks.py "
                       f"(declared: {', '.join(sorted(CATALOGUE))})") from None
