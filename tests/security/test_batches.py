"""The XSS sweeps put many payloads in one Markdown text: a payload that leaves the
parser open (an unclosed fence, `<!--`, `<script`, `<div>`…) must not turn the
payloads after it into code or dropped content, or they would never be exercised."""

from __future__ import annotations

from change_portal.core.markdown import render_markdown
from tests.security.pages import PROBE, _closer, batches, corpus

OPENERS = ["<!--", "```", "~~~", "<script>", "<style>", "<div id=x>", "<textarea>",
           "<? x", "<iframe src=x", '<a title="', "<plaintext>"]
LIVE = ["[lien](javascript:alert(1))", "*souligné*", "<b>gras</b>"]


def _probed(text_of, members: list[str]) -> str:
    parts = []
    for i, payload in enumerate(members[:-1]):
        parts += [text_of(payload), PROBE.format(i)]
    return "\n\n".join([*parts, text_of(members[-1])])


def test_openers_do_not_swallow_the_payloads_after_them():
    payloads = [p for opener in OPENERS for p in (opener, *LIVE)]
    # What a plain join does: everything after the open <script> is dropped with it.
    assert "<em>" not in render_markdown("\n\n".join(["<script>", *LIVE]))
    out = batches(payloads, 400)
    assert sorted(p for _, members in out for p in members) == sorted(payloads)
    html = "".join(render_markdown(text) for text, _ in out)
    # Every Markdown payload rendered as Markdown, once per opener before it.
    assert html.count("<em>souligné</em>") == len(OPENERS)
    assert html.count(">lien</a>") == len(OPENERS)
    assert html.count("<b>gras</b>") == len(OPENERS)
    # A payload that nothing closes (<plaintext>, whatever the engine does with it)
    # can only be last in its batch.
    for _, members in out:
        assert all(_closer(p) is not None for p in members[:-1]), members


def test_every_payload_of_the_corpus_leaves_markdown_live_in_its_batch():
    for limit in (19_000, 5_000, 3_200):
        for text, members in batches(corpus(), limit):
            pieces = {}
            # each member's text in the batch: itself, then its closer if it has one
            rest = text
            for payload in members:
                start = rest.index(payload)
                nxt = members[members.index(payload) + 1] if payload != members[-1] else None
                end = rest.index(nxt, start + len(payload)) if nxt else len(rest)
                pieces[payload] = rest[start:end].rstrip("\n")
                rest = rest[end:]
            html = render_markdown(_probed(pieces.__getitem__, members))
            dead = [members[i] for i in range(len(members) - 1)
                    if f"<p>{PROBE.format(i)}</p>" not in html]
            assert dead == [], f"batch of {limit}: swallow what follows: {dead[:3]}"
