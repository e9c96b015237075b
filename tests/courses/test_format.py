"""The course format checks the parse of the engine that renders (issue 12.4)."""

from __future__ import annotations

import pytest

from courses import format as course_format
from courses.format import engine

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24


def test_image_in_an_indented_code_block_is_code_not_a_missing_image():
    text = "Exemple de syntaxe :\n\n    ![](images/absente.png)\n\nSuite."

    body, quizzes, warnings = course_format.parse_lesson_body(text, path="lecon.md")

    assert (quizzes, warnings) == ([], [])
    html = course_format.render_html(body)
    assert "<pre><code>![](images/absente.png)" in html and "<img" not in html


def test_the_same_image_outside_code_is_refused_on_its_line():
    with pytest.raises(course_format.ModuleFormatError) as info:
        course_format.parse_lesson_body("Texte\n\n![](images/absente.png)", path="lecon.md",
                                        first_line=4)
    (error,) = info.value.errors
    assert (error.line, error.message) == (6, "image introuvable « images/absente.png »")


def test_what_is_not_shown_is_not_checked():
    # An unterminated comment hides the rest of the text, on the page as in the checks.
    text = "Avant.\n\n<!-- brouillon\n![](images/absente.png)\n"
    assert course_format.parse_lesson_body(text, path="lecon.md")[2] == []
    assert "absente" not in course_format.render_html(text)


def test_raw_html_links_and_images_in_html_blocks_are_checked():
    text = '<div>\n<img src="images/a.png">\n<a href="https://a.fr">ici</a>\n</div>'
    _body, _quizzes, warnings = course_format.parse_lesson_body(
        text, path="lecon.md", images={"images/a.png": PNG})
    assert [(w.line, w.message.split(" :")[0]) for w in warnings] == [
        (2, "image sans texte alternatif"), (3, "texte de lien peu explicite « ici »")]


def test_quiz_slots_are_rendered_by_the_engine():
    parts = course_format.render_parts("## A\n\n[[quiz:0]]\n\nSuite.\n\n[[quiz:1]]")
    assert [kind if kind == "html" else value for kind, value in parts] == ["html", 0, "html", 1]
    stored = course_format.render_html("Texte.\n\n[[quiz:0]]\n")
    assert course_format.split_html(stored) == [("html", "<p>Texte.</p>\n"), ("quiz", 0)]


def test_authors_cannot_forge_a_quiz_marker():
    stored = course_format.render_html("Texte <!--quiz:3--> et\n\n<!--quiz:4-->\n")
    assert [kind for kind, _value in course_format.split_html(stored)] == ["html"]


def test_a_slot_inside_code_is_code():
    tokens = engine.parse("```\n[[quiz:0]]\n```\n\n    [[quiz:0]]\n")
    assert not [t for t in tokens if t.type == "quiz_slot"]
