"""The contents of the council report (PDF) and of the CSV export.

Pure builders over data loaded by `collect()`; the jobs in roadmap.jobs call them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from change_portal.core import clock
from change_portal.organisations.models import Organisation
from change_portal.projects import queries as project_queries
from change_portal.roadmap import progress as rules
from change_portal.roadmap import queries
from change_portal.roadmap.queries import RoadmapView

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def summary(markdown_text: str, limit: int = 400) -> str:
    """The first paragraph of minutes, without Markdown marks, for the report."""
    text = (markdown_text or "").strip()
    first = re.split(r"\n\s*\n", text, maxsplit=1)[0] if text else ""
    first = re.sub(r"[#*_`>\[\]]", "", first)
    first = re.sub(r"\s+", " ", first).strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


@dataclass
class ReportData:
    organisation: Organisation
    view: RoadmapView
    late_actions: list
    done_actions: list
    all_actions: list
    start: date | None
    end: date | None


def collect(organisation: Organisation, start: date | None, end: date | None,
            today: date | None = None) -> ReportData:
    today = today or clock.today()
    return ReportData(
        organisation=organisation,
        view=queries.load_roadmap(organisation.id, today),
        late_actions=project_queries.late_actions(organisation.id, today),
        done_actions=project_queries.done_actions(organisation.id, start, end),
        all_actions=project_queries.all_actions(organisation.id),
        start=start, end=end,
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value)} %"


_REPLACEMENTS = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
                 "œ": "oe", "Œ": "OE", "€": "EUR", "\u202f": " ", "·": "."}


def _latin(text) -> str:
    """Core PDF fonts know Latin-1 only: map the usual typographic characters."""
    text = str(text)
    for a, b in _REPLACEMENTS.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def build_pdf(data: ReportData) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text, size=14):
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(width, 8, _latin(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text, size=10, style=""):
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, 5.5, _latin(text), new_x="LMARGIN", new_y="NEXT")

    heading(_("Feuille de route numérique — rapport pour le conseil"), 16)
    para(data.organisation.name, 12, "B")
    para(_("Établi le %(d)s", d=format_date(clock.today(), "long")))
    roadmap = data.view.roadmap
    if roadmap is not None:
        para(_("%(t)s, période %(a)d–%(b)d", t=roadmap.title, a=roadmap.start_year,
               b=roadmap.end_year))
    pdf.ln(3)
    heading(_("Avancement par axe"))
    para(_("Avancement global : %(p)s", p=_pct(data.view.progress)), 11, "B")
    for av in data.view.axes:
        para(f"{av.axis.title} : {_pct(av.progress)}", 11, "B")
        for ov in av.objectives:
            late = _(" (en retard)") if ov.late else ""
            para(f"   - {ov.objective.title} : {ov.objective.status_label}, "
                 f"{_pct(ov.progress)}{late}")
    pdf.ln(3)
    heading(_("Éléments en retard"))
    late_objectives = data.view.late
    if not late_objectives and not data.late_actions:
        para(_("Rien n'est en retard."))
    for ov in late_objectives:
        para(_("Objectif « %(t)s » : date cible %(d)s", t=ov.objective.title,
               d=format_date(ov.objective.target_date, "long")))
    for a in data.late_actions:
        para(_("Action « %(t)s » (%(p)s) : prévue le %(d)s", t=a.title, p=a.project.title,
               d=format_date(a.planned_on, "long")))
    pdf.ln(3)
    period = _("toutes dates")
    if data.start or data.end:
        period = _("du %(a)s au %(b)s",
                   a=format_date(data.start, "long") if data.start else "…",
                   b=format_date(data.end, "long") if data.end else "…")
    heading(_("Actions de concertation réalisées (%(p)s)", p=period))
    if not data.done_actions:
        para(_("Aucune action réalisée sur cette période."))
    for a in data.done_actions:
        para(f"{format_date(a.planned_on, 'long')} — {a.kind_label} : {a.title} "
             f"({a.project.title})", 10, "B")
        text = summary(a.minutes)
        para(text if text else _("Pas de compte rendu."))
        pdf.ln(1)
    return bytes(pdf.output())


def build_csv(data: ReportData) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("type"), _("axe ou projet"), _("titre"), _("statut"), _("date"),
                     _("avancement (%)"), _("en retard")])
    for av in data.view.axes:
        for ov in av.objectives:
            o = ov.objective
            writer.writerow([neutralise(v) for v in (
                _("objectif"), av.axis.title, o.title, o.status_label,
                o.target_date.isoformat() if o.target_date else "", round(ov.progress),
                _("oui") if ov.late else _("non"))])
    today = clock.today()
    for a in data.all_actions:
        late = rules.action_late(a.status, a.planned_on, today)
        writer.writerow([neutralise(v) for v in (
            _("action"), a.project.title, f"{a.kind_label} : {a.title}", a.status_label,
            a.planned_on.isoformat(), "", _("oui") if late else _("non"))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
