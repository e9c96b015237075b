"""CPU per request, in-process: the Flask test client, no server, no network.

    python -m bench.cpu --database-url URL --manifest bench/.state/X.json [--repeat 30]
        [--pages dashboard,project] [--json out.json]

Logs in through the real form as each role, requests each page twice (warm-up: caches,
first-visit writes), then `--repeat` times, and reports per page the median and the
mean process CPU time per request (`time.process_time`: Python, Jinja, the driver and,
on SQLite, the database engine itself, all in this process), the median wall time, the
statements of one request and the response size. On a machine shared with other work,
CPU time is the figure to compare (wall time includes waiting for a core). Run the same
command on two checkouts against the same database for before/after figures:

    PYTHONPATH=/path/to/other/checkout python -m bench.cpu ...
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.pages import WORK, csrf_token, load_manifest, pages

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ.pop("REDIS_URL", None)  # embedded mode: in-process cache, inline jobs
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-cpu"))
    manifest = load_manifest(args.manifest)
    wanted = {p for p in args.pages.split(",") if p}

    from sqlalchemy import event

    import change_portal
    from change_portal import create_app
    from change_portal.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    counter = {"queries": 0}

    def on_execute(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(CONTROL):
            counter["queries"] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    clients: dict = {}
    results = {}
    for spec in pages(manifest):
        if wanted and spec.name not in wanted:
            continue
        client = clients.get(spec.role)
        if client is None:
            client = app.test_client()
            token = csrf_token(client.get("/connexion").get_data(as_text=True))
            resp = client.post("/connexion", data={
                "email": manifest["known_users"][spec.role], "password": manifest["password"],
                "csrf_token": token, "next": ""})
            if resp.status_code != 302:
                raise SystemExit(f"login as {spec.role} failed: {resp.status_code}")
            clients[spec.role] = client
        for _ in range(2):
            client.get(spec.path)
        cpu, wall = [], []
        counter["queries"] = 0
        size = status = 0
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            resp = client.get(spec.path)
            body = resp.get_data()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
            size, status = len(body), resp.status_code
        results[spec.name] = {
            "status": status, "bytes": size, "queries": counter["queries"] // args.repeat,
            "cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
            "cpu_ms_mean": round(statistics.fmean(cpu) * 1000, 2),
            "wall_ms_median": round(statistics.median(wall) * 1000, 2),
        }
        print(f"{spec.name:15} {results[spec.name]}", file=sys.stderr, flush=True)
    doc = {"code": str(Path(change_portal.__file__).parent.parent),
           "database_url": args.database_url, "repeat": args.repeat, "pages": results}
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    print(json.dumps(doc, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
