"""The project page's lists of small rows from four tables in one statement: status
changes (with their actor), comments (with their author), the position changes the
meter's chart replays, and the indicators of the project's objectives with their
latest value. One UNION ALL of plain columns instead of four round trips; the rows
come back as light objects with the attributes the page reads.

And what the page reads per reader (the rest is cached, projects.shared): the project
with its services and the reader's own positions, in one statement."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    Float,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import joinedload

from change_portal.accounts.models import User
from change_portal.core.labels import label
from change_portal.core.models import UTCDateTime
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.projects.models import (
    PROJECT_STATUS_LABELS,
    Position,
    PositionChange,
    Project,
    ProjectComment,
    ProjectStatusChange,
    Proposal,
)
from change_portal.roadmap import progress as rules
from change_portal.roadmap.models import Indicator, IndicatorValue

ERASED_NAME = "un ancien agent"  # as accounts.models.User.display_name


@dataclass
class Person:
    display_name: str


@dataclass
class StatusLine:
    """A status change of the project, as the timeline shows it."""

    id: int
    at: datetime
    to_status: str
    actor: Person | None

    @property
    def to_label(self) -> str:
        return label(PROJECT_STATUS_LABELS, self.to_status)


@dataclass
class CommentLine:
    id: int
    created_at: datetime
    body: str
    author: Person | None


@dataclass
class PageRows:
    history: list[StatusLine] = field(default_factory=list)
    comments: list[CommentLine] = field(default_factory=list)
    # (project id, proposal id, user id, stance, at), oldest first: queries.series_of
    position_changes: list[tuple] = field(default_factory=list)
    indicators: dict[int, list[rules.IndicatorRow]] = field(default_factory=dict)


def _person(name: str | None, erased: int | None) -> Person | None:
    if name is None:
        return None
    return Person(ERASED_NAME if erased else name)


def page_rows(project, objective_ids: list[int], now: datetime) -> PageRows:
    """The four lists of the project page (see the module's docstring): one statement.
    Positions on a proposal whose results are hidden are left out until it closes."""
    result = PageRows()
    rows = db.session.execute(_statement(), {
        "project_id": project.id, "org": project.organisation_id, "now": now,
        "objective_ids": list(objective_ids)}).all()
    by_part: dict[str, list] = {"s": [], "c": [], "p": [], "i": []}
    for r in rows:
        by_part[r.part].append(r)
    for r in sorted(by_part["s"], key=lambda r: (r.at, r.id)):
        result.history.append(StatusLine(r.id, r.at, r.t1, _person(r.t2, r.erased)))
    for r in sorted(by_part["c"], key=lambda r: r.id):
        result.comments.append(CommentLine(r.id, r.at, r.t1, _person(r.t2, r.erased)))
    result.position_changes = [(project.id, r.n1, r.n2, r.t1, r.at)
                               for r in sorted(by_part["p"], key=lambda r: (r.at, r.id))]
    for r in sorted(by_part["i"], key=lambda r: r.id):
        result.indicators.setdefault(r.n1, []).append(rules.IndicatorRow(r.f1, r.f2, r.f3))
    return result


# Built once per process with bound parameters: building the four selects cost more
# CPU than running them.
@functools.cache
def _statement():
    project_id, org, now = bindparam("project_id"), bindparam("org"), bindparam(
        "now", type_=UTCDateTime())
    objective_ids = bindparam("objective_ids", expanding=True)
    no_int, no_text, no_float = cast(null(), Integer), cast(null(), Text), cast(null(), Float)
    erased = case((User.erased_at.is_(None), 0), else_=1)

    def row(part, id_, at, n1, n2, t1, t2, gone, f1, f2, f3):
        return (literal(part, String).label("part"), id_.label("id"), at.label("at"),
                n1.label("n1"), n2.label("n2"), cast(t1, Text).label("t1"),
                cast(t2, Text).label("t2"), gone.label("erased"), f1.label("f1"),
                f2.label("f2"), f3.label("f3"))

    status = (select(*row("s", ProjectStatusChange.id, ProjectStatusChange.at, no_int, no_int,
                          ProjectStatusChange.to_status, User.full_name, erased,
                          no_float, no_float, no_float))
              .outerjoin(User, User.id == ProjectStatusChange.actor_id)
              .where(ProjectStatusChange.project_id == project_id))
    comments = (select(*row("c", ProjectComment.id, ProjectComment.created_at, no_int, no_int,
                            ProjectComment.body, User.full_name, erased,
                            no_float, no_float, no_float))
                .outerjoin(User, User.id == ProjectComment.author_id)
                .where(ProjectComment.project_id == project_id))
    changes = (select(*row("p", PositionChange.id, PositionChange.at, PositionChange.proposal_id,
                           PositionChange.user_id, PositionChange.stance, no_text,
                           literal(0, Integer), no_float, no_float, no_float))
               .join(Proposal, Proposal.id == PositionChange.proposal_id)
               .where(Proposal.project_id == project_id,
                      or_(Proposal.hide_results.is_(False), Proposal.closes_at <= now)))
    latest = (select(IndicatorValue.id).where(IndicatorValue.indicator_id == Indicator.id)
              .order_by(IndicatorValue.measured_on.desc(), IndicatorValue.id.desc())
              .limit(1).correlate(Indicator).scalar_subquery())
    indicators = (select(*row("i", Indicator.id, cast(null(), UTCDateTime()),
                              Indicator.objective_id, no_int, no_text, no_text,
                              literal(0, Integer), Indicator.baseline, Indicator.target,
                              IndicatorValue.value))
                  .outerjoin(IndicatorValue, IndicatorValue.id == latest)
                  .where(Indicator.organisation_id == org,
                         Indicator.objective_id.in_(objective_ids)))
    return union_all(status, comments, changes, indicators)


def project_for_reader(project_id: int, organisation_id: int, user_id: int
                       ) -> tuple[Project | None, dict[int, str]]:
    """A project of the collectivité with its services (what its page reads of it per
    request: the visibility check, the right to take positions) and the stances
    `user_id` holds on its proposals (proposal id → stance), in one statement; the
    rest of the page is cached (projects.shared)."""
    rows = db.session.execute(_reader_statement(), {
        "project_id": project_id, "org": organisation_id, "user_id": user_id}).unique().all()
    if not rows:
        return None, {}
    return rows[0][0], {pid: stance for _project, pid, stance in rows if pid is not None}


# Built once per process with bound parameters (building it cost more than running it).
@functools.cache
def _reader_statement():
    project_id = bindparam("project_id")
    mine = (select(Position.proposal_id, Position.stance)
            .join(Proposal, Proposal.id == Position.proposal_id)
            .where(Position.user_id == bindparam("user_id"), Proposal.project_id == project_id)
            .subquery())
    return (select(Project, mine.c.proposal_id, mine.c.stance).outerjoin(mine, true())
            .where(Project.id == project_id, of_tenant(Project, bindparam("org")))
            .options(joinedload(Project.services)))


def my_stances(user_id: int, proposal_ids: list[int]) -> dict[int, str]:
    """proposal id → the stance `user_id` holds on it, for these proposals (one query)."""
    if not proposal_ids:
        return {}
    return dict(db.session.execute(
        select(Position.proposal_id, Position.stance)
        .where(Position.user_id == user_id, Position.proposal_id.in_(proposal_ids))).all())
