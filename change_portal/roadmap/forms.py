"""Forms of the roadmap domain. Business rules live in services; these only
parse and give clear messages for missing or malformed input."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from change_portal.core.labels import label_choices
from change_portal.core.text import SingleLineField
from change_portal.roadmap.models import OBJECTIVE_STATUS_LABELS

_TITLE = [DataRequired(_l("Indiquez un titre.")),
          Length(max=200, message=_l("Ce titre est trop long : 200 caractères au plus."))]


class RoadmapForm(FlaskForm):
    title = SingleLineField(_l("Titre de la feuille de route"), validators=_TITLE)
    start_year = IntegerField(
        _l("Année de début"),
        validators=[InputRequired(_l("Indiquez l'année de début.")),
                    NumberRange(2000, 2100, message=_l("Indiquez une année entre 2000 et 2100."))],
    )
    end_year = IntegerField(
        _l("Année de fin"),
        validators=[InputRequired(_l("Indiquez l'année de fin.")),
                    NumberRange(2000, 2100, message=_l("Indiquez une année entre 2000 et 2100."))],
    )


class PublishForm(FlaskForm):
    published = BooleanField(
        _l("Publier la feuille de route en données ouvertes"),
        description=_l("Une page publique et une adresse JSON montrent alors les axes, les "
                       "objectifs, les indicateurs et les actions, sans aucun nom d'agent."),
    )


class AxisForm(FlaskForm):
    title = SingleLineField(_l("Titre de l'axe"), validators=_TITLE)
    position = IntegerField(_l("Ordre d'affichage"), default=0,
                            validators=[Optional(), NumberRange(0, 999)])


class ObjectiveForm(FlaskForm):
    title = SingleLineField(_l("Titre de l'objectif"), validators=_TITLE)
    description = TextAreaField(
        _l("Description"), description=_l("Vous pouvez utiliser Markdown (listes, liens, gras)."),
        validators=[Length(max=20_000, message=_l("20 000 caractères au plus."))],
    )
    axis_id = SelectField(_l("Axe"), coerce=int)
    owner_id = SelectField(_l("Responsable"), coerce=int)
    target_date = DateField(_l("Date cible"), validators=[Optional()],
                            description=_l("Format : jj/mm/aaaa ou aaaa-mm-jj."))
    status = SelectField(_l("Statut"),
                         choices=label_choices(OBJECTIVE_STATUS_LABELS))
    weight = IntegerField(
        _l("Poids dans l'axe"), default=1,
        description=_l("1 par défaut ; un objectif de poids 2 compte deux fois dans l'axe."),
        validators=[InputRequired(_l("Indiquez un poids.")),
                    NumberRange(1, 100, message=_l("Le poids doit être entre 1 et 100."))],
    )
    manual_progress = IntegerField(
        _l("Avancement saisi (%)"), default=0,
        description=_l("Utilisé seulement quand l'objectif n'a pas d'indicateur."),
        validators=[InputRequired(_l("Indiquez un avancement entre 0 et 100.")),
                    NumberRange(0, 100, message=_l(
                        "L'avancement doit être compris entre 0 et 100 %%."))],
    )
    version = HiddenField()


class IndicatorForm(FlaskForm):
    name = SingleLineField(_l("Nom de l'indicateur"), validators=_TITLE)
    unit = SingleLineField(_l("Unité"), validators=[Length(max=40)])
    baseline = DecimalField(_l("Valeur de départ"),
                            validators=[InputRequired(_l("Indiquez la valeur de départ."))])
    target = DecimalField(_l("Cible"), validators=[InputRequired(_l("Indiquez la cible."))])


class IndicatorValueForm(FlaskForm):
    value = DecimalField(_l("Valeur mesurée"),
                         validators=[InputRequired(_l("Indiquez la valeur mesurée."))])
    measured_on = DateField(_l("Date de la mesure"),
                            validators=[InputRequired(_l("Indiquez la date de la mesure."))])


class ReportForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=[
        ("pdf", _l("Rapport pour le conseil (PDF)")),
        ("csv", _l("Export des objectifs et des actions (CSV)")),
    ])
    period_start = DateField(_l("Actions réalisées du"), validators=[Optional()])
    period_end = DateField(_l("au"), validators=[Optional()])


class ProgressForm(FlaskForm):
    manual_progress = IntegerField(
        _l("Avancement (%)"),
        validators=[InputRequired(_l("Indiquez un avancement entre 0 et 100.")),
                    NumberRange(0, 100, message=_l(
                        "L'avancement doit être compris entre 0 et 100 %%."))],
    )
    version = HiddenField()
