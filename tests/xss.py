"""The attack corpora vendored in tests/data/xss/ and the check that output cannot
run script (as tests/data/xss/UPSTREAM-README.md defines it). Used by every
domain's tests."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib

XSS_DIR = Path(__file__).resolve().parent / "data" / "xss"

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u",
    "s", "del", "ins", "mark", "sub", "sup", "small", "code", "pre", "kbd", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "abbr",
}  # fmt: skip
URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "xlink:href"}
SAFE_SCHEMES = {"http", "https", "mailto"}


def _lines(name: str) -> list[str]:
    path = XSS_DIR / name
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def html_payloads() -> list[str]:
    return _lines("payloads-html.txt")


def event_handler_payloads() -> list[str]:
    payloads = []
    for handler in _lines("event-handlers.txt"):
        handler = handler.strip()
        payloads.append(f'<img src="x" {handler}="alert(1)">')
        payloads.append(f'<a href="/" {handler}="alert(1)">x</a>')
        payloads.append(f'<p {handler}=alert(1)>x</p>')
    return payloads


def markdown_vectors() -> list[str]:
    text = (XSS_DIR / "markdown-vectors.txt").read_text(encoding="utf-8")
    return [entry.strip("\n") for entry in re.split(r"^%%$", text, flags=re.M) if entry.strip()]


def all_payloads() -> list[str]:
    return html_payloads() + event_handler_payloads() + markdown_vectors()


def _scheme(value: str) -> str | None:
    # What the browser does before it reads a URL: entities are already decoded by
    # the parser; tabs and newlines vanish; leading C0 controls and spaces are cut.
    cleaned = re.sub(r"[\t\n\r]", "", value).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                     "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                     "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                     "\x1e\x1f ").lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", cleaned)
    if not match:
        return None
    prefix = cleaned[: match.end()]
    if any(c in prefix for c in "/?#"):
        return None
    return match.group(1)


def _problems(tree) -> list[str]:
    problems = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag == "DOCUMENT_FRAGMENT":
            continue
        tag = el.tag.split("}")[-1].lower()
        if tag not in ALLOWED_TAGS:
            problems.append(f"element <{tag}>")
        for attr, value in el.attrib.items():
            name = attr.split("}")[-1].lower() if isinstance(attr, str) else str(attr)
            if name.startswith("on"):
                problems.append(f"event attribute {name}")
            if name == "style":
                problems.append("style attribute")
            if name in URL_ATTRS:
                scheme = _scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    problems.append(f"{name} with scheme {scheme}:")
        if tag == "a" and el.get("target") and "noopener" not in (el.get("rel") or ""):
            problems.append("target without rel=noopener")
    return problems


def unsafe_parts(html: str) -> list[str]:
    """Why `html` could run script (empty list: it cannot). Parses with an HTML5
    parser, serialises, parses again, and checks both trees."""
    first = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    serialised = html5lib.serialize(first, tree="etree", quote_attr_values="always",
                                    omit_optional_tags=False)
    second = html5lib.parseFragment(serialised, treebuilder="etree",
                                    namespaceHTMLElements=False)
    return _problems(first) + _problems(second)
