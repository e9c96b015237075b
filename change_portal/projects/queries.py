"""Read helpers of the projects domain: a fixed number of queries per page,
aggregates in SQL, the consensus meter computed once from one query."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from change_portal.core import clock
from change_portal.core.labels import label
from change_portal.core.models import utcnow
from change_portal.core.registry import ask
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.projects.access import visible_filter
from change_portal.projects.models import (
    ACTION_TYPE_LABELS,
    Action,
    ActionStatus,
    Concern,
    Position,
    PositionChange,
    Project,
    Proposal,
    Stance,
    action_objective,
    project_objective,
)
from change_portal.projects.page_rows import CommentLine, StatusLine, page_rows
from change_portal.roadmap import progress as rules

STANCES = [s.value for s in Stance]


@dataclass
class Meter:
    """The consensus meter of one project.

    `current` counts the positions on the proposals still open: a closed proposal's
    positions are history and count apart in `closed` (its outcome says what became
    of them). `by_proposal` gives the same figures proposal by proposal.
    """

    current: Counter = field(default_factory=Counter)
    closed: Counter = field(default_factory=Counter)
    by_proposal: dict[int, Counter] = field(default_factory=dict)
    series: list[tuple[date, Counter]] = field(default_factory=list)
    blocks: int = 0
    unanswered: int = 0
    hidden: int = 0  # positions given on proposals whose results are hidden until closing

    @property
    def total(self) -> int:
        return sum(self.current.values())


def meters(project_ids: list[int], now: datetime | None = None,
           points: int = 6, concerns: bool = True, series: bool = True) -> dict[int, Meter]:
    """Consensus meters of several projects, whatever the number of positions: the
    counts by stance stored on each proposal (one query), the unanswered concerns
    (one, unless `concerns` is False) and, with `series`, the distribution over time
    (one more, reading the positions' history: the project page's chart).

    Positions on a proposal whose results are hidden count nowhere until it closes
    (only their number is given). Blocks are current *blocage* positions on
    proposals that have no outcome written yet.
    """
    now = now or utcnow()
    result = {pid: Meter() for pid in project_ids}
    if not project_ids:
        return result
    proposals = db.session.execute(
        select(Proposal.project_id, Proposal.hide_results, Proposal.closes_at,
               Proposal.outcome, Proposal.id,
               *(getattr(Proposal, f"positions_{s}") for s in STANCES))
        .where(Proposal.project_id.in_(project_ids))
    ).all()
    for r in proposals:
        add_stored_counts(result[r.project_id], r, now)
    if series:
        for pid, points_of in _series(project_ids, now, points).items():
            result[pid].series = points_of
    for pid, n in (unanswered_concerns(project_ids) if concerns else {}).items():
        result[pid].unanswered = n
    return result


def add_stored_counts(meter: Meter, proposal, now: datetime) -> None:
    """Add one proposal's stored counts (a Proposal or a row with its columns) to
    `meter`: current or closed, blocks while no outcome is written, or only the
    number of positions while its results are hidden."""
    counts = Counter({s: n for s in STANCES if (n := getattr(proposal, f"positions_{s}"))})
    is_open = now < proposal.closes_at
    if proposal.hide_results and is_open:
        meter.hidden += counts.total()
        return
    if counts:
        meter.by_proposal[proposal.id] = counts
    (meter.current if is_open else meter.closed).update(counts)
    if proposal.outcome is None:
        meter.blocks += counts[Stance.BLOCK.value]


def _series(project_ids: list[int], now: datetime, points: int
            ) -> dict[int, list[tuple[date, Counter]]]:
    """The positions at the end of each of the last `points` days with a change, per
    project, replayed from the history (hidden results left out until closing)."""
    rows = db.session.execute(
        select(Proposal.project_id, Proposal.id, PositionChange.user_id,
               PositionChange.stance, PositionChange.at)
        .join(PositionChange, PositionChange.proposal_id == Proposal.id)
        .where(Proposal.project_id.in_(project_ids),
               or_(Proposal.hide_results.is_(False), Proposal.closes_at <= now))
        .order_by(PositionChange.at, PositionChange.id)
    ).all()
    return series_of(rows, points)


def series_of(rows, points: int) -> dict[int, list[tuple[date, Counter]]]:
    """The series of `_series` from the position changes given as (project id,
    proposal id, user id, stance, at) in the order they happened."""
    state: dict[int, dict[tuple[int, int], str]] = defaultdict(dict)
    days: dict[int, dict[date, Counter]] = defaultdict(dict)
    # The state at the end of each day is counted once, when the project's next
    # change falls on another day (not after every change: that was quadratic).
    last_day: dict[int, date] = {}
    for project_id, proposal_id, user_id, stance, at in rows:
        day = at.date()
        previous = last_day.get(project_id)
        if previous is not None and previous != day:
            days[project_id][previous] = Counter(state[project_id].values())
        last_day[project_id] = day
        state[project_id][(proposal_id, user_id)] = stance
    for pid, day in last_day.items():
        days[pid][day] = Counter(state[pid].values())
    return {pid: sorted(by_day.items())[-points:] for pid, by_day in days.items()}


def unanswered_count_column():
    """Unanswered concerns of each project, as a column of a query on Project (saves
    a statement where the projects are listed anyway)."""
    return (select(func.count(Concern.id)).join(Action, Action.id == Concern.action_id)
            .where(Action.project_id == Project.id, Concern.answer.is_(None))
            .correlate(Project).scalar_subquery())


def unanswered_concerns(project_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Action.project_id, func.count(Concern.id))
        .join(Concern, Concern.action_id == Action.id)
        .where(Action.project_id.in_(project_ids), Concern.answer.is_(None))
        .group_by(Action.project_id)
    ).all()
    return dict(rows)


def action_counts(project_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        select(Action.project_id, Action.status, func.count(Action.id))
        .where(Action.project_id.in_(project_ids))
        .group_by(Action.project_id, Action.status)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for pid, status, n in rows:
        counts[pid][status] = n
    return counts


def hook_values(name: str, projects: list[Project]) -> dict[int, object]:
    """project_id → value from the provider of a *_many hook (empty if none)."""
    if not projects:
        return {}
    return dict(ask(name, default={}, projects=projects))


def readiness(project: Project) -> dict | None:
    """The project's readiness from the courses (None when no domain provides it)."""
    return ask("project.readiness", project=project)


@dataclass
class ProjectRow:
    project: Project
    actions: dict[str, int]
    meter: Meter
    readiness: object | None
    needs: object | None


def project_rows(projects: list[Project], now: datetime | None = None,
                 brief: bool = False, unanswered: dict[int, int] | None = None
                 ) -> list[ProjectRow]:
    """List rows with their figures: a fixed number of queries for any number of rows.
    `brief` (the dashboard): meter and readiness only, no action or need counts.
    `unanswered`: the unanswered concerns per project when the caller already has them."""
    ids = [p.id for p in projects]
    counts = action_counts(ids) if ids and not brief else {}
    # Stored counts only: lists show no chart over time (the project page does).
    ms = meters(ids, now, concerns=unanswered is None, series=False)
    for pid, n in (unanswered or {}).items():
        if pid in ms:
            ms[pid].unanswered = n
    ready = hook_values("project.readiness_many", projects)
    needs = {} if brief else hook_values("project.needs_many", projects)
    return [ProjectRow(p, counts.get(p.id, {}), ms[p.id], ready.get(p.id), needs.get(p.id))
            for p in projects]


@dataclass
class TimelineItem:
    when: date
    kind: str  # action | proposal | outcome | status
    obj: object
    late: bool = False
    future: bool = False


@dataclass
class ProjectPage:
    project: Project
    actions: list[Action]
    proposals: list[Proposal]
    history: list[StatusLine]
    comments: list[CommentLine]
    meter: Meter
    objective_progress: dict[int, float]
    timeline: list[TimelineItem]
    now: datetime  # when it was read: what is open is open at that time, as the meter says

    @property
    def open_proposals(self) -> list[Proposal]:
        return [p for p in self.proposals if p.is_open(self.now)]

    @property
    def closed_proposals(self) -> list[Proposal]:
        return [p for p in self.proposals if not p.is_open(self.now)]


def project_page(project: Project, today: date | None = None,
                 now: datetime | None = None) -> ProjectPage:
    """What the project page shows every reader (projects.shared caches it; the
    reader's own positions are read apart), in a fixed number of queries."""
    today = today or clock.today()
    now = now or utcnow()
    # The page shows the actions' concerns, not their objectives or services.
    # Concerns joined (a few per action): one statement for both.
    actions = list(db.session.scalars(
        select(Action).where(Action.project_id == project.id)
        .options(joinedload(Action.concerns))
        .order_by(Action.planned_on, Action.id)
    ).unique().all())
    # The proposals (their positions count in the meter: the page never lists them).
    proposals = list(db.session.scalars(
        select(Proposal).where(Proposal.project_id == project.id).order_by(Proposal.id.desc())))
    # Status changes, comments, the chart's position changes and the objectives'
    # indicators: one statement (projects.page_rows).
    objectives = list(project.objectives)
    rows = page_rows(project, [o.id for o in objectives], now)
    history, comments = rows.history, rows.comments
    # The meter from the proposals just loaded (their stored counts) and the chart's
    # series from this project's position changes.
    meter = Meter(series=series_of(rows.position_changes, 6).get(project.id, []))
    for proposal in proposals:
        add_stored_counts(meter, proposal, now)
    meter.unanswered = sum(1 for a in actions for c in a.concerns if c.answer is None)
    objective_progress = {
        o.id: rules.objective_progress(o.status, o.manual_progress, rows.indicators.get(o.id, []))
        for o in objectives}
    timeline = build_timeline(actions, proposals, history, today, now)
    return ProjectPage(project, actions, proposals, history, comments,
                       meter, objective_progress, timeline, now)


def build_timeline(actions, proposals, history, today: date, now: datetime):
    items = []
    for a in actions:
        items.append(TimelineItem(a.planned_on, "action", a,
                                  late=rules.action_late(a.status, a.planned_on, today),
                                  future=a.planned_on > today))
    for p in proposals:
        items.append(TimelineItem(p.created_at.date(), "proposal", p))
        if not p.is_open(now):
            items.append(TimelineItem(p.closes_at.date(), "outcome", p))
    for h in history:
        items.append(TimelineItem(h.at.date(), "status", h))
    order = {"status": 0, "proposal": 1, "action": 2, "outcome": 3}
    items.sort(key=lambda i: (i.when, order[i.kind]))
    return items


@dataclass
class ActionLine:
    """An action as the dashboard lists it (plain columns, no ORM object)."""

    id: int
    kind: str
    title: str
    planned_on: date
    project_title: str

    @property
    def kind_label(self) -> str:
        return label(ACTION_TYPE_LABELS, self.kind)


@dataclass
class ActionLists:
    late: list[ActionLine]
    late_total: int
    upcoming: list[ActionLine]
    upcoming_total: int


def dashboard_actions(organisation_id: int, today: date, days: int = 30,
                      limit: int | None = 10) -> ActionLists:
    """Late and upcoming (next `days`) planned actions, the first `limit` of each with
    the full count of each: one statement whatever the number of actions."""

    def part(name, *where):
        stmt = (
            select(literal(name).label("list"), Action.id, Action.kind, Action.title,
                   Action.planned_on, Project.title.label("project_title"),
                   func.count().over().label("total"))
            .join(Project, Project.id == Action.project_id)
            .where(of_tenant(Action, organisation_id),
                   Action.status == ActionStatus.PLANNED, *where)
            .order_by(Action.planned_on, Action.id)
        )
        return select(stmt.limit(limit).subquery() if limit else stmt.subquery())

    rows = db.session.execute(union_all(
        part("late", Action.planned_on < today),
        part("upcoming", Action.planned_on >= today,
             Action.planned_on <= today + timedelta(days=days)),
    )).all()
    result = ActionLists([], 0, [], 0)
    for r in sorted(rows, key=lambda r: (r.planned_on, r.id)):
        line = ActionLine(r.id, r.kind, r.title, r.planned_on, r.project_title)
        if r.list == "late":
            result.late.append(line)
            result.late_total = r.total
        else:
            result.upcoming.append(line)
            result.upcoming_total = r.total
    return result


def dashboard_action_page(organisation_id: int, today: date, late: bool, page: int,
                          per_page: int, days: int = 30) -> tuple[list[ActionLine], int]:
    """One page of the late (or upcoming, next `days`) planned actions, with the
    count of the whole list: one statement, whatever the number of actions."""
    when = ((Action.planned_on < today,) if late else
            (Action.planned_on >= today, Action.planned_on <= today + timedelta(days=days)))
    rows = db.session.execute(
        select(Action.id, Action.kind, Action.title, Action.planned_on,
               Project.title.label("project_title"), func.count().over().label("total"))
        .join(Project, Project.id == Action.project_id)
        .where(of_tenant(Action, organisation_id),
               Action.status == ActionStatus.PLANNED, *when)
        .order_by(Action.planned_on, Action.id)
        .limit(per_page).offset((page - 1) * per_page)).all()
    lines = [ActionLine(r.id, r.kind, r.title, r.planned_on, r.project_title) for r in rows]
    return lines, (rows[0].total if rows else 0)


def all_actions(organisation_id: int) -> list[Action]:
    return list(db.session.scalars(
        select(Action).where(of_tenant(Action, organisation_id))
        .options(joinedload(Action.project)).order_by(Action.planned_on, Action.id)
    ).all())


def linked_to_objective(objective_id: int, user) -> tuple[list[Project], list[Action]]:
    """Projects and actions serving one objective (the link followed backwards),
    limited to the projects `user` may read."""
    from_projects = list(db.session.scalars(
        select(Project).join(project_objective, project_objective.c.project_id == Project.id)
        .where(project_objective.c.objective_id == objective_id, visible_filter(user))
        .order_by(Project.title)
    ).all())
    actions = list(db.session.scalars(
        select(Action).join(action_objective, action_objective.c.action_id == Action.id)
        .join(Project, Project.id == Action.project_id)
        .where(action_objective.c.objective_id == objective_id, visible_filter(user))
        .options(joinedload(Action.project)).order_by(Action.planned_on, Action.id)
    ).all())
    return from_projects, actions


def position_history(proposal_id: int) -> list[PositionChange]:
    return list(db.session.scalars(
        select(PositionChange).where(PositionChange.proposal_id == proposal_id)
        .options(joinedload(PositionChange.user))
        .order_by(PositionChange.at, PositionChange.id)
    ).all())


def consensus_figures(project_id: int) -> dict:
    """How the agents were involved in a project, as figures only (no names, no
    positions, no concern texts): done actions by type with their participants,
    proposals submitted and how many have an outcome written. Two queries."""
    by_kind = {kind: (n, people or 0) for kind, n, people in db.session.execute(
        select(Action.kind, func.count(Action.id), func.sum(Action.participants))
        .where(Action.project_id == project_id, Action.status == ActionStatus.DONE)
        .group_by(Action.kind)
    ).all()}
    proposals, decided = db.session.execute(
        select(func.count(Proposal.id), func.count(Proposal.outcome))
        .where(Proposal.project_id == project_id)
    ).one()
    return {
        "actions": {kind: n for kind, (n, _p) in sorted(by_kind.items())},
        "participants": int(sum(p for _n, p in by_kind.values())),
        "proposals": int(proposals or 0),
        "decided": int(decided or 0),
    }


def project_for_page(project_id: int, organisation_id: int, *,
                     fresh: bool = False) -> Project | None:
    """A project of the collectivité with what its page shows (lead, services,
    objectives) loaded in the same statement; visibility is the caller's check.
    `fresh`: rows already in the session are read again (a cached page must be built
    from what is committed now, not from objects loaded before the cache's tokens)."""
    stmt = (select(Project).where(Project.id == project_id, of_tenant(Project, organisation_id))
            .options(joinedload(Project.lead), joinedload(Project.services),
                     joinedload(Project.objectives)))
    if fresh:
        # Expire the project alone (its columns and relationships are read again by
        # this statement) rather than `populate_existing`, which would also reset the
        # lead: when the lead is the reader, their roles and collectivité would be
        # loaded a second time.
        loaded = db.session.identity_map.get(db.session.identity_key(Project, project_id))
        if loaded is not None:
            db.session.expire(loaded)
    return db.session.execute(stmt).unique().scalar_one_or_none()


def positions_on(proposal_id: int) -> list[Position]:
    """The positions taken on a proposal, oldest change first, with their authors."""
    return list(db.session.scalars(
        select(Position).where(Position.proposal_id == proposal_id)
        .options(joinedload(Position.user)).order_by(Position.updated_at, Position.id)))


def visible_projects_by_title(user) -> list[Project]:
    """The projects `user` may read (projects.access), by title."""
    return list(db.session.scalars(select(Project).where(visible_filter(user))
                                   .order_by(Project.title)))


def project_list_stmt(user, status: str | None = None) -> Select:
    """The projects `user` may read (projects.access), by title, optionally of one
    status: the statement the project list pages through."""
    stmt = select(Project).where(visible_filter(user)).order_by(func.lower(Project.title),
                                                                 Project.id)
    return stmt if status is None else stmt.where(Project.status == status)
