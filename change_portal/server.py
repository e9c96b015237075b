"""The embedded mode's web server: gunicorn, the server used in production, with
threaded workers (gthread), started by `flask serve` (`make run`).

Werkzeug's development server starts one thread per connection without bound: 100
simultaneous logins meant 100 threads fighting for the CPU, and the one holding
SQLite's write lock waited its turn with the others (15-17 × 503). gunicorn's
gthread workers serve a bounded number of requests at once per process and queue
the rest in the listening socket, so a write transaction finishes quickly.
"""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


class EmbeddedServer(BaseApplication):
    """gunicorn around an app created by the CLI (preloaded, then forked)."""

    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # control_socket_disable: gunicorn ≥ 24 only
                self.cfg.set(key, value)

    def load(self):
        return self.application


def _post_fork(app: Flask):
    def hook(_server, _worker):
        # Connections opened in the parent (CLI, migrations check) must not be
        # shared with the child: each process opens its own.
        with app.app_context():
            from change_portal.extensions import db

            for engine in db.engines.values():
                engine.dispose(close=False)

    return hook


def _post_worker_init(app: Flask):
    def hook(_worker):
        # Periodic jobs are scheduled from every worker, not from the parent: no
        # thread runs in a process that forks. tick() claims each run with a
        # conditional UPDATE, so several workers still start it once.
        from change_portal.core.jobs import start_ticker

        start_ticker(app)

    return hook


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve `app` until interrupted (Ctrl+C); each worker also runs the periodic
    jobs' ticker (no Redis in the embedded mode: jobs run inline)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "accesslog": "-",
        "post_fork": _post_fork(app),
        "post_worker_init": _post_worker_init(app),
        # A worker busy with a long request keeps its heartbeat (gthread); this
        # only restarts a worker that stopped answering altogether.
        "timeout": 120,
        "graceful_timeout": 10,
        # No control socket in ~/.gunicorn: two portals on one machine would share it.
        "control_socket_disable": True,
    }
    EmbeddedServer(app, options).run()
