"""Moderation: reports, the queue, hide/restore, lock, pin, move, history of edits
and the moderation log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.pagination import paginate
from change_portal.core.permissions import login_required
from change_portal.extensions import db
from forums import notify, queries, services
from forums.access import is_moderator, moderates
from forums.categories import visible_access
from forums.forms import ConfirmForm, MoveForm, ReportForm
from forums.views import bp, form_error, load_post, load_topic, moderator_of


def _moderated_category_ids() -> list[int]:
    return [a.id for a in visible_access(current_user)
            if moderates(current_user, a)]


@bp.route("/messages/<int:post_id>/signaler", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    post = load_post(post_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.report_post(current_user, post, form.reason.data)
        except DomainError as err:
            form_error(form, err, "reason")
        else:
            db.session.commit()
            flash(_("Merci : le message est signalé aux modérateurs."), "success")
            return redirect(url_for("forums.topic", topic_id=post.topic_id))
    return render_template("forums/report.html", form=form, post=post)


@bp.get("/moderation")
@login_required
def moderation():
    ids = _moderated_category_ids()  # empty: the page says so, nothing to moderate
    page = paginate(queries.open_reports(current_user.organisation_id, ids), per_page=30)
    # the history is for moderators, limited to what they moderate
    log = queries.recent_moderation(current_user.organisation_id, ids) if ids else []
    return render_template("forums/moderation.html", page=page, log=log, form=ConfirmForm())


def _moderate(func, post_or_topic, *args, success: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        func(current_user, post_or_topic, *args)
    except NotAllowed:
        abort(403)
    except DomainError as err:
        flash(err.message, "error")
        return
    db.session.commit()
    flash(success, "success")


@bp.post("/messages/<int:post_id>/masquer")
@login_required
def hide_post(post_id: int):
    post = load_post(post_id)
    _moderate(services.hide_post, post, success=_("Message masqué."))
    return redirect(url_for("forums.topic", topic_id=post.topic_id))


@bp.post("/messages/<int:post_id>/restaurer")
@login_required
def restore_post(post_id: int):
    post = load_post(post_id)
    _moderate(services.restore_post, post, success=_("Message rétabli."))
    return redirect(url_for("forums.topic", topic_id=post.topic_id))


@bp.post("/messages/<int:post_id>/classer")
@login_required
def dismiss_reports(post_id: int):
    post = load_post(post_id)
    _moderate(services.dismiss_reports, post, success=_("Signalements classés."))
    return redirect(url_for("forums.moderation"))


@bp.post("/sujets/<int:topic_id>/verrou")
@login_required
def toggle_lock(topic_id: int):
    topic = load_topic(topic_id)
    _moderate(services.set_locked, topic, not topic.locked,
              success=_("Sujet déverrouillé.") if topic.locked else _("Sujet verrouillé."))
    return redirect(url_for("forums.topic", topic_id=topic.id))


@bp.post("/sujets/<int:topic_id>/epingle")
@login_required
def toggle_pin(topic_id: int):
    topic = load_topic(topic_id)
    _moderate(services.set_pinned, topic, not topic.pinned,
              success=_("Sujet désépinglé.") if topic.pinned else _("Sujet épinglé."))
    return redirect(url_for("forums.topic", topic_id=topic.id))


@bp.route("/sujets/<int:topic_id>/deplacer", methods=["GET", "POST"])
@login_required
def move_topic(topic_id: int):
    topic = load_topic(topic_id)
    if not moderator_of(topic.category):
        abort(403)
    targets = [c for c in queries.visible_categories(current_user)
               if is_moderator(current_user, c) and c.id != topic.category_id]
    form = MoveForm()
    form.category_id.choices = [(c.id, c.name) for c in targets]
    if form.validate_on_submit():
        target = next(c for c in targets if c.id == form.category_id.data)
        try:
            services.move_topic(current_user, topic, target)
        except DomainError as err:
            form_error(form, err, "category_id")
        else:
            db.session.commit()
            flash(_("Sujet déplacé dans « %(c)s ».", c=target.name), "success")
            return redirect(url_for("forums.topic", topic_id=topic.id))
    return render_template("forums/move.html", form=form, topic=topic)


@bp.get("/messages/<int:post_id>/historique")
@login_required
def post_history(post_id: int):
    post = load_post(post_id)
    if not moderator_of(post.topic.category):
        abort(403)
    revisions = queries.revisions_of(post.id)
    return render_template("forums/history.html", post=post, revisions=revisions,
                           author=notify.author_label(post, current_user, True))
