"""The course flavour of the portal's Markdown engine (core/markdown.py).

One markdown-it instance parses lessons for both the checks (checks.py walks its
tokens, with their line maps) and the rendering, so that what is checked is
exactly what is shown. It adds one block rule: a ``[[quiz:N]]`` line, which is
where a lesson's N-th ```quiz block stands in the stored body. Rendering splits
the token stream at those slots; each piece is rendered and sanitised, and the
pieces are joined with ``<!--quiz:N-->``. nh3 strips every comment an author
writes, so this marker can only come from here; the lesson page cuts the stored
HTML at it to put each quiz form where its block was.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from change_portal.core.markdown import new_parser, render_tokens

QUIZ_SLOT_RE = re.compile(r"[ \t]*\[\[quiz:(\d{1,4})\]\][ \t]*")
_QUIZ_MARK = "<!--quiz:{}-->"
_QUIZ_MARK_RE = re.compile(r"<!--quiz:(\d{1,4})-->")


def _quiz_slot(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False  # indented code
    line = state.src[state.bMarks[start] : state.eMarks[start]]
    match = QUIZ_SLOT_RE.fullmatch(line)
    if match is None:
        return False
    if silent:
        return True
    token = state.push("quiz_slot", "", 0)
    token.meta = {"number": int(match.group(1))}
    token.map = [start, start + 1]  # quiz_slot_token() builds the same one
    state.line = start + 1
    return True


def _course_parser():
    md = new_parser()
    # Reference images are checked where their path is written (the definition).
    md.options["store_labels"] = True
    md.block.ruler.before("paragraph", "quiz_slot", _quiz_slot, {"alt": ["paragraph"]})
    return md


COURSE_MD = _course_parser()


def parse(text: str, env: dict[str, Any] | None = None) -> list[Token]:
    """Lesson or introduction Markdown → tokens with line maps (0-based)."""
    return COURSE_MD.parse(text or "", env if env is not None else {})


def render_parts(text: str) -> list[tuple[str, str | int]]:
    """Markdown → ("html", safe fragment) and ("quiz", number) parts, in order."""
    env: dict[str, Any] = {}
    return render_token_parts(parse(text, env), env)


def render_token_parts(tokens: list[Token], env: dict[str, Any]
                       ) -> list[tuple[str, str | int]]:
    """Tokens of :func:`parse` (and its ``env``) → the parts of :func:`render_parts`,
    so that a caller who already parsed (the checks) does not parse again."""
    parts: list[tuple[str, str | int]] = []
    segment: list[Token] = []

    def flush() -> None:
        html = render_tokens(segment, env, COURSE_MD) if segment else ""
        if html.strip():
            parts.append(("html", html))
        segment.clear()

    for token in tokens:
        if token.type == "quiz_slot" and token.level == 0:
            flush()
            parts.append(("quiz", token.meta["number"]))
        else:
            segment.append(token)
    flush()
    return parts


def join_parts(parts: list[tuple[str, str | int]]) -> str:
    """Parts → the HTML to store: safe fragments joined by quiz markers."""
    return "\n".join(value if kind == "html" else _QUIZ_MARK.format(value)
                     for kind, value in parts)


def render_html(text: str) -> str:
    """Markdown → the HTML to store: safe fragments joined by quiz markers."""
    return join_parts(render_parts(text))


def quiz_slot_token(number: int, map_: list[int] | None) -> Token:
    """The token a ``[[quiz:N]]`` line parses to (for checks that replace a quiz
    block by its slot without parsing the new text)."""
    return Token("quiz_slot", "", 0, map=map_, meta={"number": number}, block=True)


def split_html(html: str) -> list[tuple[str, str | int]]:
    """Stored HTML (from :func:`render_html`) → its parts again."""
    parts: list[tuple[str, str | int]] = []
    for index, piece in enumerate(_QUIZ_MARK_RE.split(html or "")):
        if index % 2:
            parts.append(("quiz", int(piece)))
        elif piece.strip():
            parts.append(("html", piece))
    return parts
