"""Issue 11.1: crafted Markdown renders in time linear in its length.

The corpus (bench/markdown_adversarial.py) is rendered in a separate process so
that a regression shows as a failed bound (or the subprocess timeout), never as
a stalled test run. The bounds are generous (the machine may be shared): each
20,000-character case under 2 s of CPU, and ten times the input costs at most
15 times the time; the same for the course checks (which parse with the same
engine). bench/README.md records the measured times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json
from bench.markdown_adversarial import measure
print(json.dumps(measure(20_000, checks=True, repeat=2)))
"""
# Below this, a time is mostly noise: compare with at least 5 ms.
FLOOR = 0.005


def test_pathological_markdown_renders_in_linear_time():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rows) >= 20
    slow = [row for row in rows if row["render"] >= 2.0]
    assert slow == [], f"20 KB cases over 2 s: {slow}"
    superlinear = [row for row in rows if row["render"] > 15 * max(row["small"], FLOOR)]
    assert superlinear == [], f"10x the input cost more than 15x the time: {superlinear}"
    # The course checks (trainers' preview and import) parse with the same engine.
    slow = [row for row in rows if row["check"] >= 2.0]
    assert slow == [], f"20 KB course checks over 2 s: {slow}"
    superlinear = [row for row in rows if row["check"] > 15 * max(row["check_small"], FLOOR)]
    assert superlinear == [], f"course checks, 10x the input over 15x the time: {superlinear}"


def test_raw_html_nesting_is_flattened_but_still_sanitised():
    from change_portal.core.markdown import MAX_RAW_HTML_DEPTH, render_markdown

    html = render_markdown("<ul>" * 5000 + "<li>x</li><script>alert(1)</script>")
    assert html.count("<ul>") <= MAX_RAW_HTML_DEPTH
    assert "<script" not in html and "alert" not in html
    assert render_markdown("<div><b>gras</b></div>") == "<b>gras</b>"
