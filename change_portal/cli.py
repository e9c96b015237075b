"""Command-line interface: `flask --app change_portal <command>`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import select
from werkzeug.serving import run_simple

from change_portal import server
from change_portal.accounts import demo
from change_portal.accounts import services as accounts
from change_portal.core.connections import get_redis
from change_portal.core.errors import DomainError
from change_portal.core.jobs import start_ticker, tick
from change_portal.core.permissions import Role
from change_portal.core.progress import Progress
from change_portal.core.worker import run_worker
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_command)
    app.cli.add_command(worker)
    app.cli.add_command(serve)
    app.cli.add_command(tick_command)
    from change_portal.rerender import markdown_cli  # issue 11.1: stored HTML, new engine

    app.cli.add_command(markdown_cli)


@click.group()
def users():
    """Manage accounts (bootstrap of operators and admins)."""


@users.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="repeatable")
@click.option("--organisation", "slug", help="slug of the collectivité (not for operators)")
@click.option("--name", "full_name", default=None, help="full name (default: the email)")
@click.option("--service", "service_name", default=None)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def create_user(email, roles, slug, full_name, service_name, password_stdin):
    """Create a user; the password is prompted (never passed as an argument)."""
    org = None
    if slug:
        org = db.session.execute(
            select(Organisation).where(Organisation.slug == slug)
        ).scalar_one_or_none()
        if org is None:
            raise click.ClickException(f"no collectivité with slug {slug!r}")
    service = None
    if service_name and org is not None:
        service = db.session.execute(
            select(Service).where(Service.organisation_id == org.id, Service.name == service_name)
        ).scalar_one_or_none()
        if service is None:
            raise click.ClickException(f"no service {service_name!r} in {slug}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(email=email, full_name=full_name or email, roles=list(roles),
                                    organisation=org, password=password, service=service)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    db.session.commit()
    click.echo(f"created user {user.id} <{user.email}> roles={','.join(sorted(roles))}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="do nothing when any collectivité exists")
def demo_command(if_empty):
    """Load the demo collectivité (slug `demo`) and its demo accounts."""
    if if_empty and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        click.echo("Database already holds data: demo not loaded again.")
        demo.print_accounts(click.echo)
        return
    if demo.exists():
        click.echo("The demo collectivité already exists.")
        demo.print_accounts(click.echo)
        return
    progress = Progress("Demo")
    demo.load(on_progress=progress.update)
    db.session.commit()
    progress.finish("Demo collectivité loaded.")
    demo.print_accounts(click.echo)


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@click.option("--fork", is_flag=True,
              help="run each job in a forked child (isolation, ~0.2 s more per job)")
@click.option("--no-ticker", is_flag=True, help="do not schedule periodic jobs from here")
def worker(burst, fork, no_ticker):
    """Start an rq worker for the portal's queue (needs REDIS_URL)."""
    redis = get_redis()
    if redis is None:
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed.")
    app = current_app._get_current_object()
    stop = None if (burst or no_ticker) else start_ticker(app)
    try:
        run_worker(app.config["RQ_QUEUE"], redis, fork=fork, burst=burst)
    finally:
        if stop is not None:
            stop.set()


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=2, type=int, envvar="WEB_WORKERS", show_default=True,
              help="gunicorn processes")
@click.option("--threads", default=4, type=int, envvar="WEB_THREADS", show_default=True,
              help="requests served at once by each process")
@click.option("--dev", is_flag=True, help="Werkzeug's development server instead of gunicorn")
def serve(host, port, workers, threads, dev):
    """Embedded server for one machine (gunicorn, threaded; no Redis): runs periodic jobs too."""
    app = current_app._get_current_object()
    click.echo(f" * Portail : http://{host}:{port}  (Ctrl+C pour arrêter)")
    if not dev:
        server.serve(app, host=host, port=port, workers=workers, threads=threads)
        return
    stop = start_ticker(app)
    try:
        # run_simple, not app.run(): Flask ignores app.run() inside a CLI command.
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        stop.set()


@click.command("tick")
def tick_command():
    """Enqueue the periodic jobs that are due (for cron, if no worker ticks)."""
    for name in tick():
        click.echo(f"queued {name}")
