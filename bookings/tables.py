"""Who has what when. Created by the migrations in piccolo_migrations/ (hand-written SQL)."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from inventory.tables import Centre, ToolType, Unit
from rental.tables import Member

BOOKING_STATUSES = ("reserved", "out", "returned", "cancelled", "no_show")
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


class BookingPolicy(Table):
    """Per centre; a centre without a row uses the defaults below."""

    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False, unique=True)
    horizon_days = Integer(default=60)  # how far ahead a pick-up may be booked
    no_show_grace_hours = Integer(default=2)  # after closing time on the pick-up day
    offer_hold_hours = Integer(default=24)  # how long a waitlist offer is held


DEFAULT_POLICY = {"horizon_days": 60, "no_show_grace_hours": 2, "offer_hold_hours": 24}


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
