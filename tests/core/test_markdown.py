"""The Markdown pipeline: useful Markdown survives, attacks do not."""

from __future__ import annotations

import pytest

from change_portal.core.markdown import render_markdown
from tests.xss import all_payloads, markdown_vectors, unsafe_parts


def test_corpora_are_present_and_large():
    payloads = all_payloads()
    assert len(payloads) > 2500
    assert len(markdown_vectors()) >= 40


def test_every_payload_is_neutralised():
    failures = []
    for payload in all_payloads():
        html = render_markdown(payload)
        problems = unsafe_parts(html)
        if problems:
            failures.append((payload, html, problems))
    assert failures == [], f"{len(failures)} payloads escaped, first: {failures[:3]}"


@pytest.mark.parametrize("payload", markdown_vectors())
def test_markdown_vectors_inside_prose(payload):
    html = render_markdown(f"Texte avant.\n\n{payload}\n\nTexte après.")
    assert unsafe_parts(html) == []
    assert "Texte après." in html


def test_tables_lists_code_and_headings_survive():
    html = render_markdown(
        "## Étapes de la démarche\n\n"
        "1. Ouvrir le site\n2. Se connecter\n\n"
        "| Canal | Part |\n|:--|--:|\n| Guichet | 40 % |\n\n"
        "```\ncode <b>brut</b>\n```\n"
    )
    assert '<h2 id="h-etapes-de-la-demarche">' in html
    assert "<ol>" in html and "<li>Se connecter</li>" in html
    assert '<td align="right">40 %</td>' in html
    assert "&lt;b&gt;brut&lt;/b&gt;" in html


def test_links_get_rel_and_bad_schemes_are_dropped():
    html = render_markdown("[site](https://www.service-public.fr) [x](javascript:alert(1))")
    assert 'href="https://www.service-public.fr"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "javascript" not in html


def test_authors_cannot_set_attributes_or_ids():
    html = render_markdown('<h2 id="location">Titre</h2>\n\n<p class="x" style="color:red">t</p>')
    assert 'id="location"' not in html
    assert "style" not in html and "class" not in html


def test_empty_input_gives_empty_output():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_commonmark_features_kept_with_markdown_it():
    html = render_markdown(
        "## Titre\n\n## Titre\n\n3. trois\n4. quatre\n\n~~barré~~ <https://www.service-public.fr>"
    )
    assert '<h2 id="h-titre">' in html and '<h2 id="h-titre_1">' in html
    assert '<ol start="3">' in html
    assert "<s>barré</s>" in html
    assert 'href="https://www.service-public.fr"' in html


def test_faster_link_label_scan_gives_the_stock_tokens():
    """core/markdown.py replaces markdown-it's label scan and skipToken by the same
    algorithms made cheaper (issue 11.1): the tokens must be the stock ones."""
    import markdown_it.helpers
    from markdown_it.parser_inline import ParserInline

    from bench.markdown_adversarial import CASES
    from change_portal.core.markdown import new_parser

    fast, stock = new_parser(), new_parser()
    del stock.inline.skipToken  # the class's method again
    stock.helpers = markdown_it.helpers
    assert fast.inline.skipToken != stock.inline.skipToken == ParserInline.skipToken.__get__(
        stock.inline)
    texts = [make(3_000) for make in CASES.values()] + [
        "[a [b] c](/u) ![x [y]](i.png) [[nested]](/n) [ref] [ref][] [ref][ref]\n\n[ref]: /r",
        "[" * 25 + "x" + "]" * 25 + "(/u)", "![" * 30 + "a" + "](b)" * 30,
        "[a](<b> \"t\") [c]( d 'e' ) ![f](g (h)) [`]`](/code) [<b>]</b>](/html)",
    ]
    for text in texts:
        assert [t.as_dict() for t in fast.parse(text)] == \
            [t.as_dict() for t in stock.parse(text)], text[:40]
