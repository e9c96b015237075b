"""SQL queries and Markdown renders per page, through the Flask test client.

    python -m bench.querycount --database-url URL --manifest bench/.state/X.json

Logs in through the real login form as each role, requests every page twice and
counts, on the second request, the statements sent to the database (a
`before_cursor_execute` listener; transaction control statements excluded) and
the Markdown conversions (every `MarkdownIt.parse` call, and every call
of `render_markdown`, wrapped). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.pages import WORK, csrf_token, load_manifest, pages

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["SESSION_COOKIE_SECURE"] = "0"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    os.environ.setdefault("INSTANCE_PATH", str(WORK / "instance-count"))
    manifest = load_manifest(args.manifest)

    from markdown_it import MarkdownIt
    from sqlalchemy import event

    import change_portal.core.markdown as core_md
    from change_portal import create_app
    from change_portal.extensions import db

    app = create_app()
    counters = {"queries": 0, "renders": 0, "convert": 0}
    statements: list[str] = []

    original_convert = MarkdownIt.parse

    def convert(self, source, env=None):
        counters["convert"] += 1
        return original_convert(self, source, env)

    MarkdownIt.parse = convert
    original_render = core_md.render_markdown

    def render(text):
        counters["renders"] += 1
        return original_render(text)

    for module in list(sys.modules.values()):
        if getattr(module, "render_markdown", None) is original_render:
            module.render_markdown = render

    with app.app_context():
        engine = db.engine

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(CONTROL):
            return
        counters["queries"] += 1
        statements.append(" ".join(statement.split())[:160])

    event.listen(engine, "before_cursor_execute", on_execute)

    clients = {}
    results = {}
    for spec in pages(manifest):
        client = clients.get(spec.role)
        if client is None:
            client = app.test_client()
            login = client.get("/connexion")
            token = csrf_token(login.get_data(as_text=True))
            resp = client.post("/connexion", data={
                "email": manifest["known_users"][spec.role], "password": manifest["password"],
                "csrf_token": token, "next": ""})
            if resp.status_code != 302:
                raise SystemExit(f"login as {spec.role} failed: {resp.status_code}")
            clients[spec.role] = client
        client.get(spec.path)  # warm: caches, first-visit writes
        for key in counters:
            counters[key] = 0
        statements.clear()
        started = time.perf_counter()
        resp = client.get(spec.path)
        elapsed = time.perf_counter() - started
        results[spec.name] = {
            "path": spec.path, "status": resp.status_code, "bytes": len(resp.get_data()),
            "queries": counters["queries"], "markdown_renders": counters["renders"],
            "markdown_converts": counters["convert"], "ms_test_client": round(elapsed * 1000, 1),
            "statements": list(statements),
        }
    print(json.dumps({"database_url": args.database_url, "pages": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
