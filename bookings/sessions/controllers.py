"""Skills sessions and certificates: the public list, enrolment, scheduling, the attendance
sheet, certificates with their public verification page, and the session summary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Parameter
from litestar.response import Template

from bookings.sessions import services as sessions
from bookings.sessions.rules import certificate_valid, parse_session
from bookings.sessions.services import SessionError
from bookings.tables import AUDIENCES, SESSION_LANGUAGES
from rental import members, throttle
from rental.kernel import i18n, web
from rental.kernel.errors import STATUS_OF
from rental.kernel.i18n import N_
from rental.kernel.qr import qr_svg
from rental.kernel.responses import go
from rental.kernel.values import MAX_INT, calendar_day, whole_number
from rental.kernel.web import current_user, form_text, form_values
from rental.member_rules import parse_card_number


def _first_error(error: SessionError) -> Any:
    return next(iter(error.errors.values()))


class SessionPages(Controller):
    path = "/sessions"

    @get("/", opt={"access": "public"})
    async def listing(self, request: Request,
                      centre: int = Parameter(default=0, ge=0, le=MAX_INT),
                      skill: int = Parameter(default=0, ge=0, le=MAX_INT),
                      audience: str = Parameter(default="", max_length=20),
                      starts: str = Parameter(query="from", default="", max_length=10)
                      ) -> Template:
        centres, skills = await sessions.choices()
        rows = await sessions.listing(
            centre=centre or None, skill=skill or None,
            audience=audience if audience in AUDIENCES else None,
            from_day=calendar_day(starts), now=web.now(request),
            timezone=request.app.state.settings.default_timezone)
        return Template("bookings/sessions.html", context={
            "sessions": rows, "centres": centres, "skills": skills, "audiences": AUDIENCES,
            "filters": {"centre": centre, "skill": skill, "audience": audience,
                        "from": starts}})

    @get("/{session_id:int}", opt={"access": "public"})
    async def show(self, request: Request, session_id: int) -> Template:
        user = current_user(request)
        view = await sessions.session_view(session_id, user.id if user else None)
        if view is None:
            raise NotFoundException()
        return Template("bookings/session.html", context=view)

    @post("/{session_id:int}/enrol", opt={"access": "member"})
    async def enrol(self, request: Request, session_id: int) -> Response[Any]:
        """A member enrols; desk staff enrol the member they name (card number or id)."""
        user = current_user(request)
        form = await request.form()
        member = _member_named(form) if user.is_staff else user.id
        back = f"/sessions/{session_id}"
        if not member:
            return go(request, back, N_("Find the member first, then enrol them."), "error")
        if not user.is_staff and (refused := await throttle.too_many(request, "enrol",
                                                                f"member:{member}")):
            return go(request, back, refused, "error")
        try:
            status = await sessions.enrol(session_id, member, actor_id=user.id,
                                          now=web.now(request))
        except SessionError as error:
            if error.kind == "not_found" and "form" in error.errors:
                raise NotFoundException() from None
            return go(request, back, _first_error(error), "error")
        return go(request, back, N_("Enrolled. See you there!") if status == "enrolled"
                   else N_("The session is full: you are on its waitlist and move up when "
                           "someone cancels."))

    @post("/{session_id:int}/leave", opt={"access": "member"})
    async def leave(self, request: Request, session_id: int) -> Response[Any]:
        user = current_user(request)
        form = await request.form()
        member = _member_named(form) if user.is_staff else user.id
        back = form_text(form, "back", 200)
        back = back if back.startswith("/") and not back.startswith("//") else (
            f"/sessions/{session_id}")
        try:
            await sessions.cancel_enrolment(session_id, member or 0, actor_id=user.id,
                                            now=web.now(request))
        except SessionError as error:
            return go(request, back, _first_error(error), "error")
        return go(request, back, N_("Your place is cancelled."))

    @get("/{session_id:int}/attendance", opt={"access": "staff", "scope": "centre"})
    async def sheet(self, request: Request, session_id: int) -> Template:
        view = await _sheet(request, session_id)
        return Template("bookings/attendance.html", context={**view, "errors": {}})

    @post("/{session_id:int}/attendance", opt={"access": "staff", "scope": "centre"})
    async def mark(self, request: Request, session_id: int) -> Template:
        """One member's tick: htmx saves it as the box is clicked; without JavaScript the row's
        button sends the same form."""
        await _sheet(request, session_id)
        form = await request.form()
        member = whole_number(form.get("member")) or 0
        errors: dict[str, Any] = {}
        try:
            await sessions.mark_attendance(
                session_id, member, form.get("attended") == "yes",
                actor_id=current_user(request).id, now=web.now(request), today=web.today(request))
        except SessionError as error:
            errors = {member: _first_error(error)}
        view = await _sheet(request, session_id)
        return Template("bookings/attendance.html", context={**view, "errors": errors},
                        status_code=422 if errors else 200)

    @get("/summary", opt={"access": "coordinator"})
    async def summary(self, request: Request,
                      centre: int = Parameter(default=0, ge=0, le=MAX_INT),
                      starts: str = Parameter(query="from", default="", max_length=10),
                      ends: str = Parameter(query="to", default="", max_length=10)
                      ) -> Template:
        today = web.today(request)
        first = calendar_day(starts) or today.replace(day=1)
        last = calendar_day(ends) or today
        errors = {}
        if last < first:
            errors["to"] = N_("The end is before the start.")
            last = first
        if (last - first).days > 366:
            errors["to"] = N_("Choose at most a year.")
            last = first + timedelta(days=366)
        centres, _ = await sessions.choices()
        view = await sessions.summary(centre or None, first, last,
                                      request.app.state.settings.default_timezone)
        return Template("bookings/session_summary.html", status_code=422 if errors else 200,
                        context={**view, "centres": centres, "centre": centre, "first": first,
                                 "last": last, "errors": errors, "audiences": AUDIENCES})


async def _sheet(request: Request, session_id: int) -> dict[str, Any]:
    view = await sessions.attendance_sheet(session_id)
    if view is None:
        raise NotFoundException()
    if not current_user(request).can_act_for(view["session"]["centre"]):
        raise PermissionDeniedException()
    return view


def _member_named(form: Any) -> int | None:
    text = form_text(form, "member", 20)
    return parse_card_number(text) or whole_number(text)


class SessionManagement(Controller):
    path = "/manage/sessions"
    opt = {"access": "coordinator"}

    async def _form(self, request: Request, session: dict[str, Any] | None,
                    values: dict[str, Any], errors: dict[str, Any], status: int = 200
                    ) -> Template:
        centres, skills = await sessions.choices()
        return Template("bookings/session_form.html", status_code=status, context={
            "session": session, "values": values, "errors": errors, "audiences": AUDIENCES,
            "centre_options": [(str(c["id"]), i18n.localized(c, "name")) for c in centres],
            "skill_options": [(str(s["id"]), i18n.localized(s, "name")) for s in skills],
            "language_options": [(code, i18n.LANGUAGE_NAMES.get(code, "Русский"))
                                 for code in SESSION_LANGUAGES]})

    @get("/new")
    async def new(self, request: Request) -> Template:
        return await self._form(request, None, {"capacity": 10, "weeks": 1,
                                                "audience": "everyone", "language": "ka"}, {})

    @post("/")
    async def create(self, request: Request) -> Response[Any]:
        form = await request.form()
        values, errors = await _parse(request, form)
        if errors:
            return await self._form(request, None, form_values(form), errors, 422)
        first = await sessions.create(values, actor_id=current_user(request).id,
                                      now=web.now(request))
        return go(request, f"/sessions/{first}", N_("The session is scheduled."))

    @get("/{session_id:int}/edit")
    async def edit(self, request: Request, session_id: int) -> Template:
        view = await sessions.session_view(session_id, None)
        if view is None:
            raise NotFoundException()
        return await self._form(request, view["session"], _values_of(view["session"]), {})

    @post("/{session_id:int}")
    async def update(self, request: Request, session_id: int) -> Response[Any]:
        view = await sessions.session_view(session_id, None)
        if view is None:
            raise NotFoundException()
        form = await request.form()
        values, errors = await _parse(request, form, enrolled=view["session"]["enrolled"])
        status = 422
        if not errors:
            try:
                await sessions.update(session_id, values, actor_id=current_user(request).id,
                                      now=web.now(request))
            except SessionError as error:
                errors, status = error.errors, STATUS_OF[error.kind]
            else:
                return go(request, f"/sessions/{session_id}", N_("The session is saved."))
        return await self._form(request, view["session"], form_values(form), errors, status)

    @post("/{session_id:int}/cancel")
    async def cancel(self, request: Request, session_id: int) -> Response[Any]:
        try:
            await sessions.cancel(session_id, actor_id=current_user(request).id,
                                  now=web.now(request))
        except SessionError as error:
            if error.kind == "not_found":
                raise NotFoundException() from None
            return go(request, f"/sessions/{session_id}", _first_error(error), "error")
        return go(request, f"/sessions/{session_id}", N_("The session is cancelled."))


async def _parse(request: Request, form: Any, enrolled: int = 0
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    centres, skills = await sessions.choices()
    zones = {c["id"]: c["timezone"] for c in centres}
    centre = whole_number(form.get("centre"))
    return parse_session(form, timezone=zones.get(centre, "Asia/Tbilisi"), now=web.now(request),
                         skills={s["id"] for s in skills}, centres=set(zones),
                         enrolled=enrolled)


def _values_of(session: dict[str, Any]) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(session["timezone"])
    starts, ends = session["starts_at"].astimezone(zone), session["ends_at"].astimezone(zone)
    return {**session, "day": starts.date().isoformat(), "starts": starts.strftime("%H:%M"),
            "ends": ends.strftime("%H:%M"), "skill": session["skill"] or "", "weeks": 1}


class Certificates(Controller):
    @get("/members/{member_id:int}/certificates", opt={"access": "staff"})
    async def list_for_member(self, request: Request, member_id: int) -> Template:
        member = await members.member_row(member_id)
        if member is None:
            raise NotFoundException()
        _, skills = await sessions.choices()
        record = await sessions.member_record(member_id, web.today(request))
        return Template("bookings/certificates.html", context={
            **record, "member": member, "skills": skills})

    @post("/members/{member_id:int}/certificates", opt={"access": "coordinator"})
    async def grant(self, request: Request, member_id: int) -> Response[Any]:
        form = await request.form()
        back = f"/members/{member_id}/certificates"
        try:
            await sessions.grant(member_id, whole_number(form.get("skill")) or 0,
                                 form_text(form, "reason"), actor_id=current_user(request).id,
                                 today=web.today(request), now=web.now(request))
        except SessionError as error:
            if error.kind == "not_found":
                raise NotFoundException() from None
            return go(request, back, _first_error(error), "error")
        return go(request, back, N_("The certificate is granted."))

    @post("/certificates/{certificate_id:int}/revoke", opt={"access": "coordinator"})
    async def revoke(self, request: Request, certificate_id: int) -> Response[Any]:
        form = await request.form()
        try:
            member = await sessions.revoke(certificate_id, form_text(form, "reason"),
                                           actor_id=current_user(request).id, now=web.now(request))
        except SessionError as error:
            if error.kind == "not_found":
                raise NotFoundException() from None
            back = f"/members/{whole_number(form.get('member')) or 0}/certificates"
            return go(request, back, _first_error(error), "error")
        return go(request, f"/members/{member}/certificates",
                   N_("The certificate is revoked."))

    @get("/certificates/{certificate_id:int}", opt={"access": "member"})
    async def show(self, request: Request, certificate_id: int,
                   lang: str = Parameter(default="", max_length=5)) -> Template:
        """Printable, in the member's language, with a QR code of the verification page."""
        user = current_user(request)
        found = await sessions.certificate(certificate_id)
        if found is None or not (found["member"] == user.id or user.is_staff):
            raise NotFoundException()
        language = lang if lang in i18n.LANGUAGES else found["member_language"]
        if language in i18n.LANGUAGES:
            i18n.current_locale.set(language)
        url = f"{request.base_url}verify/{found['code']}".replace("//verify", "/verify")
        return Template("bookings/certificate.html", context={
            "certificate": found, "qr": qr_svg(url), "url": url, "language": language,
            "valid": certificate_valid(found, web.today(request))})

    @get("/verify/{code:str}", opt={"access": "public"})
    async def verify(self, request: Request, code: str) -> Template:
        """Only whether it is valid, the skill, the date and the holder's initials."""
        found = await sessions.certificate(code=code[:32])
        if found is None:
            raise NotFoundException()
        initials = ". ".join(part[0] for part in found["member_name"].split() if part) + "."
        return Template("bookings/verify.html", context={
            "certificate": found, "initials": initials,
            "valid": certificate_valid(found, web.today(request))})


CONTROLLERS = [SessionPages, SessionManagement, Certificates]
