"""Issue 11.1: crafted Markdown costs work linear in its length.

Work is counted, not timed: the number of function calls (Python and C) that
rendering and the course checks make on each case of the adversarial corpus
(bench/markdown_adversarial.py) at 2,000 and 20,000 characters. Unlike a time, the
count is the same on any machine under any load; markdown-it-py being pure Python,
a super-linear algorithm shows in it. The times themselves are measured by the
benchmark (`python -m bench.markdown_adversarial`) and recorded in bench/README.md.
"""

from __future__ import annotations

from bench.markdown_adversarial import CASES, measure_calls

SIZE = 20_000
# Ten times the input may cost at most this many times the calls. Not 10: a few cases
# have a fixed head (the table case's 200-column header) that the small input is mostly
# made of, so its rows grow 19-fold for a 10-fold input.
MAX_RATIO = 15
# Calls per character of input at 20 KB: the worst case measures about 81 (open links
# `[a](`); 150 leaves room for small changes and still catches any hidden loop.
MAX_PER_CHAR = 150


def test_pathological_markdown_costs_linear_work():
    rows = measure_calls(SIZE)
    assert [row["case"] for row in rows] == list(CASES) and len(rows) >= 20
    for kind, small in (("render", "small"), ("check", "check_small")):
        superlinear = [(r["case"], r[small], r[kind]) for r in rows
                       if r[kind] > MAX_RATIO * max(r[small], 100)]
        assert superlinear == [], f"{kind}: 10x the input, over {MAX_RATIO}x the work"
        heavy = [(r["case"], r[kind] // SIZE) for r in rows if r[kind] > MAX_PER_CHAR * SIZE]
        assert heavy == [], f"{kind}: over {MAX_PER_CHAR} calls per character"


def test_raw_html_nesting_is_flattened_but_still_sanitised():
    from change_portal.core.markdown import MAX_RAW_HTML_DEPTH, render_markdown

    html = render_markdown("<ul>" * 5000 + "<li>x</li><script>alert(1)</script>")
    assert html.count("<ul>") <= MAX_RAW_HTML_DEPTH
    assert "<script" not in html and "alert" not in html
    assert render_markdown("<div><b>gras</b></div>") == "<b>gras</b>"
