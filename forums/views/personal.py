"""What belongs to the person: notifications, email preference, search, and the
colleagues list for the @mention autocomplete."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError
from change_portal.core.pagination import paginate
from change_portal.core.permissions import login_required
from change_portal.extensions import db
from forums import notify, queries, search, shared
from forums.categories import visible_ids
from forums.forms import ConfirmForm, PreferenceForm
from forums.views import bp, form_error


@bp.get("/notifications")
@login_required
def notifications():
    page = paginate(queries.notifications_stmt(current_user), per_page=30)
    pref = notify.get_preference(current_user)
    form = PreferenceForm(email_mode=pref.email_mode)
    return render_template("forums/notifications.html", page=page, form=form,
                           confirm=ConfirmForm())


@bp.post("/notifications/lues")
@login_required
def mark_read():
    notify.mark_all_read(current_user)
    db.session.commit()
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("forums.notifications"))


@bp.post("/notifications/preferences")
@login_required
def preferences():
    form = PreferenceForm()
    if form.validate_on_submit():
        try:
            notify.set_preference(current_user, form.email_mode.data)
        except DomainError as err:
            form_error(form, err, "email_mode")
        else:
            db.session.commit()
            flash(_("Votre choix est enregistré."), "success")
            return redirect(url_for("forums.notifications"))
    page = paginate(queries.notifications_stmt(current_user), per_page=30)
    return render_template("forums/notifications.html", page=page, form=form,
                           confirm=ConfirmForm()), 400


@bp.get("/collegues.json")
@login_required
def colleagues():
    """Autocomplete of @mentions: names and handles of colleagues (JSON)."""
    term = request.args.get("q", "")
    return jsonify(colleagues=notify.colleagues_matching(current_user.organisation_id, term))


@bp.get("/recherche")
@login_required
def search_page():
    query = (request.args.get("q") or "").strip()[:200]
    results_html = None
    if query:
        # Cached per visible categories, text and page (forums.shared.search_results).
        results_html = shared.search_results(
            current_user.organisation_id, visible_ids(current_user), query,
            candidates=current_app.config.get("FORUMS_SEARCH_CANDIDATES", search.CANDIDATES),
            count_cap=current_app.config.get("FORUMS_SEARCH_COUNT_CAP", search.COUNT_CAP))
    return render_template("forums/search.html", query=query, results_html=results_html)
