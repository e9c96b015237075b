"""Database time of the forum search, query by query.

    python -m bench.search_db --database-url URL --manifest PATH [--runs 20]

Runs `forums.search.search` as the search page does (the known agent of the large
collectivité, its visible categories, first page of 20) `--runs` times for each query
of QUERIES, after one warm-up call, and times every SQL statement it sends between
SQLAlchemy's before/after cursor events (the driver's round trip included, Python
row building excluded). Prints one JSON line per query: p50 / max of the database
time per search, statements per search, the count shown. Read-only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.pages import WORK, load_manifest

# Frequent words (more than 1,000 matches in the large collectivité), then rarer
# combinations (all their matches counted and the newest ranked).
QUERIES = ("démarche en ligne", "état civil", "signature électronique", "cantine",
           "rendez-vous", "formulaire", "cantine rendez-vous formulaire",
           "signature électronique état civil", "formulaire 18", "26", "zzzz introuvable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-jobs"))
    manifest = load_manifest(args.manifest)

    from sqlalchemy import event

    from change_portal import create_app
    from change_portal.accounts.models import User
    from change_portal.extensions import db
    from forums import queries, search

    app = create_app()
    with app.app_context():
        user = db.session.get(User, manifest["users"]["agent"])
        ids = [c.id for c in queries.visible_categories(user)]
        spent: list[float] = []
        started: list[float] = []

        def before(*_args, **_kwargs):
            started.append(time.perf_counter())

        def after(*_args, **_kwargs):
            spent.append(time.perf_counter() - started.pop())

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        for query in QUERIES:
            results = search.search(user.organisation_id, ids, query, limit=20, offset=0)
            per_search, statements = [], 0
            for _ in range(args.runs):
                spent.clear()
                results = search.search(user.organisation_id, ids, query, limit=20, offset=0)
                per_search.append(sum(spent) * 1000)
                statements = len(spent)
            if isinstance(results, tuple):  # the code before the bounded search
                hits, total, capped = results[0], results[1], False
            else:
                hits, total, capped = results.hits, results.total, results.capped
            print(json.dumps({
                "query": query, "p50_ms": round(statistics.median(per_search), 2),
                "max_ms": round(max(per_search), 2), "statements": statements,
                "total": total, "capped": capped, "hits": len(hits),
            }, ensure_ascii=False))
        db.session.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
