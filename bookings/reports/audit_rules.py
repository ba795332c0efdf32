"""The audit trail's rules: what an action and a changed field are called in the reader's
language, which filters a search may carry, and what a row's before and after say.

Pure: plain values in, plain values out (the caller translates the message ids)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rental.kernel.i18n import N_
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.values import calendar_day
from rental.member_rules import parse_card_number

# Every action the services write (a test reads the sources and finds each one here).
ACTIONS: dict[str, str] = {
    "login": N_("Logged in"),
    "signup": N_("Signed up"),
    "signup_expired": N_("Sign-up lapsed unconfirmed"),
    "verify": N_("Identity checked at the desk"),
    "register": N_("Member registered"),
    "create": N_("Account created"),
    "update": N_("Member's details changed"),
    "erase": N_("Personal data erased"),
    "password.change": N_("Password changed"),
    "password.reset_code": N_("Password reset code sent"),
    "password.reset": N_("Password reset"),
    "member.reminders": N_("Reminders turned on or off"),
    "member.phone_reclaimed": N_("Phone number taken over"),
    "member.imported": N_("Member registered from a CSV file"),
    "member.import": N_("Members imported from a CSV file"),
    "member.export": N_("Members exported as CSV"),
    "api_token.create": N_("API token created"),
    "api_token.revoke": N_("API token revoked"),
    "membership.start": N_("Membership started"),
    "membership.renew": N_("Membership renewed"),
    "membership.suspend": N_("Membership suspended"),
    "membership.unsuspend": N_("Membership restored"),
    "membership_type.create": N_("Membership type created"),
    "concession.grant": N_("Concession granted"),
    "concession_category.create": N_("Concession category created"),
    "booking_policy.set": N_("Lending rules changed"),
    "booking.create": N_("Booked"),
    "booking.cancel": N_("Booking cancelled"),
    "booking.no_show": N_("Not picked up"),
    "loan.check_out": N_("Checked out"),
    "loan.check_in": N_("Checked in"),
    "loan.renew": N_("Loan renewed"),
    "loan.lost": N_("Declared lost"),
    "loan.override": N_("Rule overridden by staff"),
    "loan.left_owing": N_("Lent with money owing"),
    "ledger.fee": N_("Fee charged"),
    "ledger.deposit": N_("Deposit taken"),
    "ledger.late_fee": N_("Late fee charged"),
    "ledger.damage": N_("Damage charged"),
    "ledger.replacement": N_("Replacement charged"),
    "ledger.refund": N_("Refund"),
    "ledger.payment": N_("Payment taken"),
    "ledger.waiver": N_("Waived"),
    "ledger.deposit_return": N_("Deposit returned"),
    "ledger.reversal": N_("Entry reversed"),
    "ledger.waiver_by_coordinator": N_("Waived by a coordinator"),
    "waitlist.join": N_("Joined the waitlist"),
    "waitlist.leave": N_("Left the waitlist"),
    "waitlist.offer": N_("Waitlist offer made"),
    "waitlist.lapse": N_("Waitlist offer lapsed"),
    "notification.sent": N_("Message sent"),
    "notification.failed": N_("Message could not be sent"),
    "notification.resend": N_("Message sent again"),
    "session.create": N_("Session created"),
    "session.update": N_("Session changed"),
    "session.cancel": N_("Session cancelled"),
    "enrolment.enrolled": N_("Enrolled in a session"),
    "enrolment.waitlisted": N_("On a session's waiting list"),
    "enrolment.promoted": N_("Moved up from a session's waiting list"),
    "enrolment.cancel": N_("Enrolment cancelled"),
    "enrolment.attendance": N_("Attendance marked"),
    "certificate.issue": N_("Certificate issued"),
    "certificate.revoke": N_("Certificate revoked"),
    "centre.create": N_("Centre created"),
    "centre.update": N_("Centre changed"),
    "category.create": N_("Category created"),
    "category.update": N_("Category changed"),
    "skill.create": N_("Skill created"),
    "skill.update": N_("Skill changed"),
    "tool_type.create": N_("Tool type created"),
    "tool_type.update": N_("Tool type changed"),
    "tool_type.import": N_("Tool types imported"),
    "tool_type_part.create": N_("Part added to a tool type"),
    "tool_type_part.update": N_("Tool type's part changed"),
    "tool_type_part.delete": N_("Part removed from a tool type"),
    "tool_type_part.import": N_("Parts imported"),
    "unit.parts": N_("Unit's parts changed"),
    "loan.parts_waived": N_("Charge for missing parts waived"),
    "unit.create": N_("Unit added"),
    "unit.status": N_("Unit's status changed"),
    "unit.transfer": N_("Unit moved to another centre"),
    "transfer.request": N_("Units asked of another centre"),
    "transfer.dispatch": N_("Unit sent to another centre"),
    "transfer.receive": N_("Unit received from another centre"),
    "transfer.decline": N_("Transfer request declined"),
    "transfer.cancel": N_("Transfer request cancelled"),
    "unit.inspection": N_("Unit inspected"),
    "unit.import": N_("Units imported"),
    "ticket.open": N_("Repair ticket opened"),
    "ticket.resolve": N_("Repair ticket resolved"),
}

# The fields a row's before and after name most, by their stored key.
FIELDS: dict[str, str] = {
    "status": N_("Status"), "role": N_("Role"), "name": N_("Name"), "phone": N_("Phone"),
    "email": N_("E-mail"), "language": N_("Language"), "member": N_("Member"),
    "unit": N_("Unit"), "tool_type": N_("Tool type"), "centre": N_("Centre"),
    "starts_on": N_("Pick-up day"), "ends_on": N_("Return day"), "amount": N_("Amount"),
    "method": N_("Method"), "loan": N_("Loan"), "receipt": N_("Receipt"), "kind": N_("Kind"),
    "reason": N_("Reason"), "condition": N_("Condition"), "notes": N_("Notes"),
    "from": N_("From"), "to": N_("To"), "channel": N_("Channel"), "template": N_("Message"),
    "sms_reminders": N_("SMS reminders"), "email_reminders": N_("E-mail reminders"),
    "funder": N_("Funder"), "concession": N_("Concession"),
    "transfer": N_("Transfer request"), "booking": N_("Booking"),
}
# What a row is about, by the table it names.
ENTITIES: dict[str, str] = {
    "member": N_("Member"), "booking": N_("Booking"), "unit": N_("Unit"),
    "maintenance_ticket": N_("Repair ticket"), "ledger_entry": N_("Ledger entry"),
    "receipt": N_("Receipt"), "enrolment": N_("Enrolment"), "certificate": N_("Certificate"),
    "skill_session": N_("Session"), "tool_type": N_("Tool type"), "category": N_("Category"),
    "skill": N_("Skill"), "centre": N_("Centre"), "membership_type": N_("Membership type"),
    "concession_category": N_("Concession category"), "waitlist_entry": N_("Waitlist entry"),
    "notification": N_("Message"),
    "transfer": N_("Transfer request"),
    "tool_type_part": N_("Tool type's part"),
}
MONEY_FIELDS = frozenset({"amount", "fee", "deposit", "late_fee", "replacement", "price",
                          "replacement_cost", "owed", "paid"})
PER_PAGE = 50
MAX_DAYS = 366 * 5  # a search spans at most five years
EXPORT_ROWS = 20_000  # an export is one file a spreadsheet opens, not a backup


@dataclass(frozen=True)
class Search:
    """What a search asks for; None: not asked."""

    member_id: int | None = None  # from a card number (M00042)
    member_phone: str | None = None  # E.164
    unit: str | None = None  # an asset tag
    actor: int | None = None
    action: str | None = None
    starts: date | None = None
    ends: date | None = None
    centre: int | None = None
    page: int = 1


def action_label(action: str) -> str:
    """The message id naming an action; an action written before it had a name shows as is."""
    return ACTIONS.get(action, action)


def entity_label(entity: str) -> str:
    return ENTITIES.get(entity, entity)


def field_label(key: str) -> str:
    return FIELDS.get(key, key.replace("_", " "))


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
            ) -> list[tuple[str, Any, Any, bool]]:
    """A row's fields in the order they were written: (key, before, after, is_money); a field
    only one side names has None on the other."""
    before, after = before or {}, after or {}
    keys = list(before) + [key for key in after if key not in before]
    return [(key, before.get(key), after.get(key), key in MONEY_FIELDS) for key in keys]


def _number(text: str, limit: int = 2**31 - 1) -> int | None:
    text = text.strip()
    if not text.isascii() or not text.isdecimal():
        return None
    value = int(text)
    return value if 1 <= value <= limit else None


def parse_search(params: Mapping[str, str], today: date) -> tuple[Search, dict[str, str]]:
    """A search from the page's query (strings), or the errors by field; a search with errors
    keeps the fields that were valid. With no dates the last 30 days are searched."""
    errors: dict[str, str] = {}
    text = {key: (params.get(key) or "").strip() for key in
            ("member", "unit", "actor", "action", "from", "to", "centre", "page")}
    member_id = member_phone = None
    if text["member"]:
        member_id = parse_card_number(text["member"][:40])
        if member_id is None:
            try:
                member_phone = normalise_phone(text["member"][:40])
            except InvalidPhone:
                errors["member"] = N_("Enter the member's card number (M00042) or phone.")
    actor = _number(text["actor"]) if text["actor"] else None
    if text["actor"] and actor is None:
        errors["actor"] = N_("Choose a staff member from the list.")
    action = text["action"] or None
    if action and action not in ACTIONS:
        errors["action"] = N_("Choose an action from the list.")
        action = None
    centre = _number(text["centre"]) if text["centre"] and text["centre"] != "all" else None
    if text["centre"] not in ("", "all") and centre is None:
        errors["centre"] = N_("There is no such centre.")
    starts = calendar_day(text["from"]) if text["from"] else today - timedelta(days=29)
    ends = calendar_day(text["to"]) if text["to"] else today
    if starts is None:
        errors["from"] = N_("Enter a date as YYYY-MM-DD.")
    if ends is None:
        errors["to"] = N_("Enter a date as YYYY-MM-DD.")
    if starts and ends:
        if ends < starts:
            errors["to"] = N_("The last day cannot be before the first.")
        elif (ends - starts).days > MAX_DAYS:
            errors["to"] = N_("Search at most five years at a time.")
    page = _number(text["page"], 10_000) if text["page"] else 1
    return Search(member_id=member_id, member_phone=member_phone,
                  unit=text["unit"][:40] or None, actor=actor, action=action,
                  starts=starts, ends=ends, centre=centre, page=page or 1), errors
