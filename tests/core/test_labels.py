"""One helper for the labels of enumerated values (core.labels)."""

from flask_babel import force_locale

from change_portal.core.labels import label, label_choices
from change_portal.projects.models import PROJECT_STATUS_LABELS, Project, ProjectStatus


def test_label_of_a_member_its_stored_value_an_unknown_one_and_none(app):
    with app.test_request_context("/"):
        assert label(PROJECT_STATUS_LABELS, ProjectStatus.IDEA) == \
            label(PROJECT_STATUS_LABELS, ProjectStatus.IDEA.value) != ProjectStatus.IDEA.value
        assert label(PROJECT_STATUS_LABELS, "valeur-retiree") == "valeur-retiree"  # no 500
        assert label(PROJECT_STATUS_LABELS, None) == ""
        assert Project(status="valeur-retiree").status_label == "valeur-retiree"


def test_choices_keep_order_and_translate_when_rendered(app):
    pairs = label_choices(PROJECT_STATUS_LABELS)
    assert [v for v, _ in pairs] == [s.value for s in PROJECT_STATUS_LABELS]
    with app.test_request_context("/"), force_locale("en"):
        english = [str(text) for _, text in pairs]
    with app.test_request_context("/"), force_locale("fr"):
        french = [str(text) for _, text in pairs]
    assert len(english) == len(french) and english != french
