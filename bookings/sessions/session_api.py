"""The sessions API (issue 22): the sessions list and a session (public, as the pages are),
enrolling and leaving (the member themselves), the attendance sheet (the desk of the session's
centre), the asker's certificates and the public check of a certificate's code. Each route
calls the service its page calls, so the rules, the refusals and their messages are the
pages'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.spec import Example
from litestar.params import Body, Parameter

from bookings.sessions import services as sessions
from bookings.sessions.rules import certificate_valid, places_free
from rental.kernel import api, i18n, web
from rental.kernel.api import ApiController, Named, PageParam, Paging, PerPageParam, named
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.values import FIRST_DAY, LAST_DAY, MAX_INT
from rental.kernel.web import Id, current_user

# --- what the API answers ----------------------------------------------------------------------

CertificateStatus = Literal["valid", "expired", "revoked"]


@dataclass
class SessionItem:
    id: int
    title_ka: str
    title_en: str
    title_ru: str
    skill: Named | None  # the skill attending it certifies, if any
    centre: Named
    room: str
    starts_at: datetime
    ends_at: datetime
    status: str  # scheduled, cancelled
    audience: str
    language: str  # the language it is taught in
    capacity: int
    places_free: int
    waitlist: int  # members waiting for a place


@dataclass
class SessionList(Paging):
    items: list[SessionItem]


@dataclass
class SessionDetail(SessionItem):
    description_ka: str
    description_en: str
    description_ru: str
    instructor: str
    mine: str | None  # the asker's place: enrolled, waitlisted, or null
    place_in_line: int | None  # on the waitlist: 1 is the next to get a place


@dataclass
class EnrolmentOut:
    session_id: int
    status: str  # enrolled, waitlisted; after leaving: cancelled
    place_in_line: int | None  # waitlisted: 1 is the next to get a place


@dataclass
class CertificateItem:
    id: int
    code: str  # what GET /api/v1/verify/{code} checks
    skill: Named
    issued_on: date
    expires_on: date | None  # null: it does not expire
    status: CertificateStatus
    session_id: int | None  # the session that earned it; null: granted by a coordinator


@dataclass
class Verification:
    """What the public /verify page shows: the verdict, the skill, the day, the initials."""

    code: str
    status: CertificateStatus
    skill: Named
    issued_on: date
    holder_initials: str


@dataclass
class AttendanceRow:
    member_id: int
    name: str
    attended: bool


@dataclass
class AttendanceSheet:
    """The desk's sheet of a session: who holds a place (ticked when they came) and who waits."""

    session_id: int
    enrolled: list[AttendanceRow]
    waitlisted: list[AttendanceRow]


@dataclass
class TickIn:
    member_id: Id
    attended: bool


def _sheet(sheet: dict[str, Any]) -> AttendanceSheet:
    def rows(key: str) -> list[AttendanceRow]:
        return [AttendanceRow(member_id=row["member"], name=row["member_name"] or "",
                              attended=bool(row["attended"])) for row in sheet[key]]

    return AttendanceSheet(session_id=sheet["session"]["id"], enrolled=rows("enrolled"),
                           waitlisted=rows("waitlisted"))


def _instant(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _session_fields(row: dict[str, Any], waiting: int) -> dict[str, Any]:
    return {
        "id": row["id"], "title_ka": row["title_ka"] or "", "title_en": row["title_en"] or "",
        "title_ru": row["title_ru"] or "",
        "skill": named(row, "skill_name", "skill") if row["skill"] else None,
        "centre": named(row, "centre_name", "centre"), "room": row["room"] or "",
        "starts_at": _instant(row["starts_at"]), "ends_at": _instant(row["ends_at"]),
        "status": row["status"], "audience": row["audience"], "language": row["language"],
        "capacity": row["capacity"], "places_free": places_free(row),
        "waitlist": waiting}


def _status(certificate: dict[str, Any], today: date) -> CertificateStatus:
    if certificate["revoked_at"] is not None:
        return "revoked"
    return "valid" if certificate_valid(certificate, today) else "expired"


def _certificate(row: dict[str, Any], today: date) -> CertificateItem:
    return CertificateItem(
        id=row["id"], code=row["code"], skill=named(row, "skill_name", "skill"),
        issued_on=row["issued_on"], expires_on=row["expires_on"], status=_status(row, today),
        session_id=row["session"])


def _day_in_window(day: date | None, field: str) -> date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise DomainError("invalid", {field: (N_(
            "Choose a date between %(first)s and %(last)s."), {
            "first": i18n.format_date(FIRST_DAY), "last": i18n.format_date(LAST_DAY)})})
    return day


async def _staff_of_the_sessions_centre(connection: ASGIConnection,
                                        _: BaseRouteHandler) -> None:
    """Another centre's desk is refused (403) before its body is read, so it learns nothing
    from a 400 or 422; the service checks again inside its transaction."""
    centre = await sessions.session_centre(connection.path_params["session_id"])
    if centre is not None and not current_user(connection).can_act_for(centre):
        raise PermissionDeniedException()


async def _enrolment(session_id: int, member_id: int) -> EnrolmentOut:
    view = await sessions.session_view(session_id, member_id)
    mine = view["mine"] if view else None
    return EnrolmentOut(session_id=session_id, status=mine["status"] if mine else "cancelled",
                        place_in_line=view["place"] if view else None)


# --- OpenAPI links ------------------------------------------------------------------------------

TO_THE_SESSION = {
    "read": api.link_to("getSession", "session_id", "Read the session."),
    "enrol": api.link_to("enrolInSession", "session_id", "Take a place, or join the waitlist."),
}
FROM_THE_SESSION = {
    "enrol": api.link_to("enrolInSession", "session_id", "Take a place, or join the waitlist."),
    "leave": api.link_to("leaveSession", "session_id", "Leave the session or its waitlist."),
}

# --- the examples ------------------------------------------------------------------------------

SAMGORI = {"id": 1, "name_ka": "სამგორის ცენტრი", "name_en": "Samgori centre",
           "name_ru": "Центр Самгори"}
SAFETY = {"id": 2, "name_ka": "ხელსაწყოების უსაფრთხოება", "name_en": "Power tool safety",
          "name_ru": "Безопасная работа с электроинструментом"}
SESSION = {"id": 14, "title_ka": "ხელსაწყოების უსაფრთხოება", "title_en": "Power tool safety",
           "title_ru": "Безопасная работа с электроинструментом", "skill": SAFETY,
           "centre": SAMGORI, "room": "Workshop", "starts_at": "2026-12-12T07:00:00Z",
           "ends_at": "2026-12-12T09:00:00Z", "status": "scheduled", "audience": "everyone",
           "language": "ka", "capacity": 8, "places_free": 0, "waitlist": 2}
DETAIL = {**SESSION, "description_ka": "", "description_en": "Safe use of drills and saws.",
          "description_ru": "", "instructor": "Giorgi", "mine": "waitlisted",
          "place_in_line": 2}
ENROLMENT = {"session_id": 14, "status": "waitlisted", "place_in_line": 3}
CERTIFICATE = {"id": 5, "code": "q2Vb7nKc0xYz1aBc", "skill": SAFETY, "issued_on": "2026-12-12",
               "expires_on": "2028-12-12", "status": "valid", "session_id": 14}
SHEET = {"session_id": 14, "enrolled": [
    {"member_id": 42, "name": "Nino Beridze", "attended": True}], "waitlisted": []}
VERIFICATION = {"code": "q2Vb7nKc0xYz1aBc", "status": "valid", "skill": SAFETY,
                "issued_on": "2026-12-12", "holder_initials": "N. B."}


# --- the controllers ---------------------------------------------------------------------------


class SessionsApi(ApiController):
    path = "/api/v1/sessions"
    tags = ["sessions"]

    @get("/", operation_id="listSessions", opt={"access": "public"}, responses={
        **api.refusals(422), **api.answer(200, SessionList, {
            "items": [SESSION], "total": 1, "page": 1, "pages": 1, "next": None})})
    async def list_sessions(
        self, request: Request,
        centre: Annotated[int | None, Parameter(ge=1, le=MAX_INT, description=(
            "the centre's id"))] = None,
        starts: Annotated[date | None, Parameter(query="from", description=(
            "from this day (the centres' time); else the sessions still to start"))] = None,
        ends: Annotated[date | None, Parameter(query="to", description=(
            "through this day (the centres' time)"))] = None,
        page: PageParam = 1, per_page: PerPageParam = 20,
    ) -> SessionList:
        """The sessions, soonest first, cancelled ones too (`status`); 422 when `to` is
        before `from`."""
        _day_in_window(starts, "from")
        _day_in_window(ends, "to")
        if starts and ends and ends < starts:
            raise DomainError("invalid", {"to": N_("The end is before the start.")})
        found = await sessions.session_list(
            centre=centre, from_day=starts, to_day=ends, now=web.now(request),
            timezone=request.app.state.settings.default_timezone, page=page, per_page=per_page)
        return SessionList(
            items=[SessionItem(**_session_fields(row, row["waiting"]))
                   for row in found["items"]],
            **api.paging(request, total=found["total"], page=page, per_page=per_page))

    @get("/{session_id:int}", operation_id="getSession", opt={"access": "public"},
         operation_class=api.linked(200, FROM_THE_SESSION),
         responses=api.answer(200, SessionDetail, DETAIL))
    async def read(self, request: Request, session_id: int) -> SessionDetail:
        """A session as its page shows it; with a token, the asker's place too."""
        page = await sessions.session_page(session_id, current_user(request))
        row, mine = page["session"], page["mine"]
        return SessionDetail(
            **_session_fields(row, page["waiting"]), description_ka=row["description_ka"] or "",
            description_en=row["description_en"] or "",
            description_ru=row["description_ru"] or "", instructor=row["instructor"] or "",
            mine=mine["status"] if mine else None, place_in_line=page["place"])

    @post("/{session_id:int}/enrol", operation_id="enrolInSession", status_code=201,
          opt={"access": "member"}, operation_class=api.linked(201, TO_THE_SESSION),
          responses={**api.refusals(422, 429), **api.answer(
              201, EnrolmentOut, ENROLMENT, "Enrolled, or on the waitlist")})
    async def enrol(self, request: Request, session_id: int) -> Response[EnrolmentOut]:
        """The asker takes a place (as on the page); a full session puts them on its waitlist
        (`waitlisted`, with their place in line). 422: cancelled, started, or enrolled
        already; 403: the account is suspended or its registration is not finished."""
        user = current_user(request)
        await sessions.ask_for_place(session_id, user.id, asker=user,
                                     address=web.client_ip(request), now=web.now(request))
        return Response(await _enrolment(session_id, user.id), status_code=201)

    @post("/{session_id:int}/leave", operation_id="leaveSession", status_code=200,
          opt={"access": "member"}, responses={**api.refusals(422), **api.answer(
              200, EnrolmentOut, {**ENROLMENT, "status": "cancelled", "place_in_line": None},
              "Left")})
    async def leave(self, request: Request, session_id: int) -> EnrolmentOut:
        """The asker leaves the session or its waitlist (as on the page; a freed place goes
        to the first one waiting). 404: not enrolled; 422: it has started."""
        user = current_user(request)
        await sessions.cancel_enrolment(session_id, user.id, actor_id=user.id,
                                        now=web.now(request))
        return await _enrolment(session_id, user.id)

    @get("/{session_id:int}/attendance", operation_id="getAttendance",
         opt={"access": "staff", "scope": "centre"},
         responses=api.answer(200, AttendanceSheet, SHEET))
    async def sheet(self, request: Request, session_id: int) -> AttendanceSheet:
        """The attendance sheet, for the desk of the session's centre (another centre's
        desk: 403)."""
        return _sheet(await sessions.attendance_page(session_id, current_user(request)))

    @post("/{session_id:int}/attendance", operation_id="markAttendance", status_code=200,
          opt={"access": "staff", "scope": "centre"}, guards=[_staff_of_the_sessions_centre],
          responses={
              **api.refusals(422), **api.answer(200, AttendanceSheet, SHEET, "Marked")})
    async def mark(self, request: Request, session_id: int, data: Annotated[TickIn, Body(
            examples=[Example(summary="she came", value={"member_id": 42,
                                                         "attended": True})])],
    ) -> AttendanceSheet:
        """One member's tick, as on the sheet: attending a session that teaches a skill
        earns its certificate, unticking revokes it; 422: not enrolled, cancelled, or before
        the session's day. The sheet as it is after it."""
        return _sheet(await sessions.tick(
            session_id, data.member_id, data.attended, asker=current_user(request),
            now=web.now(request), today=web.today(request)))


class CertificatesApi(ApiController):
    path = "/api/v1"
    tags = ["sessions"]

    @get("/me/certificates", operation_id="listMyCertificates", opt={"access": "member"},
         responses=api.answer(200, list[CertificateItem], [CERTIFICATE]))
    async def mine(self, request: Request) -> list[CertificateItem]:
        """The asker's certificates, newest first: valid, expired or revoked."""
        today = web.today(request)
        return [_certificate(row, today) for row in await sessions.member_certificates(
            current_user(request).id, today)]

    @get("/verify/{code:str}", operation_id="verifyCertificate", opt={"access": "public"},
         responses=api.answer(200, Verification, VERIFICATION))
    async def verify(self, request: Request, code: str) -> Verification:
        """The public check of a certificate's code, as the /verify page: valid, expired or
        revoked, the skill, the day and the holder's initials; an unknown code: 404."""
        today = web.today(request)
        page = await sessions.verification_page(code[:32], today)
        found = page["certificate"]
        return Verification(code=found["code"], status=_status(found, today),
                            skill=named(found, "skill_name", "skill"),
                            issued_on=found["issued_on"], holder_initials=page["initials"])


CONTROLLERS = [SessionsApi, CertificatesApi]
