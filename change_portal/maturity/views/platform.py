"""The platform operator's pages: editions (open, participation, close) and the
observatory of a closed edition (aggregates only, publication)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from change_portal.core import clock
from change_portal.core.errors import DomainError
from change_portal.core.permissions import Role, role_required
from change_portal.core.transactions import enqueue_after_commit
from change_portal.extensions import db
from change_portal.maturity import jobs, queries, services
from change_portal.maturity.forms import ConfirmForm, EditionForm, PublishForm
from change_portal.maturity.models import Edition, Referential
from change_portal.maturity.views import platform_bp

operator_only = role_required(Role.OPERATOR)


def _edition_form(formdata=True) -> EditionForm:
    form = EditionForm() if formdata else EditionForm(formdata=None)
    form.referential_id.choices = [
        (r.id, f"{r.name} – {r.label} (v{r.version})") for r in queries.referentials()]
    return form


@platform_bp.route("/", methods=["GET", "POST"])
@operator_only
def editions():
    form = _edition_form()
    if form.validate_on_submit():
        ref = db.session.get(Referential, form.referential_id.data)
        try:
            edition = services.open_edition(
                current_user, slug=form.slug.data, title=form.title.data, referential=ref,
                opens_on=form.opens_on.data, closes_on=form.closes_on.data)
        except DomainError as err:
            target = getattr(form, err.field or "title", form.title)
            target.errors = [*target.errors, err.message]
        else:
            db.session.commit()
            flash(_("L'édition « %(t)s » est ouverte.", t=edition.title), "success")
            return redirect(url_for("maturity_platform.edition", edition_id=edition.id))
    elif not form.is_submitted():
        today = clock.today()
        form.opens_on.data, form.closes_on.data = today, today + timedelta(days=90)
    return render_template("maturity/platform_editions.html", form=form,
                           editions=queries.editions())


def _edition(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    return edition


@platform_bp.get("/editions/<int:edition_id>")
@operator_only
def edition(edition_id: int):
    ed = _edition(edition_id)
    rows = queries.participation(ed.id)
    return render_template(
        "maturity/platform_edition.html", edition=ed, rows=rows, form=ConfirmForm(),
        publish_form=PublishForm(formdata=None, published=ed.published_at is not None),
        started=sum(1 for _o, s in rows if s is not None),
        submitted=sum(1 for _o, s in rows if s == "submitted"))


@platform_bp.post("/editions/<int:edition_id>/cloture")
@operator_only
def close(edition_id: int):
    ed = _edition(edition_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.close_edition(current_user, ed)
        except DomainError as err:
            flash(err.message, "error")
        else:
            enqueue_after_commit(jobs.refresh_distributions, ed.id)  # the final figures
            db.session.commit()
            flash(_("L'édition est close."), "success")
    return redirect(url_for("maturity_platform.edition", edition_id=ed.id))


@platform_bp.post("/editions/<int:edition_id>/publication")
@operator_only
def publish(edition_id: int):
    ed = _edition(edition_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            services.publish_observatory(current_user, ed, form.published.data)
        except DomainError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("L'observatoire est publié.") if form.published.data
                  else _("L'observatoire n'est plus publié."), "success")
    return redirect(url_for("maturity_platform.edition", edition_id=ed.id))


@platform_bp.get("/editions/<int:edition_id>/observatoire")
@operator_only
def observatory(edition_id: int):
    from change_portal.maturity.views.public import observatory_body

    ed = _edition(edition_id)
    return render_template("maturity/observatory.html", edition=ed,
                           body=observatory_body(ed, public=False))
