"""What members are told, in words: every kind of message, its subject and body for the
member's page and e-mail, and its short text for SMS, in the member's language.

The body names the centre with its phone and opening hours. An SMS is short by design: it is
billed per segment, and Georgian goes as UCS-2 (70 characters a segment, 67 when split), so
each SMS text says what happened, the day, and the centre's phone, and no more
(rental.sms_rules counts the segments; a test keeps every text within two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rental.kernel.i18n import (
    N_,
    Names,
    format_money,
    format_time,
    format_weekdays,
    gettext,
    in_locale,
)
from rental.kernel.phones import display_phone


@dataclass(frozen=True)
class Kind:
    subject: str
    body: str
    sms: str  # %(centre)s and %(phone)s are the centre's, like in the body


# Each kind of message: its subject and its body, with %(placeholders)s filled in the
# member's language. Values that read differently per language are Names, Day, TimeOfDay
# (rental.kernel.i18n) or Money (below), written when the message is.
KINDS: dict[str, Kind] = {
    "booking_confirmed": Kind(
        N_("Booking confirmed: %(tool)s"),
        N_("Your booking of %(tool)s at %(centre)s is confirmed. Pick it up on %(starts)s "
           "and bring it back by %(ends)s."),
        N_("Booked: %(tool)s, pick up %(starts)s at %(centre)s, %(phone)s"),
    ),
    "waitlist_offer": Kind(
        N_("A unit is free for you: %(tool)s"),
        N_("A unit of %(tool)s is free for your dates, %(starts)s – %(ends)s, at %(centre)s. "
           "It is held for you until %(until_day)s, %(until_time)s: book it on your page."),
        N_("%(tool)s is free for you until %(until_day)s. Book it on your page. "
           "%(centre)s, %(phone)s"),
    ),
    "no_show": Kind(
        N_("Booking not picked up: %(tool)s"),
        N_("The booking of %(tool)s at %(centre)s was not picked up on %(starts)s, so it "
           "has ended. You can book again on the catalogue."),
        N_("Not picked up, booking ended: %(tool)s. %(centre)s, %(phone)s"),
    ),
    "pickup_tomorrow": Kind(
        N_("Pick-up tomorrow: %(tool)s"),
        N_("Your booking of %(tool)s is ready to pick up tomorrow, %(starts)s, at "
           "%(centre)s."),
        N_("Pick up tomorrow: %(tool)s at %(centre)s, %(phone)s"),
    ),
    "due_tomorrow": Kind(
        N_("Return tomorrow: %(tool)s"),
        N_("Please bring %(tool)s back to %(centre)s tomorrow, %(ends)s."),
        N_("Return tomorrow: %(tool)s to %(centre)s, %(phone)s"),
    ),
    "overdue": Kind(
        N_("Overdue: %(tool)s"),
        N_("%(tool)s was due back at %(centre)s on %(ends)s. Please bring it back as soon "
           "as you can."),
        N_("Overdue since %(ends)s: %(tool)s. %(centre)s, %(phone)s"),
    ),
}
LATE_FEE_LINE = N_("The late fee so far: %(fee)s.")
CENTRE_LINE = N_("%(centre)s: %(phone)s, open %(days)s, %(opens)s–%(closes)s.")


@dataclass(frozen=True)
class Money:
    """An amount in tetri as a value of a message, written the reader's way."""

    tetri: int

    def __str__(self) -> str:
        return format_money(self.tetri)


def render(kind: str, params: dict[str, Any], centre: dict[str, Any] | None,
           language: str) -> tuple[str, str]:
    """The subject and body of a message of `kind`, in `language`: the kind's text with
    `params` (and the centre's name as %(centre)s), and the centre's phone and hours. (A link to
    the page comes with the channels that leave it: e-mail and SMS.)"""
    subject, body = KINDS[kind].subject, KINDS[kind].body
    with in_locale(language):
        about = _centre_values(centre) if centre is not None else {"centre": ""}
        values = {"centre": about["centre"], **{key: str(value) for key, value in
                                                 params.items()}}
        lines = [gettext(body, **values)]
        if "fee" in params:
            lines.append(gettext(LATE_FEE_LINE, fee=values["fee"]))
        if centre is not None:
            lines.append(gettext(CENTRE_LINE, **about))
        return gettext(subject, **values), "\n".join(lines)


def _centre_values(centre: dict[str, Any]) -> dict[str, str]:
    return {"centre": str(Names.of(centre, "name")), "phone": display_phone(centre["phone"]),
            "days": format_weekdays(centre["opening_days"]),
            "opens": format_time(centre["opens_at"]) if centre["opens_at"] else "",
            "closes": format_time(centre["closes_at"]) if centre["closes_at"] else ""}


def render_sms(kind: str, params: dict[str, Any], centre: dict[str, Any] | None,
               language: str) -> str:
    """The SMS text of a message of `kind`, in `language`."""
    with in_locale(language):
        about = _centre_values(centre) if centre is not None else {"centre": "", "phone": ""}
        values = {"centre": about["centre"], "phone": about["phone"],
                  **{key: str(value) for key, value in params.items()}}
        return gettext(KINDS[kind].sms, **values)
