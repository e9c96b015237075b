"""The catalogue of published fiches, for every member of every collectivité of
the deployment, and a published fiche's page. Only published snapshots are read."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError
from change_portal.core.pagination import paginate
from change_portal.core.permissions import Role, login_required
from change_portal.extensions import db
from change_portal.organisations.models import KIND_LABELS
from change_portal.organisations.strata import POPULATION_BANDS
from change_portal.sharing import qa, queries, services
from change_portal.sharing.forms import ActionForm, AnswerForm, ContactForm, QuestionForm
from change_portal.sharing.themes import theme_choices, theme_titles
from change_portal.sharing.views import bp
from change_portal.sharing.views._helpers import fiche_view


def _filters() -> queries.Filters:
    args = request.args
    themes = theme_titles()
    bands = {b.slug for b in POPULATION_BANDS}
    return queries.Filters(
        theme=args.get("theme", "") if args.get("theme") in themes else "",
        kind=args.get("type", "") if args.get("type") in {k.value for k in KIND_LABELS} else "",
        band=args.get("taille", "") if args.get("taille") in bands else "",
        open_source=args.get("code") == "1",
        q=(args.get("q") or "")[:200].strip(),
        sort=args.get("tri") if args.get("tri") in queries.SORTS else "recent",
    )


@bp.get("/")
@login_required
def catalogue():
    filters = _filters()
    page = paginate(queries.catalogue_stmt(filters), per_page=20)
    views = [fiche_view(f, f.published_content or {}) for f in page.items]
    mine = queries.interested_ids(current_user.organisation_id, [f.id for f in page.items])
    return render_template(
        "sharing/catalogue.html", page=page, views=views, fiches=page.items, mine=mine,
        filters=filters, themes=theme_choices(), kinds=KIND_LABELS, bands=POPULATION_BANDS,
        form=ActionForm(), args={k: v for k, v in request.args.items() if k != "page"})


def render_fiche(fiche, status: int = 200, headers=None, **forms):
    """A published fiche as every member sees it, with its questions and answers."""
    own = fiche.organisation_id == current_user.organisation_id
    forms.setdefault("question_form", QuestionForm(formdata=None))
    forms.setdefault("answer_form", AnswerForm(formdata=None))
    forms.setdefault("contact_form", ContactForm(formdata=None))
    return render_template(
        "sharing/fiche.html", fiche=fiche, view=fiche_view(fiche, fiche.published_content),
        own=own, form=ActionForm(), is_author=own and services.can_author(current_user),
        interested=queries.interested_organisations(fiche.id) if own else [],
        marked=fiche.id in queries.interested_ids(current_user.organisation_id, [fiche.id]),
        reuses=queries.reuse_count(fiche.id) if own else None,
        threads=queries.thread(fiche.id), moderator=qa.can_moderate(current_user, fiche),
        may_inspire=not own and current_user.has_role(Role.PROJECT_LEAD), **forms,
    ), status, headers or {}


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
