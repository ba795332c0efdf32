"""Who has what when. Created by the migrations in piccolo_migrations/ (hand-written SQL)."""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from inventory.tables import MaintenanceTicket, Skill, ToolType, TransferRequest, Unit
from rental.tables import Centre, Member, Receipt

BOOKING_STATUSES = ("reserved", "out", "returned", "cancelled", "no_show", "lost")
RETURN_CONDITIONS = ("fine", "needs_cleaning", "damaged", "missing_parts")
NEEDS_REPAIR = ("damaged", "missing_parts")  # these open a maintenance ticket
ACTIVE_STATUSES = ("reserved", "out")  # these hold the unit for their dates


class Booking(Table):
    """A unit held for a member from `starts_on` to `ends_on` (calendar dates, both included).

    A walk-in loan is a booking created and checked out at once."""

    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    tool_type = ForeignKey(ToolType, on_delete=OnDelete.restrict, null=False)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    starts_on = Date()
    ends_on = Date()
    status = Varchar(length=10, default="reserved")
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)
    checked_out_at = Timestamptz(null=True, default=None)
    returned_at = Timestamptz(null=True, default=None)
    renewals = Integer(default=0)
    out_receipt = ForeignKey(Receipt, on_delete=OnDelete.restrict, null=True)
    in_receipt = ForeignKey(Receipt, on_delete=OnDelete.restrict, null=True)
    return_condition = Varchar(length=16, null=True, default=None)
    return_notes = Text()
    return_ticket = ForeignKey(MaintenanceTicket, on_delete=OnDelete.set_null, null=True)
    lost_at = Timestamptz(null=True, default=None)
    ended_on = Date(null=True, default=None)  # the centre's day it came back or was lost
    # picked up at another centre than the unit's: the request that brings the unit here
    transfer = ForeignKey(TransferRequest, on_delete=OnDelete.restrict, null=True)


class BookingPolicy(Table):
    """Per centre; a centre without a row uses the defaults below."""

    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False, unique=True)
    horizon_days = Integer(default=60)  # how far ahead a pick-up may be booked
    no_show_grace_hours = Integer(default=2)  # after closing time on the pick-up day
    offer_hold_hours = Integer(default=24)  # how long a waitlist offer is held
    max_renewals = Integer(default=2)  # times a loan may be extended


DEFAULT_POLICY = {"horizon_days": 60, "no_show_grace_hours": 2, "offer_hold_hours": 24,
                  "max_renewals": 2}


class WaitlistEntry(Table):
    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    tool_type = ForeignKey(ToolType, on_delete=OnDelete.restrict, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    starts_on = Date()
    ends_on = Date()
    status = Varchar(length=10, default="waiting")  # waiting, offered, booked, expired, cancelled
    created_at = Timestamptz()
    offered_at = Timestamptz(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)


class DeskBasketLine(Table):
    """A unit scanned at a centre's desk for a member's check-out, kept until it is checked out
    or taken out: a reload or another page never loses it. `return_on`: the line's own return
    day (a pick-up returns on its reservation's). A unit is once in a staff member's basket."""

    staff = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    unit = ForeignKey(Unit, on_delete=OnDelete.cascade, null=False)
    return_on = Date()
    added_at = Timestamptz()


class DeskReturnLine(Table):
    """A loan scanned back in at a centre's desk, waiting for the return to be finished (one
    receipt for the whole list)."""

    staff = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False)
    booking = ForeignKey(Booking, on_delete=OnDelete.cascade, null=False)
    added_at = Timestamptz()


AUDIENCES = ("everyone", "youth", "returning_migrants")
SESSION_LANGUAGES = ("ka", "en", "ru")


class SkillSession(Table):
    """A skills session at a centre; `enrolled` counts the places taken (never above capacity)."""

    centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    skill = ForeignKey(Skill, on_delete=OnDelete.restrict, null=True)
    title_ka = Varchar(length=200)
    title_en = Varchar(length=200)
    title_ru = Varchar(length=200)
    description_ka = Text()
    description_en = Text()
    description_ru = Text()
    room = Varchar(length=100)
    instructor = Varchar(length=200)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    capacity = Integer()
    enrolled = Integer(default=0)
    audience = Varchar(length=20, default="everyone")
    language = Varchar(length=5, default="ka")
    series = Integer(null=True, default=None)  # the first session's id, for a weekly series
    status = Varchar(length=10, default="scheduled")
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)


class Enrolment(Table):
    session = ForeignKey(SkillSession, on_delete=OnDelete.restrict, null=False)
    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    status = Varchar(length=10)  # enrolled, waitlisted, cancelled
    attended = Boolean(default=False)
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)


class Certificate(Table):
    """A member may use tools that need this skill until `expires_on` (empty: no expiry)."""

    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    skill = ForeignKey(Skill, on_delete=OnDelete.restrict, null=False)
    issued_on = Date()
    expires_on = Date(null=True, default=None)
    session = ForeignKey(SkillSession, on_delete=OnDelete.restrict, null=True)
    code = Varchar(length=32, unique=True)  # for the public verification page
    reason = Varchar(length=500)  # why it was granted by hand
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)
    revoke_reason = Varchar(length=500)
