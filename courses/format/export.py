"""Export: a module (parsed, or database rows shaped alike) back to its folder
format, quiz placeholders turned back into ```quiz blocks."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from typing import Any

import yaml

from courses.format import engine
from courses.format.model import (
    ALLOWED_IMAGE_EXTENSIONS,
    IMAGES_DIR,
    MODULE_FILE,
    normalize_text,
    tidy_body,
)
from courses.format.quiz import render_quiz_source

_LESSON_NAME_RE = re.compile(r"[^./\\][^/\\]*\.md")


def slugify(text: str, limit: int = 60) -> str:
    """ASCII file-name stem: "Données personnelles" → "donnees-personnelles"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def _export_filenames(lessons: list[Any]) -> list[str]:
    names = [getattr(lesson, "filename", None) for lesson in lessons]

    def usable(name: Any) -> bool:
        return (isinstance(name, str) and bool(_LESSON_NAME_RE.fullmatch(name))
                and name.lower() != MODULE_FILE)

    # Lessons are ordered by file name on import, so existing names are kept
    # only if they still sort in the lessons' order; otherwise renumber.
    if (all(usable(name) for name in names) and len(set(names)) == len(names)
        and names == sorted(names)):
        return names
    width = max(2, len(str(len(lessons))))
    result = []
    for number, (lesson, name) in enumerate(zip(lessons, names, strict=True), start=1):
        stem = re.sub(r"^\d+[-_. ]*", "", name[:-3]) if usable(name) else ""
        stem = slugify(stem) or slugify(str(lesson.title)) or "lecon"
        result.append(f"{number:0{width}d}-{stem}.md")
    return result


def _restore_quizzes(body: str, quizzes: list[Any]) -> str:
    lines = normalize_text(body).split("\n")
    # The engine says which [[quiz:N]] lines are slots (not code, not prose).
    slots = {token.map[0]: token.meta["number"] for token in engine.parse("\n".join(lines))
             if token.type == "quiz_slot" and token.level == 0}
    out: list[str] = []
    used: set[int] = set()
    for index, line in enumerate(lines):
        number = slots.get(index)
        if number is None:
            out.append(line)
            continue
        if number >= len(quizzes):
            raise ValueError(f"[[quiz:{number}]] ne correspond à aucun quiz de la leçon")
        if number in used:
            raise ValueError(f"[[quiz:{number}]] apparaît plusieurs fois dans la leçon")
        used.add(number)
        out.extend(render_quiz_source(quizzes[number], fenced=True).rstrip("\n").split("\n"))
    # A quiz whose placeholder vanished is kept rather than silently lost.
    for number, quiz in enumerate(quizzes):
        if number not in used:
            out.extend(["", *render_quiz_source(quiz, fenced=True).rstrip("\n").split("\n")])
    return "\n".join(out)


def lesson_source(body: str, quizzes: list[Any]) -> str:
    """The text a trainer edits: ``body`` with its ``[[quiz:N]]`` placeholders
    turned back into ```quiz blocks (the inverse of :func:`parse_lesson_body`)."""
    return tidy_body(normalize_text(_restore_quizzes(body, quizzes)))


def _render_markdown_file(meta: dict[str, Any], body: str) -> bytes:
    # A large width keeps long summaries on one line, as trainers write them.
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=4096)
    body = tidy_body(normalize_text(body))
    text = f"---\n{front}---\n" + (f"\n{body}" if body else "")
    return text.encode("utf-8")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def module_to_files(module: Any) -> dict[str, bytes]:
    """Export a module to its folder format: relative path -> file content.

    ``module`` is a :class:`ParsedModule` or any object with the same
    attributes (e.g. database rows): lessons need ``title`` and ``body``, and
    may have ``filename``, ``position`` and ``quizzes``. Paths are relative to
    the module folder (``module.md``, ``01-x.md``, ``images/x.png``); write
    them under a folder named after the slug to get an importable module.
    Quiz placeholders are turned back into ```quiz blocks, so that parsing the
    written files gives back an equal module. Raises ``ValueError`` for
    inconsistent data (unknown placeholder, unsafe image path).
    """
    version = getattr(module, "version", None)
    meta: dict[str, Any] = {
        "title": str(module.title),
        "summary": str(module.summary),
        "duration": int(module.duration),
        "audience": _as_list(module.audience),
        "competences": _as_list(getattr(module, "competences", None)),
        "level": str(module.level),
        "pass_score": int(module.pass_score),
    }
    if version is not None and str(version).strip():
        meta["version"] = str(version).strip()

    files = {MODULE_FILE: _render_markdown_file(meta, getattr(module, "introduction", "") or "")}
    # Database rows may come in any order; sorted() is stable for plain lists.
    lessons = sorted(module.lessons, key=lambda lesson: getattr(lesson, "position", 0) or 0)
    for name, lesson in zip(_export_filenames(lessons), lessons, strict=True):
        quizzes = list(getattr(lesson, "quizzes", None) or [])
        body = _restore_quizzes(lesson.body or "", quizzes)
        files[name] = _render_markdown_file({"title": str(lesson.title)}, body)

    for relative, content in (getattr(module, "images", None) or {}).items():
        parts = PurePosixPath(relative).parts
        if (len(parts) < 2 or parts[0] != IMAGES_DIR or ".." in parts or "\\" in relative
            or PurePosixPath(relative).suffix.lower() not in ALLOWED_IMAGE_EXTENSIONS):
            raise ValueError(f"chemin d'image non exportable : {relative}")
        files[PurePosixPath(*parts).as_posix()] = bytes(content)
    return files
