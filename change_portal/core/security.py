"""Security headers on every response, and the error pages (HTML or JSON)."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError

from change_portal.core.web import rolls_back
from change_portal.extensions import db

log = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class TooManyRequests(HTTPException):
    code = 429

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


def retry_message(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    if seconds < 60:
        return _("Trop de tentatives. Réessayez dans %(n)d secondes.", n=seconds)
    return _("Trop de tentatives. Réessayez dans %(n)d minute(s).", n=minutes)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


MESSAGES = {
    400: lambda: (_("Requête incorrecte"), _("La demande n'a pas pu être comprise. "
                  "Revenez à la page précédente et réessayez.")),
    403: lambda: (_("Accès refusé"), _("Votre compte n'a pas accès à cette page. "
                  "Si vous pensez que c'est une erreur, contactez votre administrateur.")),
    404: lambda: (_("Page introuvable"), _("Cette page n'existe pas ou plus. "
                  "Vérifiez l'adresse ou revenez à l'accueil.")),
    405: lambda: (_("Action impossible"), _("Cette action n'est pas possible sur cette page.")),
    413: lambda: (_("Fichier trop volumineux"), _("Ce que vous envoyez est trop volumineux. "
                  "Réduisez sa taille et réessayez.")),
    429: lambda: (_("Trop de tentatives"), _("Patientez un peu avant de réessayer.")),
    500: lambda: (_("Erreur du portail"), _("Un problème est survenu de notre côté. "
                  "Réessayez dans quelques instants ; s'il persiste, prévenez votre "
                  "administrateur.")),
    503: lambda: (_("Service momentanément indisponible"), _("Le portail ne peut pas répondre "
                  "pour l'instant. Réessayez dans quelques instants.")),
}


def _error_response(code: int, detail: str | None = None, retry_after: int | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])()
    if detail:
        message = detail
    if _wants_json():
        resp = jsonify(error={"code": code, "title": title, "message": message})
        resp.status_code = code
    else:
        resp = make_response(
            render_template("errors/error.html", code=code, title=title, message=message), code
        )
    if retry_after:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


def _safe_teardown(exc: BaseException | None) -> None:
    """Flask-SQLAlchemy's session.remove(), guarded. Its ROLLBACK runs after the
    error handlers: on a connection that died in between it raises, and the error
    would escape as the server's own English 500. The request's work is committed
    or not by then, so the answer stands: drop the session without touching its
    connection (the pool replaces it)."""
    try:
        db.session.remove()
    except SQLAlchemyError as err:
        log.warning("session teardown on a lost connection: %s", type(err).__name__)
        try:
            db.session.registry().invalidate()
        except Exception:  # already unusable: forgetting it below is enough
            log.debug("invalidate failed")
        db.session.registry.clear()


UNAVAILABLE_PAGE = (
    "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Service momentanément "
    "indisponible</title><h1>Service momentanément indisponible</h1><p>Le portail ne peut "
    "pas répondre pour l'instant. Réessayez dans quelques instants.</p></html>"
).encode()


class DatabaseErrorGuard:
    """WSGI middleware: a database error escaping Flask (after its error handlers,
    e.g. from a teardown) becomes the French 503, never the server's 500."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        # Flask calls start_response before its teardown runs: hold the call back
        # until the app has returned, so that the 503 can still replace it.
        held = []

        def hold(status, headers, exc_info=None):
            held[:] = [status, headers, exc_info]
            return _no_write

        try:
            body = self.wsgi_app(environ, hold)
        except DBAPIError as err:
            log.error("database error escaped the request: %s", type(err).__name__)
            start_response("503 Service Unavailable", [
                ("Content-Type", "text/html; charset=utf-8"), ("Retry-After", "5"),
                ("Cache-Control", "no-store")])
            return [UNAVAILABLE_PAGE]
        start_response(*held)
        return body


def _no_write(data: bytes) -> None:
    raise RuntimeError("the portal's WSGI app never uses write()")


def init_app(app: Flask) -> None:
    funcs = app.teardown_appcontext_funcs
    for i, func in enumerate(funcs):
        if getattr(func, "__func__", None) is type(db)._teardown_session:
            funcs[i] = _safe_teardown
    app.wsgi_app = DatabaseErrorGuard(app.wsgi_app)

    @app.after_request
    def _headers(resp):
        h = resp.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint and request.endpoint != "static" and "Cache-Control" not in h:
            # Pages carry personal data: never kept by shared caches.
            h["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(CSRFError)
    @rolls_back
    def _csrf(err):
        return _error_response(
            400,
            _("Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."),
        )

    @app.errorhandler(TooManyRequests)
    @rolls_back
    def _too_many(err):
        return _error_response(429, err.description or retry_message(err.retry_after),
                               err.retry_after)

    @app.errorhandler(HTTPException)
    @rolls_back
    def _http(err):
        if isinstance(err, SecurityError):
            # a Host outside TRUSTED_HOSTS: no URL can be built for it, so no page
            # template; a plain answer
            return Response("Hôte non reconnu par le portail.\n", 400,
                            {"Content-Type": "text/plain; charset=utf-8"})
        code = err.code or 500
        return _error_response(code)

    @app.errorhandler(OperationalError)
    @rolls_back
    def _db_down(err):
        log.error("database unavailable: %s", type(err).__name__)
        # Render the page as anonymous: loading the user would need the database.
        g._login_user = app.login_manager.anonymous_user()
        return _error_response(503, retry_after=5)

    @app.errorhandler(Exception)
    @rolls_back
    def _unexpected(err):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error_response(500)
