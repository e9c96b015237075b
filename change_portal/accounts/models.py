"""Accounts, memberships (users), their roles, login sessions and invitations.

An `Account` is a person's credentials: one email, one password. A `User` row is
one membership of that account in one collectivité (or the platform, for
operators), with its own roles, service and status: a person who works for a
commune and its intercommunalité has one account and two User rows. The login
session points at the membership the person is acting in, so
`current_user.organisation_id`, `current_user.roles` and every tenancy check
resolve through the current membership.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from change_portal.core.labels import label
from change_portal.core.models import TimestampMixin, UTCDateTime
from change_portal.core.permissions import ROLE_LABELS, Role
from change_portal.extensions import db
from change_portal.organisations.models import Organisation, Service


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"  # works in the collectivité
    INVITED = "invited"  # invited, not accepted yet: cannot act in it
    LEFT = "left"  # removed from the collectivité (erased there); the account may live on


class Account(TimestampMixin, db.Model):
    """The credentials of a person, shared by all their memberships."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def __repr__(self) -> str:
        return f"<Account {self.id}>"


class User(UserMixin, TimestampMixin, db.Model):
    """One membership of an account: in a collectivité (organisation_id) or, for
    platform operators, in none. `email` repeats the account's address so that
    queries on members keep working; the password lives on the account."""

    __tablename__ = "user"
    # The active agents of a service, counted from the index alone (project readiness:
    # agents per service of the listed projects; migration 0026_dashboard).
    __table_args__ = (
        Index("ix_user_service_active", "service_id", "organisation_id",
              postgresql_where=text("active IS TRUE AND erased_at IS NULL"),
              sqlite_where=text("active = 1 AND erased_at IS NULL")),
    )
    # Written at every login and every notification, shown by no cached page: a change
    # of these alone keeps what core.cache holds (pages that show people's names, the
    # readiness counting active agents) instead of emptying it all day.
    cache_ignored_columns = frozenset({"last_login_at", "unread_notifications", "updated_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True, nullable=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(254), index=True, nullable=True)
    full_name: Mapped[str] = mapped_column(String(120), nullable=False)
    status: Mapped[str] = mapped_column(
        String(10), nullable=False, default=MembershipStatus.ACTIVE.value
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("service.id", ondelete="SET NULL"), index=True, nullable=True
    )
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The header's unread-notification count, kept by forums.notify where notifications
    # are created, read and purged: loaded with the session, so no COUNT on every page.
    unread_notifications: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                      server_default="0")

    account: Mapped[Account | None] = relationship()
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
        return [label(ROLE_LABELS, r) for r in Role if r.value in {x.role for x in self.roles}]

    @property
    def is_active(self) -> bool:
        # Flask-Login: deactivated, left and not yet accepted memberships cannot
        # act (nor receive the collectivité's notifications).
        return (self.active and self.erased_at is None
                and self.status == MembershipStatus.ACTIVE)

    @property
    def display_name(self) -> str:
        return self.full_name if self.erased_at is None else "un ancien agent"

    @property
    def password_hash(self) -> str | None:
        return self.account.password_hash if self.account is not None else None

    @password_hash.setter
    def password_hash(self, value: str | None) -> None:
        if self.account is None:
            self.account = Account(email=self.email)
        self.account.password_hash = value

    @property
    def has_password(self) -> bool:
        """False while the membership waits for its invitation to be accepted
        (the admin pages show "Invitation en attente")."""
        return self.status != MembershipStatus.INVITED

    @property
    def is_current_membership(self) -> bool:
        return self.is_active

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
