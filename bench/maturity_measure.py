"""Maturity pages against the minimal page, in process (no wrk needed):

    python -m bench.maturity_measure --database-url URL --manifest bench/.state/X.json

Logs in as the benchmark's elected official and agent, then times N requests of
the maturity results page and of the published observatory through the Flask
test client, and N requests of bench/minimal.py's page the same way; prints the
queries per page and the ratio of each page's throughput to the minimal page's.
A rough figure (one process, no network, no gunicorn): the wrk run of bench/run.py
measures the same pages under load when wrk is installed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from bench.pages import WORK, csrf_token, load_manifest, maturity_pages
from bench.querycount import CONTROL


def _rate(client, path: str, n: int) -> float:
    client.get(path)
    start = time.perf_counter()
    for _ in range(n):
        assert client.get(path).status_code == 200, path
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.update(DATABASE_URL=args.database_url, SESSION_COOKIE_SECURE="0")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-maturity"))
    manifest = load_manifest(args.manifest)

    from sqlalchemy import event

    from bench.generate import KNOWN_USERS, PASSWORD
    from bench.minimal import create_app as minimal_app
    from change_portal import create_app
    from change_portal.extensions import db

    minimal = _rate(minimal_app().test_client(), "/", args.n)
    app = create_app()
    with app.app_context():
        engine = db.engine
    rows = []
    for spec in maturity_pages(manifest):
        client = app.test_client()
        page = client.get("/connexion").get_data(as_text=True)
        client.post("/connexion", data={"email": KNOWN_USERS[spec.role], "password": PASSWORD,
                                        "csrf_token": csrf_token(page), "next": ""})
        count = {"n": 0}

        def on_execute(conn, cursor, statement, *_a, count=count):
            if not statement.lstrip().upper().startswith(CONTROL):
                count["n"] += 1

        client.get(spec.path)
        event.listen(engine, "before_cursor_execute", on_execute)
        client.get(spec.path)
        event.remove(engine, "before_cursor_execute", on_execute)
        rate = _rate(client, spec.path, args.n)
        rows.append((spec.name, count["n"], rate, rate / minimal))
    print(f"collectivités with a diagnosis: {manifest['maturity']['collectivites']}")
    print(f"minimal page: {minimal:.0f} req/s (test client)")
    for name, queries, rate, ratio in rows:
        print(f"{name}: {queries} statements, {rate:.0f} req/s, {100 * ratio:.1f} % of minimal")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
