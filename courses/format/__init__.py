"""The course format: learning modules written by trainers as folders of Markdown.

No database and no request: used by the import command, the web upload, the browser
editor and the tests alike. ``model`` (constants, results, issues),
``front_matter`` (YAML with line numbers), ``quiz`` (the quiz language),
``engine`` (the markdown-it instance that renders lessons), ``checks`` (images,
links, headings, raw HTML, on that engine's tokens), ``folder`` (reading a
module), ``export`` (writing one back).

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

from courses.format.engine import render_html, render_parts, split_html
from courses.format.export import lesson_source, module_to_files, slugify
from courses.format.folder import (
    CheckedText,
    check_duplicate_slugs,
    check_lesson_body,
    find_module_dirs,
    parse_lesson_body,
    parse_module_dir,
    sniff_image,
)
from courses.format.front_matter import split_front_matter
from courses.format.model import (
    ALLOWED_IMAGE_EXTENSIONS,
    DEFAULT_AUDIENCE,
    DEFAULT_LEVEL,
    DEFAULT_PASS_SCORE,
    LEVELS,
    MAX_IMAGE_BYTES,
    MAX_TEXT_BYTES,
    ROLES,
    SLUG_RE,
    VAGUE_LINK_TEXTS,
    ModuleFormatError,
    ParsedLesson,
    ParsedModule,
    ParseIssue,
    Quiz,
    QuizOption,
    QuizQuestion,
)
from courses.format.quiz import parse_quiz_block, render_quiz_source

__all__ = [
    "ALLOWED_IMAGE_EXTENSIONS",
    "CheckedText",
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
    "check_lesson_body",
    "find_module_dirs",
    "lesson_source",
    "module_to_files",
    "parse_lesson_body",
    "parse_module_dir",
    "parse_quiz_block",
    "render_html",
    "render_parts",
    "render_quiz_source",
    "slugify",
    "sniff_image",
    "split_front_matter",
    "split_html",
]
