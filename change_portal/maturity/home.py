"""The maturity block of the elected officials' dashboard ("dashboard.panels"
hook): the latest submitted diagnosis, its levels and the peer band, a link."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select

from change_portal.core import cache
from change_portal.core.tenancy import of_tenant
from change_portal.extensions import db
from change_portal.maturity import levels as rules
from change_portal.maturity.models import (
    ALL_RESPONDENTS,
    OVERALL,
    Diagnosis,
    DiagnosisStatus,
    Distribution,
    Edition,
    Referential,
    Theme,
)
from change_portal.maturity.results import fmt
from change_portal.organisations.strata import Stratum

_TITLES: dict[tuple[int, str], list[tuple[str, str]]] = {}


def _theme_titles(referential_id: int, content_hash: str) -> list[tuple[str, str]]:
    """(slug, title) of a referential version a submitted diagnosis used. Such a
    version never changes (sync makes a new one), so it is read once per process
    (keyed on its content hash too, should a database be rebuilt with other ids)."""
    key = (referential_id, content_hash)
    if key not in _TITLES:
        _TITLES[key] = [tuple(row) for row in db.session.execute(
            select(Theme.slug, Theme.title).where(Theme.referential_id == referential_id)
            .order_by(Theme.position, Theme.id))]
    return _TITLES[key]


def dashboard_panel(user) -> Markup | None:
    """The same for every elected official of the collectivité: rendered once, then
    from the cache until a diagnosis, its edition or the peers' figures change (the
    watch "maturity.results", declared in maturity.setup). None when the collectivité
    has not submitted any diagnosis yet."""
    org_id = getattr(user, "organisation_id", None)
    if org_id is None:
        return None
    html = cache.cached_value("maturity.results", org_id,
                              ("dashboard-panel", str(get_locale()), request.script_root),
                              lambda: _render_panel(org_id), db.session)
    # Rendered by Jinja with autoescaping ("" when there is nothing to show).
    return Markup(html) if html else None  # noqa: S704


def _render_panel(org_id: int) -> str:
    """One query whatever the number of respondents ("" without a submitted diagnosis)."""
    # The latest submitted diagnosis with the distributions of its stratum and of all
    # respondents, in one statement (a row per distribution, a few dozen at most).
    latest = (select(Diagnosis.id)
              .where(of_tenant(Diagnosis, org_id), Diagnosis.status == DiagnosisStatus.SUBMITTED)
              .order_by(Diagnosis.edition_id.desc()).limit(1).scalar_subquery())
    stratum_key = (func.coalesce(Diagnosis.stratum_kind, "") + ":"
                   + func.coalesce(Diagnosis.stratum_band, ""))
    found = db.session.execute(
        select(Diagnosis, Edition.title, Edition.referential_id, Referential.content_hash,
               Distribution)
        .join(Edition, Edition.id == Diagnosis.edition_id)
        .join(Referential, Referential.id == Edition.referential_id)
        .outerjoin(Distribution, and_(Distribution.edition_id == Diagnosis.edition_id,
                                      or_(Distribution.group_key == stratum_key,
                                          Distribution.group_key == ALL_RESPONDENTS)))
        .where(Diagnosis.id == latest)).all()
    if not found:
        return ""
    diagnosis, edition_title, referential_id, content_hash, _d = found[0]
    stratum = Stratum(diagnosis.stratum_kind or "", diagnosis.stratum_band or "")
    dists = {(d.group_key, d.theme_slug): d for *_r, d in found if d is not None}
    themes = _theme_titles(referential_id, content_hash)
    rows = []
    for slug, title in [*themes, (OVERALL, None)]:
        d = dists.get((stratum.key, slug))
        band = (rules.Band(n=d.n, q1=d.q1, median=d.median, q3=d.q3)
                if d is not None and d.n >= rules.MIN_GROUP else rules.Band(n=d.n if d else 0))
        level = diagnosis.overall_level if slug == OVERALL else (
            diagnosis.theme_levels or {}).get(slug)
        rows.append((title, level, band))
    return str(render_template(
        "maturity/_dashboard_panel.html", diagnosis=diagnosis, edition_title=edition_title,
        rows=rows, stratum=stratum, fmt=fmt, minimum=rules.MIN_GROUP))
