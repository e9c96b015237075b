"""Seeded, reproducible data generator for the benchmark.

    python -m bench.generate --scale full|small --database-url URL [--seed 2026]

Creates the schema like `flask db upgrade head` (the database is emptied first),
then bulk-inserts a platform of collectivités with SQLAlchemy Core `insert()`
and lists of dicts (explicit ids, sequences reset afterwards on PostgreSQL).
Markdown is rendered once per distinct body through
`change_portal.core.markdown.render_markdown` (cached by content) into the
`*_html` columns. The forum search index is then rebuilt with the forums
reindex service. One large collectivité (slug `grande-ville`) holds the most
data and a known user for each role (see KNOWN_USERS), all with the password
`bench-password-2026` (one hash shared by every generated account).

A manifest of the ids the benchmark loads (a topic of 50 posts, a lesson, a
project…) is written to bench/.state/<database>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import textgen as tg
from bench.maturity_gen import ORDER as MATURITY_ORDER
from bench.maturity_gen import add_maturity
from bench.sharing_gen import ORDER as SHARING_ORDER
from bench.sharing_gen import add_sharing

BENCH_DIR = Path(__file__).resolve().parent
STATE_DIR = BENCH_DIR / ".state"
PASSWORD = "bench-password-2026"  # noqa: S105 - a benchmark account on a local database
BIG = "grande-ville"
ROLES = ("agent", "trainer", "project_lead", "elected", "admin")
KNOWN_USERS = {role: f"{role.replace('_', '-')}@{BIG}.bench.fr" for role in ROLES}

FULL = {
    "orgs": 50, "big_weight": 10, "users": 20_000, "modules": 300, "lessons_per_module": 10,
    "lesson_progress": 200_000, "topics": 5_000, "posts": 100_000, "needs": 10_000,
    "endorsements": 50_000, "projects": 2_000, "actions": 20_000, "positions": 100_000,
    "reactions": 20_000, "notifications_per_user": 2, "post_pool": 3_000, "lesson_pool": 400,
    "text_pool": 600, "maturity_orgs": 950, "fiches_per_org": 40,
}
SMALL = {
    "orgs": 5, "big_weight": 2, "users": 400, "modules": 12, "lessons_per_module": 10,
    "lesson_progress": 4_000, "topics": 100, "posts": 2_000, "needs": 200,
    "endorsements": 1_000, "projects": 40, "actions": 400, "positions": 2_000,
    "reactions": 400, "notifications_per_user": 2, "post_pool": 300, "lesson_pool": 60,
    "text_pool": 120, "maturity_orgs": 20, "fiches_per_org": 8,
}
SCALES = {"full": FULL, "small": SMALL}
CHUNK = 5_000


class Clock:
    """Prints the time of each step."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.last = self.start
        self.steps: dict[str, float] = {}

    def lap(self, name: str, detail: str = "") -> None:
        now = time.perf_counter()
        self.steps[name] = round(now - self.last, 2)
        print(f"  {name:<34} {now - self.last:7.2f} s  {detail}", flush=True)
        self.last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def shares(total: int, weights: list[float]) -> list[int]:
    """Split `total` along `weights` (largest remainders), every share ≥ 1 when possible."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
            : total - sum(out)]:
        out[i] += 1
    return out


def ascii_slug(text: str) -> str:
    import unicodedata

    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


class Ids:
    def __init__(self) -> None:
        self.n: dict[str, int] = defaultdict(int)

    def __call__(self, table: str) -> int:
        self.n[table] += 1
        return self.n[table]


# --- schema ---------------------------------------------------------------------

def reset_database(url: str) -> None:
    """Empty the target: a new SQLite file, or DROP/CREATE DATABASE on PostgreSQL."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = u.database
    admin = psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432,
                            user=u.username or "postgres", password=u.password,
                            dbname="postgres", autocommit=True)
    with admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def make_app(url: str):
    """An application bound to `url` (environment read by create_app)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(STATE_DIR / "instance"))
    from change_portal import create_app

    return create_app()


def manifest_path(url: str) -> Path:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    name = Path(u.database).stem if u.get_backend_name() == "sqlite" else u.database
    return STATE_DIR / f"{u.get_backend_name()}-{name}.json"


# --- the generator ----------------------------------------------------------------

class Generator:
    def __init__(self, scale: dict, seed: int, now: datetime) -> None:
        self.s = scale
        self.rng = random.Random(seed)
        self.now = now
        self.today = now.date()
        self.ids = Ids()
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.html_cache: dict[str, str] = {}
        self.render_calls = 0
        self.manifest: dict = {"known_users": KNOWN_USERS, "password": PASSWORD}

    # helpers
    def html(self, text: str) -> str:
        cached = self.html_cache.get(text)
        if cached is None:
            from change_portal.core.markdown import render_markdown

            cached = render_markdown(text)
            self.render_calls += 1
            self.html_cache[text] = cached
        return cached

    def add(self, table: str, **row) -> dict:
        if "id" not in row and table not in NO_ID:
            row["id"] = self.ids(table)
        self.rows[table].append(row)
        return row

    def ago(self, days_max: float, days_min: float = 0) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(days_min, days_max))

    def pools(self) -> None:
        rng = self.rng
        self.post_pool = [tg.markdown_body(rng, "post" if i % 3 else "short")
                          for i in range(self.s["post_pool"])]
        self.text_pool = [tg.markdown_body(rng, "post") for _ in range(self.s["text_pool"])]
        self.lesson_pool = [tg.markdown_body(rng, "long") for _ in range(self.s["lesson_pool"])]
        self.lesson_pool += library_lessons()
        # Render every distinct body once (cache by content).
        for body in (*self.post_pool, *self.text_pool, *self.lesson_pool):
            self.html(body)

    # organisations, services, users
    def organisations(self) -> None:
        s, rng = self.s, self.rng
        weights = [s["big_weight"]] + [1] * (s["orgs"] - 1)
        self.weights = weights
        self.orgs = []
        towns = list(tg.TOWNS)
        for i in range(s["orgs"]):
            if i == 0:
                name, slug, kind, pop = "Grande-Ville", BIG, "commune", 250_000
            else:
                base = towns[(i - 1) % len(towns)]
                suffix = "" if i <= len(towns) else f" {i // len(towns) + 1}"
                name = f"{base}{suffix}"
                kind = rng.choice(["commune", "commune", "commune", "intercommunalite",
                                   "departement"])
                slug = f"{ascii_slug(name)}-{i}"
                pop = rng.randint(2_000, 120_000)
            org = self.add("organisation", name=name, slug=slug, kind=kind, population=pop,
                           roadmap_published=(i % 2 == 0), created_at=self.ago(900, 700),
                           updated_at=self.ago(30))
            self.orgs.append(org)
        self.services = {}
        for i, org in enumerate(self.orgs):
            names = tg.SERVICES if i == 0 else rng.sample(tg.SERVICES, 8)
            self.services[org["id"]] = [
                self.add("service", organisation_id=org["id"], name=n, parent_id=None,
                         created_at=org["created_at"], updated_at=org["created_at"])["id"]
                for n in names]

    def users(self, password_hash: str) -> None:
        s, rng = self.s, self.rng
        counts = shares(s["users"], self.weights)
        self.members: dict[int, list[dict]] = {}
        self.by_role: dict[int, dict[str, list[int]]] = {}
        for org, n in zip(self.orgs, counts, strict=True):
            oid = org["id"]
            members, roles = [], defaultdict(list)
            for k in range(n):
                role = ROLES[k] if k < len(ROLES) else rng.choices(
                    ROLES, weights=[85, 3, 6, 3, 3])[0]
                uid = self.ids("user")
                if org["slug"] == BIG and k < len(ROLES):
                    email = KNOWN_USERS[role]
                else:
                    email = f"u{uid}@{org['slug']}.bench.fr"
                service_id = self.services[oid][0] if k == 0 else rng.choice(self.services[oid])
                created = self.ago(700, 100)
                self.add("account", id=uid, email=email, password_hash=password_hash,
                         erased_at=None, created_at=created, updated_at=created)
                user = self.add("user", id=uid, organisation_id=oid, email=email,
                                full_name=tg.person(rng), account_id=uid, status="active",
                                active=True, service_id=service_id, locale=None,
                                last_login_at=self.ago(20), erased_at=None,
                                unread_notifications=0, created_at=created, updated_at=created)
                self.add("user_role", user_id=uid, role=role)
                if role == "project_lead" and rng.random() < 0.3:
                    self.add("user_role", user_id=uid, role="agent")
                members.append(user)
                roles[role].append(uid)
            self.members[oid] = members
            self.by_role[oid] = roles
        op_id = self.ids("user")
        self.add("account", id=op_id, email="operateur@plateforme.bench.fr",
                 password_hash=password_hash, erased_at=None, created_at=self.ago(900),
                 updated_at=self.ago(900))
        self.add("user", id=op_id, organisation_id=None, email="operateur@plateforme.bench.fr",
                 full_name="Opérateur de la plateforme", account_id=op_id, status="active",
                 active=True, service_id=None, locale=None, last_login_at=None, erased_at=None,
                 unread_notifications=0, created_at=self.ago(900), updated_at=self.ago(900))
        self.add("user_role", user_id=self.ids.n["user"], role="operator")
        self.manifest["users"] = {r: self.by_role[self.orgs[0]["id"]][r][0] for r in ROLES}

    # roadmap
    def roadmaps(self) -> None:
        rng = self.rng
        self.objectives: dict[int, list[int]] = {}
        for org in self.orgs:
            oid = org["id"]
            leads = self.by_role[oid]["project_lead"] or [self.members[oid][0]["id"]]
            rm = self.add("roadmap", organisation_id=oid, title="Schéma de développement numérique "
                          "2026–2030", start_year=2026, end_year=2030,
                          created_at=self.ago(400, 300), updated_at=self.ago(30))
            objs = []
            for pos, axis_title in enumerate(tg.AXES):
                axis = self.add("roadmap_axis", organisation_id=oid, roadmap_id=rm["id"],
                                title=axis_title, position=pos, created_at=rm["created_at"],
                                updated_at=rm["created_at"])
                for _k in range(4):
                    status = rng.choice(["non_commence", "en_cours", "en_cours", "atteint",
                                         "abandonne"] if rng.random() < 0.1 else
                                        ["non_commence", "en_cours", "en_cours", "atteint"])
                    desc = rng.choice(self.text_pool)
                    obj = self.add(
                        "roadmap_objective", organisation_id=oid, axis_id=axis["id"],
                        title=rng.choice(tg.OBJECTIVES).format(rng.choice([5, 10, 20, 50, 80])),
                        description=desc, description_html=self.html(desc),
                        owner_id=rng.choice(leads),
                        target_date=self.today + timedelta(days=rng.randint(-200, 1400)),
                        status=status, weight=rng.randint(1, 3),
                        manual_progress=rng.randint(0, 100), version=1,
                        created_at=rm["created_at"], updated_at=self.ago(60))
                    objs.append(obj["id"])
                    for name, unit in rng.sample(tg.INDICATORS, 2):
                        baseline = float(rng.randint(0, 40))
                        target = baseline + rng.randint(10, 100)
                        ind = self.add("roadmap_indicator", organisation_id=oid,
                                       objective_id=obj["id"], name=name, unit=unit,
                                       baseline=baseline, target=target,
                                       created_at=rm["created_at"], updated_at=rm["created_at"])
                        value = baseline
                        for m in range(12):
                            value += rng.uniform(-2, (target - baseline) / 10)
                            self.add("roadmap_indicator_value", organisation_id=oid,
                                     indicator_id=ind["id"], value=round(value, 1),
                                     measured_on=self.today - timedelta(days=30 * (12 - m)),
                                     recorded_by_id=rng.choice(leads),
                                     created_at=self.now - timedelta(days=30 * (12 - m)))
                    for h in range(2):
                        self.add("roadmap_objective_history", organisation_id=oid,
                                 objective_id=obj["id"], actor_id=rng.choice(leads),
                                 at=self.ago(200 - 90 * h, 100 - 90 * h), kind="status",
                                 label=obj["title"][:200],
                                 from_value="non_commence" if h else None, to_value=status)
            self.objectives[oid] = objs

    # projects
    def projects(self) -> None:
        s, rng = self.s, self.rng
        self.projects_by_org: dict[int, list[int]] = {}
        statuses = ["idee", "cadrage", "en_cours", "en_cours", "en_cours", "deploye", "abandonne"]
        for org, n in zip(self.orgs, shares(s["projects"], self.weights), strict=True):
            oid = org["id"]
            leads = self.by_role[oid]["project_lead"]
            ids = []
            for k in range(n):
                desc = rng.choice(self.text_pool)
                created = self.ago(500, 30)
                status = rng.choice(statuses)
                base = tg.PROJECT_TITLES[k % len(tg.PROJECT_TITLES)]
                title = base if k < len(tg.PROJECT_TITLES) else f"{base} — lot {k // 15 + 1}"
                p = self.add("project", organisation_id=oid, title=title, description=desc,
                             description_html=self.html(desc), status=status,
                             lead_id=rng.choice(leads), start_date=created.date(),
                             end_date=created.date() + timedelta(days=rng.randint(90, 900)),
                             version=1, created_at=created, updated_at=self.ago(30))
                ids.append(p["id"])
                for sid in rng.sample(self.services[oid], rng.randint(1, 3)):
                    self.add("project_service", project_id=p["id"], service_id=sid)
                for obj in rng.sample(self.objectives[oid], rng.randint(1, 2)):
                    self.add("project_objective", project_id=p["id"], objective_id=obj)
                prev = None
                for to in ["idee", "cadrage", "en_cours", "deploye"][
                        : max(1, statuses.index(status) if status != "abandonne" else 2)]:
                    self.add("project_status_change", organisation_id=oid, project_id=p["id"],
                             actor_id=p["lead_id"], at=self.ago(400, 10), from_status=prev,
                             to_status=to)
                    prev = to
                for _c in range(rng.randint(0, 3)):
                    body = tg.paragraph(rng, 1, 3)
                    at = self.ago(200)
                    self.add("project_comment", organisation_id=oid, project_id=p["id"],
                             author_id=rng.choice(self.by_role[oid]["elected"] + leads),
                             body=body, created_at=at, updated_at=at)
            self.projects_by_org[oid] = ids
        # actions
        kinds = ["reunion_information", "atelier", "cst", "formation", "enquete", "test_pilote",
                 "entretien", "communication_interne", "autre"]
        for org, n in zip(self.orgs, shares(s["actions"], self.weights), strict=True):
            oid = org["id"]
            agents = self.by_role[oid]["agent"]
            for _k in range(n):
                planned = self.today + timedelta(days=rng.randint(-360, 180))
                past = planned < self.today
                status = ("realisee" if rng.random() < 0.93 else rng.choice(["prevue", "annulee"])
                          ) if past else ("prevue" if rng.random() < 0.95 else "annulee")
                minutes = rng.choice(self.text_pool) if status == "realisee" else ""
                created = self.now - timedelta(days=rng.randint(200, 400))
                a = self.add("project_action", organisation_id=oid,
                             project_id=rng.choice(self.projects_by_org[oid]),
                             kind=rng.choice(kinds), title=tg.title(rng)[:200],
                             planned_on=planned, status=status,
                             participants=rng.randint(0, 60) if status == "realisee" else 0,
                             minutes=minutes, minutes_html=self.html(minutes) if minutes else "",
                             created_at=created, updated_at=created)
                for obj in rng.sample(self.objectives[oid], rng.randint(1, 2)):
                    self.add("action_objective", action_id=a["id"], objective_id=obj)
                for sid in rng.sample(self.services[oid], rng.randint(1, 2)):
                    self.add("action_service", action_id=a["id"], service_id=sid)
                if status == "realisee" and rng.random() < 0.5:
                    answered = rng.random() < 0.6
                    self.add("project_concern", organisation_id=oid, action_id=a["id"],
                             text=tg.sentence(rng), raised_by_id=rng.choice(agents),
                             answer=tg.paragraph(rng, 1, 2) if answered else None,
                             answered_by_id=(self.by_role[oid]["project_lead"][0]
                                             if answered else None),
                             answered_at=self.ago(60) if answered else None,
                             created_at=created, updated_at=created)
        # proposals and positions
        stances = ["accord", "accord", "accord", "reserves", "reserves", "desaccord", "blocage"]
        proposals_by_org = {}
        for org in self.orgs:
            oid = org["id"]
            props = []
            for pid in self.projects_by_org[oid]:
                for k in range(2):
                    body = rng.choice(self.text_pool)
                    created = self.ago(300, 20)
                    closes = created + timedelta(days=rng.randint(10, 400))
                    props.append(self.add(
                        "project_proposal", organisation_id=oid, project_id=pid,
                        title=f"Proposition {k + 1} : {tg.sentence(rng)}"[:200], body=body,
                        body_html=self.html(body), closes_at=closes,
                        hide_results=rng.random() < 0.1,
                        outcome=tg.paragraph(rng, 1, 2) if closes < self.now else None,
                        created_by_id=rng.choice(self.by_role[oid]["project_lead"]),
                        created_at=created, updated_at=created))
            proposals_by_org[oid] = props
        for org, n in zip(self.orgs, shares(s["positions"], self.weights), strict=True):
            oid = org["id"]
            props = proposals_by_org[oid]
            per = shares(n, [rng.uniform(0.3, 1.7) for _ in props])
            agents = [u["id"] for u in self.members[oid]]
            for prop, k in zip(props, per, strict=True):
                for uid in rng.sample(agents, min(k, len(agents))):
                    stance = rng.choice(stances)
                    at = prop["created_at"] + timedelta(days=rng.uniform(0, 10))
                    reason = tg.sentence(rng)
                    self.add("project_position", organisation_id=oid, proposal_id=prop["id"],
                             user_id=uid, stance=stance, reason=reason, created_at=at,
                             updated_at=at)
                    if rng.random() < 0.1:
                        self.add("project_position_change", organisation_id=oid,
                                 proposal_id=prop["id"], user_id=uid,
                                 stance=rng.choice(stances), reason=tg.sentence(rng),
                                 at=at - timedelta(days=1))
                    self.add("project_position_change", organisation_id=oid,
                             proposal_id=prop["id"], user_id=uid, stance=stance, reason=reason,
                             at=at)

    # courses
    def courses(self) -> None:
        s, rng = self.s, self.rng
        n_shared = s["modules"] // 3
        per_org = shares(s["modules"] - n_shared, self.weights)
        owners = [None] * n_shared + [o["id"] for o, k in zip(self.orgs, per_org, strict=True)
                                      for _ in range(k)]
        self.modules_visible: dict[int | None, list[tuple[int, list[str]]]] = defaultdict(list)
        levels = ["débutant", "intermédiaire", "avancé"]
        for i, owner in enumerate(owners):
            topic = tg.MODULE_TOPICS[i % len(tg.MODULE_TOPICS)]
            title = topic if i < len(tg.MODULE_TOPICS) else f"{topic} ({i // 13 + 1})"
            created = self.ago(600, 100)
            m = self.add("course_module", organisation_id=owner, slug=f"{ascii_slug(title)}-{i}",
                         created_by_id=None, created_at=created, updated_at=created)
            audience = ["agent"] + rng.sample(["trainer", "project_lead", "elected", "admin"], 2) \
                if rng.random() < 0.85 else rng.sample(["project_lead", "elected", "admin"], 2)
            competences = rng.sample(["Relation usager", "Cybersécurité", "RGPD", "GRC",
                                      "Données", "Outils collaboratifs", "Conduite du changement",
                                      "Accessibilité"], rng.randint(1, 3))
            intro = rng.choice(self.text_pool)
            v = self.add("course_module_version", module_id=m["id"], number=1, status="published",
                         is_current=True, title=title[:200], summary=tg.sentence(rng)[:500],
                         duration=rng.choice([15, 20, 30, 45, 60]), audience=audience,
                         competences=competences, level=rng.choice(levels), pass_score=80,
                         version_label="1.0", introduction=intro,
                         introduction_html=self.html(intro),
                         content_hash=None, created_at=created, published_at=created,
                         created_by_id=None)
            for name in competences:
                self.add("course_competence", version_id=v["id"], name=name)
            keys = []
            for pos in range(1, s["lessons_per_module"] + 1):
                body = rng.choice(self.lesson_pool)
                ltitle = tg.LESSON_TITLES[(pos - 1) % len(tg.LESSON_TITLES)]
                key = f"{pos:02d}-{ascii_slug(ltitle)}"[3:] + f"-{pos}"
                self.add("course_lesson", version_id=v["id"], position=pos, key=key[:80],
                         filename=f"{pos:02d}-{key}.md"[:120], title=ltitle, source=body,
                         body=body, body_html=self.html(body))
                keys.append(key[:80])
            self.modules_visible[owner].append((m["id"], keys))
            if i == 0:
                self.manifest["lesson"] = {"module_id": m["id"], "lesson_key": keys[1]}
        # lesson progress and completions
        for org, quota in zip(self.orgs, shares(s["lesson_progress"], self.weights), strict=True):
            oid = org["id"]
            visible = self.modules_visible[None] + self.modules_visible[oid]
            users = [u["id"] for u in self.members[oid]]
            done = 0
            taken: set[tuple[int, int]] = set()
            attempts = 0
            while done < quota and attempts < quota * 4:
                attempts += 1
                uid = rng.choice(users)
                mod_id, keys = rng.choice(visible)
                if (uid, mod_id) in taken:
                    continue
                taken.add((uid, mod_id))
                k = min(rng.randint(1, len(keys)), quota - done)
                start = self.ago(300, 5)
                for j in range(k):
                    self.add("course_lesson_progress", user_id=uid, module_id=mod_id,
                             lesson_key=keys[j], completed_at=start + timedelta(hours=j))
                done += k
                if k == len(keys):
                    self.add("course_completion", user_id=uid, module_id=mod_id,
                             version_id=None, score=rng.randint(80, 100),
                             completed_at=start + timedelta(hours=k))

    # forums
    def forums(self) -> None:
        s, rng = self.s, self.rng
        cat_names = [
            ("Accueil et démarches", "Ce que les usagers demandent au guichet, au téléphone, "
             "en ligne.", False),
            ("Outils internes", "Les logiciels et outils du quotidien : ce qui aide, ce qui gêne.",
             False),
            ("Questions et inquiétudes", "Posez vos questions sur les projets, au besoin sans que "
             "votre nom soit affiché aux collègues.", True),
            ("Idées", "Proposez une amélioration, même petite.", False),
            ("Formation et modules", "Retours sur les modules de formation.", False),
            ("Projets numériques", "Échanges sur les projets en cours.", False),
        ]
        self.topics_by_org: dict[int, list[dict]] = defaultdict(list)
        self.posts_by_org: dict[int, list[int]] = defaultdict(list)
        topic_counts = shares(s["topics"], self.weights)
        post_counts = shares(s["posts"], self.weights)
        need_counts = shares(s["needs"], self.weights)
        statuses = ["nouveau"] * 4 + ["qualifie"] * 3 + ["rattache", "repondu", "clos", "ecarte"]
        for org, n_topics, n_posts, n_needs in zip(self.orgs, topic_counts, post_counts,
                                                   need_counts, strict=True):
            oid = org["id"]
            users = [u["id"] for u in self.members[oid]]
            cats = [self.add("forum_category", organisation_id=oid, name=name, description=desc,
                             position=10 * (i + 1), allow_anonymous=anon, restricted_roles="",
                             project_id=None, created_at=org["created_at"],
                             updated_at=org["created_at"])["id"]
                    for i, (name, desc, anon) in enumerate(cat_names)]
            sizes = [1] * n_topics
            sizes[0] = min(50, max(1, n_posts - (n_topics - 1)))
            for _ in range(max(0, n_posts - sum(sizes))):
                sizes[rng.randrange(1, n_topics) if n_topics > 1 else 0] += 1
            for t_index, size in enumerate(sizes):
                cat = cats[1] if t_index == 0 else rng.choice(cats)
                self._topic(oid, cat, users, size, "discussion", tg.title(rng))
                if t_index == 0:
                    self.per_org[oid] = {"topic_50": self.topics_by_org[oid][-1]["id"],
                                         "category": cats[0]}
                if org["slug"] == BIG and t_index == 0:
                    self.manifest["topic_50"] = self.topics_by_org[oid][-1]["id"]
                    self.manifest["category"] = cats[0]
            for _k in range(n_needs):
                topic = self._topic(oid, cats[0], users, 1, "besoin",
                                    f"Besoin : {rng.choice(tg.OBJECTS)}"[:140])
                status = rng.choice(statuses)
                impact = rng.choice(["faible", "moyen", "fort"])
                answer = rng.choice(self.text_pool) if status == "repondu" else ""
                need = self.add(
                    "forum_need", organisation_id=oid, topic_id=topic["id"],
                    public=rng.choice(["particuliers", "entreprises", "associations", "agents",
                                       "autre"]),
                    channel=rng.choice(["accueil", "telephone", "courriel", "en_ligne", "reseaux",
                                        "courrier"]),
                    frequency=rng.choice(["rare", "semaine", "jour"]), impact=impact,
                    impact_rank={"faible": 1, "moyen": 2, "fort": 3}[impact],
                    workaround=tg.sentence(rng) if rng.random() < 0.5 else "", status=status,
                    answer=answer, answer_html=self.html(answer) if answer else "",
                    answer_drafted_by_id=None, answer_drafted_at=None,
                    answer_validated_by_id=None,
                    answer_published_at=self.ago(30) if answer else None)
                for sid in rng.sample(self.services[oid], rng.randint(1, 2)):
                    self.add("forum_need_service", need_id=need["id"], service_id=sid)
                self.add("forum_need_status_change", need_id=need["id"], actor_id=topic[
                    "author_id"], from_status=None, to_status="nouveau", reason="",
                    at=topic["created_at"])
                if status != "nouveau":
                    self.add("forum_need_status_change", need_id=need["id"],
                             actor_id=self.by_role[oid]["project_lead"][0], from_status="nouveau",
                             to_status=status, reason="", at=self.ago(20))
                if status == "rattache" or rng.random() < 0.1:
                    self.add("forum_need_project", need_id=need["id"],
                             project_id=rng.choice(self.projects_by_org[oid]),
                             linked_by_id=None, created_at=self.ago(20))
                self.needs_by_org[oid].append(need["id"])
        # endorsements: a few needs gather many, most a handful (skewed)
        for org, quota in zip(self.orgs, shares(s["endorsements"], self.weights), strict=True):
            oid = org["id"]
            needs = self.needs_by_org[oid]
            members = self.members[oid]
            weights = [1 / (i + 1) ** 0.7 for i in range(len(needs))]
            seen: set[tuple[int, int]] = set()
            attempts = 0
            while len(seen) < quota and attempts < quota * 5:
                attempts += 1
                need_id = rng.choices(needs, weights)[0]
                u = rng.choice(members)
                if (need_id, u["id"]) in seen:
                    continue
                seen.add((need_id, u["id"]))
                self.add("forum_need_endorsement", need_id=need_id, user_id=u["id"],
                         service_id=u["service_id"],
                         channel=rng.choice(["accueil", "telephone", "courriel", "en_ligne"]),
                         note=tg.sentence(rng)[:500] if rng.random() < 0.1 else "",
                         created_at=self.ago(100))
        # "Utile" reactions
        for org, quota in zip(self.orgs, shares(s["reactions"], self.weights), strict=True):
            oid = org["id"]
            posts = self.posts_by_org[oid]
            users = [u["id"] for u in self.members[oid]]
            seen = set()
            for _k in range(quota * 2):
                if len(seen) >= quota:
                    break
                pair = (rng.choice(posts), rng.choice(users))
                if pair not in seen:
                    seen.add(pair)
                    self.add("forum_reaction", post_id=pair[0], user_id=pair[1],
                             created_at=self.ago(100))
        # unread notifications for everyone (the daily digest sends them)
        for org in self.orgs:
            oid = org["id"]
            topics = self.topics_by_org[oid]
            for u in self.members[oid]:
                u["unread_notifications"] = s["notifications_per_user"]  # the header's counter
                for _k in range(s["notifications_per_user"]):
                    t = rng.choice(topics)
                    self.add("forum_notification", organisation_id=oid, user_id=u["id"],
                             kind="reply", text=f"Nouvelle réponse dans « {t['title']} »"[:300],
                             topic_id=t["id"], post_id=None,
                             created_at=self.now - timedelta(hours=rng.uniform(12, 36)),
                             read_at=None, emailed_at=None)

    def _topic(self, oid: int, cat: int, users: list[int], size: int, kind: str,
               title: str) -> dict:
        rng = self.rng
        start = self.ago(700, 3)
        author = rng.choice(users)
        topic = self.add("forum_topic", organisation_id=oid, category_id=cat, author_id=author,
                         kind=kind, title=title, anonymous=False, locked=False,
                         pinned=rng.random() < 0.01, reply_count=size - 1, last_post_at=start,
                         accepted_post_id=None, created_at=start, updated_at=start)
        step = min(timedelta(hours=rng.uniform(1, 48)), (self.now - start) / max(size, 1))
        at = start
        for k in range(size):
            body = rng.choice(self.post_pool)
            post = self.add("forum_post", organisation_id=oid, topic_id=topic["id"],
                            author_id=author if k == 0 else rng.choice(users), is_first=(k == 0),
                            anonymous=False, body=body, body_html=self.html(body),
                            created_at=at, edited_at=None, deleted_at=None, hidden_at=None)
            self.posts_by_org[oid].append(post["id"])
            at += step
        topic["last_post_at"] = at - step
        self.topics_by_org[oid].append(topic)
        return topic

    def build(self, password_hash: str, clock: Clock) -> None:
        self.needs_by_org: dict[int, list[int]] = defaultdict(list)
        self.per_org: dict[int, dict] = {}
        self.pools()
        clock.lap("text pools + Markdown", f"{self.render_calls} distinct bodies rendered")
        self.organisations()
        self.users(password_hash)
        self.roadmaps()
        self.projects()
        clock.lap("organisations, users, projects")
        self.courses()
        clock.lap("courses")
        self.forums()
        clock.lap("forums", f"{self.render_calls} renders in all")
        add_maturity(self)
        clock.lap("maturity", f"{self.manifest['maturity']['collectivites']} diagnoses")
        add_sharing(self)
        clock.lap("sharing", f"{len(self.rows['sharing_fiche'])} published fiches")
        big = self.orgs[0]["id"]
        self.manifest["organisation_id"] = big
        self.manifest["slug"] = BIG
        self.manifest["project"] = self.projects_by_org[big][0]
        self.manifest["orgs"] = {
            org["slug"]: {**self.per_org[org["id"]], "organisation_id": org["id"],
                          "project": self.projects_by_org[org["id"]][0],
                          "users": {r: self.by_role[org["id"]][r][0] for r in ROLES}}
            for org in self.orgs}
        self.manifest["counts"] = {t: len(r) for t, r in sorted(self.rows.items())}


NO_ID = {"project_service", "project_objective", "action_objective",
         "action_service", "forum_need_service"}

# Insertion order (foreign keys).
ORDER = [
    "organisation", "service", "account", "user", "user_role", "roadmap", "roadmap_axis",
    "roadmap_objective", "roadmap_indicator", "roadmap_indicator_value",
    "roadmap_objective_history", "project", "project_service", "project_objective",
    "project_status_change", "project_comment", "project_action", "action_objective",
    "action_service", "project_concern", "project_proposal", "project_position",
    "project_position_change", "course_module", "course_module_version", "course_competence",
    "course_lesson", "course_lesson_progress", "course_completion", "forum_category",
    "forum_topic", "forum_post", "forum_need", "forum_need_service", "forum_need_status_change",
    "forum_need_project", "forum_need_endorsement", "forum_reaction", "forum_notification",
    *MATURITY_ORDER, *SHARING_ORDER,
]


def library_lessons() -> list[str]:
    """The shipped lessons' Markdown (quiz placeholders removed): real prose."""
    from courses import parsing
    from courses.importer import DEFAULT_LIBRARY

    bodies = []
    for directory in parsing.find_module_dirs(DEFAULT_LIBRARY):
        try:
            parsed = parsing.parse_module_dir(directory)
        except parsing.ModuleFormatError:
            continue
        bodies += [re.sub(r"\[\[quiz:\d+\]\]", "", lesson.body) for lesson in parsed.lessons]
    return bodies


def insert_all(db, rows: dict[str, list[dict]], clock: Clock) -> None:
    from sqlalchemy import func, select

    from change_portal.core.progress import Progress

    metadata = db.metadata
    missing = set(rows) - set(ORDER)
    if missing:
        raise SystemExit(f"no insertion order for {sorted(missing)}")

    engine = db.engine
    total, done = sum(len(r) for r in rows.values()), 0
    progress = Progress("  rows inserted")  # a bar on a terminal, a line per tenth otherwise
    with engine.begin() as conn:
        for name in ORDER:
            data = rows.get(name)
            if not data:
                continue
            table = metadata.tables[name]
            for i in range(0, len(data), CHUNK):
                conn.execute(table.insert(), data[i:i + CHUNK])
                done += len(data[i:i + CHUNK])
                progress.update(done, total, name)
        if engine.dialect.name == "postgresql":
            for name in ORDER:
                table = metadata.tables[name]
                if "id" in table.c and rows.get(name) and table.c.id.primary_key:
                    conn.execute(select(func.setval(
                        func.pg_get_serial_sequence(f'"{name}"', "id"),
                        select(func.max(table.c.id)).scalar_subquery())))
    progress.close()
    clock.lap("bulk insert", f"{sum(len(r) for r in rows.values()):,} rows")


def analyze(db) -> None:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--maturity-orgs", type=int, default=None,
                        help="peer collectivités with a maturity diagnosis (default: the "
                             "scale's; 995 on the small scale makes 1,000 collectivités)")
    args = parser.parse_args(argv)
    url = args.database_url
    clock = Clock()
    print(f"Generating scale={args.scale} seed={args.seed} into {url}", flush=True)
    reset_database(url)
    app = make_app(url)
    from flask_migrate import upgrade

    from change_portal.accounts import passwords
    from change_portal.extensions import db

    with app.app_context():
        upgrade(revision="head")
        clock.lap("schema (flask db upgrade heads)")
        now = datetime.now(UTC).replace(microsecond=0)
        scale = dict(SCALES[args.scale])
        if args.maturity_orgs is not None:
            scale["maturity_orgs"] = args.maturity_orgs
        gen = Generator(scale, args.seed, now)
        gen.build(passwords.hash_password(PASSWORD), clock)
        insert_all(db, gen.rows, clock)
        # Counters the services keep (rows went in with Core inserts, not through them).
        from change_portal.projects.services import recount_stances
        from forums.needs import recount_endorsements

        recount_stances()
        recount_endorsements()
        db.session.commit()
        clock.lap("stored meters and endorsement counts")
        from change_portal.core.progress import Progress
        from forums import search

        indexing = Progress("  posts indexed")
        count = search.reindex_all(on_progress=indexing.update)
        indexing.close()
        db.session.commit()
        clock.lap("forums reindex (search.reindex_all)", f"{count:,} posts indexed")
        from bench.sharing_gen import reindex as reindex_fiches

        count = reindex_fiches()
        db.session.commit()
        clock.lap("sharing reindex", f"{count:,} fiches indexed")
        analyze(db)
        clock.lap("ANALYZE")
    gen.manifest.update(scale=args.scale, seed=args.seed, database_url=url,
                        generated_at=now.isoformat(), timings=clock.steps,
                        total_seconds=clock.total(), markdown_renders=gen.render_calls)
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    path = manifest_path(url)
    path.write_text(json.dumps(gen.manifest, indent=2, ensure_ascii=False))
    print(f"Done in {clock.total():.1f} s; manifest {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
