"""Shared helpers of the attack tests: cut the XSS corpora into batches that fit
a field, and check a whole rendered page (not a fragment) for anything that could
run script outside the portal's own markup."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import html5lib

from change_portal.core.markdown import render_markdown
from tests.xss import URL_ATTRS, _scheme, all_payloads

FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet",
                      "base", "portal", "noscript", "template"}
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


def batches(payloads: list[str], limit: int, sep: str = "\n\n") -> list[tuple[str, list[str]]]:
    """Join payloads into texts of at most `limit` characters (a longer payload is
    cut to `limit`: the cut one is an attack too); each text comes with the payloads
    it holds, so that a failure can name them.

    Markdown batches (`sep` a blank line) keep every payload live: a payload that
    leaves the parser open (an unclosed fence, `<!--`, `<script`, `<div>`…) would
    turn all the payloads after it into code or dropped content. Such a payload is
    followed by the closer that ends it (`-->`, `</div>`…), found by rendering; one
    that nothing closes (`<plaintext>`) goes last in its batch. Each batch is then
    checked: with a probe paragraph after every payload, every probe still renders
    as a paragraph."""
    if sep != "\n\n":
        return _pack([(p[:limit], p[:limit], False) for p in payloads], limit, sep)
    for _ in range(20):
        pieces = [_markdown_piece(p[:limit], limit) for p in payloads]
        out = _pack(pieces, limit, sep)
        culprits = [c for text, members in out if (c := _swallower(text, members, pieces))]
        if not culprits:
            return out
        _UNCLOSABLE.update(culprits)  # go last in a batch, and check again
    raise AssertionError(f"payloads still swallow the ones after them: {culprits[:3]}")


PROBE = "xssprobe{}"
_UNCLOSABLE: set[str] = set()
_CLOSERS = ("-->", "?>", "]]>", ">", "```", "~~~")
# What a later payload may hold that closes a construct this one opened (a `<?` is
# only a processing instruction when a `?>` follows, a quote runs to the next one…):
# each payload is checked with those that answer what it contains after its probe.
_TAIL = {"<!--": "-->", "<?": "?>", "<![": "]]>", "<": ">", "```": "```", "~~~": "~~~",
         '"': '"', "'": "'", **{f"<{tag}": f"</{tag}>" for tag in (
             "script", "style", "textarea", "pre", "xmp", "iframe", "noscript", "title",
             "div", "html", "head", "body", "svg", "math", "table", "form", "object", "p")}}


_RAW_ENDS = ("script", "object", "textarea", "svg", "div", "iframe", "link")


def _live(text: str, probes: int) -> list[bool]:
    """Which of the probe paragraphs `text` holds render as paragraphs."""
    html = render_markdown(text)
    return [f"<p>{PROBE.format(i)}</p>" in html for i in range(probes)]


@functools.cache
def _closer(payload: str) -> str | None:
    """'' when `payload` leaves Markdown live after it, else the shortest text that
    closes what it opened, None when nothing does."""
    lower = payload.lower()
    tail = "\n\n".join(close for opener, close in _TAIL.items() if opener in lower)
    if _live(f"{payload}\n\n{PROBE.format(0)}\n\n{tail}", 1)[0]:
        return ""
    tags = _open_tags(payload)
    # What ends a tag left unfinished (`<iframe src=x`), then its element.
    unfinished = [end + _open_tags(payload + end) for end in (">", '">', "'>")]
    # Raw HTML closers (an engine that escapes a paragraph starting with `">` lets
    # a line starting with a tag through): a quote, then the open elements.
    raw = [f"<i title='\"'></i>{tags}", f"<i title=\"'\"></i>{tags}",
           "<i>" + "".join(f"</{tag}>" for tag in _RAW_ENDS)]
    candidates = [tags, *_CLOSERS, *unfinished, *raw,
                  "\n\n".join(c for c in (*_CLOSERS, tags) if c)]
    tail = "\n\n".join(_TAIL.values())  # a closer must not open anything either
    for closer in filter(None, candidates):
        if _live(f"{payload}\n\n{closer}\n\n{PROBE.format(0)}\n\n{tail}", 1)[0]:
            return closer
    return None


def _markdown_piece(payload: str, limit: int) -> tuple[str, str, bool]:
    """(text in the batch, payload, whether it must go last in its batch)."""
    closer = None if payload in _UNCLOSABLE else _closer(payload)
    if closer is None:
        return payload, payload, True
    text = f"{payload}\n\n{closer}" if closer else payload
    return (text, payload, False) if len(text) <= limit else (payload, payload, True)


class _OpenTags(HTMLParser):
    """The elements a fragment leaves open (html.parser, as Python-Markdown reads
    raw HTML blocks)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "param", "source", "track", "wbr", "isindex", "keygen"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]


def _open_tags(payload: str) -> str:
    parser = _OpenTags()
    parser.feed(payload)
    return "".join(f"</{tag}>" for tag in reversed(parser.stack))


def _pack(pieces: list[tuple[str, str, bool]], limit: int,
          sep: str) -> list[tuple[str, list[str]]]:
    """Greedy packing; a piece that must go last ends a batch that has room for it."""
    out: list[tuple[str, list[str]]] = []
    lasts = [(text, payload) for text, payload, last in pieces if last]
    # Room kept in each batch for one of them while some are left.
    reserve = max((len(t) + len(sep) for t, _ in lasts if len(t) < limit // 10), default=0)
    current, members = "", []

    def close() -> None:
        nonlocal current, members
        for n, (text, payload) in enumerate(lasts):
            if not current or len(current) + len(sep) + len(text) <= limit:
                current = f"{current}{sep}{text}" if current else text
                members.append(payload)
                del lasts[n]
                break
        out.append((current, members))
        current, members = "", []

    for text, _payload, last in pieces:
        if last:
            continue
        room = limit - (reserve if lasts else 0)
        if current and len(current) + len(sep) + len(text) > room:
            close()
        current = f"{current}{sep}{text}" if current else text
        members.append(_payload)
    while current or lasts:
        close()
    return out


def _swallower(text: str, members: list[str], pieces) -> str | None:
    """The first payload of a batch after which Markdown is no longer live (the
    probe check of `batches`), or None."""
    texts = {payload: piece for piece, payload, _ in pieces}
    probed = []
    for i, payload in enumerate(members[:-1]):
        probed += [texts[payload], PROBE.format(i)]
    probed.append(texts[members[-1]])
    live = _live("\n\n".join(probed), len(members) - 1)
    return next((members[i] for i, ok in enumerate(live) if not ok), None)


def chunks(payloads: list[str], limit: int, sep: str = "\n\n") -> list[str]:
    """The texts of `batches`."""
    return [text for text, _ in batches(payloads, limit, sep)]


def suspects(problems: list[str], payloads: list[str]) -> list[str]:
    """The payloads that may have caused `problems` (those that mention the element,
    attribute or scheme found): what a failure message names."""
    words = set()
    for problem in problems:
        words.update(w.lower() for w in re.findall(r"[A-Za-z][\w:-]+", problem)
                     if w.lower() not in {"element", "event", "attribute", "with", "scheme",
                                          "script", "src", "style", "meta"})
        words.update(w.lower() for w in re.findall(r"<(\w+)", problem))
    named = [p for p in payloads if any(w in p.lower() for w in words)]
    return named or payloads


def corpus() -> list[str]:
    """Every distinct payload (the upstream lists repeat ~200 of them), in order."""
    return list(dict.fromkeys(all_payloads()))


def page_problems(page: str) -> list[str]:
    """Why a full HTML page could run script: a script element other than the
    portal's own `<script src="/static/...">`, an active element (iframe, object,
    embed, base…), an event attribute, a style attribute (the CSP forbids them, the
    portal has none), a URL attribute with a script scheme, a meta refresh."""
    doc = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    problems = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.split("}")[-1].lower()
        if tag == "script":
            src = el.get("src") or ""
            if not src.startswith("/static/") or (el.text or "").strip():
                problems.append(f"<script src={src!r}>")
        elif tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}>")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            problems.append("meta refresh")
        for attr, value in el.attrib.items():
            name = attr.split("}")[-1].lower() if isinstance(attr, str) else str(attr)
            if name.startswith("on"):
                problems.append(f"{tag}[{name}]")
            if name == "style":
                problems.append(f"{tag}[style]")
            if name in URL_ATTRS or name in {"data", "codebase", "background", "poster"}:
                scheme = _scheme(value or "")
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    problems.append(f"{tag}[{name}] {scheme}:")
    return problems
