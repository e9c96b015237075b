"""Search excerpts: plain text around the first word found, words marked, all escaped,
linear on hostile input."""

from change_portal.core.excerpts import excerpt, plain_text


def test_excerpt_is_plain_text_with_the_words_marked():
    html = ("<p><strong>Objet</strong> : le <a href='https://x.fr'>formulaire</a> d&#39;état "
            "civil</p><ul><li>Les usagers demandent un Rendez-vous en ligne</li></ul>")
    out = excerpt(html, "rendez-vous etat")
    assert "<strong>" not in out and "<a " not in out and "**" not in out
    assert "<mark>Rendez-vous</mark>" in out and "d&#39;<mark>état</mark> civil Les" in out


def test_window_centres_on_the_first_match_with_ellipses():
    text = "<p>" + "début " * 100 + "le mot cherché est ici " + "fin " * 100 + "</p>"
    out = excerpt(text, "cherché", width=80)
    assert out.startswith("… ") and out.endswith(" …")
    assert "<mark>cherché</mark>" in out and len(plain_text(str(out))) <= 90


def test_everything_typed_or_stored_is_escaped():
    out = excerpt("<p>&lt;script&gt;alert(1)&lt;/script&gt; bonjour</p>", "<script> bonjour")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark>bonjour</mark>" in out


def test_no_match_gives_the_beginning():
    assert excerpt("<p>Un texte sans rapport</p>", "absent") == "Un texte sans rapport"


def test_long_hostile_text_is_handled():
    text = "<p>" + "é" * 50_000 + " aa" * 5_000 + "</p>"
    out = excerpt(text, "a " * 100 + "aa")
    assert "<mark>aa</mark>" in out
