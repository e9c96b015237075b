""""What changed since your last visit", summed up for people, not as a log.

A first visit would otherwise list every recorded change (forty lines of raw
values such as "= 0.9"). Changes are grouped per objective and per project; only
the latest value of each thing counts; values are written with their unit; the
summary is capped and the page offers the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_decimal
from flask_babel import gettext as _


@dataclass
class ChangeLine:
    """One objective or project and what changed on it, latest first."""

    kind: str  # objective | project
    target_id: int
    title: str
    at: datetime
    parts: list[str] = field(default_factory=list)


def _number(value: str | None) -> str:
    try:
        number = float(value or "")
    except ValueError:
        return value or ""
    return format_decimal(round(number, 2))


def summarise(history, status_changes, units: dict[tuple[int, str], str],
              limit: int = 10) -> tuple[list[ChangeLine], int]:
    """Lines to show (at most `limit`) and how many lines there are in all.

    `history` are ObjectiveHistory rows and `status_changes` ProjectStatusChange rows,
    newest first; `units` maps (objective id, indicator name) to the indicator's unit.
    """
    lines: dict[tuple[str, int], ChangeLine] = {}
    seen: set[tuple] = set()
    for h in history:
        key = ("objective", h.objective_id)
        line = lines.setdefault(key, ChangeLine("objective", h.objective_id,
                                                h.objective.title, h.at))
        what = (h.objective_id, h.kind, h.label if h.kind == "indicator" else "")
        if what in seen:  # an older value of something already summed up
            continue
        seen.add(what)
        if h.kind == "status":
            line.parts.append(_("statut « %(s)s »", s=h.to_label))
        elif h.kind == "progress":
            line.parts.append(_("avancement %(p)s %%", p=_number(h.to_value)))
        else:
            unit = units.get((h.objective_id, h.label), "")
            value = f"{_number(h.to_value)} {unit}".strip()
            line.parts.append(_("« %(n)s » : %(v)s", n=h.label, v=value))
    for c in status_changes:
        key = ("project", c.project_id)
        if key in lines:
            continue  # newest first: the project's latest status is already there
        lines[key] = ChangeLine("project", c.project_id, c.project.title, c.at,
                                [_("statut « %(s)s »", s=c.to_label)])
    ordered = sorted(lines.values(), key=lambda line: line.at, reverse=True)
    return ordered[:limit], len(ordered)
