"""Forms of the accounts domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from change_portal.core.text import SingleLineField


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse électronique"),
        validators=[DataRequired(_l("Indiquez votre adresse électronique.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Indiquez votre mot de passe.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class _NewPasswordMixin:
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(_l("Choisissez un mot de passe.")), Length(max=256)],
        description=_l("12 caractères au moins. Une phrase de plusieurs mots est plus facile à "
                       "retenir et plus robuste."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(_l("Confirmez le mot de passe.")),
            EqualTo("password", _l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordChangeForm(_NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(_l("Indiquez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"},
    )


class AcceptInvitationForm(_NewPasswordMixin, FlaskForm):
    pass


class ResetRequestForm(FlaskForm):
    """"Mot de passe oublié ?": the address to send a reset link to."""

    email = EmailField(
        _l("Adresse électronique"),
        validators=[DataRequired(_l("Indiquez votre adresse électronique.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(_NewPasswordMixin, FlaskForm):
    pass


class JoinForm(FlaskForm):
    """Accept joining a collectivité with one's existing account (CSRF only)."""


class SwitchForm(FlaskForm):
    """The header's collectivité switcher."""

    membership_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class UserEditForm(FlaskForm):
    """Admin: edit a member of the collectivité."""

    full_name = SingleLineField(
        _l("Nom et prénom"),
        validators=[DataRequired(_l("Indiquez le nom de la personne.")),
                    Length(max=120, message=_l("120 caractères au plus."))],
    )
    service_id = SelectField(_l("Service"), coerce=int, validate_choice=True)
    roles = MultiCheckboxField(
        _l("Rôles"), validate_choice=True,
        validators=[DataRequired(_l("Choisissez au moins un rôle."))],
    )


class UserInviteForm(UserEditForm):
    email = EmailField(
        _l("Adresse électronique"),
        validators=[DataRequired(_l("Indiquez l'adresse électronique.")),
                    Email(_l("Cette adresse électronique n'est pas valide."),
                          check_deliverability=False),
                    Length(max=254)],
    )
