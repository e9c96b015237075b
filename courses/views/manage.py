"""Trainer pages (trainers and admins): authoring in the browser, preview,
images, publishing, versions, export, library import job."""

from __future__ import annotations

import difflib

from flask import abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core.errors import DomainError
from change_portal.core.jobs import QueueUnavailable, enqueue
from change_portal.core.params import arg_int, parse_int
from change_portal.core.permissions import Role, role_required
from change_portal.core.web import form_error
from change_portal.extensions import db
from courses import authoring_queries, importer, jobs, queries, services
from courses import format as course_format
from courses.forms import ImageForm, LessonForm, ModuleForm, NewLessonForm, ZipImportForm
from courses.models import Lesson, Module, ModuleVersion, SyncRun
from courses.views import bp

authors_only = role_required(Role.TRAINER, Role.ADMIN)


def _own(module_id: int) -> Module:
    return queries.own_module_or_404(module_id, current_user.organisation_id)


@bp.get("/modules/gestion/")
@authors_only
def manage():
    overview = authoring_queries.manage_overview(current_user.organisation_id)
    return render_template("courses/manage.html", modules=overview.modules,
                           versions=overview.versions, shared=overview.shared,
                           runs=overview.runs, own_slugs={m.slug for m in overview.modules},
                           zip_form=ZipImportForm(prefix="zip"))


@bp.post("/modules/gestion/importer")
@authors_only
def import_zip():
    """Import the module folders of an uploaded zip as modules of the collectivité;
    the report (errors as file:line: message) is shown on the page."""
    form = ZipImportForm(prefix="zip")
    upload = form.archive.data if form.validate_on_submit() else None
    if upload is None or not getattr(upload, "filename", None):
        flash(_("Choisissez une archive zip à importer."), "error")
        return redirect(url_for("courses.manage"))
    report = importer.sync_zip(upload.read(importer.MAX_ZIP_BYTES + 1),
                               current_user.organisation_id, current_user)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    return render_template("courses/import_report.html", report=report)


@bp.post("/modules/gestion/synchroniser")
@authors_only
def sync_library():
    run = SyncRun(organisation_id=current_user.organisation_id, requested_by_id=current_user.id)
    db.session.add(run)
    db.session.commit()
    try:
        enqueue(jobs.sync_library, run.id)
        flash(_("L'import de la bibliothèque est lancé. Son résultat s'affiche ci-dessous."),
              "success")
    except QueueUnavailable:
        flash(_("L'import n'a pas pu être programmé pour l'instant. Réessayez plus tard."),
              "warning")
    return redirect(url_for("courses.manage"))


def _module_data(form) -> dict:
    return {
        "title": form.title.data, "summary": form.summary.data, "duration": form.duration.data,
        "level": form.level.data, "pass_score": form.pass_score.data,
        "competences": form.competence_list(),
        "introduction": form.introduction.data or "",
    }


def _preview(module, text: str, *, allow_quiz: bool = True) -> dict:
    # Throttled like posts: past the limit the page says so and keeps the text.
    try:
        services.check_preview_rate(current_user)
    except services.PreviewTooFast as err:
        return {"html": "", "errors": [err.message], "warnings": [], "quizzes": []}
    return services.preview(module, text, allow_quiz=allow_quiz)


@bp.route("/modules/gestion/nouveau", methods=["GET", "POST"])
@authors_only
def new_module():
    form = ModuleForm()
    form.offer_competences(queries.competence_choices(current_user.organisation_id))
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = _preview(None, form.introduction.data, allow_quiz=False)
        else:
            try:
                module = services.create_module(current_user, **_module_data(form))
            except DomainError as err:
                db.session.rollback()
                form_error(form, err, "title")
            else:
                db.session.commit()
                flash(_("Module créé en brouillon. Ajoutez maintenant ses leçons."), "success")
                return redirect(url_for("courses.edit_module", module_id=module.id))
    return render_template("courses/module_form.html", form=form, preview=preview, module=None)


def _editor_context(module: Module, draft: ModuleVersion | None) -> dict:
    return {"module": module, "draft": draft,
            "images": authoring_queries.module_images(module.id),
            "numbers": authoring_queries.version_summaries(module.id),
            "lesson_form": NewLessonForm(prefix="new"), "image_form": ImageForm(prefix="img")}


@bp.route("/modules/gestion/<int:module_id>", methods=["GET", "POST"])
@authors_only
def edit_module(module_id: int):
    module = _own(module_id)
    draft = services.draft_version(module)
    # Reading this page writes nothing: without a draft it shows the current
    # version, and saving (or "Modifier les leçons") creates the draft.
    shown = draft or services.current_version(module)
    if shown is None:
        abort(404)
    form = ModuleForm(obj=shown) if request.method == "GET" else ModuleForm()
    known = queries.competence_choices(current_user.organisation_id)
    if request.method == "GET":
        form.offer_competences(known, shown.competences)
        form.opened.data = f"{shown.id}:{shown.edit_version}"
    else:
        form.offer_competences(known)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = _preview(module, form.introduction.data, allow_quiz=False)
        else:
            try:
                services.update_module(current_user, module, opened=form.opened.data,
                                       **_module_data(form))
            except DomainError as err:
                db.session.rollback()
                form_error(form, err, "title")
            else:
                if request.form.get("action") == "publish":
                    return _publish_saved(module, form)
                db.session.commit()
                flash(_("Brouillon enregistré."), "success")
                return redirect(url_for("courses.edit_module", module_id=module.id))
    return render_template("courses/module_form.html", form=form, preview=preview,
                           shown=shown, **_editor_context(module, draft))


@bp.post("/modules/gestion/<int:module_id>/brouillon")
@authors_only
def start_draft(module_id: int):
    """Create the draft (a copy of the current version) to edit lessons."""
    module = _own(module_id)
    services.ensure_draft(current_user, module)
    db.session.commit()
    return redirect(url_for("courses.edit_module", module_id=module.id) + "#lecons")


@bp.post("/modules/gestion/<int:module_id>/lecons")
@authors_only
def new_lesson(module_id: int):
    module = _own(module_id)
    form = NewLessonForm(prefix="new")
    if not form.validate_on_submit():
        flash(_("Indiquez le titre de la leçon (200 caractères au plus)."), "error")
        return redirect(url_for("courses.edit_module", module_id=module.id))
    try:
        lesson = services.add_lesson(current_user, module, form.title.data)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("courses.edit_module", module_id=module.id))
    db.session.commit()
    flash(_("Leçon « %(t)s » ajoutée au brouillon : écrivez maintenant son contenu.",
            t=lesson.title), "success")
    return redirect(url_for("courses.edit_lesson", module_id=module.id, lesson_id=lesson.id))


def _draft_lesson(module: Module, lesson_id: int) -> Lesson:
    lesson = authoring_queries.draft_lesson(module.id, lesson_id)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/modules/gestion/<int:module_id>/lecons/<int:lesson_id>", methods=["GET", "POST"])
@authors_only
def edit_lesson(module_id: int, lesson_id: int):
    module = _own(module_id)
    lesson = _draft_lesson(module, lesson_id)
    form = LessonForm(obj=lesson) if request.method == "GET" else LessonForm()
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = _preview(module, form.source.data)
        else:
            try:
                expected = form.edit_version.data
                warnings = services.save_lesson(
                    current_user, lesson, title=form.title.data, source=form.source.data or "",
                    expected_version=parse_int(expected))
            except DomainError as err:
                db.session.rollback()
                form_error(form, err, "source")
            else:
                db.session.commit()
                flash(_("Leçon enregistrée dans le brouillon."), "success")
                for warning in warnings[:10]:
                    flash(_("À vérifier : %(w)s", w=warning), "warning")
                return redirect(url_for("courses.edit_lesson", module_id=module.id,
                                        lesson_id=lesson.id))
    return render_template("courses/lesson_form.html", form=form, module=module, lesson=lesson,
                           preview=preview)


@bp.post("/modules/gestion/<int:module_id>/apercu")
@authors_only
def preview_api(module_id: int):
    """JSON preview for the editor's optional script (same pipeline as saving)."""
    module = _own(module_id)
    try:
        services.check_preview_rate(current_user)
    except services.PreviewTooFast as err:
        return jsonify(error=err.message), 429, {"Retry-After": str(err.retry_after)}
    result = services.preview(module, request.form.get("source", ""),
                              allow_quiz=request.form.get("kind") != "introduction")
    html = render_template("courses/_preview.html", preview=result)
    return jsonify(html=html)


@bp.post("/modules/gestion/<int:module_id>/lecons/<int:lesson_id>/deplacer")
@authors_only
def move_lesson(module_id: int, lesson_id: int):
    module = _own(module_id)
    lesson = _draft_lesson(module, lesson_id)
    services.move_lesson(current_user, lesson, request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for("courses.edit_module", module_id=module.id) + "#lecons")


@bp.post("/modules/gestion/<int:module_id>/lecons/<int:lesson_id>/supprimer")
@authors_only
def delete_lesson(module_id: int, lesson_id: int):
    module = _own(module_id)
    lesson = _draft_lesson(module, lesson_id)
    services.delete_lesson(current_user, lesson)
    db.session.commit()
    flash(_("Leçon retirée du brouillon."), "success")
    return redirect(url_for("courses.edit_module", module_id=module.id) + "#lecons")


@bp.post("/modules/gestion/<int:module_id>/images")
@authors_only
def upload_image(module_id: int):
    module = _own(module_id)
    form = ImageForm(prefix="img")
    upload = form.image.data if form.validate_on_submit() else None
    if upload is None or not getattr(upload, "filename", None):
        flash(_("Choisissez une image à envoyer."), "error")
        return redirect(url_for("courses.edit_module", module_id=module.id) + "#images")
    data = upload.read(course_format.MAX_IMAGE_BYTES + 1)
    try:
        row = services.upload_image(current_user, module, upload.filename, data)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Image enregistrée. Insérez-la avec : ![description](%(n)s)", n=row.name),
              "success")
    return redirect(url_for("courses.edit_module", module_id=module.id) + "#images")


@bp.post("/modules/gestion/<int:module_id>/publier")
@authors_only
def publish_module(module_id: int):
    module = _own(module_id)
    try:
        version = services.publish(current_user, module)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("courses.edit_module", module_id=module.id))
    db.session.commit()
    flash(_("Version %(n)d publiée. La progression des agents est conservée.", n=version.number),
          "success")
    return redirect(url_for("courses.module", module_id=module.id))


def _publish_saved(module: Module, form):
    """Save then publish in one transaction; if publishing is refused, the saved text is
    kept as the draft and the refusal is said on the form."""
    db.session.commit()  # the typed text is the draft now, whatever follows
    try:
        version = services.publish(current_user, module)
    except DomainError as err:
        db.session.rollback()
        flash(_("Brouillon enregistré, mais pas publié : %(m)s", m=err.message), "error")
        return redirect(url_for("courses.edit_module", module_id=module.id))
    db.session.commit()
    flash(_("Version %(n)d publiée. La progression des agents est conservée.", n=version.number),
          "success")
    return redirect(url_for("courses.module", module_id=module.id))


def _int_arg(name: str) -> int | None:
    return arg_int(name, maximum=999_999)


@bp.get("/modules/gestion/<int:module_id>/versions")
@authors_only
def versions(module_id: int):
    module = _own(module_id)
    numbers = authoring_queries.version_numbers(module.id)
    newest = numbers[-1] if numbers else None
    new = authoring_queries.version_numbered(module.id, _int_arg("a") or newest)
    old = authoring_queries.version_numbered(module.id,
                                             _int_arg("de") or (new.number - 1 if new else None))
    changes = _diff(old, new) if old is not None and new is not None else []
    return render_template("courses/versions.html", module=module, numbers=numbers, old=old,
                           new=new, changes=changes)


def _diff(old: ModuleVersion, new: ModuleVersion) -> list[dict]:
    """Per lesson (matched by key): added, removed or changed, with line diffs."""
    changes = []
    meta_old = f"{old.title}\n{old.summary}\n{old.duration}\n{old.pass_score}\n{old.introduction}"
    meta_new = f"{new.title}\n{new.summary}\n{new.duration}\n{new.pass_score}\n{new.introduction}"
    if meta_old != meta_new:
        changes.append({"title": _("Présentation du module"), "kind": "changed",
                        "lines": _lines(meta_old, meta_new)})
    before = {lesson.key: lesson for lesson in old.lessons}
    after = {lesson.key: lesson for lesson in new.lessons}
    for lesson in new.lessons:
        previous = before.get(lesson.key)
        if previous is None:
            changes.append({"title": lesson.title, "kind": "added", "lines": []})
        elif (previous.title, previous.source, previous.position) != (
                lesson.title, lesson.source, lesson.position):
            changes.append({"title": lesson.title, "kind": "changed",
                            "lines": _lines(f"# {previous.title}\n{previous.source}",
                                            f"# {lesson.title}\n{lesson.source}"),
                            "moved": previous.position != lesson.position})
    for lesson in old.lessons:
        if lesson.key not in after:
            changes.append({"title": lesson.title, "kind": "removed", "lines": []})
    return changes


def _lines(a: str, b: str) -> list[tuple[str, str]]:
    result = []
    for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "added", "-": "removed", "@": "context"}.get(line[:1], "same")
        result.append((kind, line[1:] if kind != "context" else "…"))
    return result[:400]


@bp.post("/modules/gestion/<int:module_id>/copier")
@authors_only
def copy_module(module_id: int):
    """Copy a shared module into the collectivité, to adapt it."""
    module = queries.visible_module_or_404(module_id, current_user.organisation_id)
    try:
        copy = services.copy_module(current_user, module)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("courses.manage"))
    db.session.commit()
    flash(_("Le module est copié dans votre collectivité : vous pouvez l'adapter puis le "
            "publier. Les agents le voient dès maintenant."), "success")
    return redirect(url_for("courses.edit_module", module_id=copy.id))


@bp.get("/modules/gestion/<int:module_id>/export")
@authors_only
def export_module(module_id: int):
    module = _own(module_id)
    number = _int_arg("version")
    version = authoring_queries.version_numbered(module.id, number) if number else (
        services.current_version(module) or services.draft_version(module))
    if version is None:
        abort(404)
    try:
        data = services.export_zip(version)
    except ValueError:
        flash(_("Ce module ne peut pas être exporté tel quel : vérifiez ses leçons."), "error")
        return redirect(url_for("courses.edit_module", module_id=module.id))
    resp = make_response(data)
    resp.headers["Content-Type"] = "application/zip"
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="{module.slug}-v{version.number}.zip"')
    return resp

