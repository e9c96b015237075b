"""The level and band rules, as pure functions."""

from __future__ import annotations

import pytest

from change_portal.maturity import levels as rules


def test_theme_level_is_the_mean_of_answered_statements():
    assert rules.theme_level([2, 3, None, 4]) == 3.0
    assert rules.theme_level([1, 2]) == 1.5
    assert rules.theme_level([0, 0, 1]) == 0.3
    assert rules.theme_level([2, 2, 3]) == 2.3  # 2.333… → one decimal


def test_unanswered_theme_has_no_level():
    assert rules.theme_level([None, None]) is None
    assert rules.theme_level([]) is None


def test_zero_is_an_answer_not_a_blank():
    assert rules.theme_level([0, None]) == 0.0


def test_rounding_is_half_up():
    assert rules.one_decimal(2.25) == 2.3
    assert rules.one_decimal(2.35) == 2.4
    assert rules.theme_level([1, 2, 2, 2]) == 1.8  # 1.75


def test_overall_is_the_mean_of_themes_with_a_level():
    assert rules.overall_level([2.0, 3.0, None]) == 2.5
    assert rules.overall_level([None, None]) is None
    assert rules.overall_level([1.2, 3.5, 2.4]) == 2.4  # 2.366…


def test_band_needs_five_respondents():
    four = rules.band([1.0, 2.0, 3.0, 4.0])
    assert four.n == 4 and not four.shown
    assert four.median is None and four.q1 is None and four.q3 is None
    five = rules.band([1.0, 2.0, 3.0, 4.0, 5.0])
    assert five.shown and (five.q1, five.median, five.q3) == (2.0, 3.0, 4.0)


def test_band_ignores_missing_levels():
    assert not rules.band([1.0, 2.0, None, 3.0, 4.0]).shown


def test_band_with_ties():
    b = rules.band([2.0, 2.0, 2.0, 2.0, 2.0, 3.0])
    assert (b.q1, b.median, b.q3) == (2.0, 2.0, 2.0)


def test_band_quartiles_stay_within_the_values():
    b = rules.band([0.5, 1.0, 1.5, 4.0, 4.5, 5.0])
    assert 0.5 <= b.q1 <= b.median <= b.q3 <= 5.0
    assert (b.q1, b.median, b.q3) == (1.1, 2.8, 4.4)


@pytest.mark.parametrize(("level", "word"), [(1.0, "below"), (2.0, "within"), (3.5, "within"),
                                              (4.1, "above"), (None, None)])
def test_position_word(level, word):
    assert rules.position_word(level, rules.Band(n=5, q1=2.0, median=3.0, q3=3.5)) == word
    assert rules.position_word(level, rules.Band(n=4)) is None
