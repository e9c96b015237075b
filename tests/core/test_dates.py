"""Dates as people read them: "1er septembre", "18 h 00", Paris time, English apart."""

from datetime import UTC, date, datetime

from flask_babel import force_locale

from change_portal.core import dates


def test_french_dates_use_the_ordinal_for_the_first_and_no_seconds(app):
    with app.test_request_context():
        assert dates.date_long(date(2026, 9, 1)) == "1er septembre 2026"
        assert dates.date_long(date(2026, 9, 2)) == "2 septembre 2026"
        # 16:00 UTC is 18:00 in Paris in summer
        at = datetime(2026, 9, 1, 16, 0, 5, tzinfo=UTC)
        assert dates.datetime_long(at) == "1er septembre 2026 à 18 h 00"
        assert dates.time_short(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)) == "23 h 30"
        # a datetime read as a date takes the Paris day, not UTC's
        assert dates.date_long(datetime(2026, 8, 31, 23, 30, tzinfo=UTC)) == (
            "1er septembre 2026")
        assert dates.date_long(None) == "" and dates.datetime_long(None) == ""


def test_english_keeps_babel_forms_without_seconds(app):
    with app.test_request_context(), force_locale("en"):
        at = datetime(2026, 9, 1, 16, 0, 5, tzinfo=UTC)
        text = dates.datetime_long(at)
        assert text.startswith("September 1, 2026") and ":05" not in text
        assert dates.date_long(date(2026, 9, 1)) == "September 1, 2026"


def test_template_filters_render_the_same(app):
    with app.test_request_context():
        tpl = app.jinja_env.from_string("{{ d|date_fr }} / {{ t|datetime_fr }} / {{ n|date_fr }}")
        out = tpl.render(d=date(2026, 9, 1), t=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
                         n=None)
        assert out == "1er septembre 2026 / 1er décembre 2026 à 18 h 00 / "


def test_the_written_out_french_months_are_babels(app):
    """dates.MONTHS_FR replaces a Babel call per date (issue 15): same words."""
    from flask_babel import format_date

    with app.test_request_context("/"), force_locale("fr"):
        for month in range(1, 13):
            d = date(2026, month, 14)
            assert dates.date_long(d) == f"14 {format_date(d, 'MMMM y')}"
