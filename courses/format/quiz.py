"""The quiz language of ```quiz blocks: ``? question``, ``- [ ]``/``- [x]``
options, ``! explanation``; parsed with line numbers and rendered back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from courses.format.model import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Issues,
    ModuleFormatError,
    Quiz,
    QuizOption,
    QuizQuestion,
    normalize_text,
)

_QUESTION_RE = re.compile(r"\?(.*)")
_OPTION_RE = re.compile(r"-\s*\[([ xX])\](.*)")
_EXPLANATION_RE = re.compile(r"!(.*)")


@dataclass
class _QuestionDraft:
    text: str
    line: int
    options: list[QuizOption] = field(default_factory=list)
    explanation: str | None = None


def parse_quiz(text: str, path: str, first_line: int, issues: Issues) -> Quiz:
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
        elif count < MIN_OPTIONS:
            issues.error(
                path, draft.line, f"une question doit avoir au moins {MIN_OPTIONS} options"
            )
        elif count > MAX_OPTIONS:
            issues.error(path, draft.line,
                         f"une question a au plus {MAX_OPTIONS} options ({count} trouvées)")
        if count and not any(option.correct for option in draft.options):
            issues.error(
                path, draft.line, "aucune bonne réponse : cochez au moins une option « - [x] »"
            )
        questions.append(
            QuizQuestion(draft.text, draft.options, draft.explanation or "", draft.line)
        )
        draft = None

    for offset, raw in enumerate(normalize_text(text).split("\n")):
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
                issues.error(path, line_no,
                             "option sans question : commencez par une ligne « ? question » "
                             "(une ligne vide termine la question)")
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
            issues.error(path, line_no,
                         f"ligne de quiz non reconnue « {shown} » : attendu « ? question », "
                         "« - [ ] option », « - [x] bonne réponse » ou « ! explication »")
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
    issues = Issues()
    quiz = parse_quiz(text, path, first_line, issues)
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

