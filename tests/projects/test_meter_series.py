"""The meter's series (state at the end of each day) computed once per day (issue 15):
same figures as recomputing the distribution after every change."""

from collections import Counter, defaultdict
from datetime import timedelta

from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.projects import queries, services
from change_portal.projects.models import Position, PositionChange
from tests import factories
from tests.roadmap import factories as f


def _reference_series(changes, points=6):
    """The former algorithm: a Counter after every change, the last one of a day kept."""
    state, days = {}, {}
    for proposal_id, user_id, stance, at in sorted(changes, key=lambda c: c[3]):
        state[(proposal_id, user_id)] = stance
        days[at.date()] = Counter(state.values())
    return sorted(days.items())[-points:]


def test_series_matches_a_recount_after_every_change(org):
    project = f.create_project(org, title="Concerté")
    one, two = f.create_proposal(project, "Une"), f.create_proposal(project, "Deux")
    people = [factories.create_user(org, ["agent"]) for _ in range(4)]
    start = utcnow() - timedelta(days=20)
    stances = ["accord", "reserves", "desaccord", "blocage"]
    changes = []
    for i in range(40):  # several changes a day, people changing their minds
        proposal = (one, two)[i % 2]
        person = people[(i * 3) % 4]
        at = start + timedelta(days=i // 3, hours=i % 3)
        stance = stances[(i * 7) % 4]
        db.session.add(PositionChange(organisation_id=org.id, proposal_id=proposal.id,
                                      user_id=person.id, stance=stance, reason="", at=at))
        changes.append((proposal.id, person.id, stance, at))
    current: dict = defaultdict(str)
    for proposal_id, user_id, stance, _at in sorted(changes, key=lambda c: c[3]):
        current[(proposal_id, user_id)] = stance
    # the history was written directly: its current positions and their stored counts too
    for (proposal_id, user_id), stance in current.items():
        db.session.add(Position(organisation_id=org.id, proposal_id=proposal_id,
                                user_id=user_id, stance=stance, reason=""))
    db.session.flush()
    services.recount_stances([one.id, two.id])
    meter = queries.meters([project.id])[project.id]
    assert len(meter.series) == 6
    assert meter.series == _reference_series(changes)
    assert meter.current == Counter(current.values())
