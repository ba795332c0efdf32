"""The national network, generated from a seed number: pure computation, no I/O.

`generate()` yields batches of rows in foreign-key order for a bulk writer (bench/bulk.py). The
same base (what the demo seed made), scale, seed and day give the same rows, byte for byte.

How the history is made, so that it obeys the schema's rules:
- every unit has a timeline of bookings placed one after another on its centre's open days
  (sorted random gaps between blocks), so no two of a unit's bookings overlap, whatever their
  status, and a unit has at most one loan out;
- booking ids follow the time they were made, receipt and ledger ids the time of the desk
  action (check-outs and check-ins merged in order), as the app would have numbered them;
- money follows rental/fees.py and the desk: the fee with the concession's share waived for its
  funder, the deposit taken and given back, late fees with the grace and cap of the default
  policy, damage charges; what is left owing is paid on a later receipt, or stays owed.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bench import names
from inventory.rules import search_text
from rental.centres import is_open_on
from rental.fees import concession_waiver, late_fee, loan_days
from rental.kernel.municipalities import BY_CODE
from rental.member_rules import DATA_PROCESSING_VERSION, RENTAL_AGREEMENT_VERSION
from rental.tables import DEFAULT_FEE_POLICY

# The national network at scale 1; the base seed's rows count towards these.
FULL = {"centre": 12, "tool_type": 2000, "unit": 20_000, "member": 50_000,
        "past_booking": 1_000_000, "future_booking": 100_000, "skill_session": 5000}
YEARS = 5
HORIZON_DAYS = 60  # the default booking policy: how far ahead members book
UTC_OFFSET_MINUTES = 4 * 60  # Asia/Tbilisi, no daylight saving since 2005
DESK_HOURS_UTC = (9 * 60 - UTC_OFFSET_MINUTES, 18 * 60 + 30 - UTC_OFFSET_MINUTES)
BENCH_PHONE = "+995500000{:03d}"  # bench accounts; members' prefixes never start with 500
COORDINATOR_PHONE = BENCH_PHONE.format(100)
MEMBER_PHONE = BENCH_PHONE.format(200)  # a generated member who may book, for /me
FEES = DEFAULT_FEE_POLICY
CHUNK = 50_000


@dataclass(frozen=True)
class Base:
    """What is in the database before generation (the demo seed), read by bench.seed."""

    centres: list[dict[str, Any]]
    skills: list[dict[str, Any]]
    tool_types: list[dict[str, Any]]
    units: list[dict[str, Any]]
    membership_types: dict[str, dict[str, Any]]  # by slug
    concessions: dict[str, dict[str, Any]]  # by slug
    phones: frozenset[str]
    next_id: dict[str, int]  # table -> the first free id
    counts: dict[str, int]  # what FULL counts, as the base seed made them


@dataclass(frozen=True)
class Plan:
    """How many rows of each kind the generator adds."""

    centres: int
    tool_types: int
    units: int
    members: int
    past_bookings: int
    future_bookings: int
    sessions: int

    @classmethod
    def at(cls, scale: float, base: Base) -> Plan:
        def more(kind: str) -> int:
            return math.ceil(max(0, FULL[kind] - base.counts.get(kind, 0)) * scale)

        return cls(centres=min(more("centre"), len(names.CENTRES)), tool_types=more("tool_type"),
                   units=more("unit"), members=more("member"),
                   past_bookings=more("past_booking"), future_bookings=more("future_booking"),
                   sessions=more("skill_session"))


@dataclass
class Rows:
    table: str
    columns: tuple[str, ...]
    rows: list[tuple]


@dataclass
class Update:
    """One column of rows already written: (value, id) pairs."""

    table: str
    column: str
    values: list[tuple[Any, int]]


class Encoder:
    """Dates and times as text both engines read back as the app wrote them: ISO dates, UTC
    instants in the form Piccolo writes to SQLite. Cached: there are millions."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._clock = [f"{m // 60:02d}:{m % 60:02d}:00+00:00" for m in range(1440)]

    def day(self, ordinal: int) -> str:
        value = self._days.get(ordinal)
        if value is None:
            value = self._days[ordinal] = date.fromordinal(ordinal).isoformat()
        return value

    def at(self, ordinal: int, minute: int) -> str:
        """A UTC instant: the day and the minute of that day."""
        return f"{self.day(ordinal)} {self._clock[minute]}"

    def time(self, text: str) -> str:
        return text + ":00"


@dataclass
class Person:
    id: int
    centre: int  # index into the centre list
    created: int  # ordinal
    status: str
    membership_ends: int | None
    concession: dict[str, Any] | None
    max_open: int = 0
    max_out: int = 0
    open_count: int = 0
    out_count: int = 0
    erased_on: int | None = None


@dataclass
class Unit:
    id: int
    tool_type: dict[str, Any]
    centre: int  # index
    centre_id: int
    acquired: int  # ordinal
    fate: str  # available, out, maintenance, lost, retired, kept (a base unit as it is)
    tag: str
    cost: int | None
    new: bool
    out_until: int | None = None  # the return day of the loan it is out on today


@dataclass
class Stats:
    rows: Counter = field(default_factory=Counter)
    owed: dict[int, int] = field(default_factory=dict)  # member id -> what they still owe
    centres: list[str] = field(default_factory=list)  # codes, in the bench staff's order


def generate(base: Base, plan: Plan, *, seed: int, today: date, password_hash: str,
             encoder: Encoder, stats: Stats) -> Iterator[Rows | Update]:
    yield from Network(base, plan, seed, today, password_hash, encoder, stats).batches()


class Network:
    def __init__(self, base: Base, plan: Plan, seed: int, today: date, password_hash: str,
                 encoder: Encoder, stats: Stats):
        self.base, self.plan, self.enc, self.stats = base, plan, encoder, stats
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.today = today.toordinal()
        self.first_day = today.replace(year=today.year - YEARS).toordinal()
        self.password_hash = password_hash
        self.ids = {table: itertools.count(first) for table, first in base.next_id.items()}
        self.receipt_ids, self.entry_ids = self.ids["receipt"], self.ids["ledger_entry"]

    def between(self, low: int, high: int) -> int:
        """random.randint's job at a tenth of its cost (it runs millions of times)."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: list) -> Any:
        return items[int(self.random() * len(items))]

    def next_id(self, table: str) -> int:
        return next(self.ids[table])

    def created(self) -> Any:
        """When the bench made a row that has no history: this morning."""
        return self.enc.at(self.today, 8 * 60 - UTC_OFFSET_MINUTES)

    def rows(self, table: str, columns: str, rows: list[tuple]) -> Rows:
        self.stats.rows[table] += len(rows)
        return Rows(table, tuple(columns.split()), rows)

    # --- the order of the batches -----------------------------------------------------------

    def batches(self) -> Iterator[Rows | Update]:
        yield self.make_centres()
        self.open_days = [self.centre_open_days(c) for c in self.centres]
        yield self.make_tool_types()
        yield self.make_units()
        yield from self.make_people()
        yield from self.make_sessions()
        self.plan_timelines()
        self.inspections = self.plan_inspections()
        yield self.unit_rows()
        yield self.make_inspections()
        yield from self.make_history()

    # --- centres, tool types, units ---------------------------------------------------------

    def make_centres(self) -> Rows:
        self.centres = [dict(c, weight=names.DEMO_CENTRE_WEIGHT.get(c["code"], 1.0))
                        for c in self.base.centres]
        rows = []
        for code, name_ka, name_en, municipality, weight, days, phone in \
                names.CENTRES[:self.plan.centres]:
            centre_id = self.next_id("centre")
            street_ka, street_en = self.rng.choice(names.STREETS)
            number = self.between(1, 120)
            opens, closes = ("09:00", "18:00") if days == 0b0011111 else ("10:00", "19:00")
            place = BY_CODE[municipality]
            rows.append((centre_id, code, name_ka, name_en, municipality,
                         f"{place.name_ka}, {street_ka} №{number}",
                         f"{number} {street_en}, {place.name_en}", phone, "Asia/Tbilisi", days,
                         self.enc.time(opens), self.enc.time(closes), True, self.created()))
            self.centres.append({"id": centre_id, "code": code, "opening_days": days,
                                 "municipality": municipality, "asset_seq": 0,
                                 "weight": weight, "new": True})
        return self.rows("centre", "id code name_ka name_en municipality address_ka address_en "
                         "phone timezone opening_days opens_at closes_at active created_at",
                         rows)

    def centre_open_days(self, centre: dict[str, Any]) -> list[int]:
        first, last = self.first_day - 400, self.today + HORIZON_DAYS
        mask = centre["opening_days"]
        return [o for o in range(first, last + 1) if is_open_on(mask, date.fromordinal(o))]

    def make_tool_types(self) -> Rows:
        rng = self.rng
        bases = self.base.tool_types
        self.tool_types = [dict(t, popularity=rng.lognormvariate(0, 0.7)) for t in bases]
        rows = []
        for n in range(self.plan.tool_types):
            model = bases[n % len(bases)]
            tool_id = self.next_id("tool_type")
            spec = rng.choice(names.SPECS)
            code = f"{rng.choice(names.MODEL_LETTERS)}-{self.between(100, 999)}"
            suffix = f" {spec} {code}"
            fee = int(round(model["daily_fee"] * rng.uniform(0.6, 1.8), -1))
            deposit = int(round(model["deposit"] * rng.uniform(0.6, 1.8), -2)) \
                if rng.random() < 0.35 else 0
            tool = {**model, "id": tool_id, "daily_fee": fee, "deposit": deposit,
                    "popularity": min(5.0, rng.lognormvariate(0, 0.7))}
            self.tool_types.append(tool)
            name_ka, name_en = model["name_ka"] + suffix, model["name_en"] + suffix
            name_ru = model["name_ru"] + suffix if model["name_ru"] else ""
            rows.append((
                tool_id, f"{model['slug']}-{tool_id}", model["category"], name_ka, name_en,
                name_ru, model["description_ka"], model["description_en"],
                model["description_ru"], model["safety_notes_ka"], model["safety_notes_en"],
                fee, deposit, model["max_loan_days"], model["required_skill"],
                model["inspection_interval_days"], search_text(name_ka, name_en, name_ru),
                rng.random() > 0.02, fee * self.between(5, 20), self.created()))
        return self.rows(
            "tool_type", "id slug category name_ka name_en name_ru description_ka description_en "
            "description_ru safety_notes_ka safety_notes_en daily_fee deposit max_loan_days "
            "required_skill inspection_interval_days search_text active saving_per_loan "
            "created_at", rows)

    def make_units(self) -> Update:
        """The units (their rows wait for their inspections and fates); returns the centres'
        asset-tag sequences, which the new units advance."""
        rng = self.rng
        centre_of = {c["id"]: i for i, c in enumerate(self.centres)}
        tools = {t["id"]: t for t in self.tool_types}
        self.units: list[Unit] = []
        for row in self.base.units:
            fate = "kept" if row["status"] != "available" else \
                "out" if rng.random() < 0.08 else "available"
            centre = centre_of[row["centre"]]
            self.units.append(Unit(row["id"], tools[row["tool_type"]], centre,
                                   self.centres[centre]["id"], row["acquired"] or self.first_day,
                                   fate, row["asset_tag"], row["cost"], new=False))
        new_types = self.tool_types[len(self.base.tool_types):] or self.tool_types
        type_weights = [t["popularity"] ** 0.7 for t in new_types]
        centre_weights = [c["weight"] for c in self.centres]
        picks = rng.choices(new_types, type_weights, k=self.plan.units)
        where = rng.choices(range(len(self.centres)), centre_weights, k=self.plan.units)
        for tool, centre in zip(picks, where, strict=True):
            seq = self.centres[centre]["asset_seq"] = self.centres[centre]["asset_seq"] + 1
            roll = rng.random()
            fate = ("lost" if roll < 0.025 else "retired" if roll < 0.055
                    else "maintenance" if roll < 0.075 else "out" if roll < 0.155
                    else "available")
            acquired = (self.first_day - self.between(1, 900) if rng.random() < 0.55
                        else self.between(self.first_day, self.today - 30))
            cost = max(1000, tool["deposit"] * 2 or tool["daily_fee"] * self.between(30, 80))
            self.units.append(Unit(self.next_id("unit"), tool, centre, self.centres[centre]["id"],
                                   acquired, fate, f"{self.centres[centre]['code']}-{seq:04d}",
                                   cost, new=True))
        return Update("centre", "asset_seq", [(c["asset_seq"], c["id"]) for c in self.centres])

    # --- people -------------------------------------------------------------------------------

    def make_people(self) -> Iterator[Rows]:
        rng, enc = self.rng, self.enc
        # the bench's own accounts: desk staff at every centre and a coordinator
        accounts, links = [], []
        self.staff = []
        for index, centre in enumerate(self.centres):
            member_id = self.next_id("member")
            self.staff.append(member_id)
            self.stats.centres.append(centre["code"])
            accounts.append(self.account(member_id, f"Desk {centre['code']} (bench)",
                                         BENCH_PHONE.format(index + 1), "staff", centre["id"]))
            links.append((self.next_id("staff_centre"), member_id, centre["id"]))
        self.coordinator = self.next_id("member")
        accounts.append(self.account(self.coordinator, "Coordinator (bench)", COORDINATOR_PHONE,
                                     "coordinator", None))

        phones = self.phones(self.plan.members)
        documents = rng.sample(range(10**10, 10**11), self.plan.members)
        centre_weights = [c["weight"] for c in self.centres]
        homes = rng.choices(range(len(self.centres)), centre_weights, k=self.plan.members)
        types = self.base.membership_types
        self.people: list[Person] = []
        members, memberships, concessions, consents = [], [], [], []
        for n in range(self.plan.members):
            member_id = self.next_id("member")
            home = homes[n]
            centre = self.centres[home]
            organisation = rng.random() < 0.02
            language = "ka" if organisation else rng.choices(("ka", "ru", "en"), (84, 8, 8))[0]
            sex = "" if organisation else rng.choices(
                ("female", "male", "prefer_not", ""), (49, 47, 2, 2))[0]
            name, latin = self.person_name(sex, language, n)
            if organisation:
                name, latin = names.ASSOCIATION.format(n=self.between(1, 400)), f"association{n}"
            age = rng.choices((self.between(16, 24), self.between(25, 34), self.between(35, 49),
                               self.between(50, 64), self.between(65, 85)),
                              (15, 20, 30, 22, 13))[0]
            born = None if organisation or rng.random() < 0.02 else \
                self.today - int(age * 365.25) - self.between(0, 364)
            situation = "" if organisation else rng.choices(
                ("returning_migrant", "idp", "local_resident", "other", ""),
                (22, 12, 58, 5, 3))[0]
            municipality = centre["municipality"] if rng.random() < 0.9 else \
                rng.choice(self.centres)["municipality"]
            created = self.between(self.first_day, self.first_day + 60) if rng.random() < 0.2 \
                else self.between(self.first_day, self.today - 1)
            roll = rng.random()
            status = ("pending" if roll < 0.03 else "suspended" if roll < 0.037
                      else "erased" if roll < 0.042 else "active")
            created_at = enc.at(created, self.between(*DESK_HOURS_UTC))
            document_type, document = "", ""
            verified_at = verified_by = None
            if status != "pending":
                document_type = rng.choices(("personal_number", "passport", "other"),
                                            (92, 6, 2))[0]
                document = str(documents[n]) if document_type == "personal_number" \
                    else f"{document_type[0].upper()}{documents[n]}"
                verified_at, verified_by = created_at, self.staff[home]
            phone = phones[n]
            email = f"{latin.lower()}.{member_id}@example.com" if rng.random() < 0.25 else None
            password = self.password_hash if rng.random() < 0.3 else ""
            erased_at, erased_on = None, None
            if status == "erased":
                erased_on = self.today - self.between(1, 30)
                erased_at = enc.at(erased_on, self.between(*DESK_HOURS_UTC))
                name, phone, email, password = f"#{member_id}", f"+000{member_id:012d}"[:16], \
                    None, ""
                document_type, document = "", ""
                born = date(date.fromordinal(born).year, 7, 1).toordinal() if born else None
            members.append((
                member_id, name, phone, email, password, "member", status, language,
                centre["id"], created_at, erased_at or created_at, document_type, document,
                enc.day(born) if born else None, sex, municipality, situation, "", verified_at,
                verified_by, erased_at))

            concession = self.concession_for(situation, age if born else None)
            kind = "" if status == "pending" else "organisation" if organisation \
                else "concession" if concession else "standard"
            person = Person(member_id, home, created, status, None, concession,
                            erased_on=erased_on)
            if kind:
                memberships.extend(self.memberships_of(person, types[kind], created_at))
            if concession:
                concessions.append((
                    self.next_id("member_concession"), member_id, concession["id"],
                    concession["proof"], enc.day(self.today + self.between(-60, 365)), created_at,
                    self.staff[home], None))
            if status != "erased":
                for kind_, version in (("rental_agreement", RENTAL_AGREEMENT_VERSION),
                                       ("data_processing", DATA_PROCESSING_VERSION)):
                    consents.append((self.next_id("member_consent"), member_id, kind_, version,
                                     created_at))
            self.people.append(person)
        # the bench's member login: the first generated member who may book today, so /me
        # shows a real history (the phone and password change, nothing the rng draws)
        chosen = next((n for n, person in enumerate(self.people) if self.may_book(person)), None)
        if chosen is not None:
            row = list(members[chosen])
            row[2], row[4] = MEMBER_PHONE, self.password_hash
            members[chosen] = tuple(row)
        yield self.rows("member", "id name phone email password_hash role status language "
                        "home_centre created_at updated_at id_document_type id_document_number "
                        "birth_date sex municipality situation notes verified_at verified_by "
                        "erased_at", accounts + members)
        yield self.rows("staff_centre", "id member centre", links)
        yield self.rows("membership", "id member membership_type starts_on ends_on status "
                        "suspended_reason created_at created_by", memberships)
        yield self.rows("member_concession", "id member category proof expires_on granted_at "
                        "granted_by revoked_at", concessions)
        yield self.rows("member_consent", "id member kind version given_at", consents)
        self.index_people()

    def account(self, member_id: int, name: str, phone: str, role: str,
                centre: int | None) -> tuple:
        at = self.created()
        return (member_id, name, phone, None, self.password_hash, role, "active", "ka", centre,
                at, at, "", "", None, "", "", "", "", at, None, None)

    def phones(self, count: int) -> list[str]:
        """Unique mobile numbers, none the base seed or the bench accounts use."""
        prefixes = names.MOBILE_PREFIXES
        numbers = []
        for value in self.rng.sample(range(len(prefixes) * 10**6), count + 50):
            phone = f"+995{prefixes[value // 10**6]}{value % 10**6:06d}"
            if phone not in self.base.phones:
                numbers.append(phone)
        return numbers[:count]

    def person_name(self, sex: str, language: str, n: int) -> tuple[str, str]:
        rng = self.rng
        female = sex == "female" or (sex in ("", "prefer_not") and n % 2 == 0)
        if language == "ru":
            first = rng.choice(names.RU_FEMALE if female else names.RU_MALE)
            surname = rng.choice(names.RU_SURNAMES)[0 if female else 1]
            latin_first, latin_last = f"ru{n}", "member"
            return f"{first} {surname}", f"{latin_first}.{latin_last}"
        first = rng.choice(names.FEMALE if female else names.MALE)
        surname = rng.choice(names.SURNAMES)
        latin = f"{first[1]}.{surname[1]}"
        if language == "en":
            return f"{first[1]} {surname[1]}", latin
        return f"{first[0]} {surname[0]}", latin

    def concession_for(self, situation: str, age: int | None) -> dict[str, Any] | None:
        rng = self.rng
        proofs = {"returning-migrant": "IOM return certificate", "idp": "IDP card",
                  "youth": "student card", "pensioner": "pension certificate"}
        slug = None
        if situation == "returning_migrant" and rng.random() < 0.6:
            slug = "returning-migrant"
        elif situation == "idp" and rng.random() < 0.7:
            slug = "idp"
        elif age is not None and 18 <= age <= 24 and rng.random() < 0.3:
            slug = "youth"
        elif age is not None and age >= 65 and rng.random() < 0.5:
            slug = "pensioner"
        category = self.base.concessions.get(slug) if slug else None
        return {**category, "proof": proofs[slug]} if category else None

    def memberships_of(self, person: Person, kind: dict[str, Any], created_at: Any) -> list:
        """The current membership and, for older members, the year before (closed)."""
        rng, enc = self.rng, self.enc
        days = kind["validity_days"]
        start = person.created
        while start + days <= self.today:
            start += days
        # one member in seven let the membership lapse: the last one ended before today
        lapsed = rng.random() < 0.14 and start - days >= person.created
        if lapsed:
            start -= days
        status = {"suspended": "suspended", "erased": "closed"}.get(person.status, "active")
        person.membership_ends = start + days - 1
        person.max_open, person.max_out = kind["max_open_bookings"], kind["max_tools_out"]
        staff = self.staff[person.centre]
        rows = [(self.next_id("membership"), person.id, kind["id"], enc.day(start),
                 enc.day(start + days - 1), status,
                 "unpaid damage" if status == "suspended" else "", created_at, staff)]
        if start - days >= person.created:
            rows.append((self.next_id("membership"), person.id, kind["id"],
                         enc.day(start - days), enc.day(start - 1), "closed", "", created_at,
                         staff))
        return rows

    def index_people(self) -> None:
        """Who may borrow where and when: per centre, members in the order they joined."""
        self.by_centre = [[] for _ in self.centres]
        for person in sorted(self.people, key=lambda p: p.created):
            self.by_centre[person.centre].append(person)
        self.joined = [[p.created for p in pool] for pool in self.by_centre]
        self.everyone = sorted(self.people, key=lambda p: p.created)
        self.everyone_joined = [p.created for p in self.everyone]
        self.can_book = [[p for p in pool if self.may_book(p)] for pool in self.by_centre]
        self.can_book_anywhere = [p for pool in self.can_book for p in pool]

    def may_book(self, person: Person) -> bool:
        return person.status == "active" and person.membership_ends is not None \
            and person.membership_ends >= self.today

    def member_on(self, centre: int, day: int) -> Person:
        """A member who had joined by `day`: mostly of this centre; earlier members borrow
        more often."""
        rng = self.rng
        local = rng.random() < 0.85
        pool, joined = (self.by_centre[centre], self.joined[centre]) if local else \
            (self.everyone, self.everyone_joined)
        known = bisect.bisect_right(joined, day)
        if not known:
            pool, known = self.everyone, max(1, bisect.bisect_right(self.everyone_joined, day))
        for _ in range(4):
            person = pool[int(known * rng.random() ** 1.4)]
            if person.erased_on is None or day < person.erased_on:
                return person
        return person

    def borrower_now(self, centre: int, skill: int | None, loan: bool) -> Person:
        """A member who may book today, within their membership's limits (the fewest open
        bookings of a few picked at random), certified when the tool needs it."""
        pools = [self.certified_now.get(skill, [])] if skill else []
        pools += [self.can_book[centre], self.can_book_anywhere]
        for pool in filter(None, pools):
            picks = [self.pick(pool) for _ in range(3)]
            if loan:
                chosen = min((p for p in picks if p.out_count < p.max_out),
                             key=lambda p: p.out_count, default=None)
            else:
                chosen = min((p for p in picks if p.open_count < p.max_open),
                             key=lambda p: p.open_count, default=None)
            if chosen:
                if loan:
                    chosen.out_count += 1
                else:
                    chosen.open_count += 1
                return chosen
        # every member who may book is at their limit (only in a tiny data set)
        fallback = self.can_book_anywhere or self.everyone
        return self.pick(fallback)

    # --- sessions, enrolments, certificates ---------------------------------------------------

    def make_sessions(self) -> Iterator[Rows]:
        rng, enc = self.rng, self.enc
        skills = self.base.skills
        sessions, enrolments, certificates = [], [], []
        self.certified_ever: dict[int, list[Person]] = {}
        self.certified_now: dict[int, list[Person]] = {}
        codes: set[str] = set()
        weights = [c["weight"] for c in self.centres]
        where = rng.choices(range(len(self.centres)), weights, k=self.plan.sessions)
        for centre in where:
            session_id = self.next_id("skill_session")
            days = self.open_days[centre]
            future = rng.random() < 0.05
            low = bisect.bisect_left(days, self.today + 1 if future else self.first_day)
            high = bisect.bisect_right(days, self.today + 45 if future else self.today - 1)
            day = days[rng.randrange(low, high)]
            starts = self.between(10, 16) * 60 - UTC_OFFSET_MINUTES
            skill = rng.choice(skills) if skills and rng.random() < 0.6 else None
            title_ka, title_en = (skill["name_ka"], skill["name_en"]) if skill \
                else rng.choice(names.OPEN_SESSIONS)
            capacity = self.between(6, 20)
            cancelled = rng.random() < 0.03
            staff = self.staff[centre]
            people = [] if cancelled else self.attendees(centre, day, capacity, future)
            enrolled = 0
            for position, person in enumerate(people):
                status = "cancelled" if position < len(people) // 12 else \
                    "enrolled" if enrolled < capacity else "waitlisted"
                enrolled += status == "enrolled"
                attended = status == "enrolled" and not future and rng.random() < 0.82
                enrolments.append((self.next_id("enrolment"), session_id, person.id, status,
                                   attended, enc.at(day - self.between(1, 14), starts), person.id))
                if attended and skill:
                    code = f"{rng.getrandbits(64):016x}"
                    while code in codes:
                        code = f"{rng.getrandbits(64):016x}"
                    codes.add(code)
                    validity = skill["validity_days"]
                    expires = day + validity if validity else None
                    certificates.append((
                        self.next_id("certificate"), person.id, skill["id"], enc.day(day),
                        enc.day(expires) if expires else None, session_id, code, "",
                        enc.at(day, starts + 120), staff))
                    self.certified_ever.setdefault(skill["id"], []).append(person)
                    if (expires is None or expires >= self.today) and self.may_book(person):
                        self.certified_now.setdefault(skill["id"], []).append(person)
            sessions.append((
                session_id, self.centres[centre]["id"], skill["id"] if skill else None,
                title_ka, title_en, "", "", rng.choice(names.ROOMS),
                rng.choice(names.INSTRUCTORS), enc.at(day, starts), enc.at(day, starts + 120),
                capacity, enrolled, rng.choices(("everyone", "youth", "returning_migrants"),
                                                (60, 20, 20))[0],
                rng.choices(("ka", "en", "ru"), (90, 5, 5))[0], None,
                "cancelled" if cancelled else "scheduled",
                enc.at(day - self.between(7, 30), starts), self.coordinator))
        yield self.rows("skill_session", "id centre skill title_ka title_en description_ka "
                        "description_en room instructor starts_at ends_at capacity enrolled "
                        "audience language series status created_at created_by", sessions)
        yield self.rows("enrolment", "id session member status attended created_at created_by",
                        enrolments)
        yield self.rows("certificate", "id member skill issued_on expires_on session code "
                        "reason created_at created_by", certificates)

    def attendees(self, centre: int, day: int, capacity: int, future: bool) -> list[Person]:
        rng = self.rng
        pool = self.by_centre[centre]
        known = bisect.bisect_right(self.joined[centre], day - 1)
        fill = rng.uniform(0.0, 0.9) if future else rng.uniform(0.4, 1.3)
        wanted = min(known, round(capacity * fill) + round(capacity * fill) // 11)
        return [pool[i] for i in rng.sample(range(known), wanted)]

    # --- the units' timelines -----------------------------------------------------------------

    def plan_timelines(self) -> None:
        """Every unit's bookings, past and future, as compact lists (rows come later)."""
        self.bookings: list[list] = []  # see add_booking
        self.idle_repairs: list[Unit] = []  # in maintenance without a loan that broke them
        past_windows = [self.past_window(unit) for unit in self.units]
        weights = [(last - first) * u.tool_type["popularity"] * self.centres[u.centre]["weight"]
                   for u, (first, last) in zip(self.units, past_windows, strict=True)]
        caps = [(last - first) // 3 for first, last in past_windows]
        # the loans out today (placed with the windows) are past bookings too
        past = allocate(self.plan.past_bookings - len(self.bookings), weights, caps)
        for unit, window, count in zip(self.units, past_windows, past, strict=True):
            self.place_past(unit, window, count)
        future_windows = [self.future_window(unit) for unit in self.units]
        weights = [(last - first) * u.tool_type["popularity"]
                   for u, (first, last) in zip(self.units, future_windows, strict=True)]
        caps = [(last - first) // 3 for first, last in future_windows]
        future = allocate(self.plan.future_bookings, weights, caps)
        for unit, window, count in zip(self.units, future_windows, future, strict=True):
            self.place_future(unit, window, count)
        # booking ids in the order the bookings were made
        self.bookings.sort(key=lambda b: b[CREATED])
        for booking in self.bookings:
            booking[ID] = self.next_id("booking")

    def past_window(self, unit: Unit) -> tuple[int, int]:
        """Open-day indexes [first, last) in which the unit's past bookings lie."""
        days = self.open_days[unit.centre]
        ends = self.today
        if unit.fate == "lost":
            ends = self.today - self.between(61, 1500)
        elif unit.fate == "retired":
            ends = self.today - self.between(0, 1400)
        starts = max(self.first_day, unit.acquired + 1)
        if ends < starts + 60:
            unit.fate = "available" if unit.fate in ("lost", "retired") else unit.fate
            ends = self.today
        first = bisect.bisect_left(days, starts)
        last = bisect.bisect_left(days, ends)  # today belongs to the present
        if unit.fate == "out":
            last = self.place_out_loan(unit, first, last)
        return first, max(first, last)

    def place_out_loan(self, unit: Unit, first: int, last: int) -> int:
        """The loan a unit is out on today; returns where its earlier bookings must end."""
        rng, days = self.rng, self.open_days[unit.centre]
        today_index = bisect.bisect_right(days, self.today) - 1
        steps = self.between(1, 4)
        end = today_index - self.between(1, 15) if rng.random() < 0.2 \
            else today_index + self.between(0, steps)  # a fifth of them overdue
        start = end - steps
        if start <= first or start > today_index:
            unit.fate = "available"
            return last
        start, end = self.within_loan_days(unit, start, end)
        self.add_booking(unit, start, end, "out", end)
        unit.out_until = days[end]
        return start

    def within_loan_days(self, unit: Unit, start: int, end: int) -> tuple[int, int]:
        days, most = self.open_days[unit.centre], unit.tool_type["max_loan_days"]
        while end > start and days[end] - days[start] > most:
            end -= 1
        return start, end

    def place_past(self, unit: Unit, window: tuple[int, int], count: int) -> None:
        rng = self.rng
        first, last = window
        if count == 0:
            if unit.fate == "maintenance":
                self.idle_repairs.append(unit)
            return
        plans = []
        for _ in range(count):
            roll = rng.random()
            kind = "cancelled" if roll < 0.07 else "no_show" if roll < 0.12 else "returned"
            steps = min(int(rng.expovariate(1 / 2.2)), 10)
            late = self.between(1, 8) if kind == "returned" and rng.random() < 0.1 else 0
            plans.append([kind, steps, late])
        if unit.fate in ("lost", "maintenance"):  # the last loan lost the unit or broke it
            plans[-1][0] = unit.fate
        placed = self.place(plans, first, last)
        days = self.open_days[unit.centre]
        for index, (start, (kind, steps, late)) in enumerate(placed):
            start, end = self.within_loan_days(unit, start, start + steps)
            following = days[placed[index + 1][0]] if index + 1 < len(placed) else None
            self.add_booking(unit, start, end, kind, end + late, following)

    def place(self, plans: list[list], first: int, last: int) -> list[tuple[int, list]]:
        """Blocks of 1 + steps + late open days one after another in [first, last), with
        random gaps: (start index, plan). Blocks shrink when the window is too short."""
        spare = (last - first) - sum(1 + steps + late for _kind, steps, late in plans)
        index = 0
        while spare < 0:  # shorten lateness first, then loans, round the blocks
            plan = plans[index % len(plans)]
            if plan[2] or plan[1]:
                plan[2 if plan[2] else 1] -= 1
                spare += 1
            index += 1
        cuts = sorted(int(self.random() * (spare + 1)) for _ in plans)
        taken, placed = 0, []
        for plan, cut in zip(plans, cuts, strict=True):
            placed.append((first + cut + taken, plan))
            taken += 1 + plan[1] + plan[2]
        return placed

    def future_window(self, unit: Unit) -> tuple[int, int]:
        if unit.fate not in ("available", "out"):
            return 0, 0
        days = self.open_days[unit.centre]
        starts = max(self.today, (unit.out_until or self.today - 1) + 1)
        return (bisect.bisect_left(days, starts),
                bisect.bisect_right(days, self.today + HORIZON_DAYS))

    def place_future(self, unit: Unit, window: tuple[int, int], count: int) -> None:
        plans = [["reserved", min(int(self.rng.expovariate(1 / 1.5)), 4), 0]
                 for _ in range(count)]
        for start, (_kind, steps, _late) in self.place(plans, *window) if plans else []:
            start, end = self.within_loan_days(unit, start, start + steps)
            self.add_booking(unit, start, end, "reserved", end)

    def add_booking(self, unit: Unit, start: int, end: int, kind: str, back: int,
                    following: int | None = None) -> None:
        """One booking as a list: id, when it was made (minutes), unit, member, start, end
        (ordinals), status, the day it came back or was lost, the check-out and check-in
        minutes, made by the member (else walk-in), return condition, its repair ticket (the
        day it was resolved, or "open"); check-out and check-in append their receipts."""
        rng, days = self.rng, self.open_days[unit.centre]
        starts, ends, back_on = days[start], days[end], days[min(back, len(days) - 1)]
        skill = unit.tool_type["required_skill"]
        if kind in ("out", "reserved"):
            person = self.borrower_now(unit.centre, skill, loan=kind == "out")
        elif skill and self.certified_ever.get(skill) and rng.random() < 0.9:
            person = self.pick(self.certified_ever[skill])
        else:
            person = self.member_on(unit.centre, starts)
        out_minute = self.between(*DESK_HOURS_UTC)
        reserved = kind in ("cancelled", "no_show", "reserved") or rng.random() < 0.6
        if reserved:
            made = min(starts - self.between(1, 14), self.today - 1)
            created = made * 1440 + int(self.random() * 1440)
        else:
            created = starts * 1440 + out_minute
        condition, ticket = None, None
        if kind == "maintenance":
            kind, condition, ticket = "returned", "damaged", "open"
        elif kind == "returned":
            roll = rng.random()
            condition = "fine" if roll < 0.85 else "needs_cleaning" if roll < 0.95 \
                else "damaged" if roll < 0.985 else "missing_parts"
            if condition in ("damaged", "missing_parts"):
                repaired = back_on + self.between(1, 6)
                ticket = min(repaired, following or self.today)
        elif kind == "lost":
            back_on = ends + FEES["lost_after_days"] + self.between(1, 30)
        self.bookings.append([0, created, unit, person, starts, ends, kind, back_on,
                              out_minute, self.between(*DESK_HOURS_UTC), reserved, condition,
                              ticket])

    # --- unit rows and inspections ------------------------------------------------------------

    def unit_rows(self) -> Rows:
        """The new units' rows, now that their inspections and fates are known."""
        enc, rng = self.enc, self.rng
        rows = []
        for unit in self.units:
            if not unit.new:
                continue
            status = {"lost": "lost", "retired": "retired",
                      "maintenance": "maintenance"}.get(unit.fate, "available")
            reason = {"lost": "not returned", "retired": "worn out"}.get(unit.fate, "")
            done = self.inspections.get(unit.id)
            rows.append((
                unit.id, unit.tool_type["id"], unit.centre_id, unit.tag, f"SN{unit.id:07d}",
                rng.choice(("new", "good", "good", "fair", "poor")), status,
                enc.day(unit.acquired), unit.cost, rng.choice(names.DONORS),
                enc.day(done[-1][0]) if done else None, enc.at(unit.acquired, 360), reason,
                done[-1][1] if done else None))
        return self.rows("unit", "id tool_type centre asset_tag serial_number condition status "
                         "acquired_on cost donor last_inspected_on created_at status_reason "
                         "last_inspection_result", rows)

    def plan_inspections(self) -> dict[int, list[tuple[int, str]]]:
        """Electrical inspections of new units whose tool type needs them: (day, result)."""
        rng = self.rng
        found: dict[int, list[tuple[int, str]]] = {}
        for unit in self.units:
            interval = unit.tool_type["inspection_interval_days"]
            if not unit.new or not interval:
                continue
            day = max(unit.acquired, self.first_day - interval) + self.between(0, 30)
            overdue = rng.random() < 0.03  # a unit the desk must refuse until inspected
            stop = self.today - interval - 10 if overdue else self.today
            done = []
            while day <= stop:
                done.append((day, "fail" if rng.random() < 0.01 else "pass"))
                day += interval - self.between(0, 40)
            if done and done[-1][1] == "fail" and rng.random() < 0.8:
                done.append((min(self.today, done[-1][0] + self.between(3, 10)), "pass"))
            if done:
                found[unit.id] = done
        return found

    def make_inspections(self) -> Rows:
        enc, rng = self.enc, self.rng
        rows = []
        for unit in self.units:
            for day, result in self.inspections.get(unit.id, []):
                rows.append((self.next_id("inspection"), unit.id, enc.day(day),
                             rng.choice(names.INSPECTORS), result,
                             "" if result == "pass" else "insulation below 1 MΩ",
                             self.staff[unit.centre], enc.at(day, self.between(*DESK_HOURS_UTC))))
        return self.rows("inspection", "id unit inspected_on inspector result notes recorded_by "
                         "recorded_at", rows)

    # --- the history: receipts, bookings, ledger, tickets --------------------------------------

    COLUMNS = {
        "maintenance_ticket": "id unit opened_at opened_by description photo work_notes "
                              "parts_cost outcome resolved_at resolved_by",
        "receipt": "id member centre kind created_at created_by",
        "booking": "id member tool_type unit centre starts_on ends_on status created_at "
                   "created_by checked_out_at returned_at renewals out_receipt in_receipt "
                   "return_condition return_notes return_ticket lost_at ended_on",
        "ledger_entry": "id receipt member centre kind amount method reference funder reason "
                        "loan reverses created_at created_by concession",
    }  # in the order foreign keys expect

    def make_history(self) -> Iterator[Rows]:
        """Desk actions in time order: each loan's check-out, then its check-in (or loss) when
        its time comes; bookings that never went out are written as they are."""
        out: dict[str, list[tuple]] = {table: [] for table in self.COLUMNS}
        loans = [b for b in self.bookings if b[KIND] in ("returned", "lost", "out")]
        loans.sort(key=lambda b: b[START] * 1440 + b[OUT_MINUTE])
        pending: list[tuple[int, int, list]] = []
        for booking in loans:
            moment = booking[START] * 1440 + booking[OUT_MINUTE]
            while pending and pending[0][0] < moment:
                self.check_in(heapq.heappop(pending)[2], out)
            self.check_out(booking, out)
            if booking[KIND] == "out":
                self.write_booking(booking, out)
            else:
                heapq.heappush(pending, (booking[BACK] * 1440 + booking[BACK_MINUTE],
                                         booking[ID], booking))
            if len(out["ledger_entry"]) >= CHUNK:
                yield from self.flush(out)
        while pending:
            self.check_in(heapq.heappop(pending)[2], out)
        for booking in self.bookings:
            if booking[KIND] in ("cancelled", "no_show", "reserved"):
                self.write_booking(booking, out)
        for unit in self.idle_repairs:
            self.write_ticket(unit, None, out)
        yield from self.flush(out)

    def flush(self, out: dict[str, list[tuple]]) -> Iterator[Rows]:
        for table, columns in self.COLUMNS.items():
            if out[table]:
                yield self.rows(table, columns, out[table])
                out[table] = []

    def receipt(self, booking: list, kind: str, day: int, minute: int,
                out: dict[str, list[tuple]]) -> tuple[int, Any, int]:
        receipt_id = next(self.receipt_ids)
        unit = booking[UNIT]
        at = self.enc.at(day, minute)
        staff = self.staff[unit.centre]
        out["receipt"].append((receipt_id, booking[MEMBER].id, unit.centre_id, kind, at, staff))
        return receipt_id, at, staff

    def entry(self, out: dict[str, list[tuple]], receipt: tuple[int, Any, int], booking: list,
              kind: str, amount: int, method: str = "", reference: str = "", funder: str = "",
              reason: str = "", concession: int | None = None) -> None:
        """A ledger entry; a zero amount writes nothing, as the desk does."""
        if amount:
            receipt_id, at, staff = receipt
            out["ledger_entry"].append((
                next(self.entry_ids), receipt_id, booking[MEMBER].id,
                booking[UNIT].centre_id, kind, amount, method, reference, funder, reason,
                booking[ID], None, at, staff, concession))

    def check_out(self, booking: list, out: dict[str, list[tuple]]) -> None:
        """The fee, the concession's share waived for its funder, the deposit, all paid."""
        rng = self.rng
        tool, person = booking[UNIT].tool_type, booking[MEMBER]
        receipt = self.receipt(booking, "check_out", booking[START], booking[OUT_MINUTE], out)
        booking.append(receipt[0])
        fee = tool["daily_fee"] * loan_days(date.fromordinal(booking[START]),
                                            date.fromordinal(booking[END]))
        concession = person.concession
        waived = concession_waiver(fee, concession["discount_percent"]) if concession else 0
        self.entry(out, receipt, booking, "fee", fee)
        if waived:
            self.entry(out, receipt, booking, "waiver", -waived,
                       funder=concession["funder"] or "-", concession=concession["id"])
        self.entry(out, receipt, booking, "deposit", tool["deposit"])
        paid = fee - waived + tool["deposit"]
        if rng.random() < 0.85:
            self.entry(out, receipt, booking, "payment", -paid, method="cash")
        else:
            self.entry(out, receipt, booking, "payment", -paid, method="card",
                       reference=f"{int(self.random() * 10**6):06d}")

    def check_in(self, booking: list, out: dict[str, list[tuple]]) -> None:
        """The late fee and any damage (or the replacement of a lost unit), the deposit given
        back against them and the rest of it refunded; what is still owed is mostly paid on a
        payment receipt, else it stays owed."""
        rng = self.rng
        unit, person = booking[UNIT], booking[MEMBER]
        lost = booking[KIND] == "lost"
        receipt = self.receipt(booking, "lost" if lost else "check_in", booking[BACK],
                               booking[BACK_MINUTE], out)
        booking.append(receipt[0])
        charged = late_fee(date.fromordinal(booking[END]), date.fromordinal(booking[BACK]),
                           per_day=FEES["late_fee_per_day"], grace_days=FEES["late_grace_days"],
                           cap=FEES["late_fee_cap"])
        self.entry(out, receipt, booking, "late_fee", charged)
        note = ""
        if lost:
            charged += unit.cost
            self.entry(out, receipt, booking, "replacement", unit.cost)
        elif booking[CONDITION] in ("damaged", "missing_parts"):
            note = rng.choice(names.DAMAGE_NOTES)
            damage = rng.randrange(500, 5000, 50) if rng.random() < 0.6 else 0
            charged += damage
            self.entry(out, receipt, booking, "damage", damage, reason=note)
        deposit = unit.tool_type["deposit"]
        self.entry(out, receipt, booking, "deposit_return", -deposit)
        self.entry(out, receipt, booking, "refund", max(0, deposit - charged), method="cash")
        owed = max(0, charged - deposit)
        if owed and rng.random() < (0.5 if lost else 0.85):
            payment = self.receipt(booking, "payment", booking[BACK],
                                   min(booking[BACK_MINUTE] + 5, 1439), out)
            self.entry(out, payment, booking, "payment", -owed, method="cash")
        elif owed:
            self.stats.owed[person.id] = self.stats.owed.get(person.id, 0) + owed
        ticket = self.write_ticket(unit, booking, out, note) if booking[TICKET] else None
        self.write_booking(booking, out, ticket, note)

    def write_ticket(self, unit: Unit, booking: list | None, out: dict[str, list[tuple]],
                     note: str = "") -> int:
        """A repair ticket: opened at the return that found the damage, resolved before the
        unit went out again; still open for a unit in maintenance now."""
        rng, enc = self.rng, self.enc
        ticket_id = self.next_id("maintenance_ticket")
        staff = self.staff[unit.centre]
        if booking is None:
            opened = enc.at(self.today - self.between(1, 20), self.between(*DESK_HOURS_UTC))
        else:
            opened = enc.at(booking[BACK], booking[BACK_MINUTE])
        resolved = booking[TICKET] if booking else "open"
        description = f"{unit.tag}: {note or 'the inspection found a fault'}"
        if resolved == "open":
            row = (ticket_id, unit.id, opened, staff, description, "", "", 0, None, None, None)
        else:
            row = (ticket_id, unit.id, opened, staff, description, "", "replaced the worn part",
                   rng.randrange(0, 3000, 100), "repaired",
                   enc.at(resolved, self.between(*DESK_HOURS_UTC)), staff)
        out["maintenance_ticket"].append(row)
        return ticket_id

    def write_booking(self, booking: list, out: dict[str, list[tuple]], ticket: int | None = None,
                      note: str = "") -> None:
        enc = self.enc
        unit, person, kind = booking[UNIT], booking[MEMBER], booking[KIND]
        went_out, ended = kind in ("returned", "lost", "out"), kind in ("returned", "lost")
        back = enc.at(booking[BACK], booking[BACK_MINUTE]) if ended else None
        created = booking[CREATED]
        out["booking"].append((
            booking[ID], person.id, unit.tool_type["id"], unit.id, unit.centre_id,
            enc.day(booking[START]), enc.day(booking[END]), kind,
            enc.at(created // 1440, created % 1440),
            person.id if booking[MADE_BY_MEMBER] else self.staff[unit.centre],
            enc.at(booking[START], booking[OUT_MINUTE]) if went_out else None,
            back if kind == "returned" else None, 0,
            booking[RECEIPT_OUT] if went_out else None, booking[RECEIPT_IN] if ended else None,
            booking[CONDITION], note, ticket, back if kind == "lost" else None,
            enc.day(booking[BACK]) if ended else None))


# positions in a booking's list (see Network.add_booking)
(ID, CREATED, UNIT, MEMBER, START, END, KIND, BACK, OUT_MINUTE, BACK_MINUTE, MADE_BY_MEMBER,
 CONDITION, TICKET, RECEIPT_OUT, RECEIPT_IN) = range(15)


def allocate(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """`total` split in proportion to the weights, none above its cap (the rest goes to the
    others); deterministic. Less than `total` only when the caps cannot hold it."""
    counts = [0] * len(weights)
    remaining = total
    open_ = [i for i, cap in enumerate(caps) if cap > 0 and weights[i] > 0]
    while remaining > 0 and open_:
        weight_sum = sum(weights[i] for i in open_)
        shares = {i: remaining * weights[i] / weight_sum for i in open_}
        given = 0
        for i in open_:
            add = min(int(shares[i]), caps[i] - counts[i])
            counts[i] += add
            given += add
        remaining -= given
        if remaining and not given or remaining < len(open_):
            # hand the rest out one by one, largest share first
            for i in sorted(open_, key=lambda i: shares[i] - int(shares[i]), reverse=True):
                if not remaining:
                    break
                if counts[i] < caps[i]:
                    counts[i] += 1
                    remaining -= 1
        open_ = [i for i in open_ if counts[i] < caps[i]]
    return counts
