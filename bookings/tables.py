"""Who has what when. Created by the migrations in piccolo_migrations/ (hand-written SQL)."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from inventory.tables import Centre, MaintenanceTicket, ToolType, Unit
from rental.tables import Member, Receipt

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
