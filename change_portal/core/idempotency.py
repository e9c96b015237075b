"""Idempotency tokens of the main forms: a form re-submitted with the same token
(the person pressed the button again after a lost answer, a 503 whose COMMIT had
in fact gone through) does not create the same thing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from change_portal.core.models import UTCDateTime, utcnow
from change_portal.extensions import db


class FormSubmission(db.Model):
    """One submission accepted, by its token, with where its answer sent the person."""

    __tablename__ = "form_submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    redirect_to: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False,
                                                 index=True)
