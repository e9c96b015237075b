"""Builders for the sharing tests: a project with figures, fiches in every state."""

from __future__ import annotations

from datetime import date

from change_portal.extensions import db
from change_portal.sharing import services
from tests import factories
from tests.roadmap import factories as rf


def project_with_figures(org, lead=None, title="Prise de rendez-vous en ligne"):
    """A project with an objective, an indicator (2 values), done actions with
    participants, a concern, a proposal with a position and an outcome."""
    lead = lead or factories.create_user(org, ["project_lead"])
    objective = rf.create_objective(rf.create_axis(rf.create_roadmap(org)))
    indicator = rf.create_indicator(objective, baseline=10, target=80, values=[20, 55],
                                    name="Rendez-vous pris en ligne", unit="%")
    project = rf.create_project(org, title=title, lead=lead, objectives=[objective])
    project.description = "Les usagers prennent rendez-vous en ligne."
    a1 = rf.create_action(project, [objective], kind="atelier", status="realisee",
                          minutes="Compte rendu SECRET-MINUTES")
    a1.participants = 12
    a2 = rf.create_action(project, [objective], kind="atelier", status="realisee")
    a2.participants = 8
    rf.create_action(project, [objective], kind="cst", status="realisee").participants = 5
    rf.create_action(project, [objective], kind="enquete", status="prevue")
    rf.create_concern(a1, text="SECRET-CONCERN les agents ont peur")
    proposal = rf.create_proposal(project, title="SECRET-PROPOSAL-TITLE")
    agent = factories.create_user(org, ["agent"], name="Agent Secretname")
    rf.create_position(proposal, agent, stance="blocage", reason="SECRET-POSITION")
    proposal.outcome = "Adoptée"
    db.session.flush()
    return project, indicator, lead


def published_fiche(org, *, themes=("relation-usagers",), title=None, repo_url="",
                    lead=None, admin=None, project=None, **fields):
    """A fiche made from a project, submitted by a lead and validated by an admin."""
    if project is None:
        project, _ind, lead = project_with_figures(org, lead=lead, title=title or "Projet")
    lead = lead or factories.create_user(org, ["project_lead"])
    admin = admin or factories.create_user(org, ["admin"])
    fiche = services.draft_from_project(lead, project)
    services.save_fiche(lead, fiche, title=title or project.title, themes=list(themes),
                        summary=fields.pop("summary", "Résumé de la fiche."),
                        repo_url=repo_url, **fields)
    services.submit(lead, fiche)
    services.validate(admin, fiche)
    return fiche


def today() -> date:
    return date.today()
