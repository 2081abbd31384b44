"""Offices, users and API tokens: the accounts every feature shares."""

import datetime as dt
import hashlib
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from onestop import clock
from onestop.dbtypes import UTCDateTime
from onestop.extensions import db

LEVELS = ("province", "district", "commune")
ROLES = ("officer", "supervisor", "admin")


class Office(db.Model):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40), default="")
    # Targets of the 2022 plan: late dossiers under 0.90 % (city) / 0.50 % (wards).
    late_rate_target: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.0090"))
    wait_target_min: Mapped[int] = mapped_column(default=20)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )

    parent: Mapped["Office | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Office"]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Written into each session cookie at login; raising it (logout, a new password) ends
    # every session of the user at once, cookies copied elsewhere included.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )

    office: Mapped[Office] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A token for an integration; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        # A random 256-bit token needs no slow hash: SHA-256 cannot be brute-forced.
        return hashlib.sha256(token.encode()).hexdigest()


class StaleReportDays(db.Model):
    """Local days of an office whose precomputed report totals may no longer match the facts.

    Any package that changes facts of a past day (a back-dated dossier, a status set at a
    past time, a late rating, an office's wait target) adds a row in the same transaction,
    through ``onestop.stale.mark_days``; the reports read those days live from the tables
    until ``flask reports rebuild`` rebuilds them and removes the row. Owned here, at the
    bottom of the layering, so that every package can write it without importing reports.
    """

    __tablename__ = "stale_report_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    first_day: Mapped[dt.date | None] = mapped_column(Date)  # None: since the first day
    last_day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


def office_subtree_ids(office_id: int) -> set[int]:
    """The ids of an office and of every office below it."""
    found = {office_id}
    frontier = {office_id}
    while frontier:
        frontier = set(db.session.scalars(select(Office.id).where(Office.parent_id.in_(frontier))))
        frontier -= found
        found |= frontier
    return found


def visible_office_ids(user: User) -> set[int]:
    """Offices a user may see: an admin all, a supervisor its subtree, an officer its own."""
    if user.role == "admin":
        return set(db.session.scalars(select(Office.id)))
    if user.role == "supervisor":
        return office_subtree_ids(user.office_id)
    return {user.office_id}


def can_act_in(user: User, office_id: int) -> bool:
    """Whether a user may act in an office (officers only in their own)."""
    return office_id in visible_office_ids(user)
