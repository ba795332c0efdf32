"""The desk's basket and return list, kept by the server per staff member and centre, so that a
reload or another page never loses them (issue 17, items 3 to 5).

- desk_basket_line: a unit scanned for a member's check-out, with its own return day; a unit
  is in a staff member's basket at a centre once (moving it to another member's basket
  replaces the line). Emptied by a check-out (in its transaction) or by hand.
- desk_return_line: a loan scanned back in, waiting for its condition; once per staff member
  and centre. Emptied when the return is finished (one receipt, in its transaction).

The baskets are working state, not history: they go with the staff account, member, unit or
loan they name."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "desk: the basket and the return list, kept by the server"

FORWARDS = [
    """CREATE TABLE desk_basket_line (
        id {pk},
        staff INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE CASCADE,
        member INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        unit INTEGER NOT NULL REFERENCES unit (id) ON DELETE CASCADE,
        return_on DATE NOT NULL,
        added_at TIMESTAMPTZ NOT NULL,
        CONSTRAINT desk_basket_line_once UNIQUE (staff, centre, unit)
    )""",
    "CREATE INDEX desk_basket_line_member ON desk_basket_line (staff, centre, member)",
    """CREATE TABLE desk_return_line (
        id {pk},
        staff INTEGER NOT NULL REFERENCES member (id) ON DELETE CASCADE,
        centre INTEGER NOT NULL REFERENCES centre (id) ON DELETE CASCADE,
        booking INTEGER NOT NULL REFERENCES booking (id) ON DELETE CASCADE,
        added_at TIMESTAMPTZ NOT NULL,
        CONSTRAINT desk_return_line_once UNIQUE (staff, centre, booking)
    )""",
]
BACKWARDS = [
    "DROP TABLE desk_return_line",
    "DROP INDEX desk_basket_line_member",
    "DROP TABLE desk_basket_line",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS)
