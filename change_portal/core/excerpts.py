"""Plain-text excerpts of stored content for result lists, with the searched words marked.

Search results used to show the first characters of the Markdown source ("**Objet** :
[lien](…)"). An excerpt is taken from the rendered, sanitised HTML instead: tags are
dropped by nh3 (no tag allowed), entities decoded, whitespace collapsed; the window is
centred on the first word found, and every occurrence of the words is wrapped in <mark>.
Everything is escaped, and the work is linear in the text's length (no regex built from
what people type: words are found with str.find on a casefolded copy).
"""

from __future__ import annotations

import html
import unicodedata

import nh3
from markupsafe import Markup, escape


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0x41, 0x250):
        base = unicodedata.normalize("NFD", chr(code))[0].lower()
        if len(base) == 1 and base != chr(code):
            table[code] = base
    return table


_FOLD = _fold_table()


def _fold(text: str) -> str:
    """Lower case without accents for Latin letters, one character per character (so
    indexes in the folded copy are indexes in the text), at C speed (str.translate)."""
    return text.translate(_FOLD)


_BLOCK_ENDS = ("</p>", "</li>", "</h1>", "</h2>", "</h3>", "</h4>", "</h5>", "</h6>",
               "</blockquote>", "</pre>", "</div>", "</td>", "</th>", "</tr>", "<br>", "<br/>",
               "<br />")


def plain_text(rendered_html: str) -> str:
    """The visible text of sanitised HTML, on one line (blocks separated by a space)."""
    source = rendered_html or ""
    for end in _BLOCK_ENDS:
        source = source.replace(end, end + " ")
    text = html.unescape(nh3.clean(source, tags=set()))
    return " ".join(text.split())


def _terms(query: str) -> list[str]:
    words = {_fold(w.strip("\"'«»*()[]:;,.!?")) for w in (query or "").split()}
    return sorted((w for w in words if len(w) >= 2), key=len, reverse=True)[:10]


def excerpt(rendered_html: str, query: str, width: int = 220) -> Markup:
    """About `width` characters of text around the first searched word, words marked."""
    text = plain_text(rendered_html)
    folded = _fold(text)
    terms = _terms(query)
    first = min((i for i in (folded.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, first - width // 3)
    if start:  # begin at a word boundary
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    window, fwindow = text[start:end], folded[start:end]
    # mark every occurrence: a list of (start, end) spans, longest words first, no overlap
    taken = [False] * len(window)
    spans = []
    for term in terms:
        pos = fwindow.find(term)
        while pos >= 0:
            stop = pos + len(term)
            if not any(taken[pos:stop]):
                spans.append((pos, stop))
                for k in range(pos, stop):
                    taken[k] = True
            pos = fwindow.find(term, stop)
    spans.sort()
    parts, cursor = [], 0
    for a, b in spans:
        parts.append(escape(window[cursor:a]))
        parts.append(Markup("<mark>%s</mark>") % window[a:b])
        cursor = b
    parts.append(escape(window[cursor:]))
    if start > 0:
        parts.insert(0, escape("… "))
    if end < len(text):
        parts.append(escape(" …"))
    return Markup("").join(parts)
