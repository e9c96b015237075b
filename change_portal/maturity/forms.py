"""Forms of the maturity observatory. Business rules live in services; these
only parse and give clear messages for missing or malformed input.

The answering form is built per theme (one radio group and one comment per
statement), so it is not a FlaskForm class: see ThemeAnswersForm.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from change_portal.maturity.services import COMMENT_MAX


class EditionForm(FlaskForm):
    title = StringField(_l("Titre de l'édition"), validators=[
        DataRequired(_l("Indiquez un titre.")),
        Length(max=200, message=_l("Ce titre est trop long : 200 caractères au plus."))])
    slug = StringField(
        _l("Identifiant dans les adresses"),
        description=_l("Minuscules, chiffres et tirets, par exemple « 2026 »."),
        validators=[DataRequired(_l("Indiquez un identifiant.")),
                    Length(max=60, message=_l("60 caractères au plus.")),
                    Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                           message=_l("Minuscules, chiffres et tirets seulement."))])
    referential_id = SelectField(_l("Référentiel"), coerce=int, validate_choice=True)
    opens_on = DateField(_l("Date d'ouverture"), validators=[
        InputRequired(_l("Indiquez la date d'ouverture (jj/mm/aaaa ou aaaa-mm-jj)."))])
    closes_on = DateField(_l("Date de clôture prévue"), validators=[
        InputRequired(_l("Indiquez la date de clôture (jj/mm/aaaa ou aaaa-mm-jj)."))])


class ConfirmForm(FlaskForm):
    """A button that changes state (start, close, submit, reopen): CSRF only."""


class PublishForm(FlaskForm):
    published = BooleanField(_l("Publier l'observatoire (page publique et données ouvertes)"))


class AssignForm(FlaskForm):
    theme_id = SelectField(_l("Thème"), coerce=int, validate_choice=False)
    user_id = SelectField(_l("Personne"), coerce=int, validate_choice=False)


class ReviewerForm(FlaskForm):
    user_id = SelectField(_l("Personne désignée pour relire et soumettre"), coerce=int,
                          validate_choice=False)


class LinkForm(FlaskForm):
    theme_slug = StringField(validators=[DataRequired(), Length(max=60)])
    objective_id = SelectField(_l("Objectif de la feuille de route"), coerce=int,
                               validate_choice=False)
    unlink = BooleanField()


class ObjectiveFromThemeForm(FlaskForm):
    axis_id = IntegerField(validators=[InputRequired()])


class ThemeAnswersForm(FlaskForm):
    """CSRF of the answering page; the statements' fields are read by
    parse_answers (their names carry the statement id)."""


def parse_answers(formdata, statement_ids: list[int]) -> tuple[list[dict], dict[int, str]]:
    """Read level-<id>, comment-<id> and version-<id> for each statement of the
    theme; return (values, errors by statement id). Never raises on input."""
    values, errors = [], {}
    for sid in statement_ids:
        raw_level = (formdata.get(f"level-{sid}") or "").strip()
        comment = formdata.get(f"comment-{sid}") or ""
        raw_version = (formdata.get(f"version-{sid}") or "0").strip()
        level = None
        if raw_level not in ("", "none"):
            if raw_level in {"0", "1", "2", "3", "4", "5"}:
                level = int(raw_level)
            else:
                errors[sid] = str(_l("Choisissez un niveau de 0 à 5."))
        if len(comment) > COMMENT_MAX:
            errors[sid] = str(_l("Un commentaire compte 5 000 caractères au plus."))
        version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 9 else 0
        values.append({"statement_id": sid, "level": level, "comment": comment,
                       "opened_version": version})
    return values, errors
