"""Versions of a module's content: rendering the course Markdown (image URLs, quiz
slots), building a version from parsed files, the current and draft versions, and the
export to the folder format. The browser editor's writes are in services.py.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from change_portal.core.models import utcnow
from change_portal.extensions import db
from courses import format as course_format
from courses.models import (
    Competence,
    CourseImage,
    Lesson,
    Module,
    ModuleVersion,
    Option,
    Question,
    Quiz,
)

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}
_IMAGE_URL_RE = re.compile(r'(src|href)="(?:\./)?(images/[^"]+)"')
_NUMBER_PREFIX_RE = re.compile(r"^\d+[-_. ]*")


# --- rendering -----------------------------------------------------------------

def module_image_url(module_id: int, name: str) -> str:
    """The URL a lesson's relative image path is served at."""
    return f"/modules/{module_id}/fichiers/{name}"


def render_module_markdown(module_id: int, text: str) -> str:
    """Markdown → sanitised HTML (with quiz markers, see courses/format/engine.py),
    relative ``images/…`` links pointing at the module's image route. Called at
    import/save time only."""
    return module_image_urls(module_id, course_format.render_html(text))


def module_image_urls(module_id: int, html: str) -> str:
    """Rendered lesson HTML with relative ``images/…`` links pointing at the
    module's image route (for HTML rendered by the checks' parse)."""
    return _IMAGE_URL_RE.sub(
        lambda m: f'{m.group(1)}="{module_image_url(module_id, m.group(2))}"', html
    )


def split_quiz_html(html: str) -> list[tuple[str, str | int]]:
    """Stored lesson HTML → ('html', fragment) and ('quiz', number) parts, so a
    template can put each quiz form where its ```quiz block was."""
    return course_format.split_html(html)


def lesson_key(filename: str) -> str:
    """Identity of a lesson across versions: its file name without number and .md."""
    stem = filename[:-3] if filename.lower().endswith(".md") else filename
    return (_NUMBER_PREFIX_RE.sub("", stem) or stem)[:80]


def content_hash(files: dict[str, bytes]) -> str:
    """A digest of a module's files, to see whether a sync changes anything."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


# --- building versions -----------------------------------------------------------

def build_version(module: Module, content: Any, *, number: int, status: str,
                  actor=None) -> ModuleVersion:
    """Create a version of `module` from a ParsedModule (or an object shaped
    like one): lessons, quizzes and HTML rendered once, here."""
    version = ModuleVersion(
        module_id=module.id, number=number, status=status, is_current=False,
        title=content.title, summary=content.summary, duration=int(content.duration),
        audience=list(content.audience), competences=list(content.competences),
        level=content.level, pass_score=int(content.pass_score),
        version_label=getattr(content, "version", None),
        introduction=content.introduction or "",
        introduction_html=render_module_markdown(module.id, content.introduction or ""),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    for name in dict.fromkeys(version.competences):
        db.session.add(Competence(version_id=version.id, name=str(name)[:120]))
    seen: set[str] = set()
    for position, parsed in enumerate(
        sorted(content.lessons, key=lambda item: getattr(item, "position", 0)), start=1
    ):
        key = getattr(parsed, "key", None) or lesson_key(parsed.filename)
        if key in seen:
            key = parsed.filename[:-3][:80]
        seen.add(key)
        add_lesson_row(version, module.id, position, key, parsed.filename, parsed.title,
                    parsed.body, list(parsed.quizzes), html=getattr(parsed, "html", None))
    db.session.flush()
    return version


def add_lesson_row(version: ModuleVersion, module_id: int, position: int, key: str,
                   filename: str, title: str, body: str, quizzes: list,
                   html: str | None = None) -> Lesson:
    """Add one lesson (rendered at once) and its quizzes to a version. `html`:
    `body` already rendered by the import's checks (their parse), else rendered here."""
    lesson = Lesson(
        version_id=version.id, position=position, key=key, filename=filename, title=title,
        body=body, source=course_format.lesson_source(body, quizzes),
        body_html=module_image_urls(module_id, html) if html
        else render_module_markdown(module_id, body),
    )
    db.session.add(lesson)
    db.session.flush()
    replace_quizzes(lesson, quizzes)
    return lesson


def replace_quizzes(lesson: Lesson, quizzes: list) -> None:
    """Replace a lesson's quizzes with the parsed ones."""
    for quiz in list(lesson.quizzes):
        db.session.delete(quiz)
    db.session.flush()
    for number, parsed_quiz in enumerate(quizzes):
        quiz = Quiz(lesson_id=lesson.id, number=number)
        db.session.add(quiz)
        db.session.flush()
        for qpos, parsed_q in enumerate(parsed_quiz.questions):
            question = Question(
                quiz_id=quiz.id, position=qpos, text=parsed_q.text,
                explanation=parsed_q.explanation or "",
                multiple=sum(1 for o in parsed_q.options if o.correct) > 1,
            )
            db.session.add(question)
            db.session.flush()
            for opos, parsed_o in enumerate(parsed_q.options):
                db.session.add(Option(question_id=question.id, position=opos,
                                      text=parsed_o.text, correct=bool(parsed_o.correct)))
    db.session.flush()
    db.session.expire(lesson, ["quizzes"])


def replace_images(module: Module, images: dict[str, bytes]) -> None:
    """Make the module's stored images exactly `images` (path → bytes)."""
    existing = {img.name: img for img in db.session.scalars(
        select(CourseImage).where(CourseImage.module_id == module.id))}
    for name, data in images.items():
        sha = hashlib.sha256(data).hexdigest()
        row = existing.pop(name, None)
        if row is not None and row.sha256 == sha:
            continue
        if row is None:
            row = CourseImage(module_id=module.id, name=name)
            db.session.add(row)
        row.content = data
        row.sha256 = sha
        row.size = len(data)
        row.content_type = IMAGE_TYPES[sniff_upload(data) or ".png"]
    for row in existing.values():
        db.session.delete(row)
    db.session.flush()


def sniff_upload(data: bytes) -> str | None:
    """The extension an uploaded image's bytes prove, if it is an accepted type."""
    kind = course_format.sniff_image(data[:16])  # same check as the import
    return kind if kind in IMAGE_TYPES else None


def current_version(module: Module) -> ModuleVersion | None:
    """The version learners see (None before the first publication)."""
    return db.session.scalar(select(ModuleVersion).where(
        ModuleVersion.module_id == module.id, ModuleVersion.is_current.is_(True)))


def draft_version(module: Module) -> ModuleVersion | None:
    """The draft being edited, if any."""
    return db.session.scalar(select(ModuleVersion).where(
        ModuleVersion.module_id == module.id, ModuleVersion.status == "draft"))


def next_number(module: Module) -> int:
    """The number the module's next version takes."""
    return (db.session.scalar(select(func.max(ModuleVersion.number))
                              .where(ModuleVersion.module_id == module.id)) or 0) + 1


def make_current(module: Module, version: ModuleVersion) -> None:
    """Publish `version`: it becomes what learners see; older ones are kept."""
    for old in db.session.scalars(select(ModuleVersion).where(
            ModuleVersion.module_id == module.id, ModuleVersion.is_current.is_(True))):
        old.is_current = False
    db.session.flush()
    version.status = "published"
    version.is_current = True
    version.published_at = utcnow()
    module.updated_at = utcnow()
    db.session.flush()


# --- export --------------------------------------------------------------------

def version_as_content(version: ModuleVersion) -> SimpleNamespace:
    """A version shaped like course_format.ParsedModule, for module_to_files."""
    images = {img.name: img.content for img in db.session.scalars(
        select(CourseImage).where(CourseImage.module_id == version.module_id))}
    lessons = []
    for lesson in version.lessons:
        quizzes = [
            SimpleNamespace(questions=[
                SimpleNamespace(text=q.text, explanation=q.explanation,
                                options=[SimpleNamespace(text=o.text, correct=o.correct)
                                         for o in q.options])
                for q in quiz.questions])
            for quiz in lesson.quizzes
        ]
        lessons.append(SimpleNamespace(filename=lesson.filename, position=lesson.position,
                                       title=lesson.title, body=lesson.body, quizzes=quizzes,
                                       key=lesson.key))
    return SimpleNamespace(
        slug=version.module.slug, title=version.title, summary=version.summary,
        duration=version.duration, audience=version.audience, competences=version.competences,
        level=version.level, pass_score=version.pass_score, version=version.version_label,
        introduction=version.introduction, lessons=lessons, images=images,
    )


def export_zip(version: ModuleVersion) -> bytes:
    """The module in its folder format (``<slug>/module.md``, lessons, images) as a zip."""
    files = course_format.module_to_files(version_as_content(version))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(f"{version.module.slug}/{name}", files[name])
    return buffer.getvalue()
