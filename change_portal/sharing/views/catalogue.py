"""The catalogue of published fiches, for every member of every collectivité of
the deployment, and a published fiche's page. Only published snapshots are read."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from change_portal.core.errors import DomainError
from change_portal.core.pagination import Page, current_page_number
from change_portal.core.permissions import Role, login_required
from change_portal.extensions import db
from change_portal.sharing import qa, queries, services
from change_portal.sharing.forms import ActionForm, AnswerForm, ContactForm, QuestionForm
from change_portal.sharing.views import _shared, bp


@bp.get("/")
@login_required
def catalogue():
    number = current_page_number()
    html, nonce, ids, total = _shared.catalogue_part(_shared.raw_filters(request.args), number)
    mine = queries.interested_ids(current_user.organisation_id, ids)
    yours = Markup(" — ") + _("dont la vôtre")
    shared = _shared.fill(html, nonce, {"mine": lambda v: yours if int(v) in mine else ""})
    page = Page(items=ids, page=number, per_page=_shared.PER_PAGE, total=total)
    return render_template(
        "sharing/catalogue.html", shared=shared, page=page, form=ActionForm(),
        args={k: v for k, v in request.args.items() if k != "page"})


def render_fiche(fiche, status: int = 200, headers=None, **forms):
    """A published fiche as every member sees it, with its questions and answers."""
    own = fiche.organisation_id == current_user.organisation_id
    forms.setdefault("question_form", QuestionForm(formdata=None))
    forms.setdefault("answer_form", AnswerForm(formdata=None))
    forms.setdefault("contact_form", ContactForm(formdata=None))
    form = ActionForm()
    moderator = qa.can_moderate(current_user, fiche)
    part = _shared.fiche_part(fiche.id, moderator)
    names = _shared.author_names(part["authors"])
    member = _("Un membre")
    # Rendered once each: a marker per form of the page (WTForms' rendering is not cheap).
    answer_csrf, action_csrf = _csrf(forms["answer_form"]), _csrf(form)
    fills = {"author": lambda v: escape(names.get(int(v), member)),
             "csrf": lambda _v: answer_csrf, "action": lambda _v: action_csrf}
    return render_template(
        "sharing/fiche.html", fiche=fiche, content=fiche.published_content,
        body=Markup(part["body"]),  # noqa: S704 - rendered by Jinja, autoescaped
        qa=_shared.fill(part["qa"], part["nonce"], fills),
        own=own, form=form, is_author=own and services.can_author(current_user),
        interested=queries.interested_organisations(fiche.id) if own else [],
        marked=fiche.id in queries.interested_ids(current_user.organisation_id, [fiche.id]),
        reuses=queries.reuse_count(fiche.id) if own else None,
        moderator=moderator, may_inspire=not own and current_user.has_role(Role.PROJECT_LEAD),
        **forms,
    ), status, headers or {}


def _csrf(form) -> Markup | str:
    """The form's hidden CSRF field, as `{{ form.csrf_token }}` renders it (nothing when
    CSRF protection is off)."""
    field = getattr(form, "csrf_token", None)
    return Markup(field()) if field is not None else ""  # noqa: S704 - WTForms' markup


@bp.get("/<int:fiche_id>")
@login_required
def fiche(fiche_id: int):
    return render_fiche(queries.published_fiche_or_404(fiche_id))


@bp.post("/<int:fiche_id>/interet")
@login_required
def mark_interest(fiche_id: int):
    fiche = queries.published_fiche_or_404(fiche_id)
    if ActionForm().validate_on_submit():
        try:
            now_interested = services.toggle_interest(current_user, fiche)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("C'est noté : votre collectivité est intéressée.") if now_interested
                  else _("Votre collectivité n'est plus marquée comme intéressée."), "success")
    return redirect(url_for("sharing.fiche", fiche_id=fiche.id))
