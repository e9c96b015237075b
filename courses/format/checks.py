"""Checks of a lesson's (or introduction's) Markdown, on the tokens of the engine
that renders it (engine.py): quiz blocks, headings, images, links, raw HTML.

Nothing here re-reads the Markdown with regexes: code blocks, code spans and
comments are skipped because the parser says what they are, so an image written
in an indented code block is code, as on the page. The few regexes left run on
one HTML tag at a time or stop at the next ``<``: every pass is linear.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from markdown_it.token import Token

from courses.format import engine
from courses.format.model import IMAGES_DIR, VAGUE_LINK_TEXTS, Issues, Quiz
from courses.format.quiz import parse_quiz

# One HTML tag (a or img): "[^<>]*" stops at the next "<", so scanning is linear.
_HTML_TAG_RE = re.compile(r"<(/?)(a|img)\b[^<>]*>", re.IGNORECASE)
_HTML_A_RE = re.compile(r"</?a\b", re.IGNORECASE)
_ANY_TAG_RE = re.compile(r"<[^<>]*>")
_HTML_ATTR_RE = r"""(?<![\w-]){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
_URL_SCHEME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def local_target(url: str) -> tuple[str | None, str | None]:
    """Resolve a URL to ``(path relative to the module, error message)``.

    External (http/https) and absolute URLs give ``(None, None)``: they are not
    files of the module.
    """
    url = url.strip()
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
        return None, f"chemin interdit « {unquote(url)} » : « .. » n'est pas permis"
    if target.startswith("/"):
        return None, None  # absolute URL on the portal itself
    return "/".join(part for part in parts if part not in ("", ".")), None


def _attr(tag: str, name: str) -> str | None:
    match = re.search(_HTML_ATTR_RE.format(name=name), tag, re.IGNORECASE)
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None)


def _label(text: str) -> str:
    """Comparable accessible name: "Cliquez-ici !" and "**Lien** →" become
    "cliquez ici" and "lien" (punctuation and symbols count as spaces)."""
    chars = [" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text]
    return " ".join("".join(chars).split()).lower()


def _without_comments(html: str) -> str:
    # Sequential find(): linear even on 50,000 unterminated "<!--".
    out, pos = [], 0
    while (start := html.find("<!--", pos)) != -1:
        out.append(html[pos:start])
        end = html.find("-->", start + 4)
        if end == -1:
            return "".join(out)
        out.append("\n" * html.count("\n", start, end))  # keep line numbers
        pos = end + 3
    out.append(html[pos:])
    return "".join(out)


def _shown(children: list[Token]) -> str:
    """A link's text much as the author wrote it, for messages."""
    out = []
    for child in children:
        if child.type == "image":
            out.append(f"![{child.content}]({child.attrs.get('src', '')})")
        elif child.type == "code_inline":
            out.append(f"{child.markup}{child.content}{child.markup}")
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type != "html_inline":
            out.append(child.content or child.markup)
    return " ".join("".join(out).split())


def _spoken(children: list[Token]) -> str:
    """What a screen reader announces for a link: its text, images by their alt."""
    return " ".join(child.content for child in children
                    if child.type in ("text", "code_inline", "image"))


def _is_link_close(token: Token) -> bool:
    return token.type == "link_close"


def _is_html_a(token: Token) -> bool:
    return token.type == "html_inline" and bool(_HTML_A_RE.match(token.content))


class MarkdownChecker:
    """Checks one Markdown text of a module; issues go to ``issues``."""

    def __init__(self, *, path: str, first_line: int, issues: Issues,
                 images: Mapping[str, bytes], used_images: set[str]) -> None:
        self.path = path
        self.first_line = first_line
        self.issues = issues
        self.images = images
        self.used_images = used_images
        self.references: dict[str, Any] = {}
        # The parse, kept for render_html(): checks and rendering share it.
        self.tokens: list[Token] = []
        self.env: dict[str, Any] = {}
        self.quiz_fences: set[int] = set()  # ids of the fence tokens that are quizzes

    def run(self, body: str, *, allow_quiz: bool) -> tuple[str, list[Quiz]]:
        """Return the body with each ```quiz block replaced by a ``[[quiz:N]]``
        paragraph, and the quizzes found.

        Trailing whitespace is dropped first, as the stored body drops it
        (model.tidy_body), so that the tokens are those of the stored body."""
        body = body.rstrip()
        lines = body.split("\n")
        env: dict[str, Any] = {}
        tokens = engine.parse(body, env)
        self.tokens, self.env = tokens, env
        self.references = env.get("references", {})
        slots: dict[int, tuple[int, Quiz]] = {}  # first line → (last line, quiz)
        previous_level = 1
        for token in tokens:
            if token.type == "fence":
                quiz = self._fence(token, lines, allow_quiz)
                if quiz is not None:
                    slots[token.map[0]] = (token.map[1], quiz)
                    self.quiz_fences.add(id(token))
            elif token.type == "quiz_slot":
                self._error(token.map[0], "« [[quiz:…]] » est réservé : utilisez un bloc ```quiz")
            elif token.type == "heading_open":
                previous_level = self._heading(token, previous_level)
            elif token.type == "inline":
                self._inline(token.children or [], token.map[0])
            elif token.type == "html_block":
                self._raw_html(token.content, token.map[0])
        return self._with_slots(lines, slots)

    def render_html(self, *, slots: bool = True) -> str:
        """The HTML of the text :meth:`run` checked, from the same tokens: what
        engine.render_html() gives for the body run() returned, without a
        second parse. With ``slots``, each quiz block is its ``[[quiz:N]]``
        slot (as stored); without, quiz blocks stay code (a refused text's
        preview)."""
        tokens = self.tokens
        if slots:
            numbers = iter(range(len(self.quiz_fences)))
            tokens = [engine.quiz_slot_token(next(numbers), token.map)
                      if id(token) in self.quiz_fences else token for token in tokens]
        return engine.join_parts(engine.render_token_parts(tokens, self.env))

    def _error(self, index: int, message: str) -> None:
        self.issues.error(self.path, self.first_line + index, message)

    def _warn(self, index: int, message: str) -> None:
        self.issues.warn(self.path, self.first_line + index, message)

    # -- blocks ---------------------------------------------------------------

    def _fence(self, token: Token, lines: list[str], allow_quiz: bool) -> Quiz | None:
        start, end = token.map
        last = lines[end - 1].strip() if end - 1 > start else ""
        closed = len(last) >= len(token.markup) and set(last) == {token.markup[0]}
        if token.info.strip().lower() != "quiz" or token.level:
            if not closed and not token.level:
                self._error(start, "bloc de code non fermé : ajoutez la ligne de fermeture ```")
            return None
        if not allow_quiz:
            self._error(start, "les quiz sont autorisés seulement dans les leçons")
            return None
        if not closed:
            self._error(start, "bloc quiz non fermé : ajoutez la ligne de fermeture ```")
            return None
        quiz = parse_quiz(token.content, self.path, self.first_line + start + 1, self.issues)
        return dataclasses.replace(quiz, line=self.first_line + start)

    def _heading(self, token: Token, previous: int) -> int:
        # The lesson (or module) title is the page's h1, so the first heading
        # of the body may be h2 and each heading may go at most one level deeper.
        level = int(token.tag[1])
        if level > previous + 1:
            self._warn(token.map[0], f"niveau de titre sauté : {'#' * level} après un titre de "
                       f"niveau {previous} (utilisez {'#' * (previous + 1)})")
        return level

    @staticmethod
    def _with_slots(lines: list[str], slots: dict[int, tuple[int, Quiz]]
                    ) -> tuple[str, list[Quiz]]:
        out: list[str] = []
        quizzes: list[Quiz] = []
        index = 0
        while index < len(lines):
            if index in slots:
                end, quiz = slots[index]
                if out and out[-1].strip():
                    out.append("")
                out.append(f"[[quiz:{len(quizzes)}]]")
                quizzes.append(quiz)
                index = end
                if index < len(lines) and lines[index].strip():
                    out.append("")  # keep the placeholder a paragraph of its own
                continue
            out.append(lines[index])
            index += 1
        return "\n".join(out), quizzes

    # -- inline ---------------------------------------------------------------

    def _inline(self, children: list[Token], first: int) -> None:
        line = first
        for index, child in enumerate(children):
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "image":
                self._image(child, line)
                line += sum(1 for c in child.children or () if c.type.endswith("break"))
            elif child.type == "link_open":
                # Links cannot contain links: the spans are disjoint, the walk linear.
                inner = children[index + 1 : self._end(children, index, _is_link_close)]
                self._link_text(_spoken(inner), _shown(inner), line)
                self._use_linked_image(child.attrs.get("href", ""))
            elif child.type == "html_inline":
                match = _HTML_TAG_RE.fullmatch(child.content.strip())
                if match and match.group(2).lower() == "img" and not match.group(1):
                    self._html_image(child.content, line)
                elif match and not match.group(1):
                    # An <a> ends at the next <a> or </a> (HTML closes it there).
                    end = self._end(children, index, _is_html_a)
                    if end < len(children):
                        inner = children[index + 1 : end]
                        self._link_text(_spoken(inner), _shown(inner), line)
                line += child.content.count("\n")

    @staticmethod
    def _end(children: list[Token], index: int, stop: Any) -> int:
        end = index + 1
        while end < len(children) and not stop(children[end]):
            end += 1
        return end

    def _image(self, token: Token, line: int) -> None:
        if not token.content.strip():
            self._warn(line, "image sans texte alternatif : décrivez-la entre les crochets "
                       "![description](…)")
        label = token.meta.get("label") if token.meta else None
        reference = self.references.get(label) if label else None
        if reference is not None and reference.get("map"):
            line = reference["map"][0]  # reported where the path is written
        self._image_target(str(token.attrs.get("src", "")), line)

    def _use_linked_image(self, href: Any) -> None:
        # A link to a module image ("full size") counts as a use.
        relative, _error = local_target(str(href))
        if relative in self.images:
            self.used_images.add(relative)

    def _raw_html(self, html: str, first: int) -> None:
        html = _without_comments(html)
        opened: tuple[int, int] | None = None  # (end of <a …>, line)
        for match in _HTML_TAG_RE.finditer(html):
            line = first + html.count("\n", 0, match.start())
            if match.group(2).lower() == "img":
                self._html_image(match.group(0), line)
            elif not match.group(1):
                opened = (match.end(), line)
            elif opened is not None:
                text = _ANY_TAG_RE.sub(" ", html[opened[0] : match.start()])
                self._link_text(text, " ".join(text.split()), opened[1])
                opened = None

    def _html_image(self, tag: str, line: int) -> None:
        if _attr(tag, "alt") is None:
            self._warn(line, "image sans texte alternatif : ajoutez un attribut alt")
        self._image_target(_attr(tag, "src") or "", line)

    def _link_text(self, spoken: str, shown: str, line: int) -> None:
        label = _label(spoken)
        if not label:
            self._warn(line, "lien sans texte : décrivez sa destination")
        elif label in VAGUE_LINK_TEXTS:
            self._warn(line, f"texte de lien peu explicite « {shown} » : indiquez où mène le lien")

    def _image_target(self, url: str, line: int) -> None:
        relative, error = local_target(url)
        if error:
            self._error(line, error)
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
        self._error(line, f"image introuvable « {unquote(url.strip())} »{hint}")
