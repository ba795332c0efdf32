"""What members are told, in words: every kind of message, its subject and body for the
member's page and e-mail, and its short text for SMS, in the member's language.

The body names the centre with its phone and opening hours. An SMS is short by design: it is
billed per segment, and Georgian goes as UCS-2 (70 characters a segment, 67 when split), so
each SMS text says what happened, the day, and the centre with its phone, and no more
(rental.sms_rules counts the segments; render_sms keeps every text within two, and a test
keeps every kind within two with the longest names of the demo network without cutting any).
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
from rental.sms_rules import segments, to_latin


@dataclass(frozen=True)
class Kind:
    subject: str
    body: str
    sms: str  # what happened, in a few words: render_sms adds the centre and its phone


# Each kind of message: its subject and its body, with %(placeholders)s filled in the
# member's language. Values that read differently per language are Names, Day, TimeOfDay
# (rental.kernel.i18n) or Money (below), written when the message is. The sessions' kinds take
# the session's title (`session`), its day and time (`day`, `time`); the certificates' the
# skill and the day they end (`skill`, `until`).
KINDS: dict[str, Kind] = {
    "booking_confirmed": Kind(
        N_("Booking confirmed: %(tool)s"),
        N_("Your booking of %(tool)s at %(centre)s is confirmed. Pick it up on %(starts)s "
           "and bring it back by %(ends)s."),
        N_("Booked: %(tool)s, pick up %(starts)s."),
    ),
    "waitlist_offer": Kind(
        N_("A unit is free for you: %(tool)s"),
        N_("A unit of %(tool)s is free for your dates, %(starts)s – %(ends)s, at %(centre)s. "
           "It is held for you until %(until_day)s, %(until_time)s: book it on your page."),
        N_("Yours to book until %(until_day)s %(until_time)s: %(tool)s."),
    ),
    "no_show": Kind(
        N_("Booking not picked up: %(tool)s"),
        N_("The booking of %(tool)s at %(centre)s was not picked up on %(starts)s, so it "
           "has ended. You can book again on the catalogue."),
        N_("Not picked up, booking ended: %(tool)s."),
    ),
    "booking_not_sent": Kind(
        N_("Booking cancelled: %(tool)s"),
        N_("The centre that has %(tool)s cannot send it to %(centre)s for %(starts)s, so "
           "your booking has been cancelled. You can book again on the catalogue."),
        N_("Cannot be sent, booking cancelled: %(tool)s."),
    ),
    "pickup_tomorrow": Kind(
        N_("Pick-up tomorrow: %(tool)s"),
        N_("Your booking of %(tool)s is ready to pick up tomorrow, %(starts)s, at "
           "%(centre)s."),
        N_("Pick up tomorrow: %(tool)s."),
    ),
    "due_tomorrow": Kind(
        N_("Return tomorrow: %(tool)s"),
        N_("Please bring %(tool)s back to %(centre)s tomorrow, %(ends)s."),
        N_("Return tomorrow: %(tool)s."),
    ),
    "overdue": Kind(
        N_("Overdue: %(tool)s"),
        N_("%(tool)s was due back at %(centre)s on %(ends)s. Please bring it back as soon "
           "as you can."),
        N_("Overdue since %(ends)s: %(tool)s."),
    ),
    "declared_lost": Kind(
        N_("Declared lost: %(tool)s"),
        N_("%(tool)s, due back at %(centre)s on %(ends)s, has been declared lost. You are "
           "charged %(charge)s for its replacement and the late fee; the deposit you paid for "
           "it goes towards that."),
        N_("Declared lost: %(tool)s. Charged %(charge)s."),
    ),
    "session_enrolled": Kind(
        N_("Enrolled: %(session)s"),
        N_("You are enrolled in %(session)s at %(centre)s on %(day)s at %(time)s."),
        N_("Enrolled: %(session)s, %(day)s %(time)s."),
    ),
    "session_tomorrow": Kind(
        N_("Tomorrow: %(session)s"),
        N_("%(session)s is tomorrow, %(day)s, at %(time)s, at %(centre)s."),
        N_("Tomorrow at %(time)s: %(session)s."),
    ),
    "session_changed": Kind(
        N_("Session moved: %(session)s"),
        N_("%(session)s has moved: it is now on %(day)s at %(time)s, at %(centre)s. You "
           "are still enrolled."),
        N_("Moved: %(session)s, now %(day)s %(time)s."),
    ),
    "session_cancelled": Kind(
        N_("Session cancelled: %(session)s"),
        N_("%(session)s at %(centre)s on %(day)s at %(time)s is cancelled."),
        N_("Cancelled: %(session)s, %(day)s %(time)s."),
    ),
    "session_promoted": Kind(
        N_("A place for you: %(session)s"),
        N_("A place came free in %(session)s at %(centre)s on %(day)s at %(time)s: you are "
           "enrolled now, no longer on the waitlist."),
        N_("Enrolled from the waitlist: %(session)s, %(day)s %(time)s."),
    ),
    "certificate_issued": Kind(
        N_("Certificate: %(skill)s"),
        N_("Your certificate for %(skill)s is issued. It is valid until %(until)s."),
        N_("Certificate issued: %(skill)s, valid until %(until)s."),
    ),
    "certificate_issued_no_expiry": Kind(
        N_("Certificate: %(skill)s"),
        N_("Your certificate for %(skill)s is issued. It does not expire."),
        N_("Certificate issued: %(skill)s."),
    ),
    "certificate_expiring": Kind(
        N_("Certificate ends on %(until)s: %(skill)s"),
        N_("Your certificate for %(skill)s is valid until %(until)s. To keep it, enrol in a "
           "session on the skill again: the centre can tell you the next one."),
        N_("Certificate ends %(until)s: %(skill)s."),
    ),
    "membership_expiring": Kind(
        N_("Membership ends on %(until)s"),
        N_("Your membership (%(membership)s) ends on %(until)s. Renew it at the desk of "
           "%(centre)s to keep borrowing tools."),
        N_("Membership ends %(until)s: renew it at the desk."),
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


SMS_LATE_FEE_LINE = N_("Late fee so far: %(fee)s.")
SMS_SHORT_CENTRE = N_("%(place)s centre")  # the first word of the centre's name
SMS_SEGMENTS = 2  # each SMS text fits in two (tests/rental/test_notification_texts.py)
SHORTEST_CUT = 12  # a name is not cut shorter than this
# Babel's spaces and dashes that have no place in the GSM alphabet: in SMS, their plain kin
_PLAIN = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2013": "-",
                        "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
                        "\u201d": '"', "\u201e": '"', "\u2026": "..."})


def render_sms(kind: str, params: dict[str, Any], centre: dict[str, Any] | None,
               language: str, *, latin: bool = False) -> str:
    """The SMS text of a message of `kind`, in `language` (Georgian in Latin letters if
    `latin`): what happened, the late fee if there is one, and the centre with its phone.

    It fits in SMS_SEGMENTS. When the whole text does not, the centre is named short
    ('Samgori centre' for 'Samgori Multifunctional Service Centre'), then the late fee is left
    out (the member's page has it), then the longest name (a tool's, a session's) is cut."""
    with in_locale(language):
        values = {key: str(value) for key, value in params.items()}
        names = [key for key, value in params.items() if isinstance(value, Names)]
        places = [""] if centre is None else [str(Names.of(centre, "name")),
                                              _short_centre(centre)]
        fees = [gettext(SMS_LATE_FEE_LINE, fee=values["fee"]), ""] if "fee" in values else [""]
        phone = centre["phone"] if centre is not None else ""
        text = ""
        for place, fee in [(places[0], fees[0]), *((places[-1], fee) for fee in fees)]:
            text = _sms(kind, values, fee, place, phone, latin)
            if segments(text) <= SMS_SEGMENTS:
                return text
        while names:  # a name longer than any the network has: cut until it fits
            longest = max(names, key=lambda key: len(values[key]))
            if len(values[longest]) <= SHORTEST_CUT:
                break
            values[longest] = values[longest][:-4].rstrip() + "..."
            text = _sms(kind, values, "", places[-1], phone, latin)
            if segments(text) <= SMS_SEGMENTS:
                return text
        return text


def _sms(kind: str, values: dict[str, str], fee: str, place: str, phone: str,
         latin: bool) -> str:
    parts = [gettext(KINDS[kind].sms, **values), fee, f"{place}, {phone}" if place else ""]
    text = " ".join(part for part in parts if part).translate(_PLAIN)
    return to_latin(text) if latin else text


def _short_centre(centre: dict[str, Any]) -> str:
    name = str(Names.of(centre, "name")).split()
    return gettext(SMS_SHORT_CENTRE, place=name[0]) if name else ""
