"""Each member's first membership (issue 21): the day their first membership started, with
their role and home centre, so that the reports' new members read one index range of the
members who joined in the period instead of grouping every membership on every view
(PostgreSQL: 120-140 ms at national scale, misestimated at 236 rows for 48,000 inside the donor
report's breakdowns).

- report_first_membership: per member with a membership, MIN(membership.starts_on) over all
  their memberships whatever their status (what the reports' NEW_MEMBERS grouped), and
  member.role and member.home_centre as they are. Filled here from the rows there are; the
  triggers below keep it so on every membership inserted, moved (member or starts_on) or
  deleted and every member whose role or home centre changes, in the same transaction: there
  is nothing to rebuild and nothing can be stale.
- membership (member, starts_on): the triggers recompute a member's first day from it, one
  index entry, when a membership moves or goes."""

from rental.kernel.db import sql_migration

ID = "2026-12-06T01:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reports: each member's first membership, kept by triggers on membership"

_FIRST = ("SELECT ms.member, MIN(ms.starts_on), m.role, m.home_centre "
          "FROM membership ms JOIN member m ON m.id = ms.member")
FORWARDS = [
    """CREATE TABLE report_first_membership (
        id {pk},
        member INTEGER NOT NULL UNIQUE,
        first_day DATE NOT NULL,
        role VARCHAR(12) NOT NULL,
        centre INTEGER
    )""",
    # the members who joined on days a..b (at some centres): a range of it, the index alone
    "CREATE INDEX report_first_membership_day ON report_first_membership "
    "(role, first_day, centre, member)",
    "CREATE INDEX membership_member_starts ON membership (member, starts_on)",
    f"INSERT INTO report_first_membership (member, first_day, role, centre) {_FIRST} "
    f"GROUP BY ms.member, m.role, m.home_centre",
]
BACKWARDS = [
    "DROP INDEX membership_member_starts",
    "DROP TABLE report_first_membership",
]


def _recompute(member: str) -> str:
    """The statements that set a member's row to what their memberships say now."""
    return (f"DELETE FROM report_first_membership WHERE member = {member}; "
            f"INSERT INTO report_first_membership (member, first_day, role, centre) "
            f"{_FIRST} WHERE ms.member = {member} GROUP BY ms.member, m.role, m.home_centre;")


# membership inserts: one statement-level trigger, so that a bulk load (COPY) pays once; a
# member's first day only moves earlier, so an insert needs no recomputing
POSTGRES_FORWARDS = [
    """CREATE FUNCTION report_first_membership_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO report_first_membership AS f (member, first_day, role, centre)
      SELECT n.member, MIN(n.starts_on), m.role, m.home_centre
      FROM written n JOIN member m ON m.id = n.member GROUP BY n.member, m.role, m.home_centre
      ON CONFLICT (member) DO UPDATE SET first_day = LEAST(f.first_day, EXCLUDED.first_day);
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_first_membership_inserted AFTER INSERT ON membership
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION report_first_membership_inserted()""",
    f"""CREATE FUNCTION report_first_membership_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_recompute("OLD.member")}
      IF TG_OP = 'UPDATE' AND NEW.member <> OLD.member THEN
        {_recompute("NEW.member")}
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_first_membership_changed AFTER UPDATE OF member, starts_on
    ON membership FOR EACH ROW
    WHEN (OLD.member <> NEW.member OR OLD.starts_on <> NEW.starts_on)
    EXECUTE FUNCTION report_first_membership_changed()""",
    """CREATE TRIGGER report_first_membership_deleted AFTER DELETE ON membership FOR EACH ROW
    EXECUTE FUNCTION report_first_membership_changed()""",
    """CREATE FUNCTION report_first_membership_member() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE report_first_membership SET role = NEW.role, centre = NEW.home_centre
      WHERE member = NEW.id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_first_membership_member AFTER UPDATE OF role, home_centre
    ON member FOR EACH ROW
    WHEN (OLD.role <> NEW.role OR OLD.home_centre IS DISTINCT FROM NEW.home_centre)
    EXECUTE FUNCTION report_first_membership_member()""",
]
POSTGRES_BACKWARDS = [
    "DROP TRIGGER report_first_membership_member ON member",
    "DROP FUNCTION report_first_membership_member()",
    "DROP TRIGGER report_first_membership_deleted ON membership",
    "DROP TRIGGER report_first_membership_changed ON membership",
    "DROP FUNCTION report_first_membership_changed()",
    "DROP TRIGGER report_first_membership_inserted ON membership",
    "DROP FUNCTION report_first_membership_inserted()",
]
SQLITE_FORWARDS = [
    """CREATE TRIGGER report_first_membership_inserted AFTER INSERT ON membership
    BEGIN
      INSERT INTO report_first_membership (member, first_day, role, centre)
      SELECT NEW.member, NEW.starts_on, m.role, m.home_centre FROM member m
      WHERE m.id = NEW.member
      ON CONFLICT (member) DO UPDATE SET first_day = min(first_day, excluded.first_day);
    END""",
    f"""CREATE TRIGGER report_first_membership_changed AFTER UPDATE OF member, starts_on
    ON membership
    WHEN OLD.member <> NEW.member OR OLD.starts_on <> NEW.starts_on
    BEGIN
      {_recompute("OLD.member")}
      {_recompute("NEW.member")}
    END""",
    f"""CREATE TRIGGER report_first_membership_deleted AFTER DELETE ON membership
    BEGIN
      {_recompute("OLD.member")}
    END""",
    """CREATE TRIGGER report_first_membership_member AFTER UPDATE OF role, home_centre ON member
    WHEN OLD.role <> NEW.role OR OLD.home_centre IS NOT NEW.home_centre
    BEGIN
      UPDATE report_first_membership SET role = NEW.role, centre = NEW.home_centre
      WHERE member = NEW.id;
    END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER report_first_membership_member",
    "DROP TRIGGER report_first_membership_deleted",
    "DROP TRIGGER report_first_membership_changed",
    "DROP TRIGGER report_first_membership_inserted",
]


async def forwards():
    return sql_migration(migration_id=ID, app_name="bookings", description=DESCRIPTION,
                         forwards=FORWARDS, backwards=BACKWARDS,
                         postgres_forwards=POSTGRES_FORWARDS,
                         postgres_backwards=POSTGRES_BACKWARDS,
                         sqlite_forwards=SQLITE_FORWARDS, sqlite_backwards=SQLITE_BACKWARDS)
