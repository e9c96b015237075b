"""What the fiche pages share: the view of a snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from change_portal.core.labels import label
from change_portal.organisations.strata import band_label, kind_label, region_name
from change_portal.projects.models import ACTION_TYPE_LABELS
from change_portal.sharing.models import Fiche
from change_portal.sharing.themes import theme_titles


def action_label(kind: str) -> str:
    return label(ACTION_TYPE_LABELS, kind)


@dataclass
class FicheView:
    """A snapshot (published or previewed) ready for the template: the same object
    for the preview and for the other collectivités, so both see the same page."""

    fiche_id: int
    content: dict
    themes: list[tuple[str, str]]
    kind: str
    band: str
    region: str
    actions: list[tuple[str, int]]

    @property
    def results_line(self) -> str:
        parts = []
        for r in self.content.get("results", [])[:2]:
            latest = r.get("latest")
            if latest is None:
                continue
            unit = f" {r['unit']}" if r.get("unit") else ""
            parts.append(f"{r['name']} : {_num(r['baseline'])} → {_num(latest)}{unit}")
        return " · ".join(parts)


def _num(value) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def fiche_view(fiche: Fiche, content: dict) -> FicheView:
    return snapshot_view(fiche.id, content)


def snapshot_view(fiche_id: int, content: dict) -> FicheView:
    """The view of a fiche's snapshot (or working copy) `content`."""
    titles = theme_titles()
    involvement = content.get("involvement", {})
    return FicheView(
        fiche_id=fiche_id, content=content,
        themes=[(t, titles.get(t, t)) for t in content.get("themes", [])],
        kind=kind_label(content.get("kind", "")), band=band_label(content.get("band", "")),
        region=region_name(content.get("region")),
        actions=[(action_label(k), n) for k, n in involvement.get("actions", {}).items()],
    )
