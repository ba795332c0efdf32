"""A booking's unit is at the booking's centre while the booking holds it (reserved or out):
a booking of a unit at another centre is refused, and so is moving a unit to another centre
while it is reserved or out. Triggers, because the rule holds for open bookings only (a
composite foreign key would also pin every returned loan's unit to where it was lent).

On PostgreSQL the booking's check reads the unit row FOR SHARE, so a transfer and a booking
of the same unit at the same moment wait for each other instead of both passing."""

from rental.kernel.db import sql_migration

ID = "2026-12-05T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "booking: the unit is at the booking's centre while it is reserved or out"

POSTGRES_FORWARDS = [
    """CREATE FUNCTION booking_unit_at_its_centre() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """CREATE FUNCTION unit_stays_while_booked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.centre IS DISTINCT FROM OLD.centre AND EXISTS (
                SELECT 1 FROM booking WHERE unit = NEW.id AND status IN ('reserved', 'out')) THEN
            RAISE EXCEPTION 'booking_unit_at_its_centre: unit % is reserved or out', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER unit_stays_while_booked BEFORE UPDATE OF centre ON unit
        FOR EACH ROW EXECUTE FUNCTION unit_stays_while_booked()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER unit_stays_while_booked ON unit",
    "DROP FUNCTION unit_stays_while_booked()",
    "DROP TRIGGER booking_unit_at_its_centre ON booking",
    "DROP FUNCTION booking_unit_at_its_centre()",
]
_AWAY = ("NEW.status IN ('reserved', 'out') "
         "AND NEW.centre IS NOT (SELECT centre FROM unit WHERE id = NEW.unit)")
SQLITE_FORWARDS = [
    f"""CREATE TRIGGER booking_unit_at_its_centre_insert BEFORE INSERT ON booking
        WHEN {_AWAY} BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    f"""CREATE TRIGGER booking_unit_at_its_centre_update
        BEFORE UPDATE OF unit, centre, status ON booking
        WHEN {_AWAY} BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
    """CREATE TRIGGER unit_stays_while_booked BEFORE UPDATE OF centre ON unit
        WHEN NEW.centre IS NOT OLD.centre AND EXISTS (
            SELECT 1 FROM booking WHERE unit = NEW.id AND status IN ('reserved', 'out'))
        BEGIN SELECT RAISE(ABORT, 'booking_unit_at_its_centre'); END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER unit_stays_while_booked",
    "DROP TRIGGER booking_unit_at_its_centre_update",
    "DROP TRIGGER booking_unit_at_its_centre_insert",
]


async def forwards():
    return sql_migration(
        migration_id=ID, app_name="bookings", description=DESCRIPTION, forwards=[],
        backwards=[], postgres_forwards=POSTGRES_FORWARDS, postgres_backwards=POSTGRES_BACKWARDS,
        sqlite_forwards=SQLITE_FORWARDS, sqlite_backwards=SQLITE_BACKWARDS,
    )
