"""The one place where Markdown becomes HTML: markdown-it-py, then nh3.

Call it when content is saved or imported and store the result; pages print the
stored HTML and never render Markdown per request.

Why markdown-it-py: it follows CommonMark with a linear-time design (delimiter
runs, link brackets and HTML are matched without backtracking), so a crafted
message costs time in proportion to its length. Python-Markdown, used before,
took 50-70 s on 20,000 ``[``; ``bench/markdown_adversarial.py`` records each
pathological case. Its tokens carry line maps, which the course checks use so
that what is checked is exactly what is rendered (``courses/format``).

Why nh3 and not bleach: bleach's maintainers declared it deprecated in 2023 (no
new features, security fixes for a limited time only). nh3 binds the Rust
library ammonia, is maintained, and cleans an 8 KB lesson ~20x faster.
"""

from __future__ import annotations

import re
import types
import unicodedata
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

# What authors may produce. Authors cannot set attributes (no attribute syntax);
# raw HTML they type goes through the same allowlist.
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u",
    "s", "del", "ins", "mark", "sub", "sup", "small", "code", "pre", "kbd", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_ID_PREFIX = "h-"
# Tags whose whole content is dropped, not only the tag (their text is code, not prose).
CLEAN_CONTENT_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "embed"}
_ALIGN_RE = re.compile(r"text-align:(left|right|center)")
# A tag in raw HTML; "[^<>]*" stops at the next "<", so scanning stays linear.
_RAW_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^<>]*>")
_VOID_TAGS = {"br", "hr", "img", "wbr"}
# nh3 (html5ever) costs O(depth) per nested list, pre or div tag: 200 KB of "<ul>"
# took 6 s. Raw HTML deeper than this is flattened before nh3 sees it.
MAX_RAW_HTML_DEPTH = 40


def slugify(value: str) -> str:
    """Heading anchors, prefixed so that no author-chosen id can clobber a DOM
    global (an element with id="location" would shadow window.location)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return HEADING_ID_PREFIX + re.sub(r"[-\s]+", "-", value)


def inline_text(token: Token) -> str:
    """Plain text of an inline token (what a reader sees, images by their alt)."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(inline_text(child))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _heading_ids(state: StateCore) -> None:
    # Same anchors as the former toc extension: h-<slug>, then _1, _2 when repeated.
    used: set[str] = set()
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        slug = base = slugify(inline_text(tokens[index + 1]))
        number = 0
        while slug in used:
            number += 1
            slug = f"{base}_{number}"
        used.add(slug)
        token.attrSet("id", slug)


def _table_align(state: StateCore) -> None:
    # markdown-it writes style="text-align:…", which the CSP would block and nh3
    # strips: use the align attribute, as before.
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style"):
            match = _ALIGN_RE.fullmatch(str(token.attrs.pop("style")))
            if match:
                token.attrSet("align", match.group(1))


def _limit_raw_html(content: str, env: dict[str, Any]) -> str:
    """Raw HTML an author typed, made cheap for nh3 (which still judges it):
    tags outside the allowlist are dropped here (nh3 would drop them and keep
    their text too) except those whose content nh3 drops, and nesting deeper than
    MAX_RAW_HTML_DEPTH is flattened. One regex pass: linear."""
    state = env.setdefault("_raw_html", {"depth": 0, "dropped": 0})

    def tag(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name in CLEAN_CONTENT_TAGS or name in _VOID_TAGS:
            return match.group(0)
        if name not in ALLOWED_TAGS:
            return ""
        if match.group(1):  # closing tag
            if state["dropped"]:
                state["dropped"] -= 1
                return ""
            state["depth"] = max(0, state["depth"] - 1)
        elif state["depth"] >= MAX_RAW_HTML_DEPTH:
            state["dropped"] += 1
            return ""
        else:
            state["depth"] += 1
        return match.group(0)

    return _RAW_TAG_RE.sub(tag, content)


def _render_html_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return _limit_raw_html(tokens[idx].content, env)


def _any_link(url: str) -> bool:
    return True


# Link labels ("[", "![") are where markdown-it-py spends its time on hostile
# input: its label scan calls skipToken ~20 times per position of an unmatched
# "![" (linear, thanks to state.cache, but ~18 µs per "![": 3 s for a 200 KB
# lesson). The two functions below are the same algorithms with the cache
# looked up first and the loop's state in locals: same tokens (checked against
# the stock functions by tests/core/test_markdown.py), about half the time.


def _skip_token_cached_first(self: ParserInline, state: StateInline) -> None:
    # The stock skipToken fetches the rule chain and the options before it
    # looks its position up in state.cache, which nearly always answers.
    cached = state.cache.get(state.pos)
    if cached is not None:
        state.pos = cached
        return
    ParserInline.skipToken(self, state)


def _parse_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:
    # markdown_it.helpers.parseLinkLabel, with the cache hit inlined.
    src, maximum, cache = state.src, state.posMax, state.cache
    skip = state.md.inline.skipToken
    old_pos = state.pos
    pos = start + 1
    level = 1
    found = False
    while pos < maximum:
        marker = src[pos]
        if marker == "]":
            level -= 1
            if level == 0:
                found = True
                break
        previous = pos
        following = cache.get(pos)
        if following is None:
            state.pos = pos
            skip(state)
            following = state.pos
        pos = following
        if marker == "[":
            if previous == pos - 1:
                level += 1  # a "[" that is text, not part of a token
            elif disableNested:
                state.pos = old_pos
                return -1
    state.pos = old_pos
    return pos if found else -1


def new_parser() -> MarkdownIt:
    """A configured engine: CommonMark + tables + strikethrough, heading ids.

    Domains that need more (the course quiz blocks) extend their own instance
    with markdown-it's rule API, so rendering and checking share one parse.
    """
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Every link becomes a link and nh3 alone judges its URL (it drops a
    # javascript: href and keeps the text), as with the former engine; markdown-it's
    # own filter would print "[x](javascript:…)" back as text.
    md.validateLink = _any_link
    md.add_render_rule("html_block", _render_html_block)
    md.add_render_rule("html_inline", _render_html_block)
    md.core.ruler.push("heading_ids", _heading_ids)
    md.core.ruler.push("table_align", _table_align)
    # On this instance only: the link and image rules call state.md.helpers.parseLinkLabel
    # and the label scan calls state.md.inline.skipToken.
    md.inline.skipToken = types.MethodType(_skip_token_cached_first, md.inline)  # type: ignore[method-assign]
    md.helpers = types.SimpleNamespace(  # type: ignore[assignment]
        parseLinkLabel=_parse_link_label,
        parseLinkDestination=md.helpers.parseLinkDestination,
        parseLinkTitle=md.helpers.parseLinkTitle,
    )
    return md


_PARSER = new_parser()


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "id":
        return value if value.startswith(HEADING_ID_PREFIX) and len(value) < 120 else None
    if attr == "align":
        return value if value in {"left", "right", "center"} else None
    if attr == "start":
        return value if value.isdigit() and len(value) < 7 else None
    return value


def sanitize_html(html: str) -> str:
    """Clean HTML from any source through the portal's allowlist."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_tokens(
    tokens: Sequence[Token], env: dict[str, Any] | None = None, md: MarkdownIt | None = None
) -> str:
    """Tokens from :func:`parse` (or a domain's parser) → safe HTML."""
    md = md or _PARSER
    html = md.renderer.render(list(tokens), md.options, env if env is not None else {})
    return sanitize_html(html).rstrip("\n")


def parse(text: str, env: dict[str, Any] | None = None) -> list[Token]:
    """Markdown → markdown-it tokens (with line maps), for checks that must see
    exactly what :func:`render_markdown` renders."""
    return _PARSER.parse(text or "", env if env is not None else {})


def render_markdown(text: str | None) -> str:
    """Markdown source → safe HTML, ready to store next to the source."""
    if not text:
        return ""
    env: dict[str, Any] = {}
    return render_tokens(_PARSER.parse(text, env), env)
