"""Business rules of the discussion side: categories, topics, posts, reactions,
accepted answers and moderation. Every function takes the acting user explicitly,
flushes, never commits, and raises DomainError / NotAllowed.

Needs live in forums/needs.py, notifications in forums/notify.py.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from change_portal.accounts.models import User
from change_portal.core import ratelimit
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.permissions import ORGANISATION_ROLES, Role
from change_portal.core.text import checked_title
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service
from forums import notify, search
from forums.access import can_see_category, is_moderator
from forums.models import (
    BODY_MAX,
    NOTE_MAX,
    TITLE_MAX,
    Category,
    ModerationLog,
    Post,
    PostRevision,
    Reaction,
    Report,
    Topic,
    TopicKind,
)

DEFAULT_CATEGORIES = (
    # (name, description, allow_anonymous)
    ("Accueil et démarches", "Ce que les usagers demandent au guichet, au téléphone, en ligne.",
     False),
    ("Outils internes", "Les logiciels et outils du quotidien : ce qui aide, ce qui gêne.", False),
    ("Questions et inquiétudes",
     "Posez vos questions sur les projets, au besoin sans que votre nom soit affiché aux "
     "collègues.", True),
    ("Idées", "Proposez une amélioration, même petite.", False),
)


class PostingTooFast(DomainError):
    """Too many posts in a short time; `retry_after` seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# --- categories ---------------------------------------------------------------------

def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Indiquez le nom de la catégorie."), field="name")
    if len(name) > 120:
        raise DomainError(_("Ce nom est trop long : 120 caractères au plus."), field="name")
    return name


def save_category(actor: User | None, organisation: Organisation, *,
                  category: Category | None = None, name: str, description: str = "",
                  position: int = 100,
                  allow_anonymous: bool = False, roles: list[str] | None = None,
                  services: list[Service] | None = None,
                  moderators: list[User] | None = None, project_id: int | None = None
                  ) -> Category:
    """Create or update a category (admins; actor=None for defaults and the demo)."""
    if actor is not None and not (actor.has_role(Role.ADMIN)
                                  and actor.organisation_id == organisation.id):
        raise NotAllowed(_("Seuls les administrateurs gèrent les catégories."))
    name = _clean_name(name)
    clash = db.session.scalar(
        select(Category.id).where(Category.organisation_id == organisation.id,
                                  func.lower(Category.name) == name.lower())
    )
    if clash is not None and (category is None or clash != category.id):
        raise DomainError(_("Une catégorie porte déjà ce nom."), field="name")
    if len(description or "") > 500:
        raise DomainError(_("La description est trop longue : 500 caractères au plus."),
                          field="description")
    for item in [*(services or []), *(moderators or [])]:
        if item.organisation_id != organisation.id:
            raise DomainError(_("Choix invalide."), field="services")
    valid_roles = {r.value for r in ORGANISATION_ROLES}
    if category is None:
        category = Category(organisation_id=organisation.id)
        db.session.add(category)
    category.name = name
    category.description = (description or "").strip()
    category.position = max(0, min(int(position or 0), 10_000))
    category.allow_anonymous = bool(allow_anonymous)
    category.restricted_roles = ",".join(r for r in (roles or []) if r in valid_roles)
    category.services = list(services or [])
    category.moderators = list(moderators or [])
    if project_id is not None:
        category.project_id = project_id
    db.session.flush()
    return category


def create_default_categories(organisation: Organisation) -> list[Category]:
    """The starter set every collectivité gets (idempotent)."""
    existing = set(db.session.scalars(
        select(Category.name).where(Category.organisation_id == organisation.id)))
    made = []
    for position, (name, description, anonymous) in enumerate(DEFAULT_CATEGORIES, start=1):
        if name not in existing:
            made.append(save_category(None, organisation, name=name, description=description,
                                      position=position * 10, allow_anonymous=anonymous))
    return made


def category_for_project(project) -> Category:
    """The discussion category of a project (created on first call)."""
    existing = db.session.scalar(
        select(Category).where(Category.organisation_id == project.organisation_id,
                               Category.project_id == project.id))
    if existing is not None:
        return existing
    organisation = db.session.get(Organisation, project.organisation_id)
    name = _("Projet : %(title)s", title=project.title)[:120]
    if db.session.scalar(select(Category.id).where(
            Category.organisation_id == organisation.id, Category.name == name)):
        name = f"{name[:110]} ({project.id})"
    return save_category(None, organisation, name=name, position=50,
                         description=_("Échanges sur le projet « %(title)s ».",
                                       title=project.title)[:500],
                         project_id=project.id)


# --- topics and posts -------------------------------------------------------------------

def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Le message est vide : écrivez quelques mots."), field="body")
    if len(body) > BODY_MAX:
        raise DomainError(_("Ce message est trop long : %(n)d caractères au plus.", n=BODY_MAX),
                          field="body")
    return body


def check_flood(actor: User) -> None:
    """Refuse when the person posted too much in a short time (FORUMS_POST_LIMIT,
    default 10 posts per 5 minutes)."""
    limits = ratelimit.parse_limits(current_app.config.get("FORUMS_POST_LIMIT", "10/300"))
    # Counted first, atomically (ratelimit.take): a burst of posts cannot slip
    # past the limit; a refused one is not counted.
    wait = ratelimit.take(f"forum-post:{actor.id}", limits)
    if wait:
        minutes = (wait + 59) // 60
        raise PostingTooFast(
            _("Vous avez publié beaucoup de messages en peu de temps. Votre texte est conservé "
              "ci-dessous : réessayez dans %(n)d minute(s).", n=minutes), wait)


def preview(actor: User, body: str) -> str:
    """Render a draft without storing it. Each preview costs a render, so previews
    are throttled like posts (FORUMS_PREVIEW_LIMIT, default 30 per 5 minutes);
    raises PostingTooFast past the limit."""
    limits = ratelimit.parse_limits(current_app.config.get("FORUMS_PREVIEW_LIMIT", "30/300"))
    key = f"forum-preview:{actor.id}"
    wait = ratelimit.take(key, limits)
    if wait:
        raise PostingTooFast(
            _("Vous avez demandé beaucoup d'aperçus en peu de temps. Votre texte est conservé "
              "ci-dessous : réessayez dans %(n)d minute(s).", n=(wait + 59) // 60), wait)
    return render_markdown((body or "")[:BODY_MAX])


def _check_can_post(actor: User, category: Category) -> None:
    if not can_see_category(actor, category):
        raise NotAllowed(_("Vous n'avez pas accès à cette catégorie."))


def create_topic(actor: User, category: Category, *, title: str, body: str,
                 anonymous: bool = False, kind: str = TopicKind.DISCUSSION,
                 rate_limited: bool = True) -> Topic:
    """Open a topic with its first post; the author follows it. `rate_limited=False`
    only for the demo loader."""
    _check_can_post(actor, category)
    title, body = checked_title(title, TITLE_MAX), _check_body(body)
    if anonymous and not category.allow_anonymous:
        raise DomainError(_("Cette catégorie ne permet pas de publier sans son nom."),
                          field="anonymous")
    if rate_limited:
        check_flood(actor)
    now = utcnow()
    topic = Topic(organisation_id=category.organisation_id, category_id=category.id,
                  author_id=actor.id, title=title, anonymous=bool(anonymous), kind=kind,
                  last_post_at=now)
    topic.category = category
    db.session.add(topic)
    db.session.flush()
    post = Post(organisation_id=topic.organisation_id, topic_id=topic.id, author_id=actor.id,
                is_first=True, anonymous=topic.anonymous, body=body,
                body_html=render_markdown(body), created_at=now)
    post.topic = topic
    db.session.add(post)
    db.session.flush()
    notify.follow_topic(actor, topic)
    if kind == TopicKind.DISCUSSION:
        search.index_post(post)
        notify.on_new_post(actor, topic, post, new_topic=True)
    return topic


def first_post(topic: Topic) -> Post:
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.is_first))


def reply(actor: User, topic: Topic, *, body: str, anonymous: bool = False,
          rate_limited: bool = True) -> Post:
    """Add a reply. Refused in a locked topic."""
    _check_can_post(actor, topic.category)
    if topic.locked:
        raise DomainError(_("Ce sujet est verrouillé : on ne peut plus y répondre."),
                          field="body")
    body = _check_body(body)
    if anonymous and not topic.category.allow_anonymous:
        raise DomainError(_("Cette catégorie ne permet pas de publier sans son nom."),
                          field="anonymous")
    if rate_limited:
        check_flood(actor)
    now = utcnow()
    post = Post(organisation_id=topic.organisation_id, topic_id=topic.id, author_id=actor.id,
                anonymous=bool(anonymous), body=body, body_html=render_markdown(body),
                created_at=now)
    post.topic = topic
    db.session.add(post)
    topic.reply_count = (topic.reply_count or 0) + 1
    topic.last_post_at = now
    db.session.flush()
    search.index_post(post)
    notify.follow_topic(actor, topic)
    notify.on_new_post(actor, topic, post, new_topic=False)
    return post


def quote_text(post: Post, author_label: str) -> str:
    """Markdown blockquote of a post, to pre-fill a reply."""
    lines = post.body.strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **{author_label}** :\n>\n{quoted}\n\n"


def edit_post(actor: User, post: Post, *, body: str, title: str | None = None) -> Post:
    """The author edits their post; the former text is kept as a revision."""
    if post.author_id != actor.id:
        raise NotAllowed(_("Vous ne pouvez modifier que vos propres messages."))
    if post.deleted_at is not None:
        raise DomainError(_("Ce message a été supprimé."), field="body")
    if post.topic.locked:
        raise DomainError(_("Ce sujet est verrouillé : les messages ne peuvent plus être "
                            "modifiés."), field="body")
    body = _check_body(body)
    new_title = checked_title(title, TITLE_MAX) if (post.is_first and title is not None) else None
    db.session.add(PostRevision(post_id=post.id, editor_id=actor.id, body=post.body,
                                title=post.topic.title if post.is_first else None))
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = utcnow()
    if new_title:
        post.topic.title = new_title
    db.session.flush()
    search.index_post(post)
    return post


def delete_post(actor: User, post: Post) -> Post:
    """The author deletes their post: it shows as "message supprimé", the thread
    keeps its shape (the text is kept in the history for moderators)."""
    if post.author_id != actor.id:
        raise NotAllowed(_("Vous ne pouvez supprimer que vos propres messages."))
    if post.deleted_at is None:
        db.session.add(PostRevision(post_id=post.id, editor_id=actor.id, body=post.body))
        post.deleted_at = utcnow()
        search.set_visible(post)
        db.session.flush()
    return post


def toggle_useful(actor: User, post: Post) -> bool:
    """Mark a post "Utile" (or take it back). Returns True when now marked."""
    if not post.is_visible:
        raise DomainError(_("Ce message n'est plus visible."))
    if post.author_id == actor.id:
        raise DomainError(_("Vous ne pouvez pas marquer votre propre message comme utile."))
    existing = db.session.scalar(
        select(Reaction).where(Reaction.post_id == post.id, Reaction.user_id == actor.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    db.session.add(Reaction(post_id=post.id, user_id=actor.id))
    db.session.flush()
    return True


def accept_answer(actor: User, post: Post) -> Topic:
    """The author of the question or a moderator marks one reply as the accepted
    answer (again on the same reply: takes it back)."""
    topic = post.topic
    if not (topic.author_id == actor.id or is_moderator(actor, topic.category)):
        raise NotAllowed(_("Seul l'auteur de la question ou un modérateur peut choisir la "
                           "réponse retenue."))
    if post.is_first or not post.is_visible:
        raise DomainError(_("Choisissez une réponse visible."))
    topic.accepted_post_id = None if topic.accepted_post_id == post.id else post.id
    db.session.flush()
    return topic


# --- moderation ----------------------------------------------------------------------

def _moderate(actor: User, category: Category) -> None:
    if not is_moderator(actor, category):
        raise NotAllowed(_("Cette action est réservée aux modérateurs."))


def _log(actor: User, action: str, topic: Topic | None, post: Post | None = None,
         details: str = "") -> None:
    db.session.add(ModerationLog(
        organisation_id=actor.organisation_id, actor_id=actor.id, action=action,
        topic_id=topic.id if topic else None, post_id=post.id if post else None,
        details=details[:NOTE_MAX]))


def report_post(actor: User, post: Post, reason: str) -> Report:
    """Anyone reports a post to the moderators, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Expliquez en quelques mots pourquoi vous signalez ce message."),
                          field="reason")
    if len(reason) > NOTE_MAX:
        raise DomainError(_("Le motif est trop long : %(n)d caractères au plus.", n=NOTE_MAX),
                          field="reason")
    report = Report(organisation_id=post.organisation_id, post_id=post.id,
                    reporter_id=actor.id, reason=reason)
    db.session.add(report)
    db.session.flush()
    return report


def _resolve_reports(actor: User, post: Post) -> None:
    for report in db.session.scalars(
            select(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))):
        report.resolved_at = utcnow()
        report.resolved_by_id = actor.id


def hide_post(actor: User, post: Post, reason: str = "") -> None:
    _moderate(actor, post.topic.category)
    post.hidden_at = utcnow()
    search.set_visible(post)
    _resolve_reports(actor, post)
    _log(actor, "masquer", post.topic, post, reason)
    db.session.flush()


def restore_post(actor: User, post: Post) -> None:
    _moderate(actor, post.topic.category)
    post.hidden_at = None
    search.set_visible(post)
    _log(actor, "restaurer", post.topic, post)
    db.session.flush()


def dismiss_reports(actor: User, post: Post) -> None:
    """The moderator keeps the post as it is and closes its reports."""
    _moderate(actor, post.topic.category)
    _resolve_reports(actor, post)
    _log(actor, "classer", post.topic, post)
    db.session.flush()


def set_locked(actor: User, topic: Topic, locked: bool) -> None:
    _moderate(actor, topic.category)
    topic.locked = locked
    _log(actor, "verrouiller" if locked else "deverrouiller", topic)
    db.session.flush()


def set_pinned(actor: User, topic: Topic, pinned: bool) -> None:
    _moderate(actor, topic.category)
    topic.pinned = pinned
    _log(actor, "epingler" if pinned else "desepingler", topic)
    db.session.flush()


def move_topic(actor: User, topic: Topic, target: Category) -> None:
    """Move a topic to another category (moderator of both)."""
    _moderate(actor, topic.category)
    _moderate(actor, target)
    if target.id == topic.category_id:
        raise DomainError(_("Le sujet est déjà dans cette catégorie."), field="category_id")
    old = topic.category.name
    topic.category_id = target.id
    topic.category = target
    search.move_topic(topic)
    _log(actor, "deplacer", topic, details=f"{old} → {target.name}")
    db.session.flush()
