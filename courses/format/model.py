"""The course format's vocabulary: contract constants, what a parse returns,
and how problems are collected (every one, with its file and line)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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
MODULE_KEYS = ("title", "summary", "duration", "audience", "competences", "level", "pass_score",
               "version")
LESSON_KEYS = ("title",)
TITLE_MAX = 200
SUMMARY_MAX = 500
MIN_OPTIONS = 2
MAX_OPTIONS = 10

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
    re-exported module compares equal to the original, as is ``html``.
    """

    filename: str
    position: int
    title: str
    body: str
    quizzes: list[Quiz]
    source: str = field(default="", compare=False, repr=False)
    # ``body`` rendered from the tokens the checks walked (one parse); "" when not.
    html: str = field(default="", compare=False, repr=False)


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


class Issues:
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


def normalize_text(text: str) -> str:
    # Trainers edit on Windows and macOS too: a BOM or CRLF must neither shift
    # line numbers nor break the "---" detection.
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def tidy_body(text: str) -> str:
    # Leading blank lines and trailing whitespace carry no meaning; dropping
    # them makes the export (which adds a blank line after the front matter)
    # round-trip exactly.
    text = re.sub(r"\A(?:[ \t]*\n)+", "", text).rstrip()
    return text + "\n" if text else ""

