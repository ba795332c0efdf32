"""A booking picked up at another centre than the one its unit is at (issue 23): the booking
rides a transfer request (booking.transfer) that brings its unit to the booking's centre.

The rule of 2026-12-05T08:00 (a reserved or out booking's unit is at the booking's centre; a
unit does not move while booked) becomes:
- a booking that is out has its unit at its centre;
- a reserved booking has its unit at its centre, or rides an open request (requested or
  dispatched) from the unit's centre to the booking's;
- a unit promised that way is booked or lent by nobody else until its request is over;
- a unit moves only to the centre of each of its open bookings, and a promised unit only by
  being received on its request (the one-step move of the register does not take it);
- a request is declined or cancelled only once its booking no longer waits for the unit
  (the service cancels the booking in the same transaction).

The promise check starts from the open requests, a handful, and not from the booking table:
the triggers also run for every row of a bulk load, where booking's indexes are off."""

from rental.kernel.db import sql_migration

ID = "2026-12-06T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking: picked up at another centre, riding a transfer request"

FORWARDS = [
    "ALTER TABLE booking ADD COLUMN transfer INTEGER "
    "REFERENCES transfer_request (id) ON DELETE RESTRICT",
    # a request carries at most one booking
    "CREATE UNIQUE INDEX booking_transfer ON booking (transfer) WHERE transfer IS NOT NULL",
]
BACKWARDS = [
    "DROP INDEX booking_transfer",
    "ALTER TABLE booking DROP COLUMN transfer",
]
_OPEN = "('requested', 'dispatched')"
# Both start from the open requests (a correlated subquery, so that no planner starts from
# booking): there are a handful, and during a bulk load booking's indexes are off.
_PROMISED_ELSEWHERE = (
    f"EXISTS (SELECT 1 FROM transfer_request t WHERE t.status IN {_OPEN} "
    f"AND EXISTS (SELECT 1 FROM booking b WHERE b.transfer = t.id AND b.unit = NEW.unit "
    f"AND b.id <> NEW.id AND b.status = 'reserved'))")
_MOVED_UNRECEIVED = (
    f"EXISTS (SELECT 1 FROM transfer_request t WHERE t.status IN {_OPEN} "
    f"AND EXISTS (SELECT 1 FROM booking b WHERE b.transfer = t.id AND b.unit = NEW.id "
    f"AND b.status = 'reserved') "
    f"AND NOT EXISTS (SELECT 1 FROM transfer_item i WHERE i.transfer = t.id "
    f"AND i.unit = NEW.id AND i.received_at IS NOT NULL))")
POSTGRES_FORWARDS = [
    f"""CREATE OR REPLACE FUNCTION booking_unit_at_its_centre() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        here integer;
    BEGIN
        IF NEW.status NOT IN ('reserved', 'out') THEN
            RETURN NEW;
        END IF;
        SELECT centre INTO here FROM unit WHERE id = NEW.unit FOR SHARE;
        IF NEW.centre IS DISTINCT FROM here AND NOT (NEW.status = 'reserved' AND EXISTS (
                SELECT 1 FROM transfer_request t WHERE t.id = NEW.transfer
                AND t.sender = here AND t.receiver = NEW.centre AND t.status IN {_OPEN})) THEN
            RAISE EXCEPTION 'booking_unit_at_its_centre: unit % is not at centre %',
                NEW.unit, NEW.centre USING ERRCODE = 'check_violation';
        END IF;
        IF {_PROMISED_ELSEWHERE} THEN
            RAISE EXCEPTION 'booking_unit_at_its_centre: unit % is promised to another centre',
                NEW.unit USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "DROP TRIGGER booking_unit_at_its_centre ON booking",
    """CREATE TRIGGER booking_unit_at_its_centre
        BEFORE INSERT OR UPDATE OF unit, centre, status, transfer
        ON booking FOR EACH ROW EXECUTE FUNCTION booking_unit_at_its_centre()""",
    f"""CREATE OR REPLACE FUNCTION unit_stays_while_booked() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.centre IS DISTINCT FROM OLD.centre AND (EXISTS (
                SELECT 1 FROM booking WHERE unit = NEW.id AND status IN ('reserved', 'out')
                AND centre IS DISTINCT FROM NEW.centre) OR {_MOVED_UNRECEIVED}) THEN
            RAISE EXCEPTION 'booking_unit_at_its_centre: unit % is reserved or out', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    f"""CREATE FUNCTION transfer_keeps_its_booking() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.status NOT IN {_OPEN} AND OLD.status IN {_OPEN} AND EXISTS (
                SELECT 1 FROM booking b JOIN unit u ON u.id = b.unit
                WHERE b.transfer = NEW.id AND b.status = 'reserved'
                AND u.centre IS DISTINCT FROM b.centre) THEN
            RAISE EXCEPTION 'transfer_keeps_its_booking: request % carries a booking', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER transfer_keeps_its_booking BEFORE UPDATE OF status ON transfer_request
        FOR EACH ROW EXECUTE FUNCTION transfer_keeps_its_booking()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER transfer_keeps_its_booking ON transfer_request",
    "DROP FUNCTION transfer_keeps_its_booking()",
    """CREATE OR REPLACE FUNCTION unit_stays_while_booked() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.centre IS DISTINCT FROM OLD.centre AND EXISTS (
                SELECT 1 FROM booking WHERE unit = NEW.id AND status IN ('reserved', 'out')) THEN
            RAISE EXCEPTION 'booking_unit_at_its_centre: unit % is reserved or out', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "DROP TRIGGER booking_unit_at_its_centre ON booking",
    """CREATE OR REPLACE FUNCTION booking_unit_at_its_centre() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.status IN ('reserved', 'out') AND NEW.centre IS DISTINCT FROM
                (SELECT centre FROM unit WHERE id = NEW.unit FOR SHARE) THEN
            RAISE EXCEPTION 'booking_unit_at_its_centre: unit % is not at centre %',
                NEW.unit, NEW.centre USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER booking_unit_at_its_centre BEFORE INSERT OR UPDATE OF unit, centre, status
        ON booking FOR EACH ROW EXECUTE FUNCTION booking_unit_at_its_centre()""",
]
_HERE = "(SELECT centre FROM unit WHERE id = NEW.unit)"
_AWAY = (f"NEW.status IN ('reserved', 'out') AND NEW.centre IS NOT {_HERE} "
         f"AND NOT (NEW.status = 'reserved' AND EXISTS (SELECT 1 FROM transfer_request t "
         f"WHERE t.id = NEW.transfer AND t.sender = {_HERE} AND t.receiver = NEW.centre "
         f"AND t.status IN {_OPEN}))")
_PROMISED = ("NEW.status IN ('reserved', 'out') AND "
             + _PROMISED_ELSEWHERE.replace("b.id <> NEW.id", "b.id IS NOT NEW.id"))
_OLD_AWAY = ("NEW.status IN ('reserved', 'out') "
             "AND NEW.centre IS NOT (SELECT centre FROM unit WHERE id = NEW.unit)")
SQLITE_FORWARDS = [
    "DROP TRIGGER booking_unit_at_its_centre_insert",
    "DROP TRIGGER booking_unit_at_its_centre_update",
    "DROP TRIGGER unit_stays_while_booked",
    f"""CREATE TRIGGER booking_unit_at_its_centre_insert BEFORE INSERT ON booking
        WHEN {_AWAY} BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    f"""CREATE TRIGGER booking_unit_at_its_centre_update
        BEFORE UPDATE OF unit, centre, status, transfer ON booking
        WHEN {_AWAY} BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    f"""CREATE TRIGGER booking_unit_promised_insert BEFORE INSERT ON booking
        WHEN {_PROMISED}
        BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre: promised'); END""",
    f"""CREATE TRIGGER booking_unit_promised_update
        BEFORE UPDATE OF unit, centre, status, transfer ON booking WHEN {_PROMISED}
        BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre: promised'); END""",
    f"""CREATE TRIGGER unit_stays_while_booked BEFORE UPDATE OF centre ON unit
        WHEN NEW.centre IS NOT OLD.centre AND (EXISTS (
            SELECT 1 FROM booking WHERE unit = NEW.id AND status IN ('reserved', 'out')
            AND centre IS NOT NEW.centre) OR {_MOVED_UNRECEIVED})
        BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    f"""CREATE TRIGGER transfer_keeps_its_booking BEFORE UPDATE OF status ON transfer_request
        WHEN NEW.status NOT IN {_OPEN} AND OLD.status IN {_OPEN} AND EXISTS (
            SELECT 1 FROM booking b JOIN unit u ON u.id = b.unit
            WHERE b.transfer = NEW.id AND b.status = 'reserved' AND u.centre IS NOT b.centre)
        BEGIN SELECT RAISE(ABORT, 'transfer_keeps_its_booking'); END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER transfer_keeps_its_booking",
    "DROP TRIGGER unit_stays_while_booked",
    "DROP TRIGGER booking_unit_promised_update",
    "DROP TRIGGER booking_unit_promised_insert",
    "DROP TRIGGER booking_unit_at_its_centre_update",
    "DROP TRIGGER booking_unit_at_its_centre_insert",
    f"""CREATE TRIGGER booking_unit_at_its_centre_insert BEFORE INSERT ON booking
        WHEN {_OLD_AWAY} BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    f"""CREATE TRIGGER booking_unit_at_its_centre_update
        BEFORE UPDATE OF unit, centre, status ON booking
        WHEN {_OLD_AWAY} BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    """CREATE TRIGGER unit_stays_while_booked BEFORE UPDATE OF centre ON unit
        WHEN NEW.centre IS NOT OLD.centre AND EXISTS (
            SELECT 1 FROM booking WHERE unit = NEW.id AND status IN ('reserved', 'out'))
        BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
]


async def forwards():
    return sql_migration(
        migration_id=ID, app_name="bookings", description=DESCRIPTION, forwards=FORWARDS,
        backwards=BACKWARDS, postgres_forwards=POSTGRES_FORWARDS,
        postgres_backwards=POSTGRES_BACKWARDS, sqlite_forwards=SQLITE_FORWARDS,
        sqlite_backwards=SQLITE_BACKWARDS,
    )
