"""The pages the benchmark loads, built from the generator's manifest, and the
login through the real form (GET /connexion, csrf_token, POST)."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

WORK = Path(tempfile.gettempdir()) / "cp-bench"  # scratch files of the benchmark
SEARCH_QUERY = "démarche en ligne"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@dataclass(frozen=True)
class PageSpec:
    name: str
    label: str
    role: str | None  # None: anonymous
    path: str


def load_manifest(path: Path) -> dict:
    return json.loads(path.read_text())


def pages(manifest: dict) -> list[PageSpec]:
    lesson = manifest["lesson"]
    slug = manifest["slug"]
    return [
        PageSpec("home", "Accueil", "agent", "/accueil"),
        PageSpec("catalogue", "Catalogue des modules", "agent", "/modules/"),
        PageSpec("lesson", "Une leçon", "agent",
                 f"/modules/{lesson['module_id']}/lecons/{lesson['lesson_key']}"),
        PageSpec("forum_category", "Une catégorie de forum", "agent",
                 f"/forums/categories/{manifest['category']}"),
        PageSpec("topic_50", "Un sujet de 50 messages", "agent",
                 f"/forums/sujets/{manifest['topic_50']}"),
        PageSpec("needs_board", "Besoins triés par constats", "agent",
                 "/forums/besoins?tri=constats"),
        PageSpec("search", "Recherche", "agent", "/forums/recherche?q=" + quote(SEARCH_QUERY)),
        PageSpec("project", "Page d'un projet", "project_lead",
                 f"/projets/{manifest['project']}"),
        PageSpec("dashboard", "Tableau de bord des élus", "elected",
                 "/feuille-de-route/tableau-de-bord"),
        PageSpec("opendata_json", "Données ouvertes (JSON)", "elected",
                 f"/api/v1/organisations/{slug}/roadmap"),
        *maturity_pages(manifest),
        *sharing_pages(manifest),
    ]


def maturity_pages(manifest: dict) -> list[PageSpec]:
    """The maturity results page and the published observatory (issue 13)."""
    m = manifest.get("maturity")
    if not m:
        return []
    return [
        PageSpec("maturity_results", "Résultats du diagnostic de maturité", "elected",
                 f"/maturite/diagnostic/{m['diagnosis']}/resultats"),
        PageSpec("observatory", "Observatoire publié", "agent",
                 f"/observatoire/{m['edition']}"),
    ]


def sharing_pages(manifest: dict) -> list[PageSpec]:
    """The retours d'expérience catalogue and a fiche of another collectivité (issue 14)."""
    sharing = manifest.get("sharing")
    if not sharing:
        return []
    return [
        PageSpec("sharing_catalogue", "Retours d'expérience (catalogue)", "agent",
                 "/retours-experience/"),
        PageSpec("fiche", "Une fiche avec questions", "agent",
                 f"/retours-experience/{sharing['fiche']}"),
    ]


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the login page")
    return match.group(1) or match.group(2)
