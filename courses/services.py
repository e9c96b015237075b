"""Writes of the learning domain's content made in the browser: drafts, lessons,
images, publishing, copies (versions, rendering and export: versions.py).

Functions take the acting user and objects explicitly, flush but never commit,
and raise DomainError with a message for people.
"""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from change_portal.core import audit, ratelimit
from change_portal.core.errors import DomainError, NotAllowed
from change_portal.core.permissions import Role
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from courses import format as course_format
from courses.format import slugify
from courses.models import (
    Competence,
    CourseImage,
    Lesson,
    Module,
    ModuleVersion,
)
from courses.versions import (  # noqa: F401 - services.current_version etc. stay valid
    IMAGE_TYPES,
    add_lesson_row,
    build_version,
    content_hash,
    current_version,
    draft_version,
    export_zip,
    make_current,
    module_image_urls,
    next_number,
    render_module_markdown,
    replace_images,
    replace_quizzes,
    sniff_upload,
    split_quiz_html,
    version_as_content,
)

AUTHOR_ROLES = (Role.TRAINER, Role.ADMIN)


# --- authoring in the browser --------------------------------------------------------

def _check_author(actor, module: Module | None = None) -> None:
    if not any(actor.has_role(r) for r in AUTHOR_ROLES):
        raise NotAllowed(_("Seuls les formateurs et les administrateurs modifient les modules."))
    if module is not None and module.organisation_id != actor.organisation_id:
        raise NotAllowed(_("Ce module est partagé par la plateforme : il ne peut pas être "
                           "modifié ici."))


def _validate_meta(data: dict) -> dict:
    title = (data.get("title") or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Indiquez un titre de 200 caractères au plus."), field="title")
    summary = (data.get("summary") or "").strip()
    if not summary or len(summary) > 500:
        raise DomainError(_("Indiquez un résumé de 500 caractères au plus."), field="summary")
    duration = data.get("duration")
    if not isinstance(duration, int) or not 1 <= duration <= 600:
        raise DomainError(_("La durée est un nombre de minutes entre 1 et 600."),
                          field="duration")
    pass_score = data.get("pass_score")
    if not isinstance(pass_score, int) or not 0 <= pass_score <= 100:
        raise DomainError(_("Le score de réussite est un pourcentage entre 0 et 100."),
                          field="pass_score")
    level = data.get("level")
    if level not in course_format.LEVELS:
        raise DomainError(_("Choisissez un niveau dans la liste."), field="level")
    competences = [c.strip()[:120] for c in (data.get("competences") or []) if c.strip()]
    return {"title": title, "summary": summary, "duration": duration,
            "pass_score": pass_score, "level": level,
            "competences": list(dict.fromkeys(competences))[:20]}


def create_module(actor, *, slug: str | None = None, **data) -> Module:
    """Create a module of the actor's collectivité with an empty draft."""
    _check_author(actor)
    meta = _validate_meta(data)
    slug = slugify(slug or meta["title"]) or "module"
    if len(slug) < 3:
        slug = f"module-{slug}"
    base, n = slug, 2
    while db.session.scalar(select(Module.id).where(
            of_tenant(Module, actor.organisation_id), Module.slug == slug)):
        slug = f"{base[:70]}-{n}"
        n += 1
    module = Module(organisation_id=actor.organisation_id, slug=slug, created_by_id=actor.id)
    db.session.add(module)
    db.session.flush()
    content = SimpleNamespace(audience=list(course_format.DEFAULT_AUDIENCE), version=None,
                              introduction=data.get("introduction") or "", lessons=[], **meta)
    _check_intro(content.introduction, module)
    build_version(module, content, number=1, status="draft", actor=actor)
    audit.record("course.created", actor=actor, target=module)
    return module


def _check_intro(text: str, module: Module) -> None:
    try:
        course_format.parse_lesson_body(text, path="module.md", images=_image_map(module),
                                  allow_quiz=False)
    except course_format.ModuleFormatError as err:
        raise DomainError(_format_errors(err), field="introduction") from None


def _image_map(module: Module) -> dict[str, bytes]:
    # The checker only needs the names; avoid loading the bytes.
    return {name: b"" for name in db.session.scalars(
        select(CourseImage.name).where(CourseImage.module_id == module.id))}


def _format_errors(err: course_format.ModuleFormatError) -> str:
    return " ; ".join(_("ligne %(n)d : %(m)s", n=i.line, m=i.message) for i in err.errors)


def ensure_draft(actor, module: Module) -> ModuleVersion:
    """The draft of `module`, created from the current version when there is none."""
    _check_author(actor, module)
    draft = draft_version(module)
    if draft is not None:
        return draft
    current = current_version(module)
    if current is None:
        raise DomainError(_("Ce module n'a pas de contenu."))
    draft = build_version(module, version_as_content(current), number=next_number(module),
                          status="draft", actor=actor)
    return draft


_CONFLICT = _l("Quelqu'un a enregistré ce module pendant que vous le modifiiez. Votre texte "
               "est conservé ci-dessous : copiez-le, rechargez la page pour voir la nouvelle "
               "version, puis reportez vos changements.")


def update_module(actor, module: Module, *, opened: str | None = None, **data) -> ModuleVersion:
    """Change the draft's title, summary, duration, level, pass score,
    competences and introduction.

    `opened` is "<version id>:<edit version>" of what the editor showed: if a draft
    was saved (or created) by someone else since, the save is refused.
    """
    existing = draft_version(module)
    if opened and existing is not None:
        version_id, _sep, edit_version = opened.partition(":")
        if version_id != str(existing.id) or edit_version != str(existing.edit_version):
            raise DomainError(str(_CONFLICT), field="introduction")
    draft = ensure_draft(actor, module)
    draft.edit_version = (draft.edit_version or 1) + 1
    meta = _validate_meta(data)
    introduction = data.get("introduction") or ""
    if len(introduction) > course_format.MAX_TEXT_BYTES:
        raise DomainError(_("L'introduction est trop longue."), field="introduction")
    _check_intro(introduction, module)
    for key in ("title", "summary", "duration", "pass_score", "level", "competences"):
        setattr(draft, key, meta[key])
    for row in list(draft.competence_rows):
        db.session.delete(row)
    db.session.flush()
    for name in meta["competences"]:
        db.session.add(Competence(version_id=draft.id, name=name))
    draft.introduction = introduction
    draft.introduction_html = render_module_markdown(module.id, introduction)
    db.session.flush()
    return draft


class PreviewTooFast(DomainError):
    """Too many previews in a short time; `retry_after` seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def check_preview_rate(actor) -> None:
    """Previews render up to 200 KB each without storing anything: throttle them
    per person (COURSES_PREVIEW_LIMIT, default 30 a minute and 300 an hour; the
    editor's live preview sends one per pause in typing). Raises PreviewTooFast."""
    limits = ratelimit.parse_limits(
        current_app.config.get("COURSES_PREVIEW_LIMIT", "30/60,300/3600"))
    key = f"course-preview:{actor.id}"
    wait = ratelimit.retry_after(key, limits)
    if wait:
        raise PreviewTooFast(_("Trop d'aperçus demandés en peu de temps : réessayez dans "
                               "%(n)d minute(s). Votre texte est conservé.",
                               n=(wait + 59) // 60), wait)
    ratelimit.hit(key, limits)


def preview(module: Module | None, text: str, *, allow_quiz: bool = True) -> dict:
    """Render what the editor holds with the import pipeline, without saving.
    Returns html (quiz blocks shown as placeholders), errors and warnings.
    Call check_preview_rate first for a person's request."""
    text = (text or "")[: course_format.MAX_TEXT_BYTES]
    images = _image_map(module) if module is not None else {}
    # One parse for the checks and the HTML (a 200 KB lesson is parsed once).
    checked = course_format.check_lesson_body(text, path="lecon.md", images=images,
                                              allow_quiz=allow_quiz)
    # Refused: still show the text (quiz blocks as code) so the trainer sees where they are.
    html = module_image_urls(module.id if module else 0, checked.html)
    warnings = [_("ligne %(n)d : %(m)s", n=i.line, m=i.message) for i in checked.warnings]
    if checked.errors:
        return {"html": html, "errors": [str(i.message) if not i.line else
                                       _("ligne %(n)d : %(m)s", n=i.line, m=i.message)
                                       for i in checked.errors],
                "warnings": warnings, "quizzes": []}
    return {"html": html, "parts": split_quiz_html(html), "errors": [],
            "quizzes": checked.quizzes, "warnings": warnings}


def add_lesson(actor, module: Module, title: str) -> Lesson:
    """Append an empty lesson to the draft."""
    draft = ensure_draft(actor, module)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Indiquez un titre de 200 caractères au plus."), field="title")
    keys = {lesson.key for lesson in draft.lessons}
    key = slugify(title) or "lecon"
    base, n = key, 2
    while key in keys:
        key = f"{base[:70]}-{n}"
        n += 1
    position = len(draft.lessons) + 1
    lesson = add_lesson_row(draft, module.id, position, key, f"{position:02d}-{key}.md",
                         title, "", [])
    db.session.expire(draft, ["lessons"])
    return lesson


def save_lesson(actor, lesson: Lesson, *, title: str, source: str,
                expected_version: int | None = None) -> list[str]:
    """Save a draft lesson typed in the editor; returns the warnings.

    `expected_version` is the lesson's edit_version when the editor was opened:
    if someone saved in between, the save is refused (optimistic locking).
    """
    module = lesson.version.module
    _check_author(actor, module)
    if lesson.version.status != "draft":
        raise DomainError(_("Seul le brouillon peut être modifié."))
    if expected_version is not None and expected_version != lesson.edit_version:
        raise DomainError(_("Quelqu'un a enregistré cette leçon pendant que vous la modifiiez. "
                            "Votre texte est conservé ci-dessous : copiez-le, rechargez la page "
                            "pour voir la nouvelle version, puis reportez vos changements."),
                          field="source")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Indiquez un titre de 200 caractères au plus."), field="title")
    if len((source or "").encode()) > course_format.MAX_TEXT_BYTES:
        raise DomainError(_("Cette leçon est trop longue (200 Ko au plus)."), field="source")
    # One parse for the checks and the stored HTML.
    checked = course_format.check_lesson_body(source or "", path=lesson.filename,
                                              images=_image_map(module))
    if checked.errors:
        raise DomainError(_format_errors(course_format.ModuleFormatError(checked.errors)),
                          field="source")
    body, quizzes, warnings = checked.body, checked.quizzes, checked.warnings
    lesson.title = title
    lesson.body = body
    lesson.source = course_format.lesson_source(body, quizzes)
    lesson.body_html = module_image_urls(module.id, checked.html)
    lesson.edit_version = (lesson.edit_version or 1) + 1
    replace_quizzes(lesson, quizzes)
    return [_("ligne %(n)d : %(m)s", n=i.line, m=i.message) for i in warnings]


def move_lesson(actor, lesson: Lesson, direction: str) -> None:
    """Swap a draft lesson with its neighbour ('up' or 'down')."""
    _check_author(actor, lesson.version.module)
    if lesson.version.status != "draft":
        raise DomainError(_("Seul le brouillon peut être modifié."))
    lessons = list(lesson.version.lessons)
    index = lessons.index(lesson)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(lessons):
        return
    lessons[index], lessons[other] = lessons[other], lessons[index]
    _renumber(lessons)


def delete_lesson(actor, lesson: Lesson) -> None:
    """Remove a lesson from the draft (learners' progress on it is kept)."""
    _check_author(actor, lesson.version.module)
    version = lesson.version
    if version.status != "draft":
        raise DomainError(_("Seul le brouillon peut être modifié."))
    db.session.delete(lesson)
    db.session.flush()
    db.session.expire(version, ["lessons"])
    _renumber(list(version.lessons))


def _renumber(lessons: list[Lesson]) -> None:
    # File names follow the positions so that an export sorts in the lessons' order.
    for position, item in enumerate(lessons, start=1):
        item.position = position
        item.filename = f"{position:02d}-{item.key}.md"
    db.session.flush()
    if lessons:
        db.session.expire(lessons[0].version, ["lessons"])


def upload_image(actor, module: Module, filename: str, data: bytes) -> CourseImage:
    """Store an image of the module after checking its real type (magic bytes)
    and size. SVG and anything that is not PNG/JPEG/GIF/WebP are refused."""
    _check_author(actor, module)
    if len(data) > course_format.MAX_IMAGE_BYTES:
        raise DomainError(_("Image trop volumineuse : 2 Mo au plus."), field="image")
    if not data:
        raise DomainError(_("Le fichier est vide."), field="image")
    kind = course_format.sniff_image(data[:16])
    if kind not in IMAGE_TYPES:
        raise DomainError(_("Format refusé : envoyez une image PNG, JPEG, GIF ou WebP."),
                          field="image")
    stem = slugify((filename or "").rsplit(".", 1)[0], 60) or "image"
    name = f"images/{stem}{kind}"
    row = db.session.scalar(select(CourseImage).where(
        CourseImage.module_id == module.id, CourseImage.name == name))
    if row is None:
        row = CourseImage(module_id=module.id, name=name)
        db.session.add(row)
    row.content = data
    row.size = len(data)
    row.sha256 = hashlib.sha256(data).hexdigest()
    row.content_type = IMAGE_TYPES[kind]
    db.session.flush()
    audit.record("course.image_uploaded", actor=actor, target=module, name=name)
    return row


def publish(actor, module: Module) -> ModuleVersion:
    """Publish the draft as the new current version; learners' progress is kept
    (it is keyed by lesson, not by version)."""
    _check_author(actor, module)
    draft = draft_version(module)
    if draft is None:
        raise DomainError(_("Il n'y a pas de brouillon à publier."))
    if not draft.lessons:
        raise DomainError(_("Ajoutez au moins une leçon avant de publier."))
    empty = [lesson.title for lesson in draft.lessons if not lesson.body.strip()]
    if empty:
        raise DomainError(_("Ces leçons sont vides : %(t)s.", t=", ".join(empty)))
    draft.content_hash = content_hash(course_format.module_to_files(version_as_content(draft)))
    make_current(module, draft)
    audit.record("course.published", actor=actor, target=module, version=draft.number)
    return draft


def copy_module(actor, module: Module) -> Module:
    """Copy the current version of a shared module into the actor's collectivité
    (same slug), through the folder format: export then import."""
    _check_author(actor)
    if module.organisation_id is not None:
        raise DomainError(_("Seuls les modules partagés par la plateforme se copient."))
    exists = db.session.scalar(select(Module.id).where(
        of_tenant(Module, actor.organisation_id), Module.slug == module.slug))
    if exists is not None:
        raise DomainError(_("Votre collectivité a déjà une copie de ce module."))
    version = current_version(module)
    if version is None:
        raise DomainError(_("Ce module n'a pas de contenu."))
    content = version_as_content(version)
    copy = Module(organisation_id=actor.organisation_id, slug=module.slug,
                  created_by_id=actor.id)
    db.session.add(copy)
    db.session.flush()
    replace_images(copy, content.images)
    built = build_version(copy, content, number=1, status="published", actor=actor)
    built.content_hash = version.content_hash
    make_current(copy, built)
    audit.record("course.copied", actor=actor, target=copy, source=module.id)
    return copy
