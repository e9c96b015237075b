"""Render time of pathological Markdown (issue 11.1): a corpus of crafted inputs.

Each case builds a text of about ``size`` characters designed to hit a known
super-linear path of Markdown engines (bracket and emphasis runs, deep nesting,
backtick runs, unterminated comments and tags, reference floods). The test
``tests/core/test_markdown_adversarial.py`` renders the corpus in a separate
process and asserts a generous bound; this script records the time of each case::

    .venv/bin/python -m bench.markdown_adversarial            # 20 KB, prints the table
    .venv/bin/python -m bench.markdown_adversarial --checks --lesson 204800 --readme

``--checks`` also times the course checks with the rendering they share a parse
with (``courses.format.check_lesson_body``, what the trainers' preview and save
run), ``--lesson 204800`` on a 200 KB lesson of each case. Never asserts: it reports.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * max(1, size // len(unit))


def _lines(make: Callable[[int], str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        out, total, index = [], 0, 0
        while total < size:
            line = make(index)
            out.append(line)
            total += len(line)
            index += 1
        return "".join(out)

    return build


CASES: dict[str, Callable[[int], str]] = {
    "brackets `[`": _repeat("["),
    "image brackets `![`": _repeat("!["),
    "closed brackets `[x]`": _repeat("[x]"),
    "open links `[a](`": _repeat("[a]("),
    "link titles `[a](b \"`": _repeat('[a](b "'),
    "emphasis `*a_`": _repeat("*a_"),
    "emphasis `_a*`": _repeat("_a*"),
    "strong runs `**a`": _repeat("**a"),
    "star run `*`": _repeat("*"),
    "strikethrough `~~a`": _repeat("~~a"),
    "nested quotes (one line)": _repeat(">"),
    "nested quotes (lines)": _lines(lambda i: ">" * (i % 60) + " a\n"),
    "nested lists": _lines(lambda i: "  " * (i % 80) + "- a\n"),
    "list markers `- `": _repeat("- "),
    "backtick runs (` + a)": _repeat("`a"),
    "growing backtick runs": _lines(lambda i: "`" * (i % 200 + 1) + "a"),
    "comments `<!--`": _repeat("<!--"),
    "tags `<a `": _repeat("<a "),
    "tags `<a href='x'`": _repeat("<a href='x'"),
    "html blocks `<div>`": _repeat("<div>\n"),
    "autolinks `<http://`": _repeat("<http://"),
    "entities `&#`": _repeat("&#"),
    "reference flood": _lines(lambda i: f"[r{i}]: /u{i}\n[r{i}] "),
    "reference labels `[a]:`": _repeat("[a]:"),
    "vague links `[ici](…)`": _repeat("[ici](https://a.fr) "),
    "missing images `![](…)`": _repeat("![](images/x.png) "),
    "unclosed html links `<a>x`": _repeat("<a>x"),
    "table columns": _lines(lambda i: ("|" * 400 + "\n" + "|-" * 200 + "\n") if i == 0 else "|a\n"),
}


def time_render(render: Callable[[str], object], text: str, repeat: int = 2) -> float:
    """Best of ``repeat`` runs, in CPU seconds (the machine may be shared), with
    the garbage collector paused as timeit does (its pauses are noise here)."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.process_time()
            render(text)
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return best


def _check(text: str) -> None:
    from courses.format import check_lesson_body

    # What the editor's preview and save run: the checks and the HTML, on one
    # parse. Refusing is fine (the preview still renders): only the time matters.
    check_lesson_body(text, path="lecon.md")


def measure(size: int, *, checks: bool = False, lesson_size: int = 0,
            repeat: int = 2) -> list[dict]:
    """Render each case at size/10 and size (and run the course checks on it
    when ``checks``; on a lesson of ``lesson_size`` too); one row per case."""
    from change_portal.core.markdown import render_markdown

    rows = []
    for name, make in CASES.items():
        row = {
            "case": name,
            "small": time_render(render_markdown, make(size // 10), repeat),
            "render": time_render(render_markdown, make(size), repeat),
        }
        if checks:
            row["check_small"] = time_render(_check, make(size // 10), repeat)
            row["check"] = time_render(_check, make(size), repeat)
        if lesson_size:
            row["lesson"] = time_render(_check, make(lesson_size), 1)
        rows.append(row)
    return rows


def count_calls(func: Callable[[str], object], text: str) -> int:
    """Function calls (Python and C) made by ``func(text)``: a measure of work that
    does not depend on the machine or its load, unlike a time. markdown-it-py is pure
    Python, so a super-linear algorithm in the parser shows as super-linear calls."""
    calls = 0

    def profile(_frame, event, _arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        func(text)
    finally:
        sys.setprofile(previous)
    return calls


def measure_calls(size: int) -> list[dict]:
    """Calls to render and to check each case at size/10 and size; one row per case."""
    from change_portal.core.markdown import render_markdown

    return [{"case": name,
             "small": count_calls(render_markdown, make(size // 10)),
             "render": count_calls(render_markdown, make(size)),
             "check_small": count_calls(_check, make(size // 10)),
             "check": count_calls(_check, make(size))}
            for name, make in CASES.items()]


def table(rows: list[dict], size: int, lesson_size: int) -> str:
    head = f"| Case | render {size // 10:,} chars | render {size:,} chars | ratio ×10 |"
    sep = "| --- | ---: | ---: | ---: |"
    if "check" in rows[0]:
        head += f" checks + render {size:,} chars | ratio ×10 |"
        sep += " ---: | ---: |"
    if lesson_size:
        head += f" checks + render {lesson_size // 1024} KB |"
        sep += " ---: |"
    lines = [head, sep]
    for row in rows:
        ratio = row["render"] / max(row["small"], 1e-4)
        line = f"| {row['case']} | {row['small']:.4f} s | {row['render']:.3f} s | {ratio:.1f} |"
        if "check" in row:
            ratio = row["check"] / max(row["check_small"], 1e-4)
            line += f" {row['check']:.3f} s | {ratio:.1f} |"
        if lesson_size:
            line += f" {row['lesson']:.2f} s |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--checks", action="store_true", help="time the course checks too")
    parser.add_argument("--lesson", type=int, default=0, help="also check lessons of N bytes")
    parser.add_argument("--readme", action="store_true", help="write the table to the README")
    args = parser.parse_args(argv)
    rows = measure(args.size, checks=args.checks, lesson_size=args.lesson)
    text = table(rows, args.size, args.lesson)
    print(text)
    if args.readme:
        readme = Path(__file__).with_name("README.md")
        start, end = "<!-- markdown-adversarial -->", "<!-- /markdown-adversarial -->"
        content = readme.read_text()
        head, rest = content.split(start, 1)
        _old, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{text}\n{end}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
