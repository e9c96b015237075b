"""The contents of the council report (PDF) and of the CSV export.

Pure builders over data loaded by `collect()`; the jobs in officials.jobs call them.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from change_portal.core import clock
from change_portal.extensions import db
from change_portal.organisations.models import Organisation
from change_portal.projects import queries as project_queries
from change_portal.projects.models import Action, ActionStatus
from change_portal.roadmap import progress as rules
from change_portal.roadmap import queries
from change_portal.roadmap.models import ReportJob, ReportStatus
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


# Each section of the council report lists at most this many items, then
# "… et N autres": the report stays a few pages whatever the collectivité's size
# (the COUNCIL_REPORT_ITEMS setting changes it).
SECTION_ITEMS = 30
DEFAULT_MONTHS = 6


@dataclass
class ReportData:
    organisation: Organisation
    view: RoadmapView
    late_actions: list  # the first SECTION_ITEMS (project_queries.ActionLine)
    late_total: int
    done_actions: list  # the first SECTION_ITEMS
    done_total: int
    start: date | None
    end: date | None
    default_period: bool = False  # start chosen by default (last report or 6 months)
    limit: int = SECTION_ITEMS  # items per section


def default_start(organisation_id: int, today: date) -> date:
    """Since the last council report (PDF) done for the collectivité, else 6 months."""
    last = db.session.scalar(
        select(func.max(ReportJob.finished_at)).where(
            ReportJob.organisation_id == organisation_id, ReportJob.kind == "pdf",
            ReportJob.status == ReportStatus.DONE))
    if last is not None:
        return last.date()
    months = today.year * 12 + today.month - 1 - DEFAULT_MONTHS
    year, month = divmod(months, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def _done_actions(organisation_id: int, start: date | None, end: date | None,
                  limit: int) -> tuple[list[Action], int]:
    """The first `limit` done actions of the period and how many there are (one query)."""
    stmt = (select(Action, func.count().over())
            .where(Action.organisation_id == organisation_id, Action.status == ActionStatus.DONE)
            .options(joinedload(Action.project)).order_by(Action.planned_on, Action.id)
            .limit(limit))
    if start:
        stmt = stmt.where(Action.planned_on >= start)
    if end:
        stmt = stmt.where(Action.planned_on <= end)
    rows = db.session.execute(stmt).all()
    return [r[0] for r in rows], (rows[0][1] if rows else 0)


def collect(organisation: Organisation, start: date | None, end: date | None,
            today: date | None = None, limit: int | None = None) -> ReportData:
    """What the council report shows. Without a period, the period starts at the last
    report (or 6 months ago); each section is bounded to `limit` items (default: the
    COUNCIL_REPORT_ITEMS setting, else SECTION_ITEMS)."""
    today = today or clock.today()
    limit = limit or current_app.config.get("COUNCIL_REPORT_ITEMS") or SECTION_ITEMS
    default_period = start is None and end is None
    if default_period:
        start = default_start(organisation.id, today)
    lists = project_queries.dashboard_actions(organisation.id, today, 0, limit=limit)
    done, done_total = _done_actions(organisation.id, start, end, limit)
    return ReportData(
        organisation=organisation,
        view=queries.load_roadmap(organisation.id, today),
        late_actions=lists.late, late_total=lists.late_total,
        done_actions=done, done_total=done_total,
        start=start, end=end, default_period=default_period, limit=limit,
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


def _wrap(pdf: FPDF, text: str, width: float, widths: dict[str, float]) -> list[str]:
    """`text` cut into lines no wider than `width` in the current font, at spaces
    (a word wider than a line is cut where it overflows); linear in the text, each
    distinct character of a font measured once in `widths` (the current font's
    cache: get_string_width copies the graphics state at every call)."""

    def measure(chunk: str) -> float:
        total = 0.0
        for char in chunk:
            if char not in widths:
                widths[char] = pdf.get_string_width(char)
            total += widths[char]
        return total

    lines: list[str] = []
    space = measure(" ")
    for source in text.split("\n"):
        words = source.lstrip(" ")
        line = source[:len(source) - len(words)]  # an indent is kept on the first line
        used = measure(line)
        for word in words.split(" "):
            w = measure(word)
            if line and used + space + w > width:
                lines.append(line)
                line, used = "", 0.0
            if not line and w > width:  # one long word: cut where it overflows
                piece, w = "", 0.0
                for char in word:
                    if piece and w + widths[char] > width:
                        lines.append(piece)
                        piece, w = "", 0.0
                    piece, w = piece + char, w + widths[char]
                word = piece
            line, used = (f"{line} {word}", used + space + w) if line else (word, w)
        lines.append(line)
    return lines


def build_pdf(data: ReportData) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    widths: dict[tuple, dict[str, float]] = {}  # (style, size) → character widths

    def heading(text, size=14):
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(width, 8, _latin(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text, size=10, style=""):
        # Lines wrapped here, each written with `cell`: fpdf2's multi_cell re-measures
        # the whole line for every character it adds (quadratic in a paragraph's
        # length), which made most of the report's time.
        pdf.set_font("Helvetica", style, size)
        for line in _wrap(pdf, _latin(text), width - 2 * pdf.c_margin,
                          widths.setdefault((style, size), {})):
            pdf.cell(width, 5.5, line, new_x="LMARGIN", new_y="NEXT")

    def more(n):
        if n > 0:
            para(_("… et %(n)d autres", n=n), 10, "I")

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
    for ov in late_objectives[:data.limit]:
        para(_("Objectif « %(t)s » : date cible %(d)s", t=ov.objective.title,
               d=format_date(ov.objective.target_date, "long")))
    more(len(late_objectives) - data.limit)
    for a in data.late_actions:
        para(_("Action « %(t)s » (%(p)s) : prévue le %(d)s", t=a.title, p=a.project_title,
               d=format_date(a.planned_on, "long")))
    more(data.late_total - len(data.late_actions))
    pdf.ln(3)
    period = _("toutes dates")
    if data.start or data.end:
        period = _("du %(a)s au %(b)s",
                   a=format_date(data.start, "long") if data.start else "…",
                   b=format_date(data.end, "long") if data.end else "…")
    heading(_("Actions de concertation réalisées (%(p)s)", p=period))
    if data.default_period:
        para(_("Période par défaut : depuis le dernier rapport, ou les six derniers mois."),
             9, "I")
    if not data.done_actions:
        para(_("Aucune action réalisée sur cette période."))
    for a in data.done_actions:
        para(f"{format_date(a.planned_on, 'long')} — {a.kind_label} : {a.title} "
             f"({a.project.title})", 10, "B")
        text = summary(a.minutes)
        para(text if text else _("Pas de compte rendu."))
        pdf.ln(1)
    more(data.done_total - len(data.done_actions))
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
    # The export is the complete list (the PDF is the bounded summary).
    for a in project_queries.all_actions(data.organisation.id):
        late = rules.action_late(a.status, a.planned_on, today)
        writer.writerow([neutralise(v) for v in (
            _("action"), a.project.title, f"{a.kind_label} : {a.title}", a.status_label,
            a.planned_on.isoformat(), "", _("oui") if late else _("non"))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
