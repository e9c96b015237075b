"""Benchmark of the retours d'expérience pages with 2,000 published fiches.

    python -m bench.sharing --database-url sqlite:////tmp/cp-bench/sharing.sqlite3
    python -m bench.sharing --database-url postgresql://postgres@127.0.0.1:5432/cp_bench_sharing

Empties the database, upgrades it to head, inserts 50 collectivités and 2,000 published
fiches (40 each, Core inserts, snapshots included) with 6,000 « ça nous intéresse »,
4,000 questions and answers on the first 200 fiches, builds the search index (what
`flask sharing reindex` runs), then requests each page through the Flask test client as a
member of another collectivité: statements per request (second request, transaction
control excluded) and the median time of 20 requests. Never asserts: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.pages import WORK
from bench.sharing_gen import THEMES, _text, published_content

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")
PAGES = {
    "catalogue": "/retours-experience/",
    "catalogue page 50": "/retours-experience/?page=50",
    "filters": "/retours-experience/?theme=donnees&type=commune&taille=3500-9999&code=1",
    "sort by interest": "/retours-experience/?tri=interet",
    "search": "/retours-experience/?q=rendez-vous+état+civil",
    "fiche with Q&A": "/retours-experience/{fiche}",
    "events (control: 2 small queries)": "/retours-experience/journees",
}


def generate(db, n_orgs: int = 50, per_org: int = 40, seed: int = 14) -> dict:
    from change_portal.accounts.models import User, UserRole
    from change_portal.organisations.models import Organisation
    from change_portal.organisations.strata import population_band
    from change_portal.sharing import search
    from change_portal.sharing.models import Fiche, FicheInterest, FicheQuestion

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    orgs, fiches, interests, questions = [], [], [], []
    kinds = ["commune"] * 6 + ["intercommunalite", "departement"]
    for o in range(1, n_orgs + 1):
        kind = rng.choice(kinds)
        population = rng.choice([1_200, 4_500, 8_000, 25_000, 70_000, 300_000])
        orgs.append({"id": o, "slug": f"bench-{o}", "name": f"Collectivité {o}", "kind": kind,
                     "population": population, "roadmap_published": False,
                     "created_at": now, "updated_at": now})
    fid = 0
    for org in orgs:
        band = population_band(org["population"]).slug
        for _ in range(per_org):
            fid += 1
            themes = rng.sample(THEMES, rng.randint(1, 3))
            repo = f"https://forge.exemple.org/{fid}" if rng.random() < 0.2 else ""
            title = _text(rng, 6)[:200]
            content = published_content(rng, title, org, band, themes, repo)
            fiches.append({
                "id": fid, "organisation_id": org["id"], "title": title, "summary": "",
                "problem": "", "needs": [], "what_done": "", "results": [], "involvement": {},
                "difficulties": "", "difficulties_html": "", "cost": "", "duration": "",
                "links": [], "repo_url": repo, "themes": themes, "contact_role": "",
                "kind": org["kind"], "band": band, "status": "validee", "published": True,
                "published_content": content,
                "published_at": now - timedelta(hours=fid), "pub_title": title,
                "pub_themes": "," + ",".join(themes) + ",", "has_repo": bool(repo),
                "interest_count": 0, "created_at": now, "updated_at": now})
    for f in fiches:
        for org_id in rng.sample(range(1, n_orgs + 1), 3):
            if org_id != f["organisation_id"]:
                interests.append({"fiche_id": f["id"], "organisation_id": org_id,
                                  "created_at": now})
                f["interest_count"] += 1
    qid = 0
    for f in fiches[:200]:
        for _ in range(10):
            qid += 1
            org_id = rng.randint(1, n_orgs)
            body = _text(rng, 25)
            questions.append({"id": qid, "fiche_id": f["id"], "parent_id": None,
                              "organisation_id": org_id, "body": body,
                              "body_html": f"<p>{body}</p>", "created_at": now,
                              "updated_at": now})
            qid += 1
            questions.append({"id": qid, "fiche_id": f["id"], "parent_id": qid - 1,
                              "organisation_id": f["organisation_id"], "body": body,
                              "body_html": f"<p>{body}</p>", "created_at": now,
                              "updated_at": now})
    db.session.execute(Organisation.__table__.insert(), orgs)
    db.session.execute(Fiche.__table__.insert(), fiches)
    db.session.execute(FicheInterest.__table__.insert(), interests)
    db.session.execute(FicheQuestion.__table__.insert(), questions)
    reader = User(organisation_id=n_orgs, email="lecteur@bench.example", full_name="Lecteur",
                  password_hash=None, active=True)
    db.session.add(reader)
    db.session.flush()
    db.session.add(UserRole(user_id=reader.id, role="agent"))
    if db.engine.dialect.name == "postgresql":
        for table, column in (("organisation", "id"), ("sharing_fiche", "id"),
                              ("sharing_question", "id")):
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608
                f"(SELECT max({column}) FROM {table}))"))
    db.session.commit()
    started = time.perf_counter()
    search.reindex_all()
    db.session.commit()
    return {"reader": reader.id, "fiche": fiches[0]["id"], "fiches": len(fiches),
            "interests": len(interests), "questions": len(questions),
            "index_seconds": round(time.perf_counter() - started, 2)}


def measure(app, db, state: dict) -> dict:
    from sqlalchemy import event

    from change_portal.accounts import sessions as login_sessions
    from change_portal.accounts.models import User

    client = app.test_client()
    with app.app_context():
        reader = db.session.get(User, state["reader"])
        ls = login_sessions.open_login_session(reader, ip="127.0.0.1", user_agent="bench")
        db.session.commit()
        token = ls.plain_token
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    results = {}
    for name, template in PAGES.items():
        path = template.format(**state)
        assert client.get(path).status_code == 200, path
        count = {"n": 0}

        def on_execute(conn, cursor, statement, *args, count=count):
            if not statement.lstrip().upper().startswith(CONTROL):
                count["n"] += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", on_execute)
        client.get(path)
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", on_execute)
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = {"queries": count["n"], "median_ms": round(statistics.median(times), 1),
                         "max_ms": round(max(times), 1)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-sharing"))
    from flask_migrate import upgrade
    from sqlalchemy import text

    from change_portal import create_app
    from change_portal.extensions import db

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
                conn.execute(text("DROP TABLE IF EXISTS sharing_search_fts"))
                conn.execute(text("DROP TABLE IF EXISTS forum_search_fts"))
        upgrade(directory=str(Path(app.root_path).parent / "migrations"), revision="head")
        state = generate(db)
    state["dialect"] = args.database_url.split(":")[0]
    state["pages"] = measure(app, db, state)
    json.dump(state, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
