"""Checks and rendering share one parse (issue 11.1): the HTML rendered from the
tokens the checks walked is exactly what rendering the stored body gives, and a
lesson is parsed once by the editor's preview and save."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.markdown_adversarial import CASES
from courses import format as course_format
from courses.format import engine

LIBRARY = Path(__file__).resolve().parents[2] / "courses" / "library"

QUIZ = "```quiz\n? Question\n- [x] oui\n- [ ] non\n```"
TEXTS = {
    "quiz between paragraphs": f"Avant\n{QUIZ}\nAprès",
    "quiz after a list, list after": f"- a\n- b\n{QUIZ}\n- c\n- d\n",
    "quiz after a quote, heading after": f"> cité\n{QUIZ}\n## Suite\n\ntexte",
    "two quizzes, blank lines": f"\n\n# T\n\n{QUIZ}\n\n\n{QUIZ}\n\nfin   \n\n",
    "quiz in a list is code": f"- item\n\n  {QUIZ.replace(chr(10), chr(10) + '  ')}\n",
    "trailing code block spaces": "texte\n\n    code   \n    \n   \n",
    "references and images": "[lien]: https://exemple.fr\n\nVoir [lien] et ![carte](https://x.fr/a.png)\n",
    "raw html and comments": "<div>\n<p>bloc</p>\n</div>\n\n<!-- note -->\ntexte <b>gras</b>\n",
    "crlf and bom": "\ufeffTitre\r\n=====\r\n\r\ntexte\r\n",
    "table": "| a | b |\n|:--|--:|\n| 1 | 2 |\n",
    "setext after quiz": f"{QUIZ}\n===\n",
}


def _library_lessons() -> dict[str, str]:
    texts = {}
    for file in sorted(LIBRARY.glob("*/*.md")):
        name = f"{file.parent.name}/{file.name}"
        _data, body, _line = course_format.split_front_matter(file.read_text(), path=name)
        texts[name] = body
    return texts


def _corpus() -> dict[str, str]:
    corpus = dict(TEXTS)
    corpus.update({f"adversarial {name}": make(4_000) for name, make in CASES.items()})
    return corpus


@pytest.mark.parametrize("name", sorted(_corpus()))
def test_html_from_the_checks_tokens_is_the_html_of_the_stored_body(name):
    text = _corpus()[name]
    checked = course_format.check_lesson_body(text, path="lecon.md")
    if checked.errors:
        # Refused texts: the preview shows them as written (quiz blocks as code).
        assert checked.html == engine.render_html(text.lstrip("\ufeff").rstrip())
        return
    assert checked.html == engine.render_html(checked.body)
    body, quizzes, warnings = course_format.parse_lesson_body(text, path="lecon.md")
    assert (body, quizzes, warnings) == (checked.body, checked.quizzes, checked.warnings)


def test_library_lessons_render_the_same_from_one_parse():
    lessons = _library_lessons()
    assert len(lessons) >= 8
    for name, text in lessons.items():
        checked = course_format.check_lesson_body(text, path=name)
        assert not checked.errors, (name, checked.errors)
        assert checked.html == engine.render_html(checked.body), name
        assert "<!--quiz:" in checked.html or "```quiz" not in text, name


def test_preview_and_save_parse_a_lesson_once(monkeypatch, app):
    from courses import services

    calls = []
    parse = engine.COURSE_MD.parse

    def counting(src, env=None):
        calls.append(len(src))
        return parse(src, env)

    monkeypatch.setattr(engine.COURSE_MD, "parse", counting)
    result = services.preview(None, f"Texte\n\n{QUIZ}\n\nFin ![x](https://a.fr/i.png)")
    assert result["errors"] == [] and len(result["quizzes"]) == 1
    assert [kind for kind, _v in result["parts"]] == ["html", "quiz", "html"]
    assert len(calls) == 1
