"""Categories, topics and posts: reading, writing, quoting, editing, deleting,
"Utile" and the accepted answer."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.idempotency import once_per_submission
from change_portal.core.params import arg_int
from change_portal.core.permissions import login_required
from change_portal.extensions import db
from forums import notify, post_list, queries, services, shared
from forums.access import is_moderator
from forums.forms import ConfirmForm, EditPostForm, ReplyForm, TopicForm
from forums.models import Post, TopicKind
from forums.views import (
    bp,
    form_error,
    load_category,
    load_post,
    load_topic,
    moderator_of,
    too_fast,
)
from forums.views.needs import need_context

POSTS_PER_PAGE = shared.POSTS_PER_PAGE  # the pages of forums.shared.topic_posts


@bp.get("/")
@login_required
def index():
    categories = queries.visible_categories(current_user)
    ids = [c.id for c in categories]
    return render_template(
        "forums/index.html", categories=categories, stats=queries.category_stats(ids),
        recent=queries.recent_topics(ids), followed=queries.followed_category_ids(current_user),
        form=ConfirmForm(), moderates=any(is_moderator(current_user, c) for c in categories),
    )


@bp.get("/categories/<int:category_id>")
@login_required
def category(category_id: int):
    cat = load_category(category_id)
    return render_template("forums/category.html", category=cat,
                           topics=shared.category_topics(cat),
                           moderator=moderator_of(cat),
                           following=cat.id in queries.followed_category_ids(current_user))


@bp.route("/categories/<int:category_id>/nouveau-sujet", methods=["GET", "POST"])
@login_required
@once_per_submission
def new_topic(category_id: int):
    cat = load_category(category_id)
    form = TopicForm()
    if not cat.allow_anonymous:
        del form.anonymous
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            try:
                preview = services.preview(current_user, form.body.data)
            except services.PostingTooFast as err:
                return too_fast("forums/topic_form.html", err, form=form, category=cat)
        else:
            try:
                topic = services.create_topic(
                    current_user, cat, title=form.title.data, body=form.body.data,
                    anonymous=bool(getattr(form, "anonymous", None) and form.anonymous.data))
            except services.PostingTooFast as err:
                return too_fast("forums/topic_form.html", err, form=form, category=cat)
            except NotAllowed:
                abort(403)
            except DomainError as err:
                form_error(form, err, "body")
            else:
                db.session.commit()
                flash(_("Votre sujet est publié."), "success")
                return redirect(url_for("forums.topic", topic_id=topic.id))
    return render_template("forums/topic_form.html", form=form, category=cat, preview=preview)


@bp.get("/sujets/<int:topic_id>")
@login_required
def topic(topic_id: int):
    topic = load_topic(topic_id)
    moderator = moderator_of(topic.category)
    # The messages as every reader with this moderator flag sees them (cached); the
    # reader's own state (their reactions, their messages' links) is added here.
    posts = shared.topic_posts(topic, moderator)
    extras = queries.post_extras(current_user, [p.id for p in posts["rows"]])
    # The blank reply form's fields come rendered with the messages; a quote fills it.
    form, reply_fields = None, posts["reply_fields"]
    quoted = queries.quotable_post(topic.id, arg_int("citer"))
    if quoted is not None:
        form, reply_fields = shared.blank_reply_form(topic), None
        # The label everyone sees, whoever quotes: the author of an anonymous
        # message (or a moderator) would otherwise publish the name in the reply.
        form.body.data = services.quote_text(quoted, notify.author_label(quoted))
    need_ctx = {}
    if topic.kind == TopicKind.NEED and topic.need is not None:
        need_ctx = need_context(topic.need, moderator)
    # A GET writes only when the topic has unread notifications to mark read.
    following, unread_here = notify.topic_state(current_user, topic.id)
    # One token for every small form of the page (per message, per action).
    csrf_field = Markup('<input name="csrf_token" type="hidden" value="{}">').format(
        generate_csrf())
    posts_html = post_list.render_posts(
        posts["rows"], extras, viewer_id=current_user.id,
        viewer_name=current_user.display_name, topic_author_id=topic.author_id,
        locked=topic.locked, moderator=moderator, csrf_field=csrf_field)
    html = render_template(
        "forums/topic.html", topic=topic, posts=posts, posts_html=posts_html, form=form,
        reply_fields=reply_fields, moderator=moderator, following=following,
        csrf_field=csrf_field, **need_ctx,
    )
    # Reading a topic reads its notifications (after rendering: a commit expires
    # the loaded rows, and the page would reload them one by one).
    if unread_here:
        notify.mark_topic_read(current_user, topic.id)
        db.session.commit()
    return html


@bp.route("/sujets/<int:topic_id>/repondre", methods=["GET", "POST"])
@login_required
@once_per_submission
def reply(topic_id: int):
    topic = load_topic(topic_id)
    form = ReplyForm()
    if not topic.category.allow_anonymous:
        del form.anonymous
    preview = None
    if request.method == "GET":
        return redirect(url_for("forums.topic", topic_id=topic.id, _anchor="repondre"))
    if form.validate_on_submit():
        if form.preview.data:
            try:
                preview = services.preview(current_user, form.body.data)
            except services.PostingTooFast as err:
                return too_fast("forums/reply_form.html", err, form=form, topic=topic)
        else:
            try:
                post = services.reply(current_user, topic, body=form.body.data, anonymous=bool(
                    getattr(form, "anonymous", None) and form.anonymous.data))
            except services.PostingTooFast as err:
                return too_fast("forums/reply_form.html", err, form=form, topic=topic)
            except NotAllowed:
                abort(403)
            except DomainError as err:
                form_error(form, err, "body")
            else:
                db.session.commit()
                flash(_("Votre réponse est publiée."), "success")
                return redirect(_post_url(post))
    return render_template("forums/reply_form.html", form=form, topic=topic, preview=preview)


def _post_url(post: Post) -> str:
    page = max(1, (queries.position_in_topic(post) - 1) // POSTS_PER_PAGE + 1)
    return url_for("forums.topic", topic_id=post.topic_id, page=page, _anchor=f"message-{post.id}")


@bp.route("/messages/<int:post_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post = load_post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = EditPostForm(obj=post) if request.method == "GET" else EditPostForm()
    if request.method == "GET" and post.is_first:
        form.title.data = post.topic.title
    if not post.is_first:
        del form.title
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            try:
                preview = services.preview(current_user, form.body.data)
            except services.PostingTooFast as err:
                return too_fast("forums/edit_post.html", err, form=form, post=post)
        else:
            try:
                services.edit_post(current_user, post, body=form.body.data,
                                   title=form.title.data if post.is_first else None)
            except NotAllowed:
                abort(403)
            except DomainError as err:
                form_error(form, err, "body")
            else:
                db.session.commit()
                flash(_("Votre message est modifié."), "success")
                return redirect(_post_url(post))
    return render_template("forums/edit_post.html", form=form, post=post, preview=preview)


@bp.post("/messages/<int:post_id>/supprimer")
@login_required
def delete_post(post_id: int):
    post = load_post(post_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_post(current_user, post)
    except NotAllowed:
        abort(403)
    db.session.commit()
    flash(_("Votre message est supprimé ; la discussion garde sa place."), "success")
    return redirect(_post_url(post))


@bp.post("/messages/<int:post_id>/utile")
@login_required
def useful(post_id: int):
    post = load_post(post_id)
    try:
        marked = services.toggle_useful(current_user, post)
    except DomainError as err:
        flash(err.message, "warning")
    else:
        db.session.commit()
        flash(_("Merci, c'est noté : message utile.") if marked
              else _("Vous avez retiré « Utile »."), "success")
    return redirect(_post_url(post))


@bp.post("/messages/<int:post_id>/reponse-retenue")
@login_required
def accept(post_id: int):
    post = load_post(post_id)
    try:
        topic = services.accept_answer(current_user, post)
    except NotAllowed:
        abort(403)
    except DomainError as err:
        flash(err.message, "warning")
        return redirect(_post_url(post))
    db.session.commit()
    flash(_("Réponse retenue mise en avant sous la question.") if topic.accepted_post_id
          else _("La réponse n'est plus retenue."), "success")
    return redirect(url_for("forums.topic", topic_id=topic.id))


@bp.post("/sujets/<int:topic_id>/suivre")
@login_required
def follow_topic(topic_id: int):
    topic = load_topic(topic_id)
    now = notify.toggle_follow_topic(current_user, topic)
    db.session.commit()
    flash(_("Vous suivez ce sujet.") if now else _("Vous ne suivez plus ce sujet."), "success")
    return redirect(url_for("forums.topic", topic_id=topic.id))


@bp.post("/categories/<int:category_id>/suivre")
@login_required
def follow_category(category_id: int):
    cat = load_category(category_id)
    now = notify.toggle_follow_category(current_user, cat)
    db.session.commit()
    flash(_("Vous serez prévenu·e des nouveaux sujets de cette catégorie.") if now
          else _("Vous ne suivez plus cette catégorie."), "success")
    return redirect(url_for("forums.category", category_id=cat.id))
