"""The progress rules, one case each (roadmap.progress is pure)."""

from datetime import date

from change_portal.roadmap import progress as p

Ind = p.IndicatorRow


def test_reached_objective_is_100_whatever_its_indicators():
    assert p.objective_progress("atteint", 10, [Ind(0, 100, 5)]) == 100


def test_indicators_mean_of_ratios():
    assert p.objective_progress("en_cours", 90, [Ind(0, 100, 50), Ind(10, 20, 20)]) == 75


def test_indicator_progress_is_clamped_between_0_and_1():
    assert p.objective_progress("en_cours", 0, [Ind(0, 100, 150)]) == 100
    assert p.objective_progress("en_cours", 0, [Ind(50, 100, 10)]) == 0
    # decreasing target (e.g. waiting time from 20 to 5 days)
    assert p.objective_progress("en_cours", 0, [Ind(20, 5, 11)]) == 60
    assert p.objective_progress("en_cours", 0, [Ind(20, 5, 30)]) == 0


def test_indicator_without_value_counts_as_zero():
    assert p.objective_progress("en_cours", 80, [Ind(0, 100, None), Ind(0, 100, 100)]) == 50


def test_indicator_with_target_equal_to_baseline_is_ignored():
    assert p.objective_progress("en_cours", 40, [Ind(5, 5, 5)]) == 40
    assert p.progress_source("en_cours", [Ind(5, 5, 5)]) == "manual"


def test_without_indicators_the_manual_percentage_is_used_default_zero():
    assert p.objective_progress("en_cours", 35) == 35
    assert p.objective_progress("non_commence", None) == 0
    assert p.progress_source("en_cours") == "manual"
    assert p.progress_source("en_cours", [Ind(0, 1, None)]) == "indicators"
    assert p.progress_source("atteint") == "reached"


def test_axis_is_weighted_mean_and_leaves_abandoned_out():
    rows = [("en_cours", 1, 0), ("atteint", 3, 100), ("abandonne", 10, 0)]
    assert p.axis_progress(rows) == 75
    assert p.axis_progress([("abandonne", 1, 50)]) is None
    assert p.axis_progress([]) is None


def test_roadmap_is_mean_of_axes_with_a_figure():
    assert p.roadmap_progress([50, 100, None]) == 75
    assert p.roadmap_progress([None]) is None


def test_late_rules():
    today = date(2027, 6, 1)
    assert p.objective_late("en_cours", date(2027, 5, 31), today)
    assert not p.objective_late("atteint", date(2027, 5, 31), today)
    assert not p.objective_late("abandonne", date(2027, 5, 31), today)
    assert not p.objective_late("en_cours", date(2027, 6, 1), today)
    assert not p.objective_late("en_cours", None, today)
    assert p.action_late("prevue", date(2027, 5, 1), today)
    assert not p.action_late("realisee", date(2027, 5, 1), today)
    assert not p.action_late("prevue", date(2027, 7, 1), today)
