"""Who and money. Created by the migrations in piccolo_migrations/ (hand-written SQL)."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from inventory.tables import Centre

ROLES = ("member", "staff", "coordinator", "admin")
ACCOUNT_STATUSES = ("pending", "active", "suspended", "erased")


class Member(Table):
    """Every account: community members and the people who work at the centres (by role)."""

    name = Varchar(length=200)
    phone = Varchar(length=16, unique=True)  # E.164, the login for most people
    email = Varchar(length=254, null=True, default=None)
    password_hash = Varchar(length=255)  # argon2; empty means no password set yet
    role = Varchar(length=12, default="member")
    status = Varchar(length=10, default="pending")
    language = Varchar(length=5, default="ka")
    home_centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class StaffCentre(Table):
    """Desk staff act for these centres only; coordinators and admins act for all."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False)


class UserSession(Table):
    """A login. The cookie holds a random token; only its SHA-256 is stored."""

    token_hash = Varchar(length=64, unique=True)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    ip = Varchar(length=64)
    user_agent = Varchar(length=300)


class LoginFailure(Table):
    """Failed logins, per login name and per address, for rate limiting across workers."""

    login = Varchar(length=254)
    ip = Varchar(length=64)
    at = Timestamptz()


class AuditLog(Table):
    """Append-only: who did what, when, to which record, with the values before and after."""

    at = Timestamptz()
    actor = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=64)
    entity = Varchar(length=32)
    entity_id = Integer(null=True, default=None)
    centre = ForeignKey(Centre, on_delete=OnDelete.set_null, null=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
