"""Module folders: reading files and images, and parsing a whole module (or one
text typed in the browser editor) into a :class:`ParsedModule`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from change_portal.core import uploads
from courses.format.checks import MarkdownChecker
from courses.format.front_matter import (
    check_unknown_keys,
    read_front_matter,
    text_field,
    validate_module_meta,
)
from courses.format.model import (
    ALLOWED_IMAGE_EXTENSIONS,
    IMAGES_DIR,
    LESSON_KEYS,
    MAX_IMAGE_BYTES,
    MAX_TEXT_BYTES,
    MODULE_FILE,
    SLUG_RE,
    TITLE_MAX,
    Issues,
    ModuleFormatError,
    ParsedLesson,
    ParsedModule,
    ParseIssue,
    Quiz,
    normalize_text,
    tidy_body,
)

# One sniffing of image bytes for the whole portal (course import, editor uploads,
# shared documents): core/uploads.py.
sniff_image = uploads.sniff_image


def read_text(file: Path, issue_path: str, issues: Issues) -> str | None:
    size = file.stat().st_size
    if size > MAX_TEXT_BYTES:
        issues.error(
            issue_path,
            0,
            f"fichier trop volumineux ({-(-size // 1024)} Ko, maximum {MAX_TEXT_BYTES // 1024} Ko)",
        )
        return None
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        issues.error(issue_path, line, "le fichier doit être enregistré en UTF-8")
        return None
    return normalize_text(text)


def load_images(module_dir: Path, slug: str, issues: Issues) -> dict[str, bytes]:
    root = module_dir / IMAGES_DIR
    if not root.exists() and not root.is_symlink():
        return {}
    if root.is_symlink() or not root.is_dir():
        issues.error(f"{slug}/{IMAGES_DIR}", 0, "images doit être un dossier (pas un lien)")
        return {}
    images: dict[str, bytes] = {}
    # os.walk does not follow symbolic links: an uploaded archive must not be
    # able to pull files from elsewhere on the server.
    for dirpath, dirnames, filenames in os.walk(root):
        current = Path(dirpath)
        for name in sorted(dirnames):
            if (current / name).is_symlink():
                rel = (current / name).relative_to(module_dir).as_posix()
                issues.error(f"{slug}/{rel}", 0, "les liens symboliques sont refusés")
                dirnames.remove(name)
            elif name.startswith("."):
                dirnames.remove(name)
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith("."):
                continue  # .DS_Store and similar OS noise
            file = current / name
            rel = file.relative_to(module_dir).as_posix()
            issue_path = f"{slug}/{rel}"
            extension = file.suffix.lower()
            if file.is_symlink():
                issues.error(issue_path, 0, "les liens symboliques sont refusés")
                continue
            if extension == ".svg":
                issues.error(
                    issue_path,
                    0,
                    "images SVG refusées (elles peuvent contenir du code) : exportez en PNG",
                )
                continue
            if extension not in ALLOWED_IMAGE_EXTENSIONS:
                issues.error(issue_path, 0, "format d'image non autorisé (formats acceptés : "
                             f"{', '.join(ALLOWED_IMAGE_EXTENSIONS)})")
                continue
            size = file.stat().st_size
            if size > MAX_IMAGE_BYTES:
                issues.error(issue_path, 0,
                             f"image trop volumineuse ({size / (1024 * 1024):.1f} Mo, "
                             f"maximum {MAX_IMAGE_BYTES // (1024 * 1024)} Mo)")
                continue
            content = file.read_bytes()
            actual = sniff_image(content[:16])
            expected = ".jpg" if extension == ".jpeg" else extension
            if actual == ".svg":
                issues.error(issue_path, 0, "contenu SVG refusé : exportez l'image en PNG")
            elif actual is None:
                issues.error(issue_path, 0, f"ce fichier n'est pas une image {extension} valide")
            elif actual != expected:
                issues.error(issue_path, 0,
                             f"le contenu ne correspond pas à l'extension {extension} "
                             f"(c'est une image {actual[1:].upper()})")
            else:
                images[rel] = content
    return images


def _parse_lesson(
    file: Path,
    position: int,
    slug: str,
    issues: Issues,
    images: Mapping[str, bytes],
    used_images: set[str],
) -> ParsedLesson | None:
    issue_path = f"{slug}/{file.name}"
    text = read_text(file, issue_path, issues)
    if text is None:
        return None
    mark = issues.mark()
    front = read_front_matter(text, issue_path, issues)
    if front is None:
        return None
    check_unknown_keys(front, LESSON_KEYS, issues)
    title = text_field(front, "title", TITLE_MAX, issues, single_line=True)
    checker = MarkdownChecker(path=issue_path, first_line=front.body_first_line, issues=issues,
                              images=images, used_images=used_images)
    body, quizzes = checker.run(front.body, allow_quiz=True)
    issues.sort_since(mark)
    # Rendered now from the same tokens (no second parse at import); not worth it
    # once the module is refused.
    html = checker.render_html() if not issues.errors else ""
    return ParsedLesson(file.name, position, title, tidy_body(body), quizzes, text, html)


def parse_module_dir(path: Path) -> ParsedModule:
    """Parse and validate the module stored in the folder ``path``.

    The folder name is the slug. Lessons are all ``*.md`` files next to
    ``module.md``, ordered by file name; hidden files are ignored. Raises
    :class:`ModuleFormatError` listing *all* the errors found (with the
    warnings gathered so far); on success, non-blocking remarks (accessibility,
    ignored files, unused images) are in ``ParsedModule.warnings``.
    """
    path = Path(path)
    slug = path.name
    issues = Issues()
    if not path.is_dir():
        raise ModuleFormatError([ParseIssue(slug, 0, "dossier de module introuvable")])
    if not SLUG_RE.fullmatch(slug):
        issues.error(slug, 0,
                     "nom de dossier invalide : 3 à 80 caractères parmi minuscules sans accent, "
                     "chiffres et tirets (ex. cybersecurite-bases)")

    lesson_files: list[Path] = []
    for entry in sorted(path.iterdir(), key=lambda item: item.name):
        name = entry.name
        if name.startswith("."):
            continue  # .DS_Store, .git… are never content
        if entry.is_symlink():
            issues.error(f"{slug}/{name}", 0, "les liens symboliques sont refusés")
        elif entry.is_dir():
            if name != IMAGES_DIR:
                issues.warn(f"{slug}/{name}", 0, "dossier ignoré : seul le dossier images/ est lu")
        elif name == MODULE_FILE:
            continue
        elif name.lower() == MODULE_FILE:
            issues.error(f"{slug}/{name}", 0, f"renommez ce fichier en {MODULE_FILE}")
        elif name.lower().endswith(".md"):
            lesson_files.append(entry)
        else:
            issues.warn(
                f"{slug}/{name}", 0, "fichier ignoré : seuls les fichiers .md et images/ sont lus"
            )

    images = load_images(path, slug, issues)
    used_images: set[str] = set()

    meta: dict[str, Any] = {}
    introduction = ""
    source = ""
    module_file = path / MODULE_FILE
    module_path = f"{slug}/{MODULE_FILE}"
    if module_file.is_symlink() or not module_file.is_file():
        if not module_file.is_symlink():
            issues.error(slug, 0, f"fichier {MODULE_FILE} manquant")
    else:
        text = read_text(module_file, module_path, issues)
        front = read_front_matter(text, module_path, issues) if text is not None else None
        if front is not None:
            mark = issues.mark()
            source = text or ""
            meta = validate_module_meta(front, issues)
            checker = MarkdownChecker(path=module_path, first_line=front.body_first_line,
                                      issues=issues, images=images, used_images=used_images)
            body, _quizzes = checker.run(front.body, allow_quiz=False)
            introduction = tidy_body(body)
            issues.sort_since(mark)

    if not lesson_files:
        issues.error(slug, 0, "le module ne contient aucune leçon (fichiers .md)")
    lessons = []
    for position, file in enumerate(lesson_files, start=1):
        lesson = _parse_lesson(file, position, slug, issues, images, used_images)
        if lesson is not None:
            lessons.append(lesson)

    for name in images:
        if name not in used_images:
            issues.warn(f"{slug}/{name}", 0, "image jamais utilisée dans le module")

    if issues.errors or not meta:
        raise ModuleFormatError(issues.errors, issues.warnings)
    return ParsedModule(slug=slug, title=meta["title"], summary=meta["summary"],
                        duration=meta["duration"], audience=meta["audience"],
                        competences=meta["competences"], level=meta["level"],
                        pass_score=meta["pass_score"], version=meta["version"],
                        introduction=introduction, lessons=lessons, images=images,
                        warnings=issues.warnings, source=source)



def parse_lesson_body(
    body: str,
    *,
    path: str,
    first_line: int = 1,
    images: Mapping[str, bytes] | None = None,
    allow_quiz: bool = True,
) -> tuple[str, list[Quiz], list[ParseIssue]]:
    """Check one Markdown text typed in the browser editor (a lesson, or the
    introduction with ``allow_quiz=False``), with the same rules as a file.

    Returns ``(body with [[quiz:N]] placeholders, quizzes, warnings)``; raises
    :class:`ModuleFormatError` listing every error. ``images`` are the module's
    images (relative path -> bytes) that the text may reference.
    """
    checked = check_lesson_body(body, path=path, first_line=first_line, images=images,
                                allow_quiz=allow_quiz, render=False)
    if checked.errors:
        raise ModuleFormatError(checked.errors, checked.warnings)
    return checked.body, checked.quizzes, checked.warnings


@dataclass
class CheckedText:
    """A text checked (and rendered) on one parse, see :func:`check_lesson_body`."""

    body: str
    quizzes: list[Quiz]
    errors: list[ParseIssue]
    warnings: list[ParseIssue]
    html: str = ""


def check_lesson_body(
    body: str,
    *,
    path: str,
    first_line: int = 1,
    images: Mapping[str, bytes] | None = None,
    allow_quiz: bool = True,
    render: bool = True,
) -> CheckedText:
    """:func:`parse_lesson_body` that also renders (``render``) from the tokens
    the checks walked: one parse of a 200 KB lesson instead of two. ``html`` is
    what ``render_html(body)`` gives, or, when there are errors, the text as
    written (quiz blocks as code) for the preview. Never raises for the text."""
    issues = Issues()
    checker = MarkdownChecker(path=path, first_line=first_line, issues=issues, images=images or {},
                              used_images=set())
    out, quizzes = checker.run(normalize_text(body), allow_quiz=allow_quiz)
    issues.sort_since((0, 0))
    html = checker.render_html(slots=not issues.errors) if render else ""
    return CheckedText(tidy_body(out), quizzes, issues.errors, issues.warnings, html)


def _display_path(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def find_module_dirs(path: Path) -> list[Path]:
    """Return the module folders found at ``path``, sorted by name.

    ``path`` is either a module folder (it contains ``module.md``) or a folder
    of module folders (sub-folders without ``module.md``, e.g. ``__MACOSX``,
    are skipped). Raises :class:`ModuleFormatError` (line 0) when it is neither.
    """
    path = Path(path)
    label = path.name or str(path)
    if (path / MODULE_FILE).is_file():
        return [path]
    if not path.is_dir():
        raise ModuleFormatError([ParseIssue(label, 0, "dossier introuvable")])
    found = [child for child in path.iterdir() if child.is_dir() and not child.is_symlink()
             and not child.name.startswith(".") and (child / MODULE_FILE).is_file()]
    if not found:
        raise ModuleFormatError(
            [
                ParseIssue(label, 0,
                           f"aucun module trouvé : le dossier doit contenir {MODULE_FILE} "
                           f"ou des dossiers de modules qui en contiennent un")
            ]
        )
    return sorted(found, key=lambda child: child.name)


def check_duplicate_slugs(dirs: Iterable[Path]) -> list[ParseIssue]:
    """Report module folders whose slug (folder name) was already seen in ``dirs``.

    One issue (line 0) per repeated folder, pointing to the first occurrence.
    """
    seen: dict[str, Path] = {}
    issues = []
    for directory in dirs:
        directory = Path(directory)
        key = directory.name.lower()
        if key in seen:
            issues.append(
                ParseIssue(_display_path(directory), 0, f"slug « {directory.name} » en double "
                           f"(déjà utilisé par {_display_path(seen[key])})")
            )
        else:
            seen[key] = directory
    return issues

