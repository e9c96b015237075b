"""Forms for services (admins) and collectivités (platform operators)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField
from wtforms.validators import DataRequired, Email, Length, NumberRange

from change_portal.core.labels import label_choices
from change_portal.core.text import SingleLineField
from change_portal.organisations.models import KIND_LABELS, REGIONS


class ServiceForm(FlaskForm):
    name = SingleLineField(
        _l("Nom du service"),
        validators=[DataRequired(_l("Indiquez le nom du service.")),
                    Length(max=120, message=_l("120 caractères au plus."))],
    )


class OrganisationForm(FlaskForm):
    name = SingleLineField(
        _l("Nom de la collectivité"),
        validators=[DataRequired(_l("Indiquez le nom.")), Length(max=160)],
    )
    slug = SingleLineField(
        _l("Identifiant court"),
        description=_l("Lettres minuscules sans accent, chiffres et tirets ; il apparaît dans "
                       "les adresses publiques (ex. : saint-martin)."),
        validators=[DataRequired(_l("Indiquez un identifiant.")), Length(min=3, max=60)],
    )
    kind = SelectField(
        _l("Type"), choices=label_choices(KIND_LABELS)
    )
    population = IntegerField(
        _l("Population"),
        validators=[DataRequired(_l("Indiquez la population.")),
                    NumberRange(min=1, max=100_000_000,
                                message=_l("Indiquez un nombre d'habitants valide."))],
    )
    region = SelectField(
        _l("Région (facultatif)"),
        description=_l("Elle permet de retrouver les collectivités proches dans les retours "
                       "d'expérience et l'observatoire."),
        choices=[("", _l("— non précisée —")), *REGIONS], default="",
    )
    admin_name = SingleLineField(
        _l("Nom du premier administrateur"),
        validators=[DataRequired(_l("Indiquez son nom.")), Length(max=120)],
    )
    admin_email = EmailField(
        _l("Adresse électronique du premier administrateur"),
        validators=[DataRequired(_l("Indiquez son adresse électronique.")),
                    Email(_l("Cette adresse électronique n'est pas valide."),
                          check_deliverability=False), Length(max=254)],
    )


class OrganisationProfileForm(FlaskForm):
    name = OrganisationForm.name
    kind = OrganisationForm.kind
    population = OrganisationForm.population
    region = OrganisationForm.region


class AdminInviteForm(FlaskForm):
    admin_name = OrganisationForm.admin_name
    admin_email = OrganisationForm.admin_email
