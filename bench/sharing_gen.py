"""Benchmark data of the retours d'expérience (issue 14), added to the main generator so
that the catalogue and a fiche are loaded under wrk with the other pages: `fiches_per_org`
published fiches for every collectivité of the benchmark (2,000 at full scale), three
"ça nous intéresse" each from other collectivités, and ten questions with their answers on
the first fiches. The search index of fiches is built after the insert (`reindex`)."""

from __future__ import annotations

from change_portal.organisations.strata import population_band

THEMES = ["strategie", "relation-usagers", "administration-interne", "donnees",
          "cybersecurite", "inclusion", "numerique-responsable", "competences", "cooperation"]
WORDS = ["rendez-vous", "démarches", "état", "civil", "urbanisme", "données", "inventaire",
         "sécurité", "sauvegarde", "formation", "agents", "usagers", "accueil", "téléphone",
         "guichet", "mutualisation", "parapheur", "médiathèque", "inclusion", "numérique",
         "conseillers", "permanence", "logiciel", "libre"]
QUESTIONS_ON = 100  # fiches that carry questions and answers


def _text(rng, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def published_content(rng, title: str, org: dict, band: str, themes: list[str],
                      repo: str) -> dict:
    """A published fiche's snapshot (what the catalogue and the fiche page read), with
    text from `rng`; also used by bench/sharing.py."""
    return {
        "title": title, "summary": _text(rng, 40), "problem": _text(rng, 30),
        "needs": [_text(rng, 6)], "what_done": _text(rng, 50),
        "results": [{"indicator_id": None, "name": _text(rng, 4), "unit": "%",
                     "baseline": 10, "target": 80, "latest": rng.randint(10, 90),
                     "latest_on": "2026-09-01"}],
        "involvement": {"actions": {"atelier": 3, "formation": 2}, "participants": 40,
                        "proposals": 1, "decided": 1},
        "difficulties_html": f"<p>{_text(rng, 40)}</p>", "cost": "", "duration": "",
        "links": [], "repo_url": repo, "themes": themes, "contact": None,
        "organisation": org["name"], "kind": org["kind"], "band": band, "region": None}


def add_sharing(gen) -> None:
    """Rows of published fiches, interests and questions into `gen.rows`."""
    rng, now = gen.rng, gen.now
    per_org = gen.s.get("fiches_per_org", 0)
    org_ids = [o["id"] for o in gen.orgs]
    fiches = []
    for org in gen.orgs:
        band = population_band(org["population"]).slug
        for _ in range(per_org):
            themes = rng.sample(THEMES, rng.randint(1, 3))
            repo = f"https://forge.exemple.org/{len(fiches) + 1}" if rng.random() < 0.2 else ""
            title = _text(rng, 6)[:200]
            content = published_content(rng, title, org, band, themes, repo)
            at = gen.ago(300)
            fiches.append(gen.add(
                "sharing_fiche", organisation_id=org["id"], title=title, summary="",
                problem="", needs=[], what_done="", results=[], involvement={},
                difficulties="", difficulties_html="", cost="", duration="", links=[],
                repo_url=repo, themes=themes, contact_role="", kind=org["kind"], band=band,
                status="validee", published=True, published_content=content,
                published_at=at, pub_title=title, pub_themes="," + ",".join(themes) + ",",
                has_repo=bool(repo), interest_count=0, created_at=at, updated_at=at))
    for fiche in fiches:
        others = [o for o in org_ids if o != fiche["organisation_id"]]
        for org_id in rng.sample(others, min(3, len(others))):
            gen.add("sharing_interest", fiche_id=fiche["id"], organisation_id=org_id,
                    created_at=now)
            fiche["interest_count"] += 1
    for fiche in fiches[:QUESTIONS_ON]:
        for _ in range(10):
            body = _text(rng, 25)
            question = gen.add("sharing_question", fiche_id=fiche["id"], parent_id=None,
                               organisation_id=rng.choice(org_ids), body=body,
                               body_html=f"<p>{body}</p>", created_at=now, updated_at=now)
            gen.add("sharing_question", fiche_id=fiche["id"], parent_id=question["id"],
                    organisation_id=fiche["organisation_id"], body=body,
                    body_html=f"<p>{body}</p>", created_at=now, updated_at=now)
    if not fiches:  # a scale without fiches (the query-budget test's tiny platform)
        return
    # A fiche of another collectivité than the large one, with questions and answers.
    shown = fiches[per_org] if len(fiches) > per_org else fiches[0]
    gen.manifest["sharing"] = {"fiche": shown["id"], "fiches": len(fiches)}


def reindex() -> int:
    """The fiches' search index (what `flask sharing reindex` runs)."""
    from change_portal.sharing import search

    return search.reindex_all()


# Tables after the maturity ones (foreign keys: organisation and fiche first).
ORDER = ["sharing_fiche", "sharing_interest", "sharing_question"]
