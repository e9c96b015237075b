"""Access rules of the projects and roadmap domains and of the elected officials' views
(dashboard, reports, open data), which are built from both."""

from tests.access import MEMBER, PUBLIC, Rule, roles
from tests.roadmap import factories as f

ADMIN = roles("admin")
LEAD = roles("project_lead")
READERS = roles("elected", "admin", "project_lead")

RULES = {
    # roadmap
    "roadmap.index": Rule(MEMBER),
    "roadmap.edit": Rule(ADMIN, form={"title": "Schéma", "start_year": "2026",
                                      "end_year": "2030"}),
    "roadmap.publish": Rule(ADMIN, form={"published": "y"}),
    "roadmap.new_axis": Rule(ADMIN, form={"title": "Nouvel axe"}),
    "roadmap.edit_axis": Rule(ADMIN),
    "roadmap.new_objective": Rule(ADMIN),
    "roadmap.edit_objective": Rule(ADMIN),
    "roadmap.objective": Rule(MEMBER),
    "roadmap.update_progress": Rule(MEMBER, form={"manual_progress": "50"}),
    "roadmap.new_indicator": Rule(ADMIN),
    "roadmap.add_value": Rule(ADMIN),
    "roadmap.edit_indicator": Rule(ADMIN, form={"name": "Démarches", "baseline": "0",
                                                "target": "10"}),
    # elected officials' views (change_portal/officials)
    "officials.dashboard": Rule(READERS),
    "officials.reports": Rule(READERS),
    "officials.retry_report": Rule(READERS),
    "officials.download_report": Rule(READERS),
    "officials.dashboard_actions": Rule(READERS),
    # open data
    "opendata.roadmap_json": Rule(PUBLIC, tenant=False),
    "opendata.public_roadmap": Rule(PUBLIC, tenant=False),
    "opendata.published": Rule(PUBLIC, tenant=False),
    # projects
    "projects.index": Rule(MEMBER),
    "projects.new": Rule(LEAD),
    "projects.show": Rule(MEMBER),
    "projects.edit": Rule(LEAD),
    "projects.comment": Rule(roles("elected", "project_lead", "admin"),
                             form={"body": "Un commentaire"}),
    "projects.new_action": Rule(LEAD),
    "projects.edit_action": Rule(LEAD),
    "projects.action": Rule(MEMBER),
    "projects.raise_concern": Rule(MEMBER, form={"text": "Une inquiétude"}),
    "projects.answer_concern": Rule(LEAD, form={"answer": "Une réponse"}),
    "projects.new_proposal": Rule(LEAD),
    "projects.proposal": Rule(MEMBER),
    "projects.give_position": Rule(MEMBER, form={"stance": "accord", "reason": "Oui"}),
    "projects.close_proposal": Rule(LEAD),
    "projects.outcome": Rule(LEAD, form={"outcome": "Adopté"}),
}


def objects(org, users) -> dict:
    """URL parameter values for rows owned by `org`."""
    roadmap = f.create_roadmap(org)
    axis = f.create_axis(roadmap)
    objective = f.create_objective(axis)
    indicator = f.create_indicator(objective, values=[10])
    project = f.create_project(org, objectives=[objective])
    action = f.create_action(project, [objective])
    concern = f.create_concern(action)
    proposal = f.create_proposal(project)
    job = f.create_report_job(org, status="failed")
    org.roadmap_published = True
    return {
        "axis_id": axis.id,
        "objective_id": objective.id,
        "indicator_id": indicator.id,
        "project_id": project.id,
        "action_id": action.id,
        "concern_id": concern.id,
        "proposal_id": proposal.id,
        "job_id": job.id,
        "slug": org.slug,
    }
