"""A portal served for real on 127.0.0.1 (a thread), on a database of its own,
with a real rq worker beside it when Redis is configured. Used by the browser
tests and the load/attack tests: their server commits for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def separate_database_url(suffix: str) -> str:
    """A fresh database next to the test one (a SQLite file, or a PostgreSQL
    database named <test db>_<suffix>)."""
    base = os.environ.get("DATABASE_URL")
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{tempfile.mkdtemp(prefix=f'cp-{suffix}-')}/{suffix}.sqlite3"
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class LiveServer:
    def __init__(self, name: str, *, redis_url: str | None, demo: bool = True,
                 config: dict | None = None, database_url: str | None = None):
        from flask_migrate import upgrade

        from change_portal import create_app
        from change_portal.accounts import demo as demo_data
        from change_portal.extensions import db

        instance = Path(tempfile.mkdtemp(prefix=f"cp-{name}-instance-"))
        self.database_url = database_url or separate_database_url(name)
        self.env = {
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": f"{name}-secret-key",
            "OUTBOX_DIR": str(instance / "outbox"),
            "UPLOAD_DIR": str(instance / "uploads"),
            "INSTANCE_PATH": str(instance),
            "RQ_QUEUE": f"{name}-{os.getpid()}",
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "INSTANCE_PATH")}
        os.environ["DATABASE_URL"] = self.database_url
        os.environ["INSTANCE_PATH"] = str(instance)
        try:
            self.app = create_app({
                "SECRET_KEY": self.env["SECRET_KEY"],
                "SESSION_COOKIE_SECURE": False,
                "REDIS_URL": redis_url,
                "RQ_QUEUE": self.env["RQ_QUEUE"],
                "OUTBOX_DIR": self.env["OUTBOX_DIR"],
                "UPLOAD_DIR": self.env["UPLOAD_DIR"],
                # Argon2id with tiny parameters: the same code path, cheap.
                "PASSWORD_ARGON2_TIME_COST": 1, "PASSWORD_ARGON2_MEMORY_KIB": 8,
                "PASSWORD_ARGON2_PARALLELISM": 1,
                "LOGIN_LIMIT_IP": "10000/60",
                "LOGIN_LIMIT_ACCOUNT": "10000/60",
                "LOGIN_LIMIT_ACCOUNT_IP": "10000/60",
                "LOGIN_LIMIT_DEVICE": "10000/60",
                **(config or {}),
            })
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        with self.app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="head")
            if demo:
                demo_data.load()
                db.session.commit()
                if "courses" in self.app.cli.commands:
                    result = self.app.test_cli_runner().invoke(args=["courses", "sync"])
                    assert result.exit_code == 0, result.output
        self.worker = self.start_worker() if redis_url else None
        port = free_port()
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{port}"
        self.app.config["LIVE_URL"] = self.url

    def start_worker(self) -> subprocess.Popen:
        """A real `flask worker` process on this server's database and queue
        (tests may kill it and start another)."""
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "flask"), "--app", "change_portal", "worker"],
            env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.server.shutdown()
        if self.worker is not None:
            self.worker.terminate()
            try:
                self.worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.worker.kill()


class HttpSession:
    """A person's browser without the browser: cookies, CSRF tokens, no redirects
    followed unless asked."""

    def __init__(self, base_url: str):
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict | None = None):
        import urllib.error
        import urllib.parse

        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            resp = self.opener.open(self.base_url + path, data=body, timeout=30)
            return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def get(self, path: str):
        return self.request(path)

    def post_form(self, path: str, data: dict, *, form_page: str | None = None):
        """POST `data` to `path` with the CSRF token read from `form_page`."""
        import re

        _, page = self.get(form_page or path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        token = match.group(1) if match else ""
        return self.request(path, {**data, "csrf_token": token})

    def login(self, email: str, password: str = "demo-portail-2026"):
        status, page = self.post_form("/connexion", {"email": email, "password": password})
        assert "Bonjour" in page, f"login failed for {email}: {status}"
