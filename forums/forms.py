"""Forms of the forums. Lengths are checked here for the message next to the field,
and again by the services (the rule lives there)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from change_portal.accounts.forms import MultiCheckboxField
from change_portal.core.text import SingleLineField
from forums.models import (
    BODY_MAX,
    CHANNEL_LABELS,
    EMAIL_MODE_LABELS,
    FREQUENCY_LABELS,
    IMPACT_LABELS,
    NOTE_MAX,
    PUBLIC_LABELS,
    TITLE_MAX,
)
from forums.needs import WORKAROUND_MAX

_TITLE_LEN = _l("Ce titre est trop long : %(n)d caractères au plus.", n=TITLE_MAX)
_BODY_LEN = _l("Ce message est trop long : %(n)d caractères au plus.", n=BODY_MAX)
_MENTION_HINT = _l("Mise en forme Markdown : **gras**, *italique*, listes avec « - ». "
                   "Pour prévenir un·e collègue, écrivez @ suivi du début de son adresse "
                   "(ex. : @karim.benali) ou @[Prénom Nom].")


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [(k, v) for k, v in labels.items()]


class _BodyMixin:
    body = TextAreaField(
        _l("Message"), description=_MENTION_HINT,
        validators=[DataRequired(_l("Le message est vide : écrivez quelques mots.")),
                    Length(max=BODY_MAX, message=_BODY_LEN)],
        render_kw={"rows": 8, "data-mention": "1"},
    )
    preview = SubmitField(_l("Prévisualiser"))
    submit = SubmitField(_l("Publier"))


class TopicForm(_BodyMixin, FlaskForm):
    title = SingleLineField(
        _l("Titre"),
        validators=[DataRequired(_l("Indiquez un titre.")), Length(max=TITLE_MAX,
                                                                    message=_TITLE_LEN)],
    )
    anonymous = BooleanField(
        _l("Publier sans que mon nom soit affiché aux collègues"),
        description=_l("Les modérateurs voient toujours l'auteur, pour traiter les abus."),
    )


class ReplyForm(_BodyMixin, FlaskForm):
    anonymous = BooleanField(
        _l("Répondre sans que mon nom soit affiché aux collègues"),
        description=_l("Les modérateurs voient toujours l'auteur, pour traiter les abus."),
    )


class EditPostForm(_BodyMixin, FlaskForm):
    title = SingleLineField(_l("Titre"), validators=[Optional(), Length(max=TITLE_MAX,
                                                                        message=_TITLE_LEN)])
    submit = SubmitField(_l("Enregistrer la modification"))


class ConfirmForm(FlaskForm):
    """A POST button with its CSRF token."""


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("Pourquoi signalez-vous ce message ?"),
        validators=[DataRequired(_l("Expliquez en quelques mots pourquoi vous signalez ce "
                                    "message.")),
                    Length(max=NOTE_MAX, message=_l("500 caractères au plus."))],
        render_kw={"rows": 4},
    )


class MoveForm(FlaskForm):
    category_id = SelectField(_l("Nouvelle catégorie"), coerce=int)


class CategoryForm(FlaskForm):
    name = SingleLineField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom de la "
                                                                  "catégorie.")),
                                                  Length(max=120, message=_l("120 caractères au "
                                                                             "plus."))])
    description = TextAreaField(_l("Description"), validators=[
        Length(max=500, message=_l("500 caractères au plus."))], render_kw={"rows": 3})
    position = IntegerField(_l("Ordre d'affichage"), default=100,
                            validators=[Optional(), NumberRange(min=0, max=10_000)])
    allow_anonymous = BooleanField(_l("Permettre de publier sans que son nom soit affiché"))
    roles = MultiCheckboxField(_l("Réservée aux rôles"),
                               description=_l("Laissez vide pour ouvrir à tous."))
    services = MultiCheckboxField(_l("Réservée aux services"), coerce=int,
                                  description=_l("Laissez vide pour ouvrir à tous."))
    moderators = MultiCheckboxField(_l("Modérateurs"), coerce=int)
    submit = SubmitField(_l("Enregistrer la catégorie"))


class NeedForm(FlaskForm):
    title = SingleLineField(
        _l("Le besoin en une phrase"),
        validators=[DataRequired(_l("Indiquez un titre.")), Length(max=TITLE_MAX,
                                                                    message=_TITLE_LEN)],
    )
    category_id = SelectField(_l("Catégorie"), coerce=int)
    public = RadioField(_l("Qui a ce besoin ?"), choices=_choices(PUBLIC_LABELS),
                        validators=[DataRequired(_l("Choisissez qui a ce besoin."))])
    channel = RadioField(_l("Où l'avez-vous constaté ?"), choices=_choices(CHANNEL_LABELS),
                         validators=[DataRequired(_l("Choisissez le canal."))])
    frequency = RadioField(_l("À quelle fréquence ?"), choices=_choices(FREQUENCY_LABELS),
                           validators=[DataRequired(_l("Choisissez la fréquence."))])
    impact = RadioField(_l("Quel impact pour les usagers ?"), choices=_choices(IMPACT_LABELS),
                        validators=[DataRequired(_l("Choisissez l'impact."))])
    services = MultiCheckboxField(_l("Services concernés"), coerce=int)
    workaround = TextAreaField(
        _l("Que se passe-t-il aujourd'hui ?"),
        description=_l("Comment le besoin est contourné en attendant (facultatif)."),
        validators=[Length(max=WORKAROUND_MAX, message=_l("5 000 caractères au plus."))],
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        _l("Description"), description=_MENTION_HINT,
        validators=[DataRequired(_l("Décrivez le besoin en quelques mots.")),
                    Length(max=BODY_MAX, message=_BODY_LEN)],
        render_kw={"rows": 8, "data-mention": "1"},
    )
    preview = SubmitField(_l("Prévisualiser"))
    submit = SubmitField(_l("Enregistrer le besoin"))


class NeedFieldsForm(FlaskForm):
    """Correct the structured fields of a need (its author or a manager)."""

    public = NeedForm.public
    channel = NeedForm.channel
    frequency = NeedForm.frequency
    impact = NeedForm.impact
    services = NeedForm.services
    workaround = NeedForm.workaround
    submit = SubmitField(_l("Enregistrer les modifications"))


class EndorseForm(FlaskForm):
    note = SingleLineField(_l("Une précision (facultatif)"),
                           validators=[Length(max=NOTE_MAX, message=_l("500 caractères au plus."))])
    channel = SelectField(_l("Où l'avez-vous constaté ?"),
                          choices=[("", _l("— Non précisé —")), *_choices(CHANNEL_LABELS)],
                          validators=[Optional()])
    submit = SubmitField(_l("Je l'ai aussi constaté"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Nouveau statut"))
    reason = SingleLineField(_l("Pourquoi ?"),
                             description=_l("Obligatoire pour écarter un besoin."),
                             validators=[Length(max=NOTE_MAX,
                                                message=_l("500 caractères au plus."))])
    submit = SubmitField(_l("Changer le statut"))


class LinkProjectForm(FlaskForm):
    project_id = SelectField(_l("Projet"), coerce=int)
    submit = SubmitField(_l("Rattacher au projet"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Réponse apportée aux usagers"),
        description=_l("Elle sera publiée après validation par un administrateur ou un·e "
                       "autre chef·fe de projet."),
        validators=[DataRequired(_l("Écrivez la réponse avant de l'enregistrer.")),
                    Length(max=10_000, message=_l("10 000 caractères au plus."))],
        render_kw={"rows": 6},
    )
    submit = SubmitField(_l("Enregistrer le projet de réponse"))


class PreferenceForm(FlaskForm):
    email_mode = RadioField(_l("Courriels des forums"), choices=_choices(EMAIL_MODE_LABELS))
    submit = SubmitField(_l("Enregistrer mon choix"))


class HiddenNext(FlaskForm):
    next = HiddenField()
