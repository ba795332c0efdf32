"""Indexes for the paths the benchmark measures at a national network's size (bench/README.md):

- which units are free between two days reads only the open bookings around those days,
  not every booking that started before them;
- a receipt's loans (every check-out and check-in answers with them) come from the receipt,
  not from a scan of all bookings;
- the desk's day (loans due back, overdue) reads open bookings by their end day."""

from rental.kernel.db import sql_migration

ID = "2026-11-23T11:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking: indexes for availability, receipts and the desk's day"

FORWARDS = [
    "CREATE INDEX booking_status_period ON booking (status, starts_on, ends_on, unit)",
    "CREATE INDEX booking_status_ends ON booking (status, ends_on)",
    "CREATE INDEX booking_out_receipt ON booking (out_receipt)",
    "CREATE INDEX booking_in_receipt ON booking (in_receipt)",
]
BACKWARDS = [
    "DROP INDEX booking_in_receipt",
    "DROP INDEX booking_out_receipt",
    "DROP INDEX booking_status_ends",
    "DROP INDEX booking_status_period",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
