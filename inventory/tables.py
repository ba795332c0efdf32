"""What we lend, kept at the centres (rental.tables). The migrations in piccolo_migrations/
create these tables with their constraints; tests/test_schema.py checks that these classes and
the migrated schema agree."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from rental.tables import Centre  # the organisation's places: units are kept at one

UNIT_STATUSES = ("available", "maintenance", "retired", "lost")
IN_CIRCULATION = ("available", "maintenance")  # lendable now, or again after a repair
UNIT_CONDITIONS = ("new", "good", "fair", "poor")
INSPECTION_RESULTS = ("pass", "fail")
TICKET_OUTCOMES = ("repaired", "beyond_repair")
EVENT_KINDS = ("created", "status", "transfer", "ticket_opened", "ticket_resolved", "inspection")


class Category(Table):
    """A repair domain: electrical, plumbing, sewage, appliances, building, garden."""

    slug = Varchar(length=40, unique=True)
    name_ka = Varchar(length=100)
    name_en = Varchar(length=100)
    name_ru = Varchar(length=100)
    position = Integer(default=0)


class Skill(Table):
    slug = Varchar(length=40, unique=True)
    name_ka = Varchar(length=150)
    name_en = Varchar(length=150)
    name_ru = Varchar(length=150)
    validity_days = Integer(null=True, default=None)  # empty: a certificate never expires


class ToolType(Table):
    slug = Varchar(length=80, unique=True)
    category = ForeignKey(Category, on_delete=OnDelete.restrict, null=False)
    name_ka = Varchar(length=200)
    name_en = Varchar(length=200)
    name_ru = Varchar(length=200)
    description_ka = Text()
    description_en = Text()
    description_ru = Text()
    safety_notes_ka = Text()
    safety_notes_en = Text()
    safety_notes_ru = Text()
    daily_fee = Integer()  # tetri
    deposit = Integer()  # tetri
    max_loan_days = Integer(default=7)
    required_skill = ForeignKey(Skill, on_delete=OnDelete.restrict, null=True)
    inspection_interval_days = Integer(null=True, default=None)
    # what a household saves by borrowing it once instead of renting or buying (donor reports)
    saving_per_loan = Integer(null=True, default=None)  # tetri
    photo = Varchar(length=255)
    manual_url = Varchar(length=500)
    # lower-cased names in every language and script, for one indexed search column
    search_text = Text()
    active = Boolean(default=True)
    created_at = Timestamptz()


class Unit(Table):
    tool_type = ForeignKey(ToolType, on_delete=OnDelete.restrict, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    asset_tag = Varchar(length=20, unique=True)
    serial_number = Varchar(length=100)
    condition = Varchar(length=8, default="good")
    status = Varchar(length=12, default="available")
    acquired_on = Date(null=True, default=None)
    cost = Integer(null=True, default=None)  # tetri
    donor = Varchar(length=200)
    last_inspected_on = Date(null=True, default=None)
    created_at = Timestamptz()
    status_reason = Varchar(length=300)  # why it was retired or lost
    last_inspection_result = Varchar(length=4, null=True, default=None)  # pass | fail


class UnitEvent(Table):
    """A unit's history: created, status changes, transfers, tickets, inspections."""

    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False)
    at = Timestamptz()
    actor = Integer(null=True, default=None)  # a member id (members live above inventory)
    kind = Varchar(length=20)
    from_value = Varchar(length=40)
    to_value = Varchar(length=40)
    note = Text()


class MaintenanceTicket(Table):
    """A repair job; while it is open the unit is out of circulation (one open ticket a unit)."""

    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False)
    opened_at = Timestamptz()
    opened_by = Integer(null=True, default=None)  # member id
    description = Text()
    photo = Varchar(length=255)
    work_notes = Text()
    parts_cost = Integer(default=0)  # tetri
    outcome = Varchar(length=14, null=True, default=None)  # repaired | beyond_repair
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = Integer(null=True, default=None)  # member id


class Inspection(Table):
    """An electrical safety inspection of a unit."""

    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False)
    inspected_on = Date()
    inspector = Varchar(length=200)
    result = Varchar(length=4)
    notes = Text()
    recorded_by = Integer(null=True, default=None)  # member id
    recorded_at = Timestamptz()


class ToolTypePart(Table):
    """What goes out with every unit of a tool type (a charger, two batteries, a case), what
    one costs to replace, in the order the desk reads them."""

    tool_type = ForeignKey(ToolType, on_delete=OnDelete.cascade, null=False)
    name_ka = Varchar(length=100)
    name_en = Varchar(length=100)
    name_ru = Varchar(length=100)
    quantity = Integer(default=1)  # pieces in the kit
    replacement_cost = Integer(default=0)  # tetri, one piece
    position = Integer(default=0)


class UnitPart(Table):
    """A unit's own count of one of its type's parts, where it differs (0: it lacks it)."""

    unit = ForeignKey(Unit, on_delete=OnDelete.cascade, null=False)
    part = ForeignKey(ToolTypePart, on_delete=OnDelete.cascade, null=False)
    quantity = Integer()


TRANSFER_STATUSES = ("requested", "dispatched", "received", "declined", "cancelled")


class TransferRequest(Table):
    """A centre (the receiver) asks another (the sender) for units of a tool type; the states
    and who may move them: inventory.transfer_rules."""

    tool_type = ForeignKey(ToolType, on_delete=OnDelete.restrict, null=False)
    sender = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    receiver = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    quantity = Integer()
    needed_by = Date(null=True, default=None)
    reason = Varchar(length=300)
    status = Varchar(length=10, default="requested")
    requested_by = Integer(null=True, default=None)  # member ids, as UnitEvent.actor
    requested_at = Timestamptz()
    dispatched_by = Integer(null=True, default=None)
    dispatched_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
    closed_by = Integer(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    close_reason = Varchar(length=300)  # why it was declined or cancelled


class TransferItem(Table):
    """A unit dispatched against a request: in transit until received (once a unit at a time:
    a partial unique index)."""

    # not "request": Piccolo Admin's FastAPI endpoints take a parameter of that name
    transfer = ForeignKey(TransferRequest, on_delete=OnDelete.restrict, null=False)
    unit = ForeignKey(Unit, on_delete=OnDelete.restrict, null=False)
    dispatched_by = Integer(null=True, default=None)
    dispatched_at = Timestamptz()
    received_by = Integer(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
