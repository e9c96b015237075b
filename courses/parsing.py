"""Parse and export learning modules written by trainers as folders of Markdown.

This module is pure Python (no Flask, no database) so that it can be used by the
import command, the web upload, the browser editor and the tests alike.

A module is a folder whose name is the module's slug::

    <slug>/
      module.md             YAML front matter + the module's introduction
      01-le-hameconnage.md  YAML front matter (title) + the lesson
      02-mots-de-passe.md   lessons are ordered by file name
      images/...            optional PNG/JPEG/GIF/WebP images

Every problem is reported as a :class:`ParseIssue` (``path:line: message``) whose
path is relative to the folder that contains the module (``cyber/02-x.md``) and
whose line is the real 1-based line in the file (0 when the problem concerns the
whole file or folder). Parsing collects *all* errors before raising
:class:`ModuleFormatError`, so a trainer can fix everything in one go.
Messages are in French because they are shown to trainers as they are.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import yaml

from change_portal.core import safe_yaml

__all__ = [
    "ALLOWED_IMAGE_EXTENSIONS",
    "DEFAULT_AUDIENCE",
    "DEFAULT_LEVEL",
    "DEFAULT_PASS_SCORE",
    "LEVELS",
    "MAX_IMAGE_BYTES",
    "MAX_TEXT_BYTES",
    "ROLES",
    "SLUG_RE",
    "VAGUE_LINK_TEXTS",
    "ModuleFormatError",
    "ParseIssue",
    "ParsedLesson",
    "ParsedModule",
    "Quiz",
    "QuizOption",
    "QuizQuestion",
    "check_duplicate_slugs",
    "find_module_dirs",
    "module_to_files",
    "parse_module_dir",
    "lesson_source",
    "parse_lesson_body",
    "parse_quiz_block",
    "render_quiz_source",
    "split_front_matter",
]

# --------------------------------------------------------------------------- #
# Contract constants
# --------------------------------------------------------------------------- #

SLUG_RE = re.compile(r"[a-z0-9-]{3,80}")
ROLES = ("agent", "trainer", "project_lead", "elected", "admin")
LEVELS = ("débutant", "intermédiaire", "avancé")
DEFAULT_AUDIENCE = ("agent",)
DEFAULT_LEVEL = "débutant"
DEFAULT_PASS_SCORE = 80
MAX_TEXT_BYTES = 200 * 1024
MAX_IMAGE_BYTES = 2 * 1024 * 1024
ALLOWED_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
VAGUE_LINK_TEXTS = frozenset(
    {"cliquez ici", "ici", "lien", "en savoir plus", "click here", "here", "plus"}
)

MODULE_FILE = "module.md"
IMAGES_DIR = "images"
_MODULE_KEYS = (
    "title",
    "summary",
    "duration",
    "audience",
    "competences",
    "level",
    "pass_score",
    "version",
)
_LESSON_KEYS = ("title",)
_TITLE_MAX = 200
_SUMMARY_MAX = 500
_MIN_OPTIONS = 2
_MAX_OPTIONS = 10

# --------------------------------------------------------------------------- #
# Data classes
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class ParseIssue:
    """One error or warning, located in a file of the module."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ModuleFormatError(Exception):
    """Raised when a module (or a quiz block) does not follow the format.

    ``errors`` lists every problem found, not only the first one; ``warnings``
    carries the non-blocking remarks gathered so far, so that they can be shown
    alongside the errors.
    """

    def __init__(self, errors: Iterable[ParseIssue], warnings: Iterable[ParseIssue] = ()) -> None:
        self.errors: list[ParseIssue] = list(errors)
        self.warnings: list[ParseIssue] = list(warnings)
        super().__init__("\n".join(str(issue) for issue in self.errors))


@dataclass(frozen=True)
class QuizOption:
    """One answer of a quiz question."""

    text: str
    correct: bool


@dataclass(frozen=True)
class QuizQuestion:
    """A quiz question. ``line`` is informative and ignored by ``==``."""

    text: str
    options: list[QuizOption]
    explanation: str = ""
    line: int = field(default=0, compare=False)

    @property
    def multiple(self) -> bool:
        """True when more than one option is correct (checkboxes, not radios)."""
        return sum(1 for option in self.options if option.correct) > 1


@dataclass(frozen=True)
class Quiz:
    """A ```quiz block. ``line`` is the line of its opening fence (ignored by ``==``)."""

    questions: list[QuizQuestion]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ParsedLesson:
    """A lesson file.

    ``body`` is the Markdown after the front matter, with each quiz block
    replaced by a ``[[quiz:N]]`` paragraph (N = index in ``quizzes``).
    ``source`` is the original file text; it is ignored by ``==`` so that a
    re-exported module compares equal to the original.
    """

    filename: str
    position: int
    title: str
    body: str
    quizzes: list[Quiz]
    source: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class ParsedModule:
    """A whole module. ``warnings`` and ``source`` are ignored by ``==``."""

    slug: str
    title: str
    summary: str
    duration: int
    audience: list[str]
    competences: list[str]
    level: str
    pass_score: int
    version: str | None
    introduction: str
    lessons: list[ParsedLesson]
    images: dict[str, bytes] = field(default_factory=dict, repr=False)
    warnings: list[ParseIssue] = field(default_factory=list, compare=False)
    source: str = field(default="", compare=False, repr=False)


# --------------------------------------------------------------------------- #
# Issue collection
# --------------------------------------------------------------------------- #


class _Issues:
    """Accumulates errors and warnings so that all problems are reported at once."""

    def __init__(self) -> None:
        self.errors: list[ParseIssue] = []
        self.warnings: list[ParseIssue] = []

    def error(self, path: str, line: int, message: str) -> None:
        self.errors.append(ParseIssue(path, line, message))

    def warn(self, path: str, line: int, message: str) -> None:
        self.warnings.append(ParseIssue(path, line, message))

    def mark(self) -> tuple[int, int]:
        """Current position, to be passed to :meth:`sort_since` once a file is done."""
        return len(self.errors), len(self.warnings)

    def sort_since(self, mark: tuple[int, int]) -> None:
        # A file is checked in several passes (front matter, quizzes, headings,
        # links); report its issues in line order, as a trainer reads them.
        # The sort is stable, so issues on the same line keep their order.
        for found, start in zip((self.errors, self.warnings), mark, strict=True):
            found[start:] = sorted(found[start:], key=lambda issue: issue.line)


def _normalize_text(text: str) -> str:
    # Trainers edit on Windows and macOS too: a BOM or CRLF must neither shift
    # line numbers nor break the "---" detection.
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tidy_body(text: str) -> str:
    # Leading blank lines and trailing whitespace carry no meaning; dropping
    # them makes the export (which adds a blank line after the front matter)
    # round-trip exactly.
    text = re.sub(r"\A(?:[ \t]*\n)+", "", text).rstrip()
    return text + "\n" if text else ""


# --------------------------------------------------------------------------- #
# Front matter
# --------------------------------------------------------------------------- #


@dataclass
class _FrontMatter:
    path: str
    data: dict[Any, Any]
    body: str
    body_first_line: int
    key_lines: dict[str, int]

    def line_of(self, key: Any) -> int:
        # A missing key is reported on the opening "---", which is line 1.
        return self.key_lines.get(str(key), 1)


def _read_front_matter(text: str, path: str, issues: _Issues) -> _FrontMatter | None:
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        issues.error(
            path, 1, "le fichier doit commencer par une ligne « --- » suivie de l'en-tête YAML"
        )
        return None
    for closing in range(1, len(lines)):
        if lines[closing].rstrip() == "---":
            break
    else:
        issues.error(path, 1, "en-tête YAML non fermé : une ligne « --- » est attendue après")
        return None

    yaml_text = "\n".join(lines[1:closing])
    try:
        # Composing first gives us the node tree, hence the line of each key
        # (for precise messages) and duplicate keys, which safe_load hides.
        # No anchors or aliases (alias bombs), see core/safe_yaml.py.
        data, node = safe_yaml.compose(yaml_text)
    except safe_yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        # The YAML text starts on line 2 of the file and marks are 0-based.
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "syntaxe incorrecte"
        issues.error(path, line, f"en-tête YAML invalide : {safe_yaml.describe(problem)}")
        return None

    if data is None:
        data = {}
    if not isinstance(data, dict):
        issues.error(path, 2, "l'en-tête YAML doit être une suite de lignes « clé: valeur »")
        return None

    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value_node in node.value:
            key = (str(key_node.value) if isinstance(key_node, yaml.ScalarNode)
                   else safe_yaml.describe(key_node.value))
            line = key_node.start_mark.line + 2
            if key in key_lines:
                issues.error(path, line, f"clé « {key} » présente deux fois")
            else:
                key_lines[key] = line
    body = "\n".join(lines[closing + 1 :])
    return _FrontMatter(path, data, body, closing + 2, key_lines)


def split_front_matter(text: str, *, path: str) -> tuple[dict, str, int]:
    """Split a Markdown file into its YAML front matter and its body.

    Returns ``(data, body, body_first_line)`` where ``body_first_line`` is the
    1-based line of the file on which ``body`` starts. ``path`` is only used in
    error messages. Raises :class:`ModuleFormatError` when the file does not
    start with a ``---`` line, the front matter is not closed, the YAML is
    invalid (reported on the offending file line) or is not a mapping.
    """
    issues = _Issues()
    front = _read_front_matter(_normalize_text(text), path, issues)
    if issues.errors or front is None:
        raise ModuleFormatError(issues.errors)
    return front.data, front.body, front.body_first_line


def _check_unknown_keys(front: _FrontMatter, allowed: tuple[str, ...], issues: _Issues) -> None:
    for key in front.data:
        if key not in allowed:
            issues.error(
                front.path,
                front.line_of(key),
                f"clé inconnue « {safe_yaml.describe(key)} » "
                f"(clés possibles : {', '.join(allowed)})",
            )


def _text_field(
    front: _FrontMatter, key: str, max_len: int, issues: _Issues, *, single_line: bool
) -> str:
    if key not in front.data:
        issues.error(front.path, 1, f"clé obligatoire « {key} » manquante")
        return ""
    value = front.data[key]
    line = front.line_of(key)
    if value is None:
        issues.error(front.path, line, f"« {key} » ne doit pas être vide")
        return ""
    if not isinstance(value, str):
        issues.error(front.path, line, f"« {key} » doit être un texte (mettez-le entre guillemets)")
        return ""
    value = value.strip()
    if not value:
        issues.error(front.path, line, f"« {key} » ne doit pas être vide")
    elif len(value) > max_len:
        issues.error(
            front.path,
            line,
            f"« {key} » est trop long ({len(value)} caractères, maximum {max_len})",
        )
    elif single_line and "\n" in value:
        issues.error(front.path, line, f"« {key} » doit tenir sur une seule ligne")
    return value


def _int_field(
    front: _FrontMatter,
    key: str,
    low: int,
    high: int,
    default: int | None,
    issues: _Issues,
    *,
    unit: str = "",
) -> int:
    if key not in front.data:
        if default is None:
            issues.error(front.path, 1, f"clé obligatoire « {key} » manquante")
            return low
        return default
    value = front.data[key]
    line = front.line_of(key)
    # bool is a subclass of int in Python: "duration: yes" must not become 1.
    if isinstance(value, bool) or not isinstance(value, int):
        issues.error(front.path, line, f"« {key} » doit être un nombre entier{unit}")
        return default if default is not None else low
    if not low <= value <= high:
        issues.error(
            front.path,
            line,
            f"« {key} » doit être compris entre {low} et {high}{unit} (valeur : {value})",
        )
    return value


def _str_list_field(
    front: _FrontMatter, key: str, default: tuple[str, ...], issues: _Issues
) -> list[str] | None:
    """Return the stripped, de-duplicated strings of a list key (None if invalid)."""
    if key not in front.data:
        return list(default)
    value = front.data[key]
    line = front.line_of(key)
    if value is None:
        return list(default)
    # A lone value ("audience: agent") is an obvious intent; accept it.
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        issues.error(front.path, line, f"« {key} » doit être une liste, par ex. [a, b]")
        return None
    result: list[str] = []
    ok = True
    for item in value:
        if not isinstance(item, str) or not item.strip():
            issues.error(
                front.path, line, f"« {key} » : chaque élément doit être un texte non vide"
            )
            ok = False
            continue
        item = item.strip()
        if item not in result:
            result.append(item)
    return result if ok else None


def _validate_module_meta(front: _FrontMatter, issues: _Issues) -> dict[str, Any]:
    _check_unknown_keys(front, _MODULE_KEYS, issues)
    meta: dict[str, Any] = {
        "title": _text_field(front, "title", _TITLE_MAX, issues, single_line=True),
        "summary": _text_field(front, "summary", _SUMMARY_MAX, issues, single_line=False),
        "duration": _int_field(front, "duration", 1, 600, None, issues, unit=" (en minutes)"),
        "pass_score": _int_field(
            front, "pass_score", 0, 100, DEFAULT_PASS_SCORE, issues, unit=" (en %)"
        ),
    }

    audience = _str_list_field(front, "audience", DEFAULT_AUDIENCE, issues)
    if audience is not None:
        line = front.line_of("audience")
        unknown = [role for role in audience if role not in ROLES]
        if unknown:
            issues.error(
                front.path,
                line,
                f"« audience » : rôle inconnu {safe_yaml.describe(', '.join(unknown))} "
                f"(rôles possibles : {', '.join(ROLES)})",
            )
        elif not audience:
            issues.error(front.path, line, "« audience » doit contenir au moins un rôle")
    meta["audience"] = audience or list(DEFAULT_AUDIENCE)
    meta["competences"] = _str_list_field(front, "competences", (), issues) or []

    level = front.data.get("level", DEFAULT_LEVEL)
    # NFC: an "é" typed on macOS may arrive decomposed (e + combining accent).
    normalized = (
        unicodedata.normalize("NFC", level).strip().lower() if isinstance(level, str) else ""
    )
    if normalized not in LEVELS:
        issues.error(
            front.path,
            front.line_of("level"),
            f"« level » doit valoir {', '.join(LEVELS)} (valeur : {safe_yaml.describe(level)})",
        )
        normalized = DEFAULT_LEVEL
    meta["level"] = normalized

    version = front.data.get("version")
    if isinstance(version, bool | list | dict):
        issues.error(
            front.path, front.line_of("version"), "« version » doit être un texte ou un nombre"
        )
        version = None
    elif version is not None:
        # Numbers and dates are accepted as written ("version: 2" -> "2").
        version = str(version).strip() or None
    meta["version"] = version
    return meta


# --------------------------------------------------------------------------- #
# Quiz blocks
# --------------------------------------------------------------------------- #

_QUESTION_RE = re.compile(r"\?(.*)")
_OPTION_RE = re.compile(r"-\s*\[([ xX])\](.*)")
_EXPLANATION_RE = re.compile(r"!(.*)")


@dataclass
class _QuestionDraft:
    text: str
    line: int
    options: list[QuizOption] = field(default_factory=list)
    explanation: str | None = None


def _parse_quiz(text: str, path: str, first_line: int, issues: _Issues) -> Quiz:
    questions: list[QuizQuestion] = []
    errors_before = len(issues.errors)
    draft: _QuestionDraft | None = None

    def close() -> None:
        nonlocal draft
        if draft is None:
            return
        count = len(draft.options)
        if count == 0:
            issues.error(path, draft.line, "question sans options : ajoutez des lignes « - [ ] … »")
        elif count < _MIN_OPTIONS:
            issues.error(
                path, draft.line, f"une question doit avoir au moins {_MIN_OPTIONS} options"
            )
        elif count > _MAX_OPTIONS:
            issues.error(
                path,
                draft.line,
                f"une question a au plus {_MAX_OPTIONS} options ({count} trouvées)",
            )
        if count and not any(option.correct for option in draft.options):
            issues.error(
                path, draft.line, "aucune bonne réponse : cochez au moins une option « - [x] »"
            )
        questions.append(
            QuizQuestion(draft.text, draft.options, draft.explanation or "", draft.line)
        )
        draft = None

    for offset, raw in enumerate(_normalize_text(text).split("\n")):
        line_no = first_line + offset
        line = raw.strip()
        if not line:
            # Blank lines separate questions.
            close()
            continue
        if match := _QUESTION_RE.fullmatch(line):
            close()
            question = match.group(1).strip()
            if not question:
                issues.error(path, line_no, "question vide après « ? »")
            draft = _QuestionDraft(question, line_no)
        elif match := _OPTION_RE.fullmatch(line):
            option = match.group(2).strip()
            if draft is None:
                issues.error(
                    path,
                    line_no,
                    "option sans question : commencez par une ligne « ? question » "
                    "(une ligne vide termine la question)",
                )
            elif draft.explanation is not None:
                issues.error(
                    path, line_no, "option après l'explication : « ! » vient après les options"
                )
            elif not option:
                issues.error(path, line_no, "option vide")
            else:
                draft.options.append(QuizOption(option, match.group(1) in "xX"))
        elif match := _EXPLANATION_RE.fullmatch(line):
            explanation = match.group(1).strip()
            if draft is None:
                issues.error(path, line_no, "explication sans question")
            elif not draft.options:
                issues.error(path, line_no, "l'explication « ! » doit suivre les options")
            elif draft.explanation is not None:
                issues.error(path, line_no, "une seule ligne d'explication « ! » par question")
            elif not explanation:
                issues.error(path, line_no, "explication vide après « ! »")
            else:
                draft.explanation = explanation
        else:
            shown = line if len(line) <= 60 else line[:57] + "…"
            issues.error(
                path,
                line_no,
                f"ligne de quiz non reconnue « {shown} » : attendu « ? question », "
                "« - [ ] option », « - [x] bonne réponse » ou « ! explication »",
            )
    close()
    if not questions and len(issues.errors) == errors_before:
        issues.error(path, first_line, "le quiz ne contient aucune question")
    return Quiz(questions, first_line)


def parse_quiz_block(text: str, *, path: str, first_line: int = 1) -> Quiz:
    """Parse the content of a quiz block (the lines between the fences).

    ``first_line`` is the file line of the first line of ``text``; it is used
    in error messages and in the ``line`` attributes (``Quiz.line`` is set to
    ``first_line``). Raises :class:`ModuleFormatError` listing every problem.
    """
    issues = _Issues()
    quiz = _parse_quiz(text, path, first_line, issues)
    if issues.errors:
        raise ModuleFormatError(issues.errors)
    return quiz


def _one_line(text: str) -> str:
    # The quiz syntax is line based: a newline inside a text (possible when it
    # comes from a form) would otherwise produce an unparsable line.
    return " ".join(str(text).split())


def render_quiz_source(quiz: Any, *, fenced: bool = False) -> str:
    """Render a quiz back to its source syntax, the inverse of :func:`parse_quiz_block`.

    Accepts any object shaped like :class:`Quiz` (``questions`` with ``text``,
    ``options`` (``text``, ``correct``) and ``explanation``). Returns the block
    content ending with a newline or, when ``fenced`` is true, the whole
    fenced block (opening line, content, closing line).
    """
    blocks = []
    for question in quiz.questions:
        lines = [f"? {_one_line(question.text)}"]
        for option in question.options:
            mark = "x" if option.correct else " "
            lines.append(f"- [{mark}] {_one_line(option.text)}")
        explanation = _one_line(getattr(question, "explanation", "") or "")
        if explanation:
            lines.append(f"! {explanation}")
        blocks.append("\n".join(lines))
    source = "\n\n".join(blocks) + "\n"
    return f"```quiz\n{source}```\n" if fenced else source


# --------------------------------------------------------------------------- #
# Markdown scanning
# --------------------------------------------------------------------------- #

_FENCE_OPEN_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_PLACEHOLDER_RE = re.compile(r"\s*\[\[quiz:(\d+)\]\]\s*")
_HEADING_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t].*)?")
# Inline text of a link/image: no blank line inside, one level of nested [].
_TEXT = r"(?:[^\[\]\\\n]|\\.|\n(?![ \t]*\n)|\[(?:[^\[\]\\\n]|\\.|\n(?![ \t]*\n))*\])*"
_DEST = r"(?:<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
_TITLE = r"""(?:\s+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?"""
_LINK_RE = re.compile(
    rf"(?P<bang>!?)\[(?P<text>{_TEXT})\]"
    rf"(?:\(\s*(?P<dest>{_DEST}){_TITLE}\s*\)|\[(?P<ref>[^\[\]\n]*)\])"
)
_REF_DEF_RE = re.compile(r"^ {0,3}\[([^\[\]\n]+)\]:[ \t]*(<[^<>\n]*>|\S+)", re.MULTILINE)
# A code span may contain shorter/longer backtick runs; each run is consumed
# whole ("`+(?!`)") so that the regex cannot backtrack exponentially.
_CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`)(?:[^`\n]|\n(?![ \t]*\n)|`+(?!`))*?(?<!`)\1(?!`)")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_LINK_RE = re.compile(r"<a\b[^>]*>(.{0,500}?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HTML_ATTR_RE = r"""(?<![\w-]){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
_HTML_TAG_RE = re.compile(r"<[^>]*>")
_URL_SCHEME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_MD_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class _Fence:
    start: int  # 0-based index of the opening line
    end: int | None  # index of the closing line, None when never closed
    info: str


def _find_fences(lines: list[str]) -> list[_Fence]:
    """Locate fenced code blocks following CommonMark's opening/closing rules."""
    fences = []
    index = 0
    while index < len(lines):
        match = _FENCE_OPEN_RE.fullmatch(lines[index])
        # A backtick fence's info string cannot contain backticks (CommonMark):
        # "```code``` inline" is not a fence.
        if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
            marker = match.group(1)
            closing = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*")
            end = index + 1
            while end < len(lines) and not closing.fullmatch(lines[end]):
                end += 1
            fences.append(_Fence(index, end if end < len(lines) else None, match.group(2).strip()))
            index = end + 1
        else:
            index += 1
    return fences


def _blank_out(match: re.Match[str]) -> str:
    # Keep newlines so that offsets still map to the right line numbers.
    return re.sub(r"[^\n]", " ", match.group(0))


def _attr(tag: str, name: str) -> str | None:
    match = re.search(_HTML_ATTR_RE.format(name=name), tag, re.IGNORECASE)
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None)


def _link_label(text: str) -> str:
    """Accessible name of a link: nested images count by their alt text."""
    text = _LINK_RE.sub(lambda m: m.group("text"), text)
    text = _HTML_TAG_RE.sub(" ", text)
    # Replacing punctuation and symbols by spaces turns "Cliquez-ici !" or
    # "**Lien** →" into the comparable "cliquez ici" / "lien".
    chars = [" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text]
    return " ".join("".join(chars).split()).lower()


class _MarkdownChecker:
    """Checks one Markdown text (a lesson or the introduction) of a module."""

    def __init__(
        self,
        *,
        path: str,
        first_line: int,
        issues: _Issues,
        images: Mapping[str, bytes],
        used_images: set[str],
    ) -> None:
        self.path = path
        self.first_line = first_line
        self.issues = issues
        self.images = images
        self.used_images = used_images

    def run(self, body: str, *, allow_quiz: bool) -> tuple[str, list[Quiz]]:
        """Return the body with quiz placeholders, and the quizzes found."""
        lines = body.split("\n")
        fences = {fence.start: fence for fence in _find_fences(lines)}
        prose = list(lines)  # lines with code blocks blanked, for the checks
        out: list[str] = []
        quizzes: list[Quiz] = []
        after_placeholder = False
        index = 0
        while index < len(lines):
            fence = fences.get(index)
            if fence is None:
                line = lines[index]
                if _PLACEHOLDER_RE.fullmatch(line):
                    self.issues.error(
                        self.path,
                        self._line(index),
                        "« [[quiz:…]] » est réservé : utilisez un bloc ```quiz",
                    )
                chunk = [line]
                index += 1
            else:
                end = fence.end if fence.end is not None else len(lines) - 1
                for blanked in range(fence.start, end + 1):
                    prose[blanked] = ""
                chunk = lines[fence.start : end + 1]
                index = end + 1
                if fence.info.lower() == "quiz":
                    quiz = self._quiz(lines, fence, allow_quiz)
                    if quiz is not None:
                        if out and out[-1].strip():
                            out.append("")
                        out.append(f"[[quiz:{len(quizzes)}]]")
                        quizzes.append(quiz)
                        after_placeholder = True
                        continue
                elif fence.end is None:
                    self.issues.error(
                        self.path,
                        self._line(fence.start),
                        "bloc de code non fermé : ajoutez la ligne de fermeture ```",
                    )
            if after_placeholder and chunk[0].strip():
                # Keep the placeholder a paragraph of its own.
                out.append("")
            after_placeholder = False
            out.extend(chunk)

        self._check_headings(prose)
        self._check_inline("\n".join(prose))
        return "\n".join(out), quizzes

    def _line(self, index: int) -> int:
        return self.first_line + index

    def _quiz(self, lines: list[str], fence: _Fence, allow_quiz: bool) -> Quiz | None:
        fence_line = self._line(fence.start)
        if not allow_quiz:
            self.issues.error(
                self.path, fence_line, "les quiz sont autorisés seulement dans les leçons"
            )
            return None
        if fence.end is None:
            self.issues.error(
                self.path, fence_line, "bloc quiz non fermé : ajoutez la ligne de fermeture ```"
            )
            return None
        text = "\n".join(lines[fence.start + 1 : fence.end])
        quiz = _parse_quiz(text, self.path, fence_line + 1, self.issues)
        return dataclasses.replace(quiz, line=fence_line)

    def _check_headings(self, prose: list[str]) -> None:
        # The lesson (or module) title is the page's h1, so the first heading
        # of the body may be h2 and each heading may go at most one level deeper.
        previous = 1
        for index, line in enumerate(prose):
            match = _HEADING_RE.fullmatch(line)
            if match is None:
                continue
            level = len(match.group(1))
            if level > previous + 1:
                self.issues.warn(
                    self.path,
                    self._line(index),
                    f"niveau de titre sauté : {'#' * level} après un titre de niveau "
                    f"{previous} (utilisez {'#' * (previous + 1)})",
                )
            previous = level

    def _check_inline(self, text: str) -> None:
        text = _HTML_COMMENT_RE.sub(_blank_out, text)
        text = _CODE_SPAN_RE.sub(_blank_out, text)
        starts = [0] + [pos + 1 for pos, ch in enumerate(text) if ch == "\n"]

        def line_at(offset: int) -> int:
            return self.first_line + bisect.bisect_right(starts, offset) - 1

        definitions: dict[str, tuple[str, int]] = {}
        for match in _REF_DEF_RE.finditer(text):
            label = " ".join(match.group(1).lower().split())
            definitions.setdefault(label, (match.group(2), line_at(match.start())))

        self._scan_links(text, 0, line_at, definitions)

        for match in _HTML_IMG_RE.finditer(text):
            line = line_at(match.start())
            tag = match.group(0)
            if _attr(tag, "alt") is None:
                self.issues.warn(
                    self.path, line, "image sans texte alternatif : ajoutez un attribut alt"
                )
            self._check_image_target(_attr(tag, "src") or "", line)
        for match in _HTML_LINK_RE.finditer(text):
            self._check_link_text(match.group(1), line_at(match.start()))

    def _scan_links(self, text: str, base: int, line_at: Any, definitions: dict) -> None:
        for match in _LINK_RE.finditer(text):
            line = line_at(base + match.start())
            label_text = match.group("text")
            if match.group("bang"):
                if not label_text.strip():
                    self.issues.warn(
                        self.path,
                        line,
                        "image sans texte alternatif : décrivez-la entre les crochets "
                        "![description](…)",
                    )
                if match.group("dest") is not None:
                    self._check_image_target(match.group("dest"), line)
                else:
                    ref = match.group("ref") or label_text
                    found = definitions.get(" ".join(ref.lower().split()))
                    if found is not None:
                        self._check_image_target(found[0], found[1])
            else:
                self._check_link_text(label_text, line)
                if match.group("dest") is not None:
                    # A link to a module image ("full size") counts as a use.
                    relative, _error = _local_target(match.group("dest"))
                    if relative in self.images:
                        self.used_images.add(relative)
                # Images nested in a link ([![alt](img)](url)) still need checks.
                self._scan_links(label_text, base + match.start("text"), line_at, definitions)

    def _check_link_text(self, raw: str, line: int) -> None:
        label = _link_label(raw)
        if not label:
            self.issues.warn(self.path, line, "lien sans texte : décrivez sa destination")
        elif label in VAGUE_LINK_TEXTS:
            shown = " ".join(_HTML_TAG_RE.sub(" ", raw).split())
            self.issues.warn(
                self.path,
                line,
                f"texte de lien peu explicite « {shown} » : indiquez où mène le lien",
            )

    def _check_image_target(self, url: str, line: int) -> None:
        relative, error = _local_target(url)
        if error:
            self.issues.error(self.path, line, error)
        if relative is None:
            return
        if relative in self.images:
            self.used_images.add(relative)
            return
        hint = ""
        same_but_case = [name for name in self.images if name.lower() == relative.lower()]
        if same_but_case:
            hint = f" (attention aux majuscules : {same_but_case[0]} existe)"
        elif not relative.startswith(IMAGES_DIR + "/"):
            hint = " (les images doivent être dans le dossier images/)"
        self.issues.error(self.path, line, f"image introuvable « {url.strip()} »{hint}")


def _local_target(url: str) -> tuple[str | None, str | None]:
    """Resolve a Markdown URL to ``(path relative to the module, error message)``.

    External (http/https) and absolute URLs give ``(None, None)``: they are not
    files of the module.
    """
    url = url.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].strip()
    url = _MD_ESCAPE_RE.sub(r"\1", url)
    if not url:
        return None, "image sans adresse"
    scheme = _URL_SCHEME_RE.match(url)
    if scheme:
        if scheme.group(0).lower() in ("http:", "https:"):
            return None, None
        # data:, file:, javascript:… have no business in a course page.
        return None, f"adresse d'image non autorisée « {url} » : utilisez images/… ou https://"
    target = unquote(url.split("#", 1)[0].split("?", 1)[0])
    parts = target.split("/")
    if ".." in parts:
        return None, f"chemin interdit « {url} » : « .. » n'est pas permis"
    if target.startswith("/"):
        return None, None  # absolute URL on the portal itself
    return "/".join(part for part in parts if part not in ("", ".")), None


# --------------------------------------------------------------------------- #
# Files and folders
# --------------------------------------------------------------------------- #


def _sniff_image(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    stripped = head.lstrip()
    if stripped.startswith(b"<?xml") or stripped[:4].lower() == b"<svg":
        return ".svg"
    return None


def _read_text(file: Path, issue_path: str, issues: _Issues) -> str | None:
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
    return _normalize_text(text)


def _load_images(module_dir: Path, slug: str, issues: _Issues) -> dict[str, bytes]:
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
                issues.error(
                    issue_path,
                    0,
                    "format d'image non autorisé (formats acceptés : "
                    f"{', '.join(ALLOWED_IMAGE_EXTENSIONS)})",
                )
                continue
            size = file.stat().st_size
            if size > MAX_IMAGE_BYTES:
                issues.error(
                    issue_path,
                    0,
                    f"image trop volumineuse ({size / (1024 * 1024):.1f} Mo, "
                    f"maximum {MAX_IMAGE_BYTES // (1024 * 1024)} Mo)",
                )
                continue
            content = file.read_bytes()
            actual = _sniff_image(content[:16])
            expected = ".jpg" if extension == ".jpeg" else extension
            if actual == ".svg":
                issues.error(issue_path, 0, "contenu SVG refusé : exportez l'image en PNG")
            elif actual is None:
                issues.error(issue_path, 0, f"ce fichier n'est pas une image {extension} valide")
            elif actual != expected:
                issues.error(
                    issue_path,
                    0,
                    f"le contenu ne correspond pas à l'extension {extension} "
                    f"(c'est une image {actual[1:].upper()})",
                )
            else:
                images[rel] = content
    return images


def _parse_lesson(
    file: Path,
    position: int,
    slug: str,
    issues: _Issues,
    images: Mapping[str, bytes],
    used_images: set[str],
) -> ParsedLesson | None:
    issue_path = f"{slug}/{file.name}"
    text = _read_text(file, issue_path, issues)
    if text is None:
        return None
    mark = issues.mark()
    front = _read_front_matter(text, issue_path, issues)
    if front is None:
        return None
    _check_unknown_keys(front, _LESSON_KEYS, issues)
    title = _text_field(front, "title", _TITLE_MAX, issues, single_line=True)
    checker = _MarkdownChecker(
        path=issue_path,
        first_line=front.body_first_line,
        issues=issues,
        images=images,
        used_images=used_images,
    )
    body, quizzes = checker.run(front.body, allow_quiz=True)
    issues.sort_since(mark)
    return ParsedLesson(file.name, position, title, _tidy_body(body), quizzes, text)


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
    issues = _Issues()
    if not path.is_dir():
        raise ModuleFormatError([ParseIssue(slug, 0, "dossier de module introuvable")])
    if not SLUG_RE.fullmatch(slug):
        issues.error(
            slug,
            0,
            "nom de dossier invalide : 3 à 80 caractères parmi minuscules sans accent, "
            "chiffres et tirets (ex. cybersecurite-bases)",
        )

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

    images = _load_images(path, slug, issues)
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
        text = _read_text(module_file, module_path, issues)
        front = _read_front_matter(text, module_path, issues) if text is not None else None
        if front is not None:
            mark = issues.mark()
            source = text or ""
            meta = _validate_module_meta(front, issues)
            checker = _MarkdownChecker(
                path=module_path,
                first_line=front.body_first_line,
                issues=issues,
                images=images,
                used_images=used_images,
            )
            body, _quizzes = checker.run(front.body, allow_quiz=False)
            introduction = _tidy_body(body)
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
    return ParsedModule(
        slug=slug,
        title=meta["title"],
        summary=meta["summary"],
        duration=meta["duration"],
        audience=meta["audience"],
        competences=meta["competences"],
        level=meta["level"],
        pass_score=meta["pass_score"],
        version=meta["version"],
        introduction=introduction,
        lessons=lessons,
        images=images,
        warnings=issues.warnings,
        source=source,
    )



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
    issues = _Issues()
    checker = _MarkdownChecker(
        path=path,
        first_line=first_line,
        issues=issues,
        images=images or {},
        used_images=set(),
    )
    out, quizzes = checker.run(_normalize_text(body), allow_quiz=allow_quiz)
    issues.sort_since((0, 0))
    if issues.errors:
        raise ModuleFormatError(issues.errors, issues.warnings)
    return _tidy_body(out), quizzes, issues.warnings


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
    found = [
        child
        for child in path.iterdir()
        if child.is_dir()
        and not child.is_symlink()
        and not child.name.startswith(".")
        and (child / MODULE_FILE).is_file()
    ]
    if not found:
        raise ModuleFormatError(
            [
                ParseIssue(
                    label,
                    0,
                    f"aucun module trouvé : le dossier doit contenir {MODULE_FILE} "
                    f"ou des dossiers de modules qui en contiennent un",
                )
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
                ParseIssue(
                    _display_path(directory),
                    0,
                    f"slug « {directory.name} » en double "
                    f"(déjà utilisé par {_display_path(seen[key])})",
                )
            )
        else:
            seen[key] = directory
    return issues


# --------------------------------------------------------------------------- #
# Export
# --------------------------------------------------------------------------- #

_LESSON_NAME_RE = re.compile(r"[^./\\][^/\\]*\.md")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


def _export_filenames(lessons: list[Any]) -> list[str]:
    names = [getattr(lesson, "filename", None) for lesson in lessons]

    def usable(name: Any) -> bool:
        return (
            isinstance(name, str)
            and bool(_LESSON_NAME_RE.fullmatch(name))
            and name.lower() != MODULE_FILE
        )

    # Lessons are ordered by file name on import, so existing names are kept
    # only if they still sort in the lessons' order; otherwise renumber.
    if (
        all(usable(name) for name in names)
        and len(set(names)) == len(names)
        and names == sorted(names)
    ):
        return names
    width = max(2, len(str(len(lessons))))
    result = []
    for number, (lesson, name) in enumerate(zip(lessons, names, strict=True), start=1):
        stem = re.sub(r"^\d+[-_. ]*", "", name[:-3]) if usable(name) else ""
        stem = _slugify(stem) or _slugify(str(lesson.title)) or "lecon"
        result.append(f"{number:0{width}d}-{stem}.md")
    return result


def _restore_quizzes(body: str, quizzes: list[Any]) -> str:
    lines = _normalize_text(body).split("\n")
    in_code = set()
    for fence in _find_fences(lines):
        end = fence.end if fence.end is not None else len(lines) - 1
        in_code.update(range(fence.start, end + 1))
    out: list[str] = []
    used: set[int] = set()
    for index, line in enumerate(lines):
        match = _PLACEHOLDER_RE.fullmatch(line)
        if match is None or index in in_code:
            out.append(line)
            continue
        number = int(match.group(1))
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
    return _tidy_body(_normalize_text(_restore_quizzes(body, quizzes)))


def _render_markdown_file(meta: dict[str, Any], body: str) -> bytes:
    # A large width keeps long summaries on one line, as trainers write them.
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=4096)
    body = _tidy_body(_normalize_text(body))
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
        if (
            len(parts) < 2
            or parts[0] != IMAGES_DIR
            or ".." in parts
            or "\\" in relative
            or PurePosixPath(relative).suffix.lower() not in ALLOWED_IMAGE_EXTENSIONS
        ):
            raise ValueError(f"chemin d'image non exportable : {relative}")
        files[PurePosixPath(*parts).as_posix()] = bytes(content)
    return files
