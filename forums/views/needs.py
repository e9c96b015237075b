"""User needs: the board (filters, sort, CSV export), recording a need, "je l'ai
aussi constaté", status, links to projects, drafted and validated answers."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.idempotency import once_per_submission
from change_portal.core.labels import label_choices
from change_portal.core.params import form_int, parse_int
from change_portal.core.permissions import Role, login_required, role_required
from change_portal.core.tenancy import get_or_404
from change_portal.extensions import db
from change_portal.projects.models import Project
from forums import needs as need_services
from forums import queries, services, shared
from forums.categories import visible_ids
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
    IMPACT_LABELS,
    NEED_STATUS_LABELS,
    PUBLIC_LABELS,
    Need,
    NeedStatus,
)
from forums.views import bp, form_error, load_need, too_fast

managers = role_required(Role.ADMIN, Role.PROJECT_LEAD)


def need_context(need: Need, moderator: bool) -> dict:
    """What the topic page shows for a need (a fixed number of queries)."""
    detail = queries.need_detail(current_user, need)
    status_form = StatusForm()
    current = NeedStatus(need.status)
    status_form.status.choices = label_choices(NEED_STATUS_LABELS,
                                               only=need_services.MANUAL_MOVES[current])
    link_form = LinkProjectForm()
    linked = {p.id for p in detail.projects}
    link_form.project_id.choices = [(p.id, p.title) for p in queries.visible_projects(
        current_user) if p.id not in linked]
    answer_form = AnswerForm(answer=need.answer or None)
    return {
        "need": need, "detail": detail, "endorse_form": EndorseForm(),
        "status_form": status_form, "link_form": link_form, "answer_form": answer_form,
        "can_manage": need_services.can_manage(current_user),
        "channel_labels": CHANNEL_LABELS,
    }


def _choices() -> dict:
    """The board's filter options: (stored value, label) pairs."""
    return {"public": label_choices(PUBLIC_LABELS), "channel": label_choices(CHANNEL_LABELS),
            "impact": label_choices(IMPACT_LABELS), "status": label_choices(NEED_STATUS_LABELS)}


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


def _project_options(projects: list, selected: int | None) -> Markup:
    """The <option>s of the "Projet" filter (the projects the reader may read): joined
    in Python rather than a template loop, the list is long (ids are integers, titles
    escaped)."""
    return Markup("".join(  # noqa: S704 - every title is escaped
        f'<option value="{int(p.id)}"{" selected" if p.id == selected else ""}>'
        f'{escape(p.title)}</option>' for p in projects))


def _linked_titles(rows: list, projects: list) -> dict[int, str]:
    """need id → the titles of its linked projects among `projects` (those the reader
    may read, by title), in that order."""
    rank = {p.id: i for i, p in enumerate(projects)}
    return {need_id: ", ".join(projects[i].title for i in sorted(
        rank[pid] for pid in pids if pid in rank)) for need_id, _row, pids in rows if pids}


@bp.get("/besoins")
@login_required
def needs_board():
    projects = queries.visible_projects(current_user)
    f = _filters(projects)
    args = _query_args(f)
    ids = visible_ids(current_user)
    # The rows are the same for every reader with these categories and filters (cached);
    # each reader sees only the linked projects they may read.
    board = shared.needs_board(current_user.organisation_id, ids, f, args, _choices)
    return render_template(
        "forums/needs_board.html", board=board, args=args,
        project_options=_project_options(projects, f["project_id"]),
        linked=_linked_titles(board["rows"], projects),
    )


@bp.get("/besoins/export.csv")
@login_required
def needs_export():
    f = _filters(queries.visible_projects(current_user))
    ids = visible_ids(current_user)
    rows = queries.needs_export_rows(current_user, ids, f)
    return Response("\ufeff" + need_services.needs_csv(rows),
                    mimetype="text/csv; charset=utf-8",
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
                return too_fast("forums/need_form.html", err, form=form)
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
                return too_fast("forums/need_form.html", err, form=form)
            except DomainError as err:
                form_error(form, err, "body")
            else:
                db.session.commit()
                flash(_("Le besoin est enregistré. Vos collègues peuvent indiquer qu'ils l'ont "
                        "aussi constaté."), "success")
                return redirect(url_for("forums.topic", topic_id=need.topic_id))
    return render_template("forums/need_form.html", form=form, preview=preview)


@bp.get("/besoins/<int:need_id>")
@login_required
def need(need_id: int):
    need = load_need(need_id)
    return redirect(url_for("forums.topic", topic_id=need.topic_id))


def _back(need: Need, anchor: str = "besoin"):
    return redirect(url_for("forums.topic", topic_id=need.topic_id, _anchor=anchor))


@bp.post("/besoins/<int:need_id>/constate")
@login_required
def endorse(need_id: int):
    need = load_need(need_id)
    form = EndorseForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errs in form.errors.values() for e in errs), "error")
        return _back(need)
    try:
        need_services.endorse(current_user, need, note=form.note.data, channel=form.channel.data)
    except DomainError as err:
        flash(err.message, "warning")
        return _back(need)
    db.session.commit()
    flash(_("Merci : votre constat est compté."), "success")
    return _back(need)


@bp.post("/besoins/<int:need_id>/constate/retirer")
@login_required
def withdraw_endorsement(need_id: int):
    need = load_need(need_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    need_services.withdraw_endorsement(current_user, need)
    db.session.commit()
    flash(_("Votre constat est retiré."), "success")
    return _back(need)


@bp.route("/besoins/<int:need_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_need(need_id: int):
    need = load_need(need_id)
    if need.topic.author_id != current_user.id and not need_services.can_manage(current_user):
        abort(403)
    services_ = queries.org_services(current_user.organisation_id)
    form = NeedFieldsForm(obj=need) if request.method == "GET" else NeedFieldsForm()
    form.services.choices = [(s.id, s.name) for s in services_]
    if request.method == "GET":
        form.services.data = [s.id for s in need.services]
    if form.validate_on_submit():
        wanted = set(form.services.data or [])
        try:
            need_services.update_need_fields(
                current_user, need, public=form.public.data, channel=form.channel.data,
                frequency=form.frequency.data, impact=form.impact.data,
                workaround=form.workaround.data or "",
                services=[s for s in services_ if s.id in wanted])
        except NotAllowed:
            abort(403)
        except DomainError as err:
            form_error(form, err, "workaround")
        else:
            db.session.commit()
            flash(_("Le besoin est mis à jour."), "success")
            return _back(need)
    return render_template("forums/need_edit.html", form=form, need=need)


@bp.post("/besoins/<int:need_id>/statut")
@managers
def need_status(need_id: int):
    need = load_need(need_id)
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in NeedStatus]
    if not form.validate_on_submit():
        flash(_("Choisissez un statut proposé."), "error")
        return _back(need)
    try:
        need_services.change_status(current_user, need, form.status.data, form.reason.data)
    except NotAllowed:
        abort(403)
    except DomainError as err:
        flash(err.message, "error")
        return _back(need)
    db.session.commit()
    flash(_("Statut mis à jour : %(s)s.", s=need.status_label), "success")
    return _back(need)


@bp.post("/besoins/<int:need_id>/projets")
@managers
def link_project(need_id: int):
    need = load_need(need_id)
    project_id = form_int("project_id")
    if project_id is None:
        flash(_("Choisissez un projet."), "error")
        return _back(need)
    project = get_or_404(Project, project_id)
    try:
        need_services.link_project(current_user, need, project)
    except DomainError as err:
        flash(err.message, "error")
        return _back(need)
    db.session.commit()
    flash(_("Besoin rattaché au projet « %(p)s ».", p=project.title), "success")
    return _back(need)


@bp.post("/besoins/<int:need_id>/reponse")
@role_required(Role.PROJECT_LEAD)
def draft_answer(need_id: int):
    need = load_need(need_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            need_services.draft_answer(current_user, need, form.answer.data)
        except DomainError as err:
            form_error(form, err, "answer")
        else:
            db.session.commit()
            flash(_("Projet de réponse enregistré. Un administrateur ou un·e autre chef·fe de "
                    "projet doit le valider pour qu'il soit publié."), "success")
            return _back(need, "reponse")
    # The text typed stays in the form, with the message next to it.
    return render_template("forums/answer_form.html", form=form, need=need)


@bp.post("/besoins/<int:need_id>/reponse/validation")
@managers
def validate_answer(need_id: int):
    need = load_need(need_id)
    try:
        need_services.validate_answer(current_user, need)
    except DomainError as err:
        flash(err.message, "error")
        return _back(need, "reponse")
    db.session.commit()
    flash(_("Réponse validée et publiée ; les personnes qui suivent ce besoin sont prévenues."),
          "success")
    return _back(need, "reponse")
