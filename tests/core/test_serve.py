"""`flask serve` (what `make run` starts) serves with gunicorn's threaded workers,
not Werkzeug's development server, unless asked with --dev."""

from __future__ import annotations

from change_portal import cli, server


def test_serve_runs_gunicorn_gthread(app, runner, monkeypatch):
    seen = {}

    def fake_run(self):
        seen.update(self.options, app=self.load(), worker=self.cfg.worker_class_str,
                    threads=self.cfg.threads, workers=self.cfg.workers)

    monkeypatch.setattr(server.EmbeddedServer, "run", fake_run)
    monkeypatch.setattr(cli, "run_simple", lambda *a, **k: seen.update(werkzeug=True))
    result = runner.invoke(args=["serve", "--port", "5999", "--threads", "6"])
    assert result.exit_code == 0, result.output
    assert seen["worker"] == "gthread" and seen["threads"] == 6 and seen["workers"] == 2
    assert seen["bind"] == "127.0.0.1:5999"
    assert seen["app"] is app
    assert "werkzeug" not in seen


def test_serve_dev_keeps_werkzeug(runner, monkeypatch):
    seen = {}
    monkeypatch.setattr(server.EmbeddedServer, "run", lambda self: seen.update(gunicorn=True))
    monkeypatch.setattr(cli, "run_simple", lambda *a, **k: seen.update(werkzeug=k))
    assert runner.invoke(args=["serve", "--dev"]).exit_code == 0
    assert seen == {"werkzeug": {"threaded": True, "use_reloader": False, "use_debugger": False}}
