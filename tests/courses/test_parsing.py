"""Tests for courses.parsing: the folder format of learning modules."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest


def _load_parsing():
    # courses/__init__.py wires the Flask blueprint, while the parser is pure
    # Python: load the file directly so these tests need neither Flask nor a
    # database, and do not depend on the state of the rest of the app.
    name = "courses.parsing"
    if name in sys.modules:
        return sys.modules[name]
    source = Path(__file__).resolve().parents[2] / "courses" / "parsing.py"
    spec = importlib.util.spec_from_file_location(name, source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


P = _load_parsing()

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 24
GIF = b"GIF89a" + b"\0" * 24
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\0" * 16

MODULE_MD = """---
title: Cybersécurité
summary: Les bons réflexes.
duration: 30
---

Introduction.
"""

LESSON_MD = """---
title: Une leçon
---

Du texte.
"""


def lines(*rows: str) -> str:
    """Join rows into a file text: row i is line i + 1, which keeps line numbers readable."""
    return "\n".join(rows) + "\n"


def write_module(
    root: Path,
    slug: str = "cyber",
    *,
    module: str | None = MODULE_MD,
    lessons: dict[str, str | bytes] | None = None,
    images: dict[str, bytes] | None = None,
) -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    if module is not None:
        (folder / "module.md").write_text(module, encoding="utf-8")
    for name, content in (lessons if lessons is not None else {"01-a.md": LESSON_MD}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for name, content in (images or {}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return folder


def write_files(root: Path, slug: str, files: dict[str, bytes]) -> Path:
    folder = root / slug
    for relative, content in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return folder


def parse_errors(folder: Path) -> list:
    with pytest.raises(P.ModuleFormatError) as info:
        P.parse_module_dir(folder)
    assert info.value.errors, "a ModuleFormatError must carry at least one error"
    return info.value.errors


def where(issues) -> list[tuple[str, int]]:
    return [(issue.path, issue.line) for issue in issues]


def assert_issue(issues, path: str, line: int, fragment: str) -> None:
    matching = [i for i in issues if i.path == path and i.line == line and fragment in i.message]
    assert matching, f"no issue {path}:{line} containing {fragment!r} in:\n" + "\n".join(
        map(str, issues)
    )


def lesson(*body_rows: str, title: str = "Leçon") -> str:
    """A lesson whose body starts on line 4 (after 3 lines of front matter)."""
    return lines("---", f"title: {title}", "---", *body_rows)


# --------------------------------------------------------------------------- #
# Happy path
# --------------------------------------------------------------------------- #


def test_module_with_all_keys(tmp_path):
    module_md = lines(
        "---",
        'title: "Cybersécurité : les bons réflexes"',
        "summary: >-",
        "  Reconnaître le hameçonnage",
        "  et protéger ses comptes.",
        "duration: 45",
        "audience: [agent, trainer, elected]",
        "competences: [Protection et sécurité, Environnement numérique]",
        "level: intermédiaire",
        "pass_score: 70",
        "version: 2",
        "---",
        "",
        "## Pourquoi ce module",
        "",
        "Parce que.",
    )
    folder = write_module(tmp_path, "cybersecurite-2", module=module_md)

    module = P.parse_module_dir(folder)

    assert module.slug == "cybersecurite-2"
    assert module.title == "Cybersécurité : les bons réflexes"
    assert module.summary == "Reconnaître le hameçonnage et protéger ses comptes."
    assert module.duration == 45
    assert module.audience == ["agent", "trainer", "elected"]
    assert module.competences == ["Protection et sécurité", "Environnement numérique"]
    assert module.level == "intermédiaire"
    assert module.pass_score == 70
    assert module.version == "2"
    assert module.introduction == "## Pourquoi ce module\n\nParce que.\n"
    assert module.source == module_md
    assert module.warnings == []
    assert [lesson.title for lesson in module.lessons] == ["Une leçon"]


def test_defaults(tmp_path):
    module = P.parse_module_dir(write_module(tmp_path))

    assert module.audience == ["agent"]
    assert module.competences == []
    assert module.level == "débutant"
    assert module.pass_score == 80
    assert module.version is None
    assert module.images == {}


def test_version_string_kept_and_single_values_accepted(tmp_path):
    module_md = lines(
        "---",
        "title: T",
        "summary: S",
        "duration: 600",
        "audience: admin",
        "competences: Sécurité",
        "version: '1.10'",
        "pass_score: 0",
        "---",
    )
    module = P.parse_module_dir(write_module(tmp_path, module=module_md))

    assert module.version == "1.10"
    assert module.audience == ["admin"]
    assert module.competences == ["Sécurité"]
    assert module.pass_score == 0
    assert module.duration == 600
    assert module.introduction == ""


def test_lessons_are_ordered_by_file_name(tmp_path):
    folder = write_module(
        tmp_path,
        lessons={
            "10-fin.md": lesson("Fin.", title="Fin"),
            "02-milieu.md": lesson("Milieu.", title="Milieu"),
            "01-debut.md": lesson("Début.", title="Début"),
            ".brouillon.md": "pas du tout une leçon",
        },
    )

    module = P.parse_module_dir(folder)

    assert [(x.position, x.filename, x.title) for x in module.lessons] == [
        (1, "01-debut.md", "Début"),
        (2, "02-milieu.md", "Milieu"),
        (3, "10-fin.md", "Fin"),
    ]
    assert module.lessons[0].body == "Début.\n"
    assert module.lessons[0].source == lesson("Début.", title="Début")


def test_quiz_single_and_multiple_answers(tmp_path):
    text = lesson(
        "Avant.",  # 4
        "",  # 5
        "```quiz",  # 6
        "? Que faire d'un courriel suspect ?",  # 7
        "- [ ] Cliquer",  # 8
        "- [x] Le signaler",  # 9
        "! On ne clique jamais.",  # 10
        "",  # 11
        "? Quels signes ? (plusieurs réponses)",  # 12
        "- [X] L'urgence",  # 13
        "- [ ] Un collègue connu",  # 14
        "- [x] Une adresse étrange",  # 15
        "```",  # 16
        "",  # 17
        "Entre deux.",  # 18
        "~~~quiz",  # 19
        "? Sans explication",  # 20
        "  - [x]   oui  ",  # 21
        "- [ ] non",  # 22
        "~~~",  # 23
    )
    module = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))
    quizzes = module.lessons[0].quizzes

    assert len(quizzes) == 2
    first, second = quizzes
    assert first.line == 6
    assert second.line == 19
    q1, q2 = first.questions
    assert q1.text == "Que faire d'un courriel suspect ?"
    assert q1.options == [P.QuizOption("Cliquer", False), P.QuizOption("Le signaler", True)]
    assert q1.explanation == "On ne clique jamais."
    assert q1.multiple is False
    assert q1.line == 7
    assert q2.text == "Quels signes ? (plusieurs réponses)"
    assert [o.correct for o in q2.options] == [True, False, True]
    assert q2.explanation == ""
    assert q2.multiple is True
    assert q2.line == 12
    assert second.questions[0].options == [
        P.QuizOption("oui", True),
        P.QuizOption("non", False),
    ]


def test_quiz_blocks_are_replaced_by_placeholder_paragraphs(tmp_path):
    quiz = ["```quiz", "? Q", "- [x] a", "- [ ] b", "```"]
    text = lesson("Intro.", *quiz, "Suite collée.", "", *quiz, "", "```python", "x = 1", "```")
    module = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))

    assert module.lessons[0].body == (
        "Intro.\n\n[[quiz:0]]\n\nSuite collée.\n\n[[quiz:1]]\n\n```python\nx = 1\n```\n"
    )
    assert len(module.lessons[0].quizzes) == 2


def test_quiz_at_start_and_end_of_lesson(tmp_path):
    text = lesson("```quiz", "? Q", "- [x] a", "- [ ] b", "```")
    module = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))

    assert module.lessons[0].body == "[[quiz:0]]\n"


def test_images_are_loaded_and_referenced(tmp_path):
    text = lesson(
        "![Un écran](images/ecran.png)",
        '![Photo](./images/photo.jpg "titre")',
        "![Jpeg](<images/autre photo.jpeg>)",
        "![Gif](images/anim%C3%A9.gif)",
        "[![Schéma](images/sous/schema.webp)](https://example.org/grand)",
        '<img src="images/html.png" alt="Via HTML">',
        "![Par référence][ref]",
        "",
        "[ref]: images/ref.png",
    )
    images = {
        "images/ecran.png": PNG,
        "images/photo.jpg": JPEG,
        "images/autre photo.jpeg": JPEG,
        "images/animé.gif": GIF,
        "images/sous/schema.webp": WEBP,
        "images/html.png": PNG,
        "images/ref.png": PNG,
        "images/.DS_Store": b"junk",
    }
    folder = write_module(tmp_path, lessons={"01-a.md": text}, images=images)

    module = P.parse_module_dir(folder)

    del images["images/.DS_Store"]
    assert module.images == images
    assert module.warnings == []


def test_external_and_absolute_image_urls_are_allowed(tmp_path):
    text = lesson(
        "![Logo](https://example.org/logo.png)",
        "![Logo](http://example.org/logo.png)",
        "![Logo](/static/logo.png)",
    )
    module = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))

    assert module.images == {}
    assert module.warnings == []


def test_crlf_and_bom_do_not_shift_line_numbers(tmp_path):
    text = "\ufeff---\r\ntitle: T\r\n---\r\n\r\n```quiz\r\n? Q\r\n- [ ] a\r\n```\r\n"
    folder = write_module(tmp_path, lessons={"01-a.md": text.encode("utf-8")})

    errors = parse_errors(folder)

    # One option only and no correct answer, both on the question line.
    assert where(errors) == [("cyber/01-a.md", 6), ("cyber/01-a.md", 6)]


def test_parse_issue_str():
    issue = P.ParseIssue("cyber/02-x.md", 12, "ligne non reconnue")

    assert str(issue) == "cyber/02-x.md:12: ligne non reconnue"


def test_equality_ignores_warnings_source_and_lines():
    quiz_a = P.Quiz([P.QuizQuestion("Q", [P.QuizOption("a", True)], "", line=3)], line=2)
    quiz_b = P.Quiz([P.QuizQuestion("Q", [P.QuizOption("a", True)], "", line=9)], line=8)

    assert quiz_a == quiz_b
    assert P.ParsedLesson("a.md", 1, "T", "b", [], source="x") == P.ParsedLesson(
        "a.md", 1, "T", "b", [], source="y"
    )


# --------------------------------------------------------------------------- #
# split_front_matter / parse_quiz_block / render_quiz_source
# --------------------------------------------------------------------------- #


def test_split_front_matter():
    data, body, first = P.split_front_matter("---\ntitle: A\nn: 2\n---\nCorps\n", path="x.md")

    assert data == {"title": "A", "n": 2}
    assert body == "Corps\n"
    assert first == 5


def test_split_front_matter_empty_yaml():
    assert P.split_front_matter("---\n---\n", path="x.md") == ({}, "", 3)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Pas d'en-tête\n", 1, "doit commencer"),
        ("---\ntitle: A\n", 1, "non fermé"),
        ("---\ntitle: A\nsummary: B\nduration: 30: min\n---\n", 4, "YAML invalide"),
        ("---\n- a\n- b\n---\n", 2, "clé: valeur"),
        ("---\ntitle: A\ntitle: B\n---\n", 3, "deux fois"),
    ],
)
def test_split_front_matter_errors(text, line, fragment):
    with pytest.raises(P.ModuleFormatError) as info:
        P.split_front_matter(text, path="m/x.md")

    assert_issue(info.value.errors, "m/x.md", line, fragment)
    assert len(info.value.errors) == 1


def test_parse_quiz_block_for_the_editor():
    quiz = P.parse_quiz_block("? Q\n- [ ] a\n- [x] b\n! car b", path="éditeur", first_line=1)

    assert quiz == P.Quiz(
        [P.QuizQuestion("Q", [P.QuizOption("a", False), P.QuizOption("b", True)], "car b")]
    )
    assert quiz.line == 1
    assert quiz.questions[0].line == 1


def test_parse_quiz_block_reports_all_errors_with_offset_lines():
    text = "? Q\n- [ ] a\n\n- [x] orpheline\nblabla"
    with pytest.raises(P.ModuleFormatError) as info:
        P.parse_quiz_block(text, path="cyber/01-a.md", first_line=10)

    assert where(info.value.errors) == [
        ("cyber/01-a.md", 10),  # one option only, no correct answer
        ("cyber/01-a.md", 10),
        ("cyber/01-a.md", 13),  # option before question
        ("cyber/01-a.md", 14),  # unknown line
    ]


def test_render_quiz_source_round_trips():
    quiz = P.Quiz(
        [
            P.QuizQuestion(
                "Question\nsur deux lignes",
                [P.QuizOption("a", True), P.QuizOption("[x] b", False)],
                "Parce que.",
            ),
            P.QuizQuestion("Deux bonnes ?", [P.QuizOption("a", True), P.QuizOption("b", True)]),
        ]
    )

    source = P.render_quiz_source(quiz)

    assert source == (
        "? Question sur deux lignes\n- [x] a\n- [ ] [x] b\n! Parce que.\n\n"
        "? Deux bonnes ?\n- [x] a\n- [x] b\n"
    )
    parsed = P.parse_quiz_block(source, path="x", first_line=1)
    assert parsed.questions[0].text == "Question sur deux lignes"
    assert parsed.questions[1:] == quiz.questions[1:]
    assert P.render_quiz_source(quiz, fenced=True) == f"```quiz\n{source}```\n"


# --------------------------------------------------------------------------- #
# Front matter errors, with their exact location
# --------------------------------------------------------------------------- #


def test_bad_yaml_is_reported_on_the_file_line(tmp_path):
    module_md = lines("---", "title: T", "summary: S", "duration: 30: min", "---")
    errors = parse_errors(write_module(tmp_path, module=module_md))

    assert where(errors) == [("cyber/module.md", 4)]
    assert "YAML invalide" in errors[0].message


def test_missing_required_keys_point_to_the_opening_line(tmp_path):
    module_md = lines("---", "level: avancé", "---", "Intro")
    errors = parse_errors(write_module(tmp_path, module=module_md))

    assert [str(e) for e in errors] == [
        "cyber/module.md:1: clé obligatoire « title » manquante",
        "cyber/module.md:1: clé obligatoire « summary » manquante",
        "cyber/module.md:1: clé obligatoire « duration » manquante",
    ]


def test_lesson_without_title(tmp_path):
    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": "---\n---\nTexte\n"}))

    assert [str(e) for e in errors] == ["cyber/01-a.md:1: clé obligatoire « title » manquante"]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("title: 12", "doit être un texte"),
        ("title: ''", "ne doit pas être vide"),
        ("title:", "ne doit pas être vide"),
        ("title: " + "x" * 201, "trop long (201 caractères, maximum 200)"),
        ("title: |\n  deux\n  lignes", "une seule ligne"),
        ("summary: " + "x" * 501, "maximum 500"),
        ("summary: [a, b]", "doit être un texte"),
        ("duration: trente", "nombre entier"),
        ("duration: 30.5", "nombre entier"),
        ("duration: true", "nombre entier"),
        ("duration: 0", "entre 1 et 600"),
        ("duration: 601", "entre 1 et 600"),
        ("audience: 3", "doit être une liste"),
        ("audience: [agent, maire]", "rôle inconnu maire"),
        ("audience: []", "au moins un rôle"),
        ("competences: {a: b}", "doit être une liste"),
        ("competences: [ok, 12]", "texte non vide"),
        ("level: expert", "« level » doit valoir débutant, intermédiaire, avancé"),
        ("level: 3", "« level » doit valoir"),
        ("pass_score: 101", "entre 0 et 100"),
        ("pass_score: -1", "entre 0 et 100"),
        ("pass_score: '80'", "nombre entier"),
        ("version: [1, 2]", "texte ou un nombre"),
        ("version: yes", "texte ou un nombre"),
        ("couleur: bleu", "clé inconnue « couleur »"),
    ],
)
def test_invalid_module_values_are_reported_on_their_line(tmp_path, row, fragment):
    base = {"title": "title: T", "summary": "summary: S", "duration": "duration: 30"}
    key = row.split(":", 1)[0]
    base[key] = row  # replace the default row, or add a new key
    module_md = "---\n" + "\n".join(base.values()) + "\n---\n"
    expected_line = 2 + list(base).index(key)

    errors = parse_errors(write_module(tmp_path, module=module_md))

    assert len(errors) == 1, errors
    assert_issue(errors, "cyber/module.md", expected_line, fragment)


def test_level_accepts_decomposed_accents(tmp_path):
    module_md = MODULE_MD.replace("duration: 30", "duration: 30\nlevel: Avance\u0301")

    assert P.parse_module_dir(write_module(tmp_path, module=module_md)).level == "avancé"


def test_unknown_key_in_lesson(tmp_path):
    text = lines("---", "title: T", "duree: 5", "---")
    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": text}))

    assert where(errors) == [("cyber/01-a.md", 3)]
    assert "clé inconnue « duree »" in errors[0].message


def test_missing_and_unclosed_front_matter(tmp_path):
    folder = write_module(
        tmp_path,
        module="# Pas d'en-tête\n",
        lessons={"01-a.md": "---\ntitle: T\nTexte\n"},
    )
    errors = parse_errors(folder)

    assert where(errors) == [("cyber/module.md", 1), ("cyber/01-a.md", 1)]
    assert "doit commencer" in errors[0].message
    assert "non fermé" in errors[1].message


@pytest.mark.parametrize("slug", ["ab", "Cyber", "cyber_secu", "sécurité", "x" * 81])
def test_invalid_slug(tmp_path, slug):
    errors = parse_errors(write_module(tmp_path, slug))

    assert where(errors) == [(slug, 0)]
    assert "nom de dossier invalide" in errors[0].message


@pytest.mark.parametrize("slug", ["abc", "cyber-2024", "x" * 80, "-a-"])
def test_valid_slugs(tmp_path, slug):
    assert P.parse_module_dir(write_module(tmp_path, slug)).slug == slug


def test_missing_module_md_and_no_lessons(tmp_path):
    errors = parse_errors(write_module(tmp_path, module=None, lessons={}))

    assert [str(e) for e in errors] == [
        "cyber:0: fichier module.md manquant",
        "cyber:0: le module ne contient aucune leçon (fichiers .md)",
    ]


def test_misnamed_module_md(tmp_path):
    folder = write_module(tmp_path, module=None)
    (folder / "Module.md").write_text(MODULE_MD, encoding="utf-8")

    errors = parse_errors(folder)

    assert where(errors) == [("cyber/Module.md", 0), ("cyber", 0)]


def test_not_a_directory(tmp_path):
    with pytest.raises(P.ModuleFormatError) as info:
        P.parse_module_dir(tmp_path / "absent")

    assert where(info.value.errors) == [("absent", 0)]


# --------------------------------------------------------------------------- #
# Quiz syntax errors
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("quiz_rows", "expected"),
    [
        # Lesson body starts on line 4 and the fence is on line 4: content on 5.
        (["? Sans options"], [(5, "question sans options")]),
        (["? Q", "- [x] seule"], [(5, "au moins 2 options")]),
        (["? Q", "- [ ] a", "- [ ] b"], [(5, "aucune bonne réponse")]),
        (["- [x] a", "? Q", "- [x] b", "- [ ] c"], [(5, "option sans question")]),
        (
            ["? Q", "", "- [x] a", "- [ ] b"],
            [(5, "question sans options"), (7, "sans question"), (8, "sans question")],
        ),
        (["? Q", "- [x] a", "- [ ] b", "* [ ] c"], [(8, "ligne de quiz non reconnue « * [ ] c »")]),
        (["? Q", "- [x] a", "- [ ] b", "texte libre"], [(8, "non reconnue")]),
        (["? Q", "- [x] a", "- [ ] b", "! exp", "- [ ] c"], [(9, "option après l'explication")]),
        (["? Q", "! avant", "- [x] a", "- [ ] b"], [(6, "doit suivre les options")]),
        (["? Q", "- [x] a", "- [ ] b", "! un", "! deux"], [(9, "une seule ligne")]),
        (["? Q", "- [x] a", "- [ ] b", "!"], [(8, "explication vide")]),
        (["?", "- [x] a", "- [ ] b"], [(5, "question vide")]),
        (["? Q", "- [x] ", "- [x] b", "- [ ] c"], [(6, "option vide")]),
        (["! seule"], [(5, "explication sans question")]),
        (["? Q", *["- [x] o"] * 11], [(5, "au plus 10 options (11 trouvées)")]),
        ([], [(5, "aucune question")]),
    ],
)
def test_quiz_syntax_errors(tmp_path, quiz_rows, expected):
    text = lesson("```quiz", *quiz_rows, "```")

    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": text}))

    assert where(errors) == [("cyber/01-a.md", line) for line, _ in expected]
    for error, (_, fragment) in zip(errors, expected, strict=True):
        assert fragment in error.message


def test_ten_options_are_allowed(tmp_path):
    text = lesson("```quiz", "? Q", "- [x] o", *["- [ ] o"] * 9, "```")
    module = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))

    assert len(module.lessons[0].quizzes[0].questions[0].options) == 10


def test_unclosed_quiz_fence(tmp_path):
    text = lesson("Texte", "", "```quiz", "? Q", "- [x] a", "- [ ] b")

    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": text}))

    assert where(errors) == [("cyber/01-a.md", 6)]
    assert "bloc quiz non fermé" in errors[0].message


def test_unclosed_code_fence(tmp_path):
    text = lesson("```python", "x = 1")

    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": text}))

    assert where(errors) == [("cyber/01-a.md", 4)]
    assert "bloc de code non fermé" in errors[0].message


def test_quiz_not_allowed_in_module_introduction(tmp_path):
    module_md = MODULE_MD + "```quiz\n? Q\n- [x] a\n- [ ] b\n```\n"

    errors = parse_errors(write_module(tmp_path, module=module_md))

    assert where(errors) == [("cyber/module.md", 8)]


def test_placeholder_text_is_reserved_outside_code(tmp_path):
    text = lesson("[[quiz:0]]", "", "```", "[[quiz:0]]", "```")

    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": text}))

    assert where(errors) == [("cyber/01-a.md", 4)]


# --------------------------------------------------------------------------- #
# Images and file limits
# --------------------------------------------------------------------------- #


def test_missing_image_is_reported_with_its_line(tmp_path):
    text = lesson("Texte", "", "![Schéma](images/absent.png)", "![Casse](images/Logo.png)")
    folder = write_module(tmp_path, lessons={"01-a.md": text}, images={"images/logo.png": PNG})

    errors = parse_errors(folder)

    assert where(errors) == [("cyber/01-a.md", 6), ("cyber/01-a.md", 7)]
    assert "image introuvable « images/absent.png »" in errors[0].message
    assert "majuscules : images/logo.png existe" in errors[1].message


def test_image_outside_images_folder(tmp_path):
    text = lesson("![A](photo.png)")
    folder = write_module(tmp_path, lessons={"01-a.md": text})
    (folder / "photo.png").write_bytes(PNG)

    errors = parse_errors(folder)

    assert_issue(errors, "cyber/01-a.md", 4, "dans le dossier images/")


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [
        ("![A](../secret.png)", "« .. » n'est pas permis"),
        ("![A](images/../../x.png)", "« .. » n'est pas permis"),
        ("![A](images/%2e%2e/x.png)", "« .. » n'est pas permis"),
        ("![A](data:image/png;base64,AAAA)", "non autorisée"),
        ("![A](file:///etc/passwd)", "non autorisée"),
        ("![A]()", "image sans adresse"),
        ('<img src="../x.png" alt="A">', "« .. » n'est pas permis"),
    ],
)
def test_forbidden_image_references(tmp_path, reference, fragment):
    text = lesson("Texte", reference)

    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": text}))

    assert len(errors) == 1
    assert_issue(errors, "cyber/01-a.md", 5, fragment)


def test_missing_image_in_introduction_and_reference_definition(tmp_path):
    module_md = MODULE_MD + "\n![Plan][plan]\n\n[plan]: images/plan.png\n"

    errors = parse_errors(write_module(tmp_path, module=module_md))

    # Reported where the path is written: the reference definition.
    assert where(errors) == [("cyber/module.md", 11)]


def test_too_large_lesson_and_module(tmp_path):
    big = "---\ntitle: T\n---\n" + "a" * (200 * 1024)
    folder = write_module(tmp_path, module=MODULE_MD + "b" * (200 * 1024), lessons={"01-a.md": big})

    errors = parse_errors(folder)

    assert where(errors) == [("cyber/module.md", 0), ("cyber/01-a.md", 0)]
    assert "maximum 200 Ko" in errors[1].message


def test_lesson_of_exactly_200_kb_is_accepted(tmp_path):
    head = "---\ntitle: T\n---\n"
    text = head + "a" * (200 * 1024 - len(head))
    folder = write_module(tmp_path, lessons={"01-a.md": text})

    assert P.parse_module_dir(folder).lessons[0].title == "T"


def test_too_large_image(tmp_path):
    image = PNG + b"\0" * (2 * 1024 * 1024)
    text = lesson("![A](images/gros.png)")
    folder = write_module(tmp_path, lessons={"01-a.md": text}, images={"images/gros.png": image})

    errors = parse_errors(folder)

    # The image is refused, hence also missing for the lesson that uses it.
    assert where(errors) == [("cyber/images/gros.png", 0), ("cyber/01-a.md", 4)]
    assert "maximum 2 Mo" in errors[0].message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("images/faux.png", JPEG, "extension .png (c'est une image JPG)"),
        ("images/faux.jpg", b"pas une image du tout", "pas une image .jpg valide"),
        ("images/faux.gif", PNG, "extension .gif"),
        ("images/faux.webp", b"RIFF\0\0\0\0WAVEfmt ", "pas une image .webp valide"),
        ("images/logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG refusées"),
        ("images/logo.png", b"<?xml version='1.0'?><svg/>", "contenu SVG refusé"),
        ("images/logo.bmp", b"BM", "format d'image non autorisé"),
    ],
)
def test_refused_images(tmp_path, name, content, fragment):
    errors = parse_errors(write_module(tmp_path, images={name: content}))

    assert [str(e) for e in errors] == [f"cyber/{name}:0: " + errors[0].message]
    assert fragment in errors[0].message


def test_non_utf8_lesson(tmp_path):
    content = "---\ntitle: T\n---\nÉté\n".encode("latin-1")

    errors = parse_errors(write_module(tmp_path, lessons={"01-a.md": content}))

    assert where(errors) == [("cyber/01-a.md", 4)]
    assert "UTF-8" in errors[0].message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symbolic_links_are_refused(tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    folder = write_module(tmp_path, images={"images/ok.png": PNG})
    (folder / "images" / "lien.png").symlink_to(outside)
    (folder / "02-lien.md").symlink_to(folder / "01-a.md")

    errors = parse_errors(folder)

    assert where(errors) == [("cyber/02-lien.md", 0), ("cyber/images/lien.png", 0)]


# --------------------------------------------------------------------------- #
# All errors at once
# --------------------------------------------------------------------------- #


def test_all_errors_are_reported_together(tmp_path):
    module_md = lines("---", "title: T", "summary: S", "duration: 0", "level: expert", "---")
    lesson_a = lesson("```quiz", "? Q", "- [ ] a", "- [ ] b", "```", "![X](images/x.png)")
    lesson_b = lines("---", "titre: B", "---")
    folder = write_module(
        tmp_path,
        "Mauvais_Slug",
        module=module_md,
        lessons={"01-a.md": lesson_a, "02-b.md": lesson_b},
        images={"images/y.svg": b"<svg/>"},
    )

    with pytest.raises(P.ModuleFormatError) as info:
        P.parse_module_dir(folder)

    assert where(info.value.errors) == [
        ("Mauvais_Slug", 0),
        ("Mauvais_Slug/images/y.svg", 0),
        ("Mauvais_Slug/module.md", 4),
        ("Mauvais_Slug/module.md", 5),
        ("Mauvais_Slug/01-a.md", 5),
        ("Mauvais_Slug/01-a.md", 9),
        ("Mauvais_Slug/02-b.md", 1),  # missing title, reported in line order
        ("Mauvais_Slug/02-b.md", 2),  # unknown key
    ]
    assert str(info.value).splitlines() == [str(e) for e in info.value.errors]


def test_warnings_are_kept_alongside_errors(tmp_path):
    text = lesson("#### Trop profond", "```quiz", "? Q", "```")

    with pytest.raises(P.ModuleFormatError) as info:
        P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))

    assert where(info.value.errors) == [("cyber/01-a.md", 6)]
    assert where(info.value.warnings) == [("cyber/01-a.md", 4)]


# --------------------------------------------------------------------------- #
# Accessibility and other warnings
# --------------------------------------------------------------------------- #


def test_image_without_alternative_text(tmp_path):
    text = lesson(
        "![](images/a.png)",  # 4
        "![  ](images/a.png)",  # 5
        "![Décrite](images/a.png)",  # 6
        '<img src="images/a.png">',  # 7
        '<img src="images/a.png" alt="" data-alt="x">',  # 8: decorative on purpose
        "![](https://example.org/x.png)",  # 9
    )
    folder = write_module(tmp_path, lessons={"01-a.md": text}, images={"images/a.png": PNG})

    warnings = P.parse_module_dir(folder).warnings

    assert where(warnings) == [("cyber/01-a.md", n) for n in (4, 5, 7, 9)]
    assert all("texte alternatif" in w.message for w in warnings)


@pytest.mark.parametrize(
    ("headings", "expected_lines"),
    [
        (["## A", "### B", "#### C", "## D", "### E"], []),
        (["### A"], [4]),
        (["## A", "#### B"], [5]),
        (["# A", "### B"], [5]),
        (["## A", "### B", "##### C", "## D", "#### E"], [6, 8]),
        (["## A", "######"], [5]),
        (["#hashtag", "####### sept"], []),
    ],
)
def test_skipped_heading_levels(tmp_path, headings, expected_lines):
    text = lesson(*headings)

    warnings = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text})).warnings

    assert where(warnings) == [("cyber/01-a.md", n) for n in expected_lines]


def test_skipped_heading_message(tmp_path):
    text = lesson("## A", "#### B")

    (warning,) = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text})).warnings

    assert (
        warning.message == "niveau de titre sauté : #### après un titre de niveau 2 (utilisez ###)"
    )


def test_headings_in_module_introduction(tmp_path):
    module_md = MODULE_MD + "\n### Trop profond\n"

    warnings = P.parse_module_dir(write_module(tmp_path, module=module_md)).warnings

    assert where(warnings) == [("cyber/module.md", 9)]


def test_vague_link_texts(tmp_path):
    text = lesson(
        "Pour le guide, [cliquez ici](https://a.fr).",  # 4
        "Voir [Ici !](https://a.fr) et [**En savoir plus…**](https://a.fr).",  # 5
        "[lien](https://a.fr) [Click here](https://a.fr) [HERE](https://a.fr)",  # 6
        "[+ plus](https://a.fr) [Cliquez-ici](https://a.fr)",  # 7
        "[ici][guide]",  # 8
        '<a href="https://a.fr">ici</a>',  # 9
        "[](https://a.fr)",  # 10
        "[Guide de l'ANSSI](https://a.fr) [ici et là](https://a.fr) [plus tard](https://a.fr)",
        "",
        "[guide]: https://a.fr",
    )

    warnings = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text})).warnings

    assert where(warnings) == [("cyber/01-a.md", n) for n in (4, 5, 5, 6, 6, 6, 7, 7, 8, 9, 10)]
    assert warnings[0].message == (
        "texte de lien peu explicite « cliquez ici » : indiquez où mène le lien"
    )
    assert "lien sans texte" in warnings[-1].message


def test_link_wrapping_an_image_uses_its_alt_text(tmp_path):
    text = lesson(
        "[![ici](images/a.png)](https://a.fr)",
        "[![Plan du bâtiment](images/a.png)](https://a.fr)",
        "[![](images/a.png)](https://a.fr)",
    )
    folder = write_module(tmp_path, lessons={"01-a.md": text}, images={"images/a.png": PNG})

    warnings = P.parse_module_dir(folder).warnings

    assert [(w.line, w.message.split(" :")[0]) for w in warnings] == [
        (4, "texte de lien peu explicite « ![ici](images/a.png) »"),
        (6, "lien sans texte"),
        (6, "image sans texte alternatif"),
    ]


def test_nothing_is_checked_inside_code(tmp_path):
    text = lesson(
        "```markdown",
        "#### Pas un titre",
        "![](images/absent.png)",
        "[ici](https://a.fr)",
        "```",
        "",
        "~~~",
        "```",
        "###### toujours du code",
        "~~~",
        "",
        "En ligne : `[ici](x)` et ``![](images/absent.png)`` et <!-- ![](y.png) -->.",
        "",
        "    ````",
        "    #### indentée de 4 : pas une clôture, mais un titre ignoré ici non plus",
    )

    module = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text}))

    assert module.warnings == []


def test_multi_line_link_text(tmp_path):
    text = lesson("Une phrase [en savoir", "plus](https://a.fr) coupée.")

    warnings = P.parse_module_dir(write_module(tmp_path, lessons={"01-a.md": text})).warnings

    assert where(warnings) == [("cyber/01-a.md", 4)]


def test_unused_images_and_ignored_files_are_warned(tmp_path):
    text = lesson("![A](images/a.png)", "[Voir en grand](images/b.png)")
    folder = write_module(
        tmp_path,
        lessons={"01-a.md": text, "notes.txt": "x", "brouillons/x.md": "x"},
        images={"images/a.png": PNG, "images/b.png": PNG, "images/c.png": PNG},
    )

    warnings = P.parse_module_dir(folder).warnings

    assert where(warnings) == [
        ("cyber/brouillons", 0),
        ("cyber/notes.txt", 0),
        ("cyber/images/c.png", 0),
    ]


# --------------------------------------------------------------------------- #
# find_module_dirs / check_duplicate_slugs
# --------------------------------------------------------------------------- #


def test_find_module_dirs_on_a_module_folder(tmp_path):
    folder = write_module(tmp_path)

    assert P.find_module_dirs(folder) == [folder]


def test_find_module_dirs_on_a_folder_of_modules(tmp_path):
    second = write_module(tmp_path, "zeta")
    first = write_module(tmp_path, "alpha")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "module.md").write_text(MODULE_MD, encoding="utf-8")
    (tmp_path / "lisez-moi.txt").write_text("x", encoding="utf-8")

    assert P.find_module_dirs(tmp_path) == [first, second]


def test_find_module_dirs_errors(tmp_path):
    empty = tmp_path / "envoi"
    (empty / "sans-module").mkdir(parents=True)

    with pytest.raises(P.ModuleFormatError) as info:
        P.find_module_dirs(empty)
    assert where(info.value.errors) == [("envoi", 0)]
    assert "aucun module trouvé" in info.value.errors[0].message

    with pytest.raises(P.ModuleFormatError) as info:
        P.find_module_dirs(tmp_path / "absent")
    assert where(info.value.errors) == [("absent", 0)]


def test_check_duplicate_slugs(tmp_path):
    a = write_module(tmp_path / "envoi1", "cyber")
    b = write_module(tmp_path / "envoi1", "rgpd")
    c = write_module(tmp_path / "envoi2", "cyber")

    assert P.check_duplicate_slugs([a, b]) == []
    assert P.check_duplicate_slugs([a, b, c]) == [
        P.ParseIssue("envoi2/cyber", 0, "slug « cyber » en double (déjà utilisé par envoi1/cyber)")
    ]


# --------------------------------------------------------------------------- #
# Export: module_to_files
# --------------------------------------------------------------------------- #

RICH_LESSON = lesson(
    "## Le hameçonnage",
    "",
    "Un texte avec ![Un écran piégé](images/ecran.png) et [le guide](https://a.fr).",
    "",
    "```quiz",
    "? Que faire ?",
    "- [ ] Cliquer",
    "- [x] Signaler",
    "! Toujours signaler.",
    "",
    "? Quels signes ? (plusieurs réponses)",
    "- [x] Urgence",
    "- [x] Secret",
    "- [ ] Collègue",
    "```",
    "",
    "```markdown",
    "[[quiz:0]] reste du code",
    "```quiz",
    "```",
    "",
    "### Pour aller plus loin",
    "",
    "~~~quiz",
    "? Dernière",
    "- [x] oui",
    "- [ ] non",
    "~~~",
    title="\"Le « hameçonnage » : qu'est-ce que c'est ?\"",
)


def rich_module(tmp_path: Path) -> Path:
    module_md = lines(
        "---",
        "title: 'Yes'",
        "summary: |",
        "  Deux lignes :",
        "  # pas un commentaire",
        "duration: 35",
        "audience: [agent, project_lead]",
        "competences: ['2FA', 'true', Sécurité]",
        "level: avancé",
        "pass_score: 75",
        "version: '1.0'",
        "---",
        "",
        "",
        "Bienvenue ![Logo](images/sous/logo.gif)",
    )
    return write_module(
        tmp_path / "source",
        "cyber-avance",
        module=module_md,
        lessons={
            "01-hameconnage.md": RICH_LESSON,
            "02-mots-de-passe.md": lesson("Texte sans quiz.   \n\n\n", title="'123'"),
            "03-vide.md": lesson(title="Vide"),
        },
        images={"images/ecran.png": PNG, "images/sous/logo.gif": GIF},
    )


def test_round_trip_gives_an_equal_module(tmp_path):
    original = P.parse_module_dir(rich_module(tmp_path))
    assert [len(x.quizzes) for x in original.lessons] == [2, 0, 0]
    assert original.title == "Yes"
    assert original.competences == ["2FA", "true", "Sécurité"]

    files = P.module_to_files(original)
    copy = P.parse_module_dir(write_files(tmp_path / "export", original.slug, files))

    assert original.warnings == []
    assert copy == original
    for mine, theirs in zip(copy.lessons, original.lessons, strict=True):
        assert (mine.filename, mine.title, mine.body) == (
            theirs.filename,
            theirs.title,
            theirs.body,
        )
        assert mine.quizzes == theirs.quizzes
    assert [q.multiple for q in copy.lessons[0].quizzes[0].questions] == [False, True]
    assert copy.lessons[1].title == "123"
    assert copy.images == original.images
    # Exporting again is stable byte for byte.
    assert P.module_to_files(copy) == files


def test_exported_files_look_like_hand_written_ones(tmp_path):
    original = P.parse_module_dir(rich_module(tmp_path))

    files = P.module_to_files(original)

    assert list(files) == [
        "module.md",
        "01-hameconnage.md",
        "02-mots-de-passe.md",
        "03-vide.md",
        "images/ecran.png",
        "images/sous/logo.gif",
    ]
    assert files["module.md"].decode() == lines(
        "---",
        "title: 'Yes'",
        # PyYAML quotes multi-line strings (a blank line encodes the newline).
        "summary: 'Deux lignes :",
        "",
        "  # pas un commentaire'",
        "duration: 35",
        "audience:",
        "- agent",
        "- project_lead",
        "competences:",
        "- 2FA",
        "- 'true'",
        "- Sécurité",
        "level: avancé",
        "pass_score: 75",
        "version: '1.0'",
        "---",
        "",
        "Bienvenue ![Logo](images/sous/logo.gif)",
    )
    lesson_text = files["01-hameconnage.md"].decode()
    assert lesson_text.startswith(
        "---\ntitle: 'Le « hameçonnage » : qu''est-ce que c''est ?'\n---\n\n## Le hameçonnage\n"
    )
    assert "```quiz\n? Que faire ?\n- [ ] Cliquer\n- [x] Signaler\n! Toujours signaler.\n" in (
        lesson_text
    )
    assert "```markdown\n[[quiz:0]] reste du code\n```quiz\n```\n" in lesson_text
    assert files["03-vide.md"] == b"---\ntitle: Vide\n---\n"


def test_export_of_database_like_objects(tmp_path):
    quiz = SimpleNamespace(
        questions=[
            SimpleNamespace(
                text="Q ?",
                options=[
                    SimpleNamespace(text="a", correct=True),
                    SimpleNamespace(text="b", correct=False),
                ],
                explanation="",
            )
        ]
    )
    module = SimpleNamespace(
        slug="rgpd",
        title="RGPD",
        summary="Résumé",
        duration=20,
        audience=("agent",),
        competences=None,
        level="débutant",
        pass_score=80,
        version=3,
        introduction="Intro\r\nsur deux lignes",
        lessons=[
            SimpleNamespace(position=2, title="Après", body="B\n\n[[quiz:0]]\n", quizzes=[quiz]),
            SimpleNamespace(position=1, title="Données personnelles", body="A", quizzes=[]),
        ],
        images={"images/x.png": bytearray(PNG)},
    )

    files = P.module_to_files(module)

    assert list(files) == ["module.md", "01-donnees-personnelles.md", "02-apres.md", "images/x.png"]
    parsed = P.parse_module_dir(write_files(tmp_path, "rgpd", files))
    assert parsed.version == "3"
    assert parsed.introduction == "Intro\nsur deux lignes\n"
    assert [x.title for x in parsed.lessons] == ["Données personnelles", "Après"]
    assert parsed.lessons[1].body == "B\n\n[[quiz:0]]\n"
    assert parsed.lessons[1].quizzes[0].questions[0].options[0] == P.QuizOption("a", True)
    # The image is not referenced by any lesson: a warning, not an error.
    assert where(parsed.warnings) == [("rgpd/images/x.png", 0)]


def test_export_renumbers_file_names_that_no_longer_sort_in_order(tmp_path):
    module = P.parse_module_dir(
        write_module(
            tmp_path,
            lessons={"01-a.md": lesson(title="A"), "02-b.md": lesson(title="B")},
        )
    )
    first, second = module.lessons
    # Moved in the editor: B is now first, but the file names still say otherwise.
    reordered = [dataclasses.replace(second, position=1), dataclasses.replace(first, position=2)]
    edited = SimpleNamespace(**{**module.__dict__, "lessons": reordered})

    files = P.module_to_files(edited)

    assert [name for name in files if name != "module.md"] == ["01-b.md", "02-a.md"]


def test_export_keeps_a_quiz_whose_placeholder_was_removed(tmp_path):
    module = P.parse_module_dir(
        write_module(
            tmp_path, lessons={"01-a.md": lesson("```quiz", "? Q", "- [x] a", "- [ ] b", "```")}
        )
    )
    (only,) = module.lessons
    edited_lesson = SimpleNamespace(**{**only.__dict__, "body": "Nouveau texte."})
    edited = SimpleNamespace(**{**module.__dict__, "lessons": [edited_lesson]})

    text = P.module_to_files(edited)["01-a.md"].decode()

    assert text.endswith("Nouveau texte.\n\n```quiz\n? Q\n- [x] a\n- [ ] b\n```\n")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [("[[quiz:1]]", "aucun quiz"), ("[[quiz:0]]\n\n[[quiz:0]]", "plusieurs fois")],
)
def test_export_rejects_inconsistent_placeholders(tmp_path, body, fragment):
    module = P.parse_module_dir(
        write_module(
            tmp_path, lessons={"01-a.md": lesson("```quiz", "? Q", "- [x] a", "- [ ] b", "```")}
        )
    )
    (only,) = module.lessons
    edited_lesson = SimpleNamespace(**{**only.__dict__, "body": body})
    edited = SimpleNamespace(**{**module.__dict__, "lessons": [edited_lesson]})

    with pytest.raises(ValueError, match=fragment):
        P.module_to_files(edited)


@pytest.mark.parametrize("path", ["../x.png", "images/../x.png", "x.png", "images/x.svg"])
def test_export_rejects_unsafe_image_paths(tmp_path, path):
    module = P.parse_module_dir(write_module(tmp_path))
    edited = SimpleNamespace(**{**module.__dict__, "images": {path: PNG}})

    with pytest.raises(ValueError, match="non exportable"):
        P.module_to_files(edited)


def test_html_attributes_are_matched_exactly(tmp_path):
    text = lesson('<img data-alt="décor" data-src="images/absent.png" src="images/a.png">')
    folder = write_module(tmp_path, lessons={"01-a.md": text}, images={"images/a.png": PNG})

    warnings = P.parse_module_dir(folder).warnings

    assert where(warnings) == [("cyber/01-a.md", 4)]
    assert "attribut alt" in warnings[0].message
