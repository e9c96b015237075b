"""The steps of create_app, one function each."""

from __future__ import annotations

import logging

from flask import Flask, has_request_context, session
from flask_babel import format_decimal, get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from change_portal import cli
from change_portal.accounts import sessions as account_sessions
from change_portal.accounts import setup as accounts_setup
from change_portal.core import cache as app_cache
from change_portal.core import (
    dates,
    excerpts,
    fragments,
    i18n,
    idempotency,
    links,
    retention,
    security,
    web,
)
from change_portal.core.params import BoundedIntConverter
from change_portal.core.permissions import ROLE_LABELS, Role, can
from change_portal.core.views import bp as core_bp
from change_portal.extensions import babel, csrf, db, login_manager, migrate
from change_portal.maturity import setup as maturity_setup
from change_portal.officials import setup as officials_setup
from change_portal.organisations import setup as organisations_setup
from change_portal.organisations.models import of_name
from change_portal.projects import setup as projects_setup
from change_portal.roadmap import setup as roadmap_setup
from change_portal.sharing import setup as sharing_setup
from courses import setup as courses_setup
from forums import setup as forums_setup


def _select_locale() -> str:
    if not has_request_context():
        return "fr"  # jobs and CLI: French unless they force a locale
    chosen = session.get("lang")
    if chosen in ("fr", "en"):
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    return user_locale if user_locale in ("fr", "en") else "fr"


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    web.init_app(app)
    retention.init_app(app)  # the daily purge (periodic job)
    babel.init_app(app, locale_selector=_select_locale,
                   timezone_selector=lambda: "Europe/Paris")
    i18n.install(app)  # templates: the catalogue looked up once per request
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        return account_sessions.load_login_session(
            token, idle_minutes=app.config["SESSION_IDLE_MINUTES"],
            max_age=app.permanent_session_lifetime,  # SESSION_MAX_HOURS
        )

    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    security.init_app(app)
    app_cache.init_app(app)  # issue 15: Flask-Caching (Redis, or in-process when embedded)
    logging.getLogger("change_portal").setLevel(app.config.get("LOG_LEVEL", "INFO"))


def register_blueprints(app: Flask) -> None:
    # Before any route is added: every <int:...> is ASCII and bounded (no 500 on 2^63).
    app.url_map.converters["int"] = BoundedIntConverter
    app.register_blueprint(core_bp)
    # Each domain registers its blueprints, panels, hooks, privacy provider and signal
    # receivers in its own init_app, in the order of the layers (projects before the
    # domains whose demo content links to projects).
    for domain in (organisations_setup, accounts_setup, roadmap_setup, projects_setup,
                   officials_setup, maturity_setup, courses_setup, forums_setup, sharing_setup):
        domain.init_app(app)


def register_cli(app: Flask) -> None:
    cli.register(app)


def init_jinja(app: Flask) -> None:
    app.jinja_env.globals.update(can=can, Role=Role, ROLE_LABELS=ROLE_LABELS,
                                 get_locale=get_locale)
    idempotency.init_app(app)
    fragments.init_app(app)  # the main menu rendered once per (language, flags)
    app.jinja_env.filters["date_fr"] = dates.date_filter
    app.jinja_env.filters["datetime_fr"] = dates.datetime_filter
    app.jinja_env.filters["excerpt"] = excerpts.excerpt
    # absolute links (e-mails, printed pages) where people reach the portal: core.links
    app.jinja_env.globals["external_url"] = links.external_for
    # "de la Ville de …" in French, "of …" in other languages
    app.jinja_env.filters["of_name"] = lambda name: (
        of_name(name) if getattr(get_locale(), "language", "fr") == "fr" else f"of {name}")
    app.jinja_env.filters["number"] = lambda n: format_decimal(n) if n is not None else ""
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
