"""Forms of the projects domain (business rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from change_portal.core.labels import label_choices
from change_portal.core.text import SingleLineField
from change_portal.projects.models import (
    ACTION_STATUS_LABELS,
    ACTION_TYPE_LABELS,
    PROJECT_STATUS_LABELS,
    STANCE_HINTS,
    STANCE_LABELS,
)

_TITLE = [DataRequired(_l("Indiquez un titre.")),
          Length(max=200, message=_l("Ce titre est trop long : 200 caractères au plus."))]
_LONG = Length(max=20_000, message=_l("Ce texte est trop long : 20 000 caractères au plus."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProjectForm(FlaskForm):
    title = SingleLineField(_l("Titre du projet"), validators=_TITLE)
    description = TextAreaField(_l("Description"), validators=[_LONG],
                                description=_l("Vous pouvez utiliser Markdown."))
    status = SelectField(_l("Statut"),
                         choices=label_choices(PROJECT_STATUS_LABELS))
    lead_id = SelectField(_l("Chef·fe de projet"), coerce=int)
    start_date = DateField(_l("Date de début"), validators=[Optional()])
    end_date = DateField(_l("Date de fin prévue"), validators=[Optional()])
    service_ids = MultiCheckboxField(_l("Services concernés"), coerce=int)
    objective_ids = MultiCheckboxField(_l("Objectifs de la feuille de route servis"), coerce=int)


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Votre commentaire"),
                         validators=[DataRequired(_l("Écrivez votre commentaire.")), _LONG])


class ActionForm(FlaskForm):
    kind = SelectField(_l("Type d'action"),
                       choices=label_choices(ACTION_TYPE_LABELS))
    title = SingleLineField(_l("Titre"), validators=_TITLE)
    planned_on = DateField(_l("Date prévue"),
                           validators=[InputRequired(_l("Indiquez la date prévue."))])
    status = SelectField(_l("Statut"),
                         choices=label_choices(ACTION_STATUS_LABELS))
    participants = IntegerField(
        _l("Nombre de participants"), default=0,
        validators=[Optional(), NumberRange(0, 100_000, message=_l(
            "Indiquez un nombre de participants entre 0 et 100 000."))])
    service_ids = MultiCheckboxField(_l("Services participants"), coerce=int)
    objective_ids = MultiCheckboxField(
        _l("Objectifs de la feuille de route servis"), coerce=int,
        description=_l("Au moins un : c'est ce qui relie la concertation à la feuille de route."))
    minutes = TextAreaField(_l("Compte rendu"), validators=[_LONG],
                            description=_l("En Markdown. Le premier paragraphe sert de résumé "
                                           "dans le rapport pour le conseil."))


class ConcernForm(FlaskForm):
    text = TextAreaField(_l("Votre inquiétude"),
                         description=_l("Votre nom n'est pas affiché à vos collègues."),
                         validators=[DataRequired(_l("Décrivez l'inquiétude.")), _LONG])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Réponse apportée"),
                           validators=[DataRequired(_l("Écrivez la réponse.")), _LONG])


class ProposalForm(FlaskForm):
    title = SingleLineField(_l("Titre de la proposition"), validators=_TITLE)
    body = TextAreaField(_l("Ce qui est proposé"), validators=[_LONG],
                         description=_l("En Markdown."))
    closes_at = DateTimeLocalField(
        _l("Clôture des positions"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(_l("Indiquez la date de clôture."))],
        description=_l("Heure de Paris. Après cette date, les positions ne peuvent plus changer."))
    hide_results = BooleanField(_l("Cacher les résultats jusqu'à la clôture"))


class PositionForm(FlaskForm):
    # No stance is pre-selected: a default would be counted as agreement by people who
    # only meant to write a reason. Each choice says what it means (a block is serious).
    stance = RadioField(
        _l("Votre position"),
        choices=[(k.value, STANCE_HINTS[k]) for k in STANCE_LABELS],
        validators=[InputRequired(_l("Choisissez votre position.")),
                    AnyOf([k.value for k in STANCE_LABELS],
                          message=_l("Choisissez votre position."))],
        validate_choice=False,
        description=_l("« Blocage » est réservé à une objection grave : la proposition ne doit "
                       "pas passer en l'état. Dites pourquoi, et ce qui la lèverait."))
    reason = TextAreaField(_l("Pourquoi ?"),
                           validators=[DataRequired(_l(
                               "Expliquez votre position en quelques mots.")), _LONG])


class OutcomeForm(FlaskForm):
    outcome = TextAreaField(_l("Décision prise"),
                            validators=[DataRequired(_l("Écrivez la décision prise.")), _LONG])
