"""Forms of the sharing domain (business rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from change_portal.projects.forms import MultiCheckboxField

_LONG = Length(max=20_000, message=_l("Ce texte est trop long : 20 000 caractères au plus."))
_SHORT = Length(max=120, message=_l("120 caractères au plus."))


class FicheForm(FlaskForm):
    title = StringField(_l("Titre de la fiche"), validators=[
        DataRequired(_l("Indiquez un titre.")),
        Length(max=200, message=_l("Ce titre est trop long : 200 caractères au plus."))])
    summary = TextAreaField(_l("En quelques lignes"), validators=[_LONG])
    problem = TextAreaField(_l("Le problème et les besoins des usagers"), validators=[_LONG])
    what_done = TextAreaField(_l("Ce que nous avons fait"), validators=[_LONG])
    result_ids = MultiCheckboxField(_l("Résultats à montrer (indicateurs de la feuille de "
                                       "route)"), coerce=int)
    difficulties = TextAreaField(_l("Difficultés et ce que nous avons appris"),
                                 validators=[_LONG],
                                 description=_l("Vous pouvez utiliser Markdown."))
    cost = StringField(_l("Coût (facultatif)"), validators=[_SHORT])
    duration = StringField(_l("Durée (facultatif)"), validators=[_SHORT])
    links = TextAreaField(_l("Ressources réutilisables"), validators=[_LONG], description=_l(
        "Un lien par ligne : « libellé | https://… » ou seulement l'adresse."))
    repo_url = StringField(_l("Dépôt du code source ouvert (facultatif)"),
                           validators=[Length(max=300)])
    themes = MultiCheckboxField(_l("Thèmes"))
    contact_me = BooleanField(_l("Je peux être contacté·e par les autres collectivités"),
                              description=_l("Votre nom et votre fonction sont affichés ; "
                                             "votre adresse électronique ne l'est jamais."))
    contact_role = StringField(_l("Votre fonction"), validators=[_SHORT])


class ActionForm(FlaskForm):
    """A button (CSRF only)."""


class QuestionForm(FlaskForm):
    body = TextAreaField(_l("Votre question"), validators=[
        DataRequired(_l("Écrivez votre question.")),
        Length(max=5_000, message=_l("5 000 caractères au plus."))],
        description=_l("Vous pouvez utiliser Markdown. La discussion est visible de "
                       "toutes les collectivités membres."))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Votre réponse"), validators=[
        DataRequired(_l("Écrivez votre réponse.")),
        Length(max=5_000, message=_l("5 000 caractères au plus."))])


class ReportForm(FlaskForm):
    reason = StringField(_l("Pourquoi ce message pose-t-il problème ?"), validators=[
        DataRequired(_l("Indiquez la raison du signalement.")),
        Length(max=500, message=_l("500 caractères au plus."))])


class ContactForm(FlaskForm):
    body = TextAreaField(_l("Votre message"), validators=[
        DataRequired(_l("Écrivez votre message.")),
        Length(max=5_000, message=_l("5 000 caractères au plus."))],
        description=_l("Il est envoyé par courriel avec votre nom, votre collectivité et "
                       "votre adresse, pour que la personne puisse vous répondre."))


class EventForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[
        DataRequired(_l("Indiquez un titre.")), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Indiquez la date."))])
    place = StringField(_l("Lieu"), validators=[Length(max=200)])
    online_url = StringField(_l("Lien de la visioconférence"), validators=[Optional(),
                                                                          Length(max=300)])
    programme = TextAreaField(_l("Programme"), validators=[_LONG],
                              description=_l("Vous pouvez utiliser Markdown."))
