"""The one place where Markdown becomes HTML: Python-Markdown, then nh3.

Call it when content is saved or imported and store the result; pages print the
stored HTML and never render Markdown per request.

Why nh3 and not bleach: bleach's maintainers declared it deprecated in 2023 (no
new features, security fixes for a limited time only). nh3 binds the Rust
library ammonia, is maintained, and cleans an 8 KB lesson ~20x faster.
"""

from __future__ import annotations

import re
import unicodedata

import markdown as md
import nh3
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension

# What authors may produce. No attr_list, md_in_html or raw-HTML extension: authors
# cannot set attributes; raw HTML they type goes through the same allowlist.
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


def _slugify(value: str, separator: str) -> str:
    """Heading anchors, prefixed so that no author-chosen id can clobber a DOM
    global (an element with id="location" would shadow window.location)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return HEADING_ID_PREFIX + re.sub(rf"[{separator}\s]+", separator, value)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "id":
        return value if value.startswith(HEADING_ID_PREFIX) and len(value) < 120 else None
    if attr == "align":
        return value if value in {"left", "right", "center"} else None
    if attr == "start":
        return value if value.isdigit() and len(value) < 7 else None
    return value


def _markdown() -> md.Markdown:
    return md.Markdown(
        extensions=[
            TableExtension(use_align_attribute=True),  # style="" would be stripped by CSP
            FencedCodeExtension(),
            TocExtension(slugify=_slugify, permalink=False),
            SaneListExtension(),
        ],
        output_format="html",
    )


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


def render_markdown(text: str | None) -> str:
    """Markdown source → safe HTML, ready to store next to the source."""
    if not text:
        return ""
    # A fresh converter per call: Markdown instances keep state (toc, references).
    html = _markdown().convert(text)
    return sanitize_html(html)
