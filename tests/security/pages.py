"""Shared helpers of the attack tests: cut the XSS corpora into batches that fit
a field, and check a whole rendered page (not a fragment) for anything that could
run script outside the portal's own markup."""

from __future__ import annotations

import re

import html5lib

from tests.xss import URL_ATTRS, _scheme, all_payloads

FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet",
                      "base", "portal", "noscript", "template"}
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


def batches(payloads: list[str], limit: int, sep: str = "\n\n") -> list[tuple[str, list[str]]]:
    """Join payloads into texts of at most `limit` characters (a longer payload is
    cut to `limit`: the cut one is an attack too); each text comes with the payloads
    it holds, so that a failure can name them."""
    out: list[tuple[str, list[str]]] = []
    current, members = "", []
    for payload in payloads:
        payload = payload[:limit]
        candidate = f"{current}{sep}{payload}" if current else payload
        if len(candidate) > limit:
            out.append((current, members))
            candidate, members = payload, []
        current = candidate
        members.append(payload)
    if current:
        out.append((current, members))
    return out


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
