"""Background jobs of the maturity observatory.

- refresh_distributions(edition_id): recompute the median and quartiles of every
  group (all respondents, each stratum) × theme of an edition from its submitted
  diagnoses, so that a results page reads a handful of rows whatever the number
  of respondents. Enqueued after a submission or a reopening (inline in the
  embedded mode). Idempotent: it rebuilds the edition's rows from scratch.
- send_assignment_email(assignment_id): tell a person a theme was entrusted to
  them (once: notified_at).
"""

from __future__ import annotations

from collections import defaultdict

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from change_portal.core import links
from change_portal.core.mail import build_message, send_message
from change_portal.core.models import utcnow
from change_portal.extensions import db
from change_portal.maturity import levels as rules
from change_portal.maturity.models import (
    ALL_RESPONDENTS,
    OVERALL,
    Assignment,
    Diagnosis,
    DiagnosisStatus,
    Distribution,
)
from change_portal.organisations.strata import Stratum


def refresh_distributions(edition_id: int) -> int:
    """Rebuild the distributions of one edition; return how many rows."""
    rows = db.session.execute(
        select(Diagnosis.stratum_kind, Diagnosis.stratum_band, Diagnosis.theme_levels,
               Diagnosis.overall_level)
        .where(Diagnosis.edition_id == edition_id,
               Diagnosis.status == DiagnosisStatus.SUBMITTED)).all()
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for kind, band, themes, overall in rows:
        groups = [ALL_RESPONDENTS]
        if kind and band:
            groups.append(Stratum(kind, band).key)
        for group in groups:
            for slug, level in (themes or {}).items():
                if level is not None:
                    values[(group, slug)].append(level)
            if overall is not None:
                values[(group, OVERALL)].append(overall)
    db.session.execute(delete(Distribution).where(Distribution.edition_id == edition_id))
    for (group, slug), levels in values.items():
        b = rules.band(levels)
        db.session.add(Distribution(edition_id=edition_id, group_key=group, theme_slug=slug,
                                    n=b.n, q1=b.q1, median=b.median, q3=b.q3))
    db.session.flush()
    return len(values)


def send_assignment_email(assignment_id: int) -> bool:
    """Email the person a theme was assigned to (once per assignment)."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.notified_at is not None or assignment.user is None:
        return False
    user = assignment.user
    if not user.email or not user.is_active:
        return False
    base = links.base_url()
    with force_locale(user.locale or "fr"):
        text = render_template(
            "email/maturity_assignment.txt", user=user, theme=assignment.theme,
            url=f"{base}/maturite/diagnostic/{assignment.diagnosis_id}/themes/"
                f"{assignment.theme.slug}")
        msg = build_message(user.email, _("Un thème du diagnostic numérique vous est confié"),
                            text)
    send_message(msg, key=f"maturity-assignment-{assignment.id}-"
                          f"{int(assignment.assigned_at.timestamp())}")
    assignment.notified_at = utcnow()
    return True
