"""Issue 11.1: crafted Markdown costs work linear in its length.

Linearity is checked on work counted, not timed: the number of function calls
(Python and C) that rendering and the course checks make on each case of the
adversarial corpus (bench/markdown_adversarial.py) at 2,000 and 20,000 characters.
Unlike a time, the count is the same on any machine under any load; markdown-it-py
being pure Python, a super-linear algorithm shows in it. One time bound stays, with
a wide margin, in a separate process: each 20 KB case renders and is checked in
under 2 s of CPU (0.35 s measured for the worst). The times themselves are measured
by the benchmark (`python -m bench.markdown_adversarial`), recorded in bench/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.markdown_adversarial import CASES, measure_calls

ROOT = Path(__file__).resolve().parents[2]
CPU_SCRIPT = """
import json
from bench.markdown_adversarial import measure
print(json.dumps(measure(20_000, checks=True, repeat=2)))
"""

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


def test_no_20_kb_case_takes_2_s_of_cpu():
    done = subprocess.run([sys.executable, "-c", CPU_SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rows) == len(CASES)
    slow = [(r["case"], r["render"], r["check"]) for r in rows
            if r["render"] >= 2.0 or r["check"] >= 2.0]
    assert slow == [], f"20 KB cases over 2 s of CPU: {slow}"


def test_raw_html_nesting_is_flattened_but_still_sanitised():
    from change_portal.core.markdown import MAX_RAW_HTML_DEPTH, render_markdown

    html = render_markdown("<ul>" * 5000 + "<li>x</li><script>alert(1)</script>")
    assert html.count("<ul>") <= MAX_RAW_HTML_DEPTH
    assert "<script" not in html and "alert" not in html
    assert render_markdown("<div><b>gras</b></div>") == "<b>gras</b>"
