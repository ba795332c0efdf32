"""The reports' indexes (issue 21), made to serve their queries from the index alone:

- booking_loans_not_back holds only the loans not back yet (a few hundred at national scale,
  where it held every reservation, cancellation and no-show too, 220,000), by their first day;
  its condition names the statuses a loan is not, so that a query states it the same way and
  SQLite cannot read a status's range of booking_status_period instead (it did: 350 ms a report
  part, for 300 rows).
- booking_tool_type_starts also carries the status, member and centre, so that the borrowers of
  the tool types a report shows are counted from the index alone (SQLite 460 -> 30 ms).
- booking_unit_lent: each unit's loans by their first day, so that "units never lent" probes
  one index entry a unit instead of reading its bookings' rows for their status (SQLite 140 ->
  70 ms over 20,000 units).
- report_borrower_last_day: the members whose last loan in a scope was on or after a day, so
  that the donor report's members served over years read one row a member, not every loan."""

from rental.kernel.db import sql_migration

ID = "2026-12-06T01:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking: the reports' indexes of loans not back, units lent, borrowers"

FORWARDS = [
    "DROP INDEX booking_loans_not_back",
    # status is NOT NULL and one of six (its CHECK): NOT IN these three is a loan
    "CREATE INDEX booking_loans_not_back ON booking (starts_on) "
    "WHERE ended_on IS NULL AND status NOT IN ('reserved', 'cancelled', 'no_show')",
    "DROP INDEX booking_tool_type_starts",
    "CREATE INDEX booking_tool_type_starts ON booking (tool_type, starts_on, status, member, "
    "centre)",
    "CREATE INDEX booking_unit_lent ON booking (unit, starts_on) "
    "WHERE status NOT IN ('reserved', 'cancelled', 'no_show')",
    "CREATE INDEX report_borrower_last_day ON report_borrower_last "
    "(scope, level, item, last_day, member)",
]
BACKWARDS = [
    "DROP INDEX report_borrower_last_day",
    "DROP INDEX booking_unit_lent",
    "DROP INDEX booking_tool_type_starts",
    "CREATE INDEX booking_tool_type_starts ON booking (tool_type, starts_on)",
    "DROP INDEX booking_loans_not_back",
    "CREATE INDEX booking_loans_not_back ON booking (status, starts_on) WHERE ended_on IS NULL",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
