"""Forms of the learning domain (trainers' editor, assignments, project link)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from change_portal.accounts.forms import MultiCheckboxField
from change_portal.core.labels import label_choices
from change_portal.core.text import SingleLineField
from courses.models import LEVEL_LABELS


class ModuleForm(FlaskForm):
    # "<version id>:<edit version>" of what the form showed when it was opened.
    opened = HiddenField()
    title = SingleLineField(_l("Titre du module"), validators=[
        DataRequired(_l("Indiquez un titre.")),
        Length(max=200, message=_l("200 caractères au plus."))])
    summary = TextAreaField(_l("Résumé"), description=_l("Une ou deux phrases pour le catalogue."),
                            validators=[DataRequired(_l("Indiquez un résumé.")),
                                        Length(max=500, message=_l("500 caractères au plus."))])
    duration = IntegerField(_l("Durée (en minutes)"), validators=[
        DataRequired(_l("Indiquez une durée en minutes.")),
        NumberRange(min=1, max=600, message=_l("Entre 1 et 600 minutes."))])
    level = SelectField(_l("Niveau"), choices=label_choices(LEVEL_LABELS))
    pass_score = IntegerField(_l("Score de réussite (%)"), default=80, validators=[
        NumberRange(min=0, max=100, message=_l("Un pourcentage entre 0 et 100."))])
    # The catalogue filters by the competences already in use: offer them as boxes to
    # tick (same spelling everywhere), and keep free text for a new one.
    known_competences = MultiCheckboxField(_l("Compétences du catalogue"),
                                           validate_choice=False)
    competences = SingleLineField(_l("Autres compétences"), description=_l(
        "Séparées par des virgules, par ex. : Protection et sécurité, Communication"),
        validators=[Optional(), Length(max=1000)])

    def offer_competences(self, known: list[str], current: list[str] | None = None) -> None:
        """Tickable competences: the catalogue's and the module's own; on a fresh form,
        tick the module's and leave the others in the free-text field."""
        names = sorted(set(known) | set(current or []), key=str.lower)
        self.known_competences.choices = [(n, n) for n in names]
        if current is not None:
            self.known_competences.data = [n for n in current if n in names]
            self.competences.data = ""

    def competence_list(self) -> list[str]:
        """Ticked and typed competences, in that order, without duplicates."""
        typed = (self.competences.data or "").split(",")
        seen, result = set(), []
        for name in list(self.known_competences.data or []) + typed:
            name = " ".join(name.split())
            if name and name.lower() not in seen:
                seen.add(name.lower())
                result.append(name)
        return result
    introduction = TextAreaField(_l("Introduction (Markdown)"), render_kw={"rows": 10},
                                 validators=[Optional(), Length(max=200_000)])


class NewLessonForm(FlaskForm):
    title = SingleLineField(_l("Titre de la nouvelle leçon"), validators=[
        DataRequired(_l("Indiquez un titre.")),
        Length(max=200, message=_l("200 caractères au plus."))])


class LessonForm(FlaskForm):
    edit_version = HiddenField()
    title = SingleLineField(_l("Titre de la leçon"), validators=[
        DataRequired(_l("Indiquez un titre.")),
        Length(max=200, message=_l("200 caractères au plus."))])
    source = TextAreaField(_l("Contenu (Markdown)"), render_kw={"rows": 24},
                           description=_l("Les quiz s'écrivent dans un bloc ```quiz : « ? » "
                                          "pour la question, « - [ ] » et « - [x] » pour les "
                                          "réponses, « ! » pour l'explication."),
                           validators=[Optional(), Length(max=200_000)])


class ImageForm(FlaskForm):
    image = FileField(_l("Image (PNG, JPEG, GIF ou WebP, 2 Mo au plus)"))


class ZipImportForm(FlaskForm):
    archive = FileField(_l("Archive zip d'un ou plusieurs modules"),
                        description=_l("Le format produit par « Exporter en dossier (zip) » : "
                                       "un dossier par module, nommé comme le module."))


class AssignmentForm(FlaskForm):
    module_id = SelectField(_l("Module"), coerce=int,
                            validators=[DataRequired(_l("Choisissez un module."))])
    service_id = SelectField(_l("Service"), coerce=int, default=0)
    user_ids = MultiCheckboxField(_l("Ou des agents choisis"), coerce=int)
    due_date = DateField(_l("Échéance (facultative)"), validators=[Optional()])


class RequiredModuleForm(FlaskForm):
    module_id = SelectField(_l("Module requis"), coerce=int,
                            validators=[DataRequired(_l("Choisissez un module."))])
