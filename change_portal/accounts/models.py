"""Users, their roles, their login sessions and their invitations."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.core.models import TimestampMixin, UTCDateTime
from change_portal.core.permissions import ROLE_LABELS, Role
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service


class User(UserMixin, TimestampMixin, db.Model):
    """A person. Members of a collectivité have organisation_id; platform
    operators have none."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    full_name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL"), index=True, nullable=True
    )
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    organisation: Mapped[Organisation | None] = relationship()
    service: Mapped[Service | None] = relationship()
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )  # loaded with the session for the current user; lists eager-load it when they show it

    # Set by the session loader: the server-side session this request runs under.
    login_session = None  # type: LoginSession | None

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles} if self.active else set()

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def role_labels(self) -> list[str]:
        return [str(ROLE_LABELS[r]) for r in Role if r.value in {x.role for x in self.roles}]

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return self.active and self.erased_at is None

    @property
    def display_name(self) -> str:
        return self.full_name if self.erased_at is None else "un ancien agent"

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        # Flask-Login stores this in the cookie: the opaque server-side session
        # token, never the user id, so that logout and password changes can revoke it.
        if self.login_session is None or self.login_session.plain_token is None:
            raise RuntimeError("get_id() outside a freshly opened login session")
        return self.login_session.plain_token

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)

    user: Mapped[User] = relationship(back_populates="roles")


class LoginSession(db.Model):
    """Server-side half of a login: the cookie carries a random token whose hash
    is stored here. Deleting the row (logout, password change, deactivation)
    ends the session even if someone copied the cookie."""

    __tablename__ = "login_session"
    __table_args__ = (Index("ix_login_session_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(200), nullable=True)

    user: Mapped[User] = relationship()

    plain_token = None  # str | None: only known in the request that created it


class Invitation(TimestampMixin, db.Model):
    """An invitation to set a password. The link is a signed token derived from
    (id, nonce); only the nonce is stored, so the table alone cannot forge it."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )
    nonce: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
