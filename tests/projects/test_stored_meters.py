"""The meters stored on each proposal (positions by stance, issue 15) stay equal to
a recount of the current positions after every change, including the unhappy paths."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.projects import queries, services
from change_portal.projects.models import Position, Proposal
from tests import factories
from tests.roadmap import factories as f


def _stored(proposal: Proposal) -> dict[str, int]:
    db.session.refresh(proposal)
    return proposal.stance_counts()


def _recount(proposal: Proposal) -> dict[str, int]:
    stances = db.session.scalars(select(Position.stance).where(
        Position.proposal_id == proposal.id))
    return dict(Counter(stances))


@pytest.fixture
def world(org):
    service = factories.create_service(org, "Urbanisme")
    project = f.create_project(org, title="Permis en ligne", services=[service])
    agents = [factories.create_user(org, ["agent"], service=service) for _ in range(3)]
    return project, f.create_proposal(project, "Instruire en ligne"), agents


def test_stored_counts_follow_every_position_change(world):
    project, proposal, (a, b, c) = world
    services.give_position(a, proposal, stance="accord", reason="Oui")
    services.give_position(b, proposal, stance="blocage", reason="Pas d'outil")
    assert _stored(proposal) == _recount(proposal) == {"accord": 1, "blocage": 1}
    services.give_position(b, proposal, stance="reserves", reason="Avec formation")
    services.give_position(c, proposal, stance="reserves", reason="Idem")
    assert _stored(proposal) == _recount(proposal) == {"accord": 1, "reserves": 2}
    # the same stance again (a new reason only) moves nothing
    services.give_position(c, proposal, stance="reserves", reason="Toujours")
    services.give_position(c, proposal, stance="reserves", reason="Encore")
    assert _stored(proposal) == _recount(proposal) == {"accord": 1, "reserves": 2}
    meter = queries.meters([project.id])[project.id]
    assert meter.current == {"accord": 1, "reserves": 2} and meter.blocks == 0
    assert meter.by_proposal == {proposal.id: {"accord": 1, "reserves": 2}}


def test_refused_positions_change_no_count(world, org):
    project, proposal, (a, _b, _c) = world
    services.give_position(a, proposal, stance="desaccord", reason="Non")
    with pytest.raises(DomainError):
        services.give_position(a, proposal, stance="peut-etre", reason="?")
    with pytest.raises(DomainError):
        services.give_position(a, proposal, stance="accord", reason="   ")
    outsider = factories.create_user(org, ["agent"], service=factories.create_service(org, "X"))
    with pytest.raises(NotAllowed):  # not an agent of a service of the project
        services.give_position(outsider, proposal, stance="accord", reason="Moi aussi")
    proposal.closes_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    with pytest.raises(DomainError):
        services.give_position(a, proposal, stance="accord", reason="Trop tard")
    assert _stored(proposal) == _recount(proposal) == {"desaccord": 1}
    meter = queries.meters([project.id])[project.id]
    assert meter.current == {} and meter.closed == {"desaccord": 1}


def test_recount_repairs_and_matches_the_meter(world):
    project, proposal, (a, b, _c) = world
    services.give_position(a, proposal, stance="blocage", reason="Non")
    services.give_position(b, proposal, stance="accord", reason="Oui")
    proposal.positions_accord = 7  # a manual change gone wrong
    db.session.flush()
    services.recount_stances([proposal.id])
    assert _stored(proposal) == _recount(proposal) == {"blocage": 1, "accord": 1}
    assert queries.meters([project.id])[project.id].blocks == 1
