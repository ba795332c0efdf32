"""The organisation: its centres, its people and their money. Created by the migrations in
piccolo_migrations/ (hand-written SQL)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

ACCOUNT_STATUSES = ("pending", "active", "suspended", "erased")
ID_DOCUMENT_TYPES = ("personal_number", "passport", "other")
SEXES = ("female", "male", "prefer_not")
SITUATIONS = ("returning_migrant", "idp", "local_resident", "other")


class Centre(Table):
    """A centre of the network. Its table was created by inventory's first migration (migration
    history stays where it was written); the organisation's places belong here, below inventory
    and bookings, which keep their units and bookings at a centre."""

    code = Varchar(length=8, unique=True)  # asset tags start with it: SMG-0042
    name_ka = Varchar(length=200)
    name_en = Varchar(length=200)
    name_ru = Varchar(length=200)  # '' until translated: shown in English, then Georgian
    municipality = Varchar(length=40)  # a code of rental.kernel.municipalities, '' if none
    municipality_text = Varchar(length=100)  # typed before the list, matching no code
    address_ka = Varchar(length=300)
    address_en = Varchar(length=300)
    address_ru = Varchar(length=300)
    phone = Varchar(length=16)  # E.164
    timezone = Varchar(length=64, default="Asia/Tbilisi")
    opening_days = Integer(default=0b0111111)  # bit 0 = Monday ... bit 6 = Sunday
    opens_at = Time()
    closes_at = Time()
    active = Boolean(default=True)
    created_at = Timestamptz()
    asset_seq = Integer(default=0)  # the last asset-tag number handed out at this centre
    overdue_reminder_limit = Integer(default=4)  # weekly overdue reminders after day 7


class Member(Table):
    """Every account: community members and the people who work at the centres (by role)."""

    name = Varchar(length=200)
    phone = Varchar(length=16, unique=True)  # E.164, the login for most people
    email = Varchar(length=254, null=True, default=None)
    password_hash = Varchar(length=255)  # argon2; empty means no password set yet
    role = Varchar(length=12, default="member")
    status = Varchar(length=10, default="pending")
    language = Varchar(length=5, default="ka")
    home_centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # seen at the desk; sex, age, situation and municipality also feed donor statistics
    id_document_type = Varchar(length=16)
    id_document_number = Varchar(length=40)
    birth_date = Date(null=True, default=None)
    sex = Varchar(length=12)
    municipality = Varchar(length=40)  # a code of rental.kernel.municipalities, '' if none
    municipality_text = Varchar(length=100)  # typed before the list, matching no code
    situation = Varchar(length=20)
    notes = Text()
    verified_at = Timestamptz(null=True, default=None)
    verified_by = ForeignKey("self", on_delete=OnDelete.set_null, null=True)
    erased_at = Timestamptz(null=True, default=None)
    # reminders by SMS and e-mail, each turned off by the member or at the desk (audited)
    sms_reminders = Boolean(default=True)
    email_reminders = Boolean(default=True)
    sms_latin = Boolean(default=False)  # Georgian SMS in the national Latin transliteration


class MemberConsent(Table):
    """What a member agreed to, which version of the text, and when."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=20)  # rental_agreement, data_processing
    version = Varchar(length=20)
    given_at = Timestamptz()


class MembershipType(Table):
    slug = Varchar(length=40, unique=True)
    name_ka = Varchar(length=100)
    name_en = Varchar(length=100)
    name_ru = Varchar(length=100)
    validity_days = Integer()
    max_tools_out = Integer()
    max_open_bookings = Integer()
    active = Boolean(default=True)


class Membership(Table):
    """At most one current (not closed) membership per member; `expired` is derived from ends_on."""

    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    membership_type = ForeignKey(MembershipType, on_delete=OnDelete.restrict, null=False)
    starts_on = Date()
    ends_on = Date()
    status = Varchar(length=10, default="pending")  # pending, active, suspended, closed
    suspended_reason = Varchar(length=500)
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)


class ConcessionCategory(Table):
    slug = Varchar(length=40, unique=True)
    name_ka = Varchar(length=100)
    name_en = Varchar(length=100)
    name_ru = Varchar(length=100)
    discount_percent = Integer()
    # who pays the part of the fee the member does not, a name read in several languages
    funder_ka = Varchar(length=200)
    funder_en = Varchar(length=200)
    funder_ru = Varchar(length=200)
    active = Boolean(default=True)


class MemberConcession(Table):
    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    category = ForeignKey(ConcessionCategory, on_delete=OnDelete.restrict, null=False)
    proof = Varchar(length=200)
    expires_on = Date()
    granted_at = Timestamptz()
    granted_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)
    revoked_at = Timestamptz(null=True, default=None)


class PasswordResetCode(Table):
    """A one-time code staff give a member in person; stored as a SHA-256 only."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    code_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)


class StaffCentre(Table):
    """Desk staff act for these centres only; coordinators and admins act for all."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False)


class UserSession(Table):
    """A login. The cookie holds a random token; only its SHA-256 is stored."""

    token_hash = Varchar(length=64, unique=True)
    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    ip = Varchar(length=64)
    user_agent = Varchar(length=300)


class LoginFailure(Table):
    """Failed logins, per login name and per address, for rate limiting across workers."""

    login = Varchar(length=254)
    ip = Varchar(length=64)
    at = Timestamptz()


class RateEvent(Table):
    """One attempt at a rate-limited form, once under its address and once under its phone or
    account (`key` is "ip:…" or "phone:…"/"member:…"); see rental.throttle."""

    action = Varchar(length=20)
    key = Varchar(length=254)
    at = Timestamptz()


class AuditLog(Table):
    """Append-only: who did what, when, to which record, with the values before and after."""

    at = Timestamptz()
    actor = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=64)
    entity = Varchar(length=32)
    entity_id = Integer(null=True, default=None)
    centre = ForeignKey(Centre, on_delete=OnDelete.set_null, null=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)


class ApiToken(Table):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=100)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    scopes = Varchar(length=40, default="read")  # rental.kernel.token_rules: "read book ..."
    expires_on = Date(null=True, default=None)  # works through this day; None: never expires
    # the per-token rate limit: requests in the current minute (minutes since 1970, UTC)
    window_minute = Integer(default=0)
    window_requests = Integer(default=0)


class FeePolicy(Table):
    """Per centre; a centre without a row uses DEFAULT_FEE_POLICY. Amounts in tetri."""

    centre = ForeignKey(Centre, on_delete=OnDelete.cascade, null=False, unique=True)
    late_fee_per_day = Integer(default=100)
    late_grace_days = Integer(default=1)
    late_fee_cap = Integer(default=3000)  # per loan
    balance_limit = Integer(default=2000)  # owing more than this warns the desk
    lost_after_days = Integer(default=30)  # days late before a loan may be declared lost


DEFAULT_FEE_POLICY = {"late_fee_per_day": 100, "late_grace_days": 1, "late_fee_cap": 3000,
                      "balance_limit": 2000, "lost_after_days": 30}

RECEIPT_KINDS = ("check_out", "check_in", "payment", "renewal", "lost", "reversal")
CHARGE_KINDS = ("fee", "deposit", "late_fee", "damage", "replacement", "refund")
CREDIT_KINDS = ("payment", "waiver", "deposit_return")
PAYMENT_METHODS = ("cash", "card")


class Receipt(Table):
    """What one desk action charged and took, printed for the member."""

    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=12)
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)


class LedgerEntry(Table):
    """Append-only (database triggers). Charges are positive, credits negative; a member's
    balance is the sum of their entries. `loan` is a booking id (bookings sit above rental)."""

    receipt = ForeignKey(Receipt, on_delete=OnDelete.restrict, null=False)
    member = ForeignKey(Member, on_delete=OnDelete.restrict, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=16)
    amount = Integer()
    method = Varchar(length=8)  # cash or card, for payments and refunds
    reference = Varchar(length=100)  # the card terminal's slip number
    funder = Varchar(length=200)  # who covers a waiver
    reason = Varchar(length=500)
    loan = Integer(null=True, default=None)
    reverses = ForeignKey("self", on_delete=OnDelete.restrict, null=True, unique=True)
    # the concession category a waiver applied, for the donor reports
    concession = ForeignKey(ConcessionCategory, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz()
    created_by = ForeignKey(Member, on_delete=OnDelete.set_null, null=True)


NOTIFICATION_CHANNELS = ("page", "email", "sms")
NOTIFICATION_STATUSES = ("queued", "sent", "failed", "suppressed")


class Notification(Table):
    """The outbox: one row per message to a member on one channel (rental.notifications queues
    them). The text is written in the member's language when it is queued; `event_key` names
    what it is about ('booking_confirmed:booking 812'), unique per member and channel, so an
    event is told once however often it is queued. A page message is 'sent' when queued (the
    member's page is its delivery) and read when `read_at` is set."""

    member = ForeignKey(Member, on_delete=OnDelete.cascade, null=False)
    centre = ForeignKey(Centre, on_delete=OnDelete.set_null, null=True)
    channel = Varchar(length=8, default="page")
    kind = Varchar(length=40)
    language = Varchar(length=5, default="ka")
    subject = Text()
    body = Text()
    event_key = Varchar(length=200)
    status = Varchar(length=10, default="queued")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    provider_id = Varchar(length=100, null=True, default=None)
    error = Text(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    segments = Integer(null=True, default=None)  # an SMS's parts, as the gateway bills them


class PhoneCode(Table):
    """A code sent by SMS to confirm a phone at sign-up (rental.phone_codes): only its keyed
    SHA-256 is kept; it works for 10 minutes and 5 tries. The rows also count the codes a
    phone and an address asked for, for the limits."""

    phone = Varchar(length=16)  # E.164
    code_hash = Varchar(length=64)
    expires_at = Timestamptz()
    attempts = Integer(default=0)  # wrong tries
    requested_from = Varchar(length=64)  # the client's address
    created_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)


class JobLease(Table):
    """A periodic job's lease (rental.kernel.leases, which reads and writes it in SQL): when the
    job is next due, which worker runs it now and until when, how often it has run."""

    name = Varchar(length=100, unique=True)  # the job, as the server's log names it
    due_at = Timestamptz()
    held_until = Timestamptz(null=True, default=None)  # None: no run goes on
    held_by = Varchar(length=100)  # host, process and claim
    runs = Integer(default=0)
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)  # the last run that did its work
