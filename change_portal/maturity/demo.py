"""Demo content of the maturity observatory (connected to `demo_loaded`):

- the shipped referential;
- a closed, published « Édition 2025 » answered by the demo town and its peers
  (the evolution and a public observatory to show);
- an open « Édition 2026 » the peers have submitted, where Beaumont-sur-Lys's
  diagnosis is mostly answered and the cybersecurity theme is assigned to Thomas
  Girard, not done yet.

Levels are drawn from a fixed seed: the same demo every time.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from change_portal.core import clock
from change_portal.core.markdown import render_markdown
from change_portal.core.models import utcnow
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.maturity import jobs, services
from change_portal.maturity.models import (
    Answer,
    Assignment,
    Diagnosis,
    DiagnosisStatus,
    Edition,
    EditionStatus,
    ThemeObjective,
)
from change_portal.maturity.queries import themes_of
from change_portal.maturity.referential import SHIPPED, load_folder
from change_portal.maturity.sync import sync_referential
from change_portal.organisations.demo_peers import load_peers
from change_portal.organisations.strata import stratum_of

ADMIN = "sophie.martin@demo.example"
LEAD = "thomas.girard@demo.example"
ASSIGNED_THEME = "cybersecurite"
COMMENTS = {
    "feuille-de-route": "Schéma adopté en conseil municipal en mars ; **bilan annuel** prévu.",
    "sauvegardes": "Copie hebdomadaire hors site depuis 2025. Test de restauration à planifier.",
    "demarches-en-ligne": "Six démarches en ligne, dont l'inscription à la cantine.",
}


def _answer_all(diagnosis: Diagnosis, themes, rng: random.Random, base: float, *,
                skip: set[str] = frozenset(), comments: bool = False) -> None:
    for theme in themes:
        if theme.slug in skip:
            continue
        centre = base + rng.uniform(-1.2, 1.2)
        for statement in theme.statements:
            level = max(0, min(5, round(centre + rng.uniform(-1, 1))))
            comment = COMMENTS.get(statement.key, "") if comments else ""
            db.session.add(Answer(
                organisation_id=diagnosis.organisation_id, diagnosis_id=diagnosis.id,
                statement_id=statement.id, level=level, comment=comment,
                comment_html=render_markdown(comment)))
    db.session.flush()


def _diagnosis(org, edition: Edition, themes, rng, base, *, submit: bool, **kw) -> Diagnosis:
    diagnosis = Diagnosis(organisation_id=org.id, edition_id=edition.id,
                          status=DiagnosisStatus.IN_PROGRESS)
    db.session.add(diagnosis)
    db.session.flush()
    _answer_all(diagnosis, themes, rng, base, **kw)
    if submit:
        diagnosis.theme_levels, diagnosis.overall_level = services.compute_levels(diagnosis)
        stratum = stratum_of(org.kind, org.population)
        diagnosis.stratum_kind, diagnosis.stratum_band = stratum.kind, stratum.band
        diagnosis.status = DiagnosisStatus.SUBMITTED
        diagnosis.submitted_at = utcnow()
    return diagnosis


def load_demo(org, users=None, **_kw) -> None:
    """Receiver of demo_loaded (org = Beaumont-sur-Lys)."""
    if db.session.scalar(select(Edition.id).limit(1)) is not None:
        return  # an observatory already runs on this database
    users = users or {}
    ref = sync_referential(load_folder(SHIPPED)).referential
    themes = themes_of(ref.id)
    peers = list(load_peers().values())
    rng = random.Random(13)  # noqa: S311 - demo data, not security
    today = clock.today()
    closed = Edition(slug="2025", title="Édition 2025", referential_id=ref.id,
                     opens_on=today - timedelta(days=400), closes_on=today - timedelta(days=300),
                     status=EditionStatus.CLOSED, closed_at=utcnow() - timedelta(days=300),
                     published_at=utcnow() - timedelta(days=290))
    current = Edition(slug="2026", title="Édition 2026", referential_id=ref.id,
                      opens_on=today - timedelta(days=20), closes_on=today + timedelta(days=70),
                      status=EditionStatus.OPEN)
    db.session.add_all([closed, current])
    db.session.flush()
    for peer in peers:
        base = rng.uniform(1.2, 3.4)
        _diagnosis(peer, closed, themes, rng, base, submit=True)
        _diagnosis(peer, current, themes, rng, base + 0.4, submit=True)
    _diagnosis(org, closed, themes, rng, 1.6, submit=True)
    mine = _diagnosis(org, current, themes, rng, 2.3, submit=False, skip={ASSIGNED_THEME},
                      comments=True)
    admin, lead = users.get(ADMIN), users.get(LEAD)
    mine.started_by_id = admin.id if admin else None
    if lead is not None:
        theme = next(t for t in themes if t.slug == ASSIGNED_THEME)
        db.session.add(Assignment(organisation_id=org.id, diagnosis_id=mine.id,
                                  theme_id=theme.id, user_id=lead.id,
                                  assigned_by_id=admin.id if admin else None,
                                  notified_at=utcnow()))
    _link_objectives(org)
    db.session.flush()
    for edition in (closed, current):
        jobs.refresh_distributions(edition.id)


def _link_objectives(org) -> None:
    """Tie the demo roadmap's objectives to the themes they serve."""
    from change_portal.roadmap.models import Objective

    wanted = {"Former tous les agents au hameçonnage": "cybersecurite",
              "Sauvegarder les serveurs hors site": "cybersecurite",
              "Publier les données de la commune en open data": "donnees",
              "Proposer 30 démarches en ligne": "relation-usagers",
              "Ouvrir un point d'accueil numérique en mairie": "inclusion",
              "Chaque agent suit 2 modules par an": "competences"}
    for objective in db.session.scalars(select(Objective).where(
            of_tenant(Objective, org.id), Objective.title.in_(list(wanted)))):
        db.session.add(ThemeObjective(organisation_id=org.id, theme_slug=wanted[objective.title],
                                      objective_id=objective.id))
