"""Helpers for the courses tests: module folders written to disk, imported
through the real parser and importer."""

from __future__ import annotations

import tempfile
from pathlib import Path

from change_portal.extensions import db
from change_portal.projects.models import Project
from courses import importer, learning, parsing, queries
from courses.models import Module

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24

QUIZ = """```quiz
? Un courriel demande votre mot de passe. Que faites-vous ?
- [ ] Je réponds
- [x] Je le signale
! On ne donne jamais son mot de passe.

? Quels éléments rendent un mot de passe robuste ? (plusieurs réponses)
- [x] Sa longueur
- [ ] Le prénom d'un proche
- [x] Son unicité
! Longueur et unicité comptent.
```
"""


def module_files(title: str = "Module d'essai", lessons: int = 2, quiz_in: tuple = (1,),
                 pass_score: int = 80, duration: int = 20, level: str = "débutant",
                 competences: tuple = ("Protection et sécurité",), image: bool = False,
                 extra: str = "") -> dict[str, bytes]:
    comp = ", ".join(f'"{c}"' for c in competences)
    files = {"module.md": (
        f'---\ntitle: "{title}"\nsummary: "Un résumé pour le catalogue."\n'
        f"duration: {duration}\nlevel: {level}\npass_score: {pass_score}\n"
        f"competences: [{comp}]\n---\n\n## Pourquoi\n\nUne introduction.\n").encode()}
    for n in range(1, lessons + 1):
        body = f"## Partie {n}\n\nTexte de la leçon {n}.\n{extra}\n"
        if image and n == 1:
            body += "\n![Un schéma du réseau](images/schema.png)\n"
        if n in quiz_in:
            body += "\n" + QUIZ
        files[f"{n:02d}-lecon-{n}.md"] = f'---\ntitle: "Leçon {n}"\n---\n\n{body}'.encode()
    if image:
        files["images/schema.png"] = PNG
    return files


def write_module(root: Path, slug: str, files: dict[str, bytes]) -> Path:
    folder = Path(root) / slug
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def create_module(org=None, slug: str = "module-essai", **kwargs) -> Module:
    """Import a module (shared when org is None) through the real pipeline."""
    with tempfile.TemporaryDirectory(prefix="course-") as root:
        folder = write_module(Path(root), slug, module_files(**kwargs))
        parsed = parsing.parse_module_dir(folder)
    importer.import_module(parsed, org.id if org is not None else None)
    return db.session.scalar(
        db.select(Module).where(Module.slug == slug, Module.organisation_id ==
                                (org.id if org is not None else None))
        if org is not None else
        db.select(Module).where(Module.slug == slug, Module.organisation_id.is_(None)))


def complete_module(user, module: Module) -> None:
    """Do every lesson and answer every quiz right."""
    version = queries.version_with_lessons(module)
    for lesson in version.lessons:
        full = queries.lesson_with_quizzes(version, lesson.key)
        for quiz in full.quizzes:
            learning.answer_quiz(user, module, full, quiz, {
                q.id: {o.id for o in q.options if o.correct} for q in quiz.questions})
        learning.mark_lesson_done(user, module, full)


def create_project(org, services=(), title: str = "Nouvelle GRC") -> Project:
    project = Project(organisation_id=org.id, title=title)
    project.services = list(services)
    db.session.add(project)
    db.session.flush()
    return project
