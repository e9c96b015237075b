"""The ceiling of the stack: a minimal Flask app with one route returning a small
fixed HTML page, served by the same gunicorn settings as the portal.

    gunicorn -w 2 --worker-class sync -b 127.0.0.1:PORT "bench.minimal:create_app()"
"""

from __future__ import annotations

from flask import Flask

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Page minimale</title></head>
<body><main><h1>Page minimale</h1><p>Bonjour, ceci est une page fixe.</p></main></body>
</html>
"""


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index():
        return PAGE

    return app
