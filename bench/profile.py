"""Where a page's time goes: cProfile over repeated requests, grouped by library.

    python -m bench.profile --database-url URL --manifest bench/.state/X.json \\
        --page dashboard [--repeat 50] [--top 40] [--sort cumulative|tottime]

Logs in as the page's role (as `bench.cpu` does), warms the page up, then profiles
`--repeat` requests through the Flask test client and prints the time per request
grouped by where it is spent (SQLAlchemy, the driver, Jinja and the templates,
Werkzeug, Flask-Babel, the project's own packages…), then the `--top` functions.
cProfile counts wall time and slows Python down about fourfold: compare groups with
each other and runs with each other, and take absolute figures from `bench.cpu`.
Time in the driver's `wait` is the database's answer (a round trip, not CPU here).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import sys
from pathlib import Path

from bench.pages import WORK, csrf_token, load_manifest, pages

GROUPS = ("sqlalchemy", "jinja2", "werkzeug", "flask_babel", "babel", "flask_wtf", "wtforms",
          "flask_login", "flask_caching", "cachelib", "flask", "psycopg", "markupsafe",
          "itsdangerous", "nh3", "change_portal", "courses", "forums")


def _group(filename: str) -> str:
    for name in GROUPS:
        if f"/{name}/" in filename:
            return name
    if filename.startswith("<template>") or "/templates/" in filename:
        return "templates"
    if filename == "~":
        return "builtins"
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("--page", required=True, help="a page name of bench.pages")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-cpu"))
    manifest = load_manifest(args.manifest)
    spec = next((p for p in pages(manifest) if p.name == args.page), None)
    if spec is None:
        raise SystemExit(f"unknown page {args.page!r}: {[p.name for p in pages(manifest)]}")

    from change_portal import create_app

    client = create_app().test_client()
    token = csrf_token(client.get("/connexion").get_data(as_text=True))
    resp = client.post("/connexion", data={
        "email": manifest["known_users"][spec.role], "password": manifest["password"],
        "csrf_token": token, "next": ""})
    if resp.status_code != 302:
        raise SystemExit(f"login as {spec.role} failed: {resp.status_code}")
    for _ in range(3):
        client.get(spec.path).get_data()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.repeat):
        client.get(spec.path).get_data()
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups: collections.Counter = collections.Counter()
    for (filename, _line, _func), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        groups[_group(filename)] += own
    total = sum(groups.values())
    print(f"{spec.name}: {total / args.repeat * 1000:.2f} ms per request under cProfile")
    for name, seconds in groups.most_common():
        print(f"  {name:15} {seconds / args.repeat * 1000:7.2f} ms  {100 * seconds / total:5.1f} %")
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
