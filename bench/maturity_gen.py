"""Benchmark data of the maturity observatory: the shipped referential, one
closed and published edition, and a submitted diagnosis (every statement
answered) for every collectivité of the benchmark plus `maturity_orgs` peer
collectivités without accounts — 1,000 collectivités × 1 edition at full scale.
Distributions are computed here with the portal's own rules (levels.band), as the
refresh job would."""

from __future__ import annotations

from collections import defaultdict

from change_portal.maturity import levels as rules
from change_portal.maturity.models import ALL_RESPONDENTS, OVERALL
from change_portal.maturity.referential import SHIPPED, load_folder
from change_portal.organisations.strata import stratum_of

EDITION_SLUG = "bench-2026"
KINDS = ["commune"] * 6 + ["intercommunalite"] * 2 + ["departement"]


def add_maturity(gen) -> None:
    s, rng = gen.s, gen.rng
    data = load_folder(SHIPPED)
    now = gen.now
    ref = gen.add("maturity_referential", slug=data.slug, version=1, name=data.name,
                  label=data.label, description=data.description,
                  content_hash=data.content_hash(), scale=data.scale, created_at=now,
                  updated_at=now)
    themes = []
    for position, t in enumerate(data.themes):
        theme = gen.add("maturity_theme", referential_id=ref["id"], slug=t.slug, title=t.title,
                        description=t.description, position=position, tags=t.tags)
        statements = [gen.add("maturity_statement", theme_id=theme["id"], key=st.key,
                              text=st.text, position=i, levels=st.levels)["id"]
                      for i, st in enumerate(t.statements)]
        themes.append((t.slug, statements))
    edition = gen.add("maturity_edition", slug=EDITION_SLUG, title="Édition de référence",
                      referential_id=ref["id"], opens_on=gen.today.replace(month=1, day=1),
                      closes_on=gen.today, status="closed", closed_at=now, published_at=now,
                      created_at=now, updated_at=now)
    peers = []
    for i in range(s.get("maturity_orgs", 0)):
        kind = rng.choice(KINDS)
        population = int(rng.lognormvariate(8.5, 1.4)) + 200
        peers.append(gen.add("organisation", name=f"Pair {i + 1}", slug=f"pair-{i + 1}",
                             kind=kind, population=population, roadmap_published=False,
                             created_at=now, updated_at=now))
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    diagnoses = {}
    for org in [*gen.orgs, *peers]:
        stratum = stratum_of(org["kind"], org["population"])
        diag = gen.add("maturity_diagnosis", organisation_id=org["id"],
                       edition_id=edition["id"], status="submitted", submitted_at=now,
                       stratum_kind=stratum.kind, stratum_band=stratum.band,
                       theme_levels={}, overall_level=None, created_at=now, updated_at=now)
        centre = rng.uniform(0.8, 3.8)
        levels = {}
        for slug, statements in themes:
            answered = []
            for sid in statements:
                level = max(0, min(5, round(centre + rng.uniform(-1.5, 1.5))))
                answered.append(level)
                gen.add("maturity_answer", organisation_id=org["id"], diagnosis_id=diag["id"],
                        statement_id=sid, level=level, comment="", comment_html="",
                        edit_version=1, updated_at=now)
            levels[slug] = rules.theme_level(answered)
        diag["theme_levels"] = levels
        diag["overall_level"] = rules.overall_level(levels.values())
        diagnoses[org["id"]] = diag["id"]
        for group in (ALL_RESPONDENTS, stratum.key):
            for slug, level in levels.items():
                values[(group, slug)].append(level)
            values[(group, OVERALL)].append(diag["overall_level"])
    for (group, slug), vals in values.items():
        b = rules.band(vals)
        gen.add("maturity_distribution", edition_id=edition["id"], group_key=group,
                theme_slug=slug, n=b.n, q1=b.q1, median=b.median, q3=b.q3)
    gen.maturity_diagnoses = diagnoses
    gen.manifest["maturity"] = {"edition": EDITION_SLUG,
                                "diagnosis": diagnoses[gen.orgs[0]["id"]],
                                "collectivites": len(diagnoses)}


# Tables after everything else of the generator (foreign keys: organisation first).
ORDER = ["maturity_referential", "maturity_theme", "maturity_statement", "maturity_edition",
         "maturity_diagnosis", "maturity_answer", "maturity_distribution"]
