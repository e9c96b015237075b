"""User needs: the board (filters, sort, CSV export), recording a need, "je l'ai
aussi constaté", status, links to projects, drafted and validated answers."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.idempotency import once_per_submission
from change_portal.core.pagination import paginate
from change_portal.core.params import form_int, parse_int
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.projects.models import Project
from forums import needs as need_services
from forums import queries, services
from forums.forms import (
    AnswerForm,
    ConfirmForm,
    EndorseForm,
    LinkProjectForm,
    NeedFieldsForm,
    NeedForm,
    StatusForm,
)
from forums.models import (
    CHANNEL_LABELS,
    FREQUENCY_LABELS,
    IMPACT_LABELS,
    NEED_STATUS_LABELS,
    PUBLIC_LABELS,
    Need,
    NeedStatus,
)
from forums.views import bp, commit, form_error, load_need

managers = role_required(Role.ADMIN, Role.PROJECT_LEAD)
NEEDS_PER_PAGE = 25


def need_context(need: Need, moderator: bool) -> dict:
    """What the topic page shows for a need (a fixed number of queries)."""
    detail = queries.need_detail(current_user, need)
    status_form = StatusForm()
    current = NeedStatus(need.status)
    status_form.status.choices = [(s.value, str(NEED_STATUS_LABELS[s]))
                                  for s in need_services.MANUAL_MOVES[current]]
    link_form = LinkProjectForm()
    linked = {p.id for p in detail.projects}
    link_form.project_id.choices = [(p.id, p.title) for p in queries.visible_projects(
        current_user) if p.id not in linked]
    answer_form = AnswerForm(answer=need.answer or None)
    return {
        "need": need, "detail": detail, "endorse_form": EndorseForm(),
        "status_form": status_form, "link_form": link_form, "answer_form": answer_form,
        "can_manage": need_services.can_manage(current_user),
        "labels": _labels(),
    }


def _labels() -> dict:
    return {"public": PUBLIC_LABELS, "channel": CHANNEL_LABELS, "frequency": FREQUENCY_LABELS,
            "impact": IMPACT_LABELS, "status": NEED_STATUS_LABELS}


def _filters(projects: list) -> dict:
    """Board filters from the query string; unknown values are ignored, and so is a
    project the viewer may not read (the board would tell which needs it serves)."""
    args = request.args
    project_id = parse_int(args.get("projet"))

    def pick(name: str, allowed) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    def number(name: str) -> int | None:
        return parse_int(args.get(name))

    return {
        "status": pick("statut", {s.value for s in NeedStatus}),
        "channel": pick("canal", CHANNEL_LABELS),
        "public": pick("public", PUBLIC_LABELS),
        "impact": pick("impact", IMPACT_LABELS),
        "service_id": number("service"),
        "project_id": project_id if project_id in {p.id for p in projects} else None,
        "sort": pick("tri", queries.SORTS) or "constats",
    }


def _query_args(f: dict) -> dict:
    names = {"status": "statut", "channel": "canal", "public": "public", "impact": "impact",
             "service_id": "service", "project_id": "projet", "sort": "tri"}
    return {names[k]: v for k, v in f.items() if v}


def _board_stmt(f: dict):
    ids = [c.id for c in queries.visible_categories(current_user)]
    return queries.needs_board_stmt(current_user.organisation_id, ids, **f)


@bp.get("/besoins")
@login_required
def needs_board():
    projects = queries.visible_projects(current_user)
    f = _filters(projects)
    stmt = _board_stmt(f)
    page = paginate(stmt, per_page=NEEDS_PER_PAGE, rows=True, load=queries.load_need_rows)
    items = page.items
    return render_template(
        "forums/needs_board.html", page=page, filters=f, args=_query_args(f),
        projects=projects,
        services=queries.org_services(current_user.organisation_id),
        linked=queries.projects_of_needs(current_user, [n.id for n, _c in items]),
        labels=_labels(),
    )


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ tab or CR gets a quote."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@bp.get("/besoins/export.csv")
@login_required
def needs_export():
    f = _filters(queries.visible_projects(current_user))
    items = queries.board_page(_board_stmt(f), 10_000)
    linked = queries.projects_of_needs(current_user, [n.id for n, _c in items])
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow([_("Numéro"), _("Besoin"), _("Statut"), _("Public"), _("Canal"),
                     _("Fréquence"), _("Impact"), _("Services concernés"),
                     _("Collègues l'ayant constaté"), _("Projets"), _("Créé le")])
    for need, count in items:
        writer.writerow([_csv_cell(v) for v in (
            need.id, need.topic.title, need.status_label,
            PUBLIC_LABELS.get(need.public, need.public),
            CHANNEL_LABELS.get(need.channel, need.channel),
            FREQUENCY_LABELS.get(need.frequency, need.frequency),
            IMPACT_LABELS.get(need.impact, need.impact),
            ", ".join(s.name for s in need.services), count,
            ", ".join(p.title for p in linked.get(need.id, [])),
            need.topic.created_at.date().isoformat(),
        )])
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="besoins.csv"'})


@bp.route("/besoins/nouveau", methods=["GET", "POST"])
@login_required
@once_per_submission
def new_need():
    categories = queries.visible_categories(current_user)
    services_ = queries.org_services(current_user.organisation_id)
    form = NeedForm()
    form.category_id.choices = [(c.id, c.name) for c in categories]
    form.services.choices = [(s.id, s.name) for s in services_]
    if request.method == "GET" and categories:
        form.category_id.data = categories[0].id
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            try:
                preview = services.preview(current_user, form.body.data)
            except services.PostingTooFast as err:
                return render_template("forums/need_form.html", form=form, flood=err.message
                                       ), 429, {"Retry-After": str(err.retry_after)}
        else:
            by_id = {c.id: c for c in categories}
            chosen = [s for s in services_ if s.id in set(form.services.data or [])]
            try:
                need = need_services.record_need(
                    current_user, by_id[form.category_id.data], title=form.title.data,
                    description=form.body.data, public=form.public.data,
                    channel=form.channel.data, frequency=form.frequency.data,
                    impact=form.impact.data, workaround=form.workaround.data, services=chosen)
            except services.PostingTooFast as err:
                return render_template("forums/need_form.html", form=form, flood=err.message
                                       ), 429, {"Retry-After": str(err.retry_after)}
            except DomainError as err:
                form_error(form, err, "body")
            else:
                commit()
                flash(_("Le besoin est enregistré. Vos collègues peuvent indiquer qu'ils l'ont "
                        "aussi constaté."), "success")
                return redirect(url_for("forums.topic", topic_id=need.topic_id))
    return render_template("forums/need_form.html", form=form, preview=preview)


@bp.get("/besoins/<int:need_id>")
@login_required
def need(need_id: int):
    n = load_need(need_id)
    return redirect(url_for("forums.topic", topic_id=n.topic_id))


def _back(n: Need, anchor: str = "besoin"):
    return redirect(url_for("forums.topic", topic_id=n.topic_id, _anchor=anchor))


@bp.post("/besoins/<int:need_id>/constate")
@login_required
def endorse(need_id: int):
    n = load_need(need_id)
    form = EndorseForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return _back(n)
    try:
        need_services.endorse(current_user, n, note=form.note.data, channel=form.channel.data)
    except DomainError as err:
        flash(err.message, "warning")
        return _back(n)
    commit()
    flash(_("Merci : votre constat est compté."), "success")
    return _back(n)


@bp.post("/besoins/<int:need_id>/constate/retirer")
@login_required
def withdraw_endorsement(need_id: int):
    n = load_need(need_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    need_services.withdraw_endorsement(current_user, n)
    commit()
    flash(_("Votre constat est retiré."), "success")
    return _back(n)


@bp.route("/besoins/<int:need_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_need(need_id: int):
    n = load_need(need_id)
    if n.topic.author_id != current_user.id and not need_services.can_manage(current_user):
        abort(403)
    services_ = queries.org_services(current_user.organisation_id)
    form = NeedFieldsForm(obj=n) if request.method == "GET" else NeedFieldsForm()
    form.services.choices = [(s.id, s.name) for s in services_]
    if request.method == "GET":
        form.services.data = [s.id for s in n.services]
    if form.validate_on_submit():
        wanted = set(form.services.data or [])
        try:
            need_services.update_need_fields(
                current_user, n, public=form.public.data, channel=form.channel.data,
                frequency=form.frequency.data, impact=form.impact.data,
                workaround=form.workaround.data or "",
                services=[s for s in services_ if s.id in wanted])
        except NotAllowed:
            abort(403)
        except DomainError as err:
            form_error(form, err, "workaround")
        else:
            commit()
            flash(_("Le besoin est mis à jour."), "success")
            return _back(n)
    return render_template("forums/need_edit.html", form=form, need=n)


@bp.post("/besoins/<int:need_id>/statut")
@managers
def need_status(need_id: int):
    n = load_need(need_id)
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in NeedStatus]
    if not form.validate_on_submit():
        flash(_("Choisissez un statut proposé."), "error")
        return _back(n)
    try:
        need_services.change_status(current_user, n, form.status.data, form.reason.data)
    except NotAllowed:
        abort(403)
    except DomainError as err:
        flash(err.message, "error")
        return _back(n)
    commit()
    flash(_("Statut mis à jour : %(s)s.", s=n.status_label), "success")
    return _back(n)


@bp.post("/besoins/<int:need_id>/projets")
@managers
def link_project(need_id: int):
    n = load_need(need_id)
    project_id = form_int("project_id")
    if project_id is None:
        flash(_("Choisissez un projet."), "error")
        return _back(n)
    project = get_or_404(Project, project_id)
    try:
        need_services.link_project(current_user, n, project)
    except DomainError as err:
        flash(err.message, "error")
        return _back(n)
    commit()
    flash(_("Besoin rattaché au projet « %(p)s ».", p=project.title), "success")
    return _back(n)


@bp.post("/besoins/<int:need_id>/reponse")
@role_required(Role.PROJECT_LEAD)
def draft_answer(need_id: int):
    n = load_need(need_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            need_services.draft_answer(current_user, n, form.answer.data)
        except DomainError as err:
            form_error(form, err, "answer")
        else:
            commit()
            flash(_("Projet de réponse enregistré. Un administrateur ou un·e autre chef·fe de "
                    "projet doit le valider pour qu'il soit publié."), "success")
            return _back(n, "reponse")
    # The text typed stays in the form, with the message next to it.
    return render_template("forums/answer_form.html", form=form, need=n)


@bp.post("/besoins/<int:need_id>/reponse/validation")
@managers
def validate_answer(need_id: int):
    n = load_need(need_id)
    try:
        need_services.validate_answer(current_user, n)
    except DomainError as err:
        flash(err.message, "error")
        return _back(n, "reponse")
    commit()
    flash(_("Réponse validée et publiée ; les personnes qui suivent ce besoin sont prévenues."),
          "success")
    return _back(n, "reponse")
