"""Read helpers for the forum pages: a fixed number of queries whatever the data
(aggregates in SQL, relationships eager-loaded)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from change_portal.accounts import queries as account_queries
from change_portal.accounts.models import User
from change_portal.extensions import db
from change_portal.organisations import queries as organisation_queries
from change_portal.organisations.models import Service
from change_portal.projects.access import visible_filter
from change_portal.projects.models import Project
from forums.access import can_see_category
from forums.models import (
    Category,
    ModerationLog,
    Need,
    NeedEndorsement,
    NeedProject,
    NeedStatusChange,
    Notification,
    Post,
    PostRevision,
    Reaction,
    Report,
    Subscription,
    Topic,
    TopicKind,
    need_service,
)


def visible_categories(user: User) -> list[Category]:
    """The categories of the user's collectivité they may see (one query: the few
    services and moderators of each category are joined, not fetched apart)."""
    cats = db.session.scalars(
        select(Category).where(Category.organisation_id == user.organisation_id)
        .options(joinedload(Category.services), joinedload(Category.moderators))
        .order_by(Category.position, Category.name)
    ).unique().all()
    return [c for c in cats if can_see_category(user, c)]


def category_stats(category_ids: list[int]) -> dict[int, tuple[int, object]]:
    """category id → (topic count, last activity), one GROUP BY."""
    if not category_ids:
        return {}
    rows = db.session.execute(
        select(Topic.category_id, func.count(Topic.id), func.max(Topic.last_post_at))
        .where(Topic.category_id.in_(category_ids)).group_by(Topic.category_id)
    ).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def topics_stmt(category: Category) -> Select:
    return (
        select(Topic).where(Topic.category_id == category.id,
                            Topic.organisation_id == category.organisation_id)
        .order_by(Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc())
    )


def recent_topics(category_ids: list[int], limit: int = 8) -> list[Topic]:
    if not category_ids:
        return []
    return list(db.session.scalars(
        select(Topic).where(Topic.category_id.in_(category_ids))
        .options(selectinload(Topic.author), selectinload(Topic.category))
        .order_by(Topic.last_post_at.desc(), Topic.id.desc()).limit(limit)
    ))


def posts_stmt(topic: Topic) -> Select:
    return select(Post).where(Post.topic_id == topic.id).order_by(Post.created_at, Post.id)


@dataclass
class PostExtras:
    useful: dict[int, int]
    mine: set[int]
    revised: set[int]
    reported: set[int]


def post_extras(user: User, post_ids: list[int]) -> PostExtras:
    """Useful counts, the user's own reactions, which posts have revisions: one
    statement (a GROUP BY over the page's posts)."""
    if not post_ids:
        return PostExtras({}, set(), set(), set())
    rows = db.session.execute(_post_extras_statement(), {"uid": user.id, "ids": post_ids}).all()
    return PostExtras({r[0]: r[1] for r in rows if r[1]}, {r[0] for r in rows if r[2]},
                      {r[0] for r in rows if r[3]}, set())


# Built once per process with bound parameters: building it cost about as much CPU as
# running it, on every topic page.
@functools.cache
def _post_extras_statement() -> Select:
    revised = select(PostRevision.id).where(PostRevision.post_id == Post.id).exists()
    mine = case((Reaction.user_id == bindparam("uid"), 1), else_=0)
    return (select(Post.id, func.count(Reaction.id), func.coalesce(func.sum(mine), 0), revised)
            .outerjoin(Reaction, Reaction.post_id == Post.id)
            .where(Post.id.in_(bindparam("ids", expanding=True))).group_by(Post.id))


def accepted_post(topic: Topic) -> Post | None:
    if topic.accepted_post_id is None:
        return None
    return db.session.scalar(select(Post).where(Post.id == topic.accepted_post_id)
                             .options(selectinload(Post.author)))


# --- needs ---------------------------------------------------------------------------

@dataclass
class NeedDetail:
    endorsements: int
    by_service: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    mine: bool
    history: list[NeedStatusChange]
    projects: list[Project]
    notes: list[NeedEndorsement]


def need_detail(user: User, need: Need) -> NeedDetail:
    """Counts and spread of "je l'ai aussi constaté" (GROUP BY in SQL), history, projects."""
    by_service = db.session.execute(
        select(func.coalesce(Service.name, ""), func.count(NeedEndorsement.id))
        .select_from(NeedEndorsement)
        .outerjoin(Service, Service.id == NeedEndorsement.service_id)
        .where(NeedEndorsement.need_id == need.id)
        .group_by(Service.name).order_by(func.count(NeedEndorsement.id).desc())
    ).all()
    by_channel = db.session.execute(
        select(func.coalesce(NeedEndorsement.channel, ""), func.count(NeedEndorsement.id))
        .where(NeedEndorsement.need_id == need.id)
        .group_by(NeedEndorsement.channel).order_by(func.count(NeedEndorsement.id).desc())
    ).all()
    total = sum(r[1] for r in by_service)
    mine = db.session.scalar(select(NeedEndorsement.id).where(
        NeedEndorsement.need_id == need.id, NeedEndorsement.user_id == user.id)) is not None
    history = list(db.session.scalars(
        select(NeedStatusChange).where(NeedStatusChange.need_id == need.id)
        .options(selectinload(NeedStatusChange.actor)).order_by(NeedStatusChange.at,
                                                                NeedStatusChange.id)))
    projects = list(db.session.scalars(
        select(Project).join(NeedProject, NeedProject.project_id == Project.id)
        .where(NeedProject.need_id == need.id, Project.organisation_id == need.organisation_id,
               visible_filter(user))
        .order_by(Project.title)))
    notes = list(db.session.scalars(
        select(NeedEndorsement).where(NeedEndorsement.need_id == need.id,
                                      NeedEndorsement.note != "")
        .options(selectinload(NeedEndorsement.user))
        .order_by(NeedEndorsement.created_at.desc()).limit(20)))
    return NeedDetail(total, [(r[0], r[1]) for r in by_service],
                      [(r[0], r[1]) for r in by_channel], mine, history, projects, notes)


SORTS = ("constats", "impact", "recent")


def needs_board_stmt(organisation_id: int, category_ids: list[int], *, status: str = "",
                     channel: str = "", public: str = "", service_id: int | None = None,
                     impact: str = "", project_id: int | None = None, sort: str = "constats"
                     ) -> Select:
    """SELECT (Need, endorsement count) with the board's filters and sort. The count
    is the one stored on the need (kept by forums.needs): nothing is aggregated."""
    n = Need.endorsement_count.label("endorsements")
    stmt = (
        select(Need, n)
        .join(Topic, Topic.id == Need.topic_id)
        .where(Need.organisation_id == organisation_id, Topic.category_id.in_(category_ids or [-1]))
    )
    if status:
        stmt = stmt.where(Need.status == status)
    if channel:
        stmt = stmt.where(Need.channel == channel)
    if public:
        stmt = stmt.where(Need.public == public)
    if impact:
        stmt = stmt.where(Need.impact == impact)
    if service_id:
        stmt = stmt.where(Need.id.in_(select(need_service.c.need_id).where(
            need_service.c.service_id == service_id)))
    if project_id:
        stmt = stmt.where(Need.id.in_(select(NeedProject.need_id).where(
            NeedProject.project_id == project_id)))
    if sort == "impact":
        order = [Need.impact_rank.desc(), n.desc(), Topic.created_at.desc()]
    elif sort == "recent":
        order = [Topic.created_at.desc()]
    else:
        order = [n.desc(), Need.impact_rank.desc(), Topic.created_at.desc()]
    # What the board shows, loaded with the page: the topic joined in the same
    # statement (many-to-one: no extra rows; not rendered in the pager's COUNT
    # subquery), the services in one more.
    return stmt.order_by(*order, Need.id.desc()).options(
        joinedload(Need.topic), selectinload(Need.services))


def load_need_rows(rows) -> list[tuple[Need, int]]:
    """(Need, count) pairs of a board page (its statement loaded what the board shows)."""
    return [(r[0], r[1]) for r in rows]


def projects_of_needs(user: User, need_ids: list[int]) -> dict[int, list[Project]]:
    """The projects linked to each need, among those `user` may read."""
    if not need_ids:
        return {}
    rows = db.session.execute(
        select(NeedProject.need_id, Project).join(Project, Project.id == NeedProject.project_id)
        .where(NeedProject.need_id.in_(need_ids), visible_filter(user))
        .order_by(Project.title)).all()
    out: dict[int, list[Project]] = {}
    for need_id, project in rows:
        out.setdefault(need_id, []).append(project)
    return out


def need_project_links(need_ids: list[int]) -> dict[int, list[int]]:
    """need id → ids of its linked projects, whoever may read them (the shared part of
    the board keeps them; each reader sees only the titles of those they may read)."""
    if not need_ids:
        return {}
    out: dict[int, list[int]] = {}
    for need_id, project_id in db.session.execute(
            select(NeedProject.need_id, NeedProject.project_id)
            .where(NeedProject.need_id.in_(need_ids)).order_by(NeedProject.id)):
        out.setdefault(need_id, []).append(project_id)
    return out


EXPORT_LIMIT = 10_000


def needs_export_rows(user: User, category_ids: list[int], filters: dict
                      ) -> list[tuple[Need, int, list[Project]]]:
    """The board's needs for the CSV export (same filters and sort, at most
    EXPORT_LIMIT): (need, endorsement count, projects `user` may read), in three
    statements whatever the number of needs."""
    stmt = needs_board_stmt(user.organisation_id, category_ids, **filters)
    items = load_need_rows(db.session.execute(stmt.limit(EXPORT_LIMIT)).all())
    linked = projects_of_needs(user, [need.id for need, _count in items])
    return [(need, count, linked.get(need.id, [])) for need, count in items]


def visible_projects(user: User) -> list:
    """The projects `user` may read (agents: those of their service), by title: the
    board's filter and the link form never show a title its viewer may not read.
    Rows of (id, title) only: the selects need nothing else."""
    return list(db.session.execute(select(Project.id, Project.title).where(visible_filter(user))
                                   .order_by(Project.title, Project.id)))


def org_services(organisation_id: int) -> list[Service]:
    return organisation_queries.services_of(organisation_id)


def org_members(organisation_id: int) -> list[User]:
    return account_queries.members(organisation_id)


def needs_of_project(project: Project) -> list[tuple[Need, int]]:
    """The needs linked to a project with their endorsement counts (one query + eager)."""
    rows = db.session.execute(
        select(Need, Need.endorsement_count)
        .join(NeedProject, NeedProject.need_id == Need.id)
        .where(NeedProject.project_id == project.id,
               Need.organisation_id == project.organisation_id)
        .options(joinedload(Need.topic).joinedload(Topic.category).options(
            # what can_see_category reads: the project panel filters with it (few rows)
            joinedload(Category.services), joinedload(Category.moderators)))
        .order_by(Need.endorsement_count.desc(), Need.id)
    ).unique().all()
    return [(r[0], r[1]) for r in rows]


def need_counts_for_projects(project_ids: list[int]) -> dict[int, int]:
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(NeedProject.project_id, func.count(NeedProject.id))
        .where(NeedProject.project_id.in_(project_ids)).group_by(NeedProject.project_id)).all()
    return {r[0]: r[1] for r in rows}


# --- moderation and notifications ------------------------------------------------------

def open_reports(organisation_id: int, category_ids: list[int]) -> Select:
    """Unresolved reports on messages of the given categories, newest first, with the
    message, its topic and author and the reporter loaded (a page of them: 4 queries)."""
    return (
        select(Report).join(Post, Post.id == Report.post_id).join(Topic, Topic.id == Post.topic_id)
        .where(Report.organisation_id == organisation_id, Report.resolved_at.is_(None),
               Topic.category_id.in_(category_ids or [-1]))
        .order_by(Report.created_at.desc())
        .options(selectinload(Report.post).selectinload(Post.topic),
                 selectinload(Report.post).selectinload(Post.author),
                 selectinload(Report.reporter))
    )


def moderation_log(organisation_id: int, category_ids: list[int]) -> Select:
    """Moderation acts on topics of the given categories (or on no topic)."""
    in_scope = select(Topic.id).where(Topic.category_id.in_(category_ids or [-1]))
    return (select(ModerationLog).where(
        ModerationLog.organisation_id == organisation_id,
        (ModerationLog.topic_id.is_(None)) | ModerationLog.topic_id.in_(in_scope))
        .order_by(ModerationLog.at.desc(), ModerationLog.id.desc()))


def notifications_stmt(user: User) -> Select:
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(case((Notification.read_at.is_(None), 0), else_=1),
                      Notification.created_at.desc(), Notification.id.desc()))


def followed_category_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(Subscription.category_id).where(
        Subscription.user_id == user.id, Subscription.category_id.is_not(None))))


def topic_is_need(topic: Topic) -> bool:
    return topic.kind == TopicKind.NEED


# --- moderation and positions (read by the discussion and moderation pages) ----------------

def recent_moderation(organisation_id: int, category_ids: list[int], *,
                      limit: int = 50) -> list[ModerationLog]:
    """The last moderation acts a moderator of `category_ids` may read (see
    moderation_log), with their actor and topic loaded."""
    return list(db.session.scalars(
        moderation_log(organisation_id, category_ids)
        .options(selectinload(ModerationLog.actor), selectinload(ModerationLog.topic))
        .limit(limit)))


def revisions_of(post_id: int) -> list[PostRevision]:
    """The earlier versions of a message, newest first, with their editor."""
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post_id)
        .options(selectinload(PostRevision.editor)).order_by(PostRevision.created_at.desc())))


def position_in_topic(post: Post) -> int:
    """1-based rank of a message in its topic, in the order the topic page lists them."""
    return db.session.scalar(
        select(func.count(Post.id)).where(Post.topic_id == post.topic_id,
                                          Post.created_at <= post.created_at,
                                          Post.id <= post.id)) or 1


def quotable_post(topic_id: int, post_id: int | None) -> Post | None:
    """A visible message of the topic that a reply may quote, or None."""
    if post_id is None:
        return None
    post = db.session.get(Post, post_id)
    return post if post is not None and post.topic_id == topic_id and post.is_visible else None


def recent_topic_lines(category_ids: list[int], limit: int = 5) -> list:
    """(id, title, category_name) of the latest topics of these categories: what the
    home panel shows, in one statement built once per process."""
    if not category_ids:
        return []
    return db.session.execute(_recent_lines_statement(),
                              {"ids": category_ids, "limit": limit}).all()


@functools.cache
def _recent_lines_statement():
    return (select(Topic.id, Topic.title, Category.name.label("category_name"))
            .join(Category, Category.id == Topic.category_id)
            .where(Topic.category_id.in_(bindparam("ids", expanding=True)))
            .order_by(Topic.last_post_at.desc(), Topic.id.desc()).limit(bindparam("limit")))
