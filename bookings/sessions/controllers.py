"""Skills sessions and certificates: the public list, enrolment, scheduling, the attendance
sheet, certificates with their public verification page, and the session summary.

A refused enrolment, cancellation or certificate is a flash message on the page its form was
on; a refused tick is the sheet again with the message on the member's row; a refused session
form is the form again; a session, member or certificate that does not exist is a 404."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Template

from bookings.sessions import services as sessions
from rental.kernel import i18n, web
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.qr import qr_svg
from rental.kernel.responses import go, refusal_page
from rental.kernel.values import MAX_INT, calendar_day, whole_number
from rental.kernel.web import current_user, form_text, form_values
from rental.member_rules import parse_card_number

ENROLLED = {
    "enrolled": N_("Enrolled. See you there!"),
    "waitlisted": N_("The session is full: you are on its waitlist and move up when someone "
                     "cancels."),
}


def _member_named(form: Any) -> int | None:
    text = form_text(form, "member", 20)
    return parse_card_number(text) or whole_number(text)


def _back(form: Any, session_id: int) -> str:
    """Where a cancelled place goes back to: the page that sent the form, or the session."""
    back = form_text(form, "back", 200)
    return back if back.startswith("/") and not back.startswith("//") else (
        f"/sessions/{session_id}")


def _tick(form: Any) -> tuple[int, bool]:
    return whole_number(form.get("member")) or 0, form.get("attended") == "yes"


def _gone(error: DomainError) -> bool:
    """What the form is about does not exist (a field that names nothing is the form's)."""
    return error.kind == "not_found" and "form" in error.errors


async def _back_to_the_session(request: Request, error: DomainError) -> Response:
    """A refused enrolment or cancellation of the session: said on the session's page."""
    if _gone(error):
        return refusal_page(request, error)
    return go(request, f"/sessions/{request.path_params['session_id']}", error.first, "error")


async def _back_to_the_form(request: Request, error: DomainError) -> Response:
    """A place that cannot be cancelled: said on the page that sent the form."""
    return go(request, _back(await request.form(), request.path_params["session_id"]),
              error.first, "error")


async def _the_sheet_again(request: Request, error: DomainError) -> Response:
    """A refused tick: the sheet again, the message on the member's row."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    member, _ = _tick(await request.form())
    sheet = await sessions.attendance_page(request.path_params["session_id"],
                                           current_user(request))
    return Template("bookings/attendance.html", status_code=error.status,
                    context={**sheet, "errors": {member: error.first}})


async def _the_session_form_again(request: Request, error: DomainError) -> Response:
    """The session form again as it was sent, the messages next to their fields."""
    if _gone(error):
        return refusal_page(request, error)
    page = await sessions.session_form_page(request.path_params.get("session_id"))
    return Template("bookings/session_form.html", status_code=error.status, context={
        **page, "values": form_values(await request.form()), "errors": error.errors})


async def _back_to_the_certificates(request: Request, error: DomainError) -> Response:
    """A refused grant or revocation: said on the member's certificates."""
    if _gone(error):
        return refusal_page(request, error)
    member = request.path_params.get("member_id") or whole_number(
        (await request.form()).get("member")) or 0
    return go(request, f"/members/{member}/certificates", error.first, "error")


class SessionPages(Controller):
    path = "/sessions"

    @get("/", opt={"access": "public"})
    async def listing(self, request: Request,
                      centre: int = Parameter(default=0, ge=0, le=MAX_INT),
                      skill: int = Parameter(default=0, ge=0, le=MAX_INT),
                      audience: str = Parameter(default="", max_length=20),
                      starts: str = Parameter(query="from", default="", max_length=10)
                      ) -> Template:
        return Template("bookings/sessions.html", context=await sessions.listing_page(
            centre=centre, skill=skill, audience=audience, starts=starts,
            asker=current_user(request), now=web.now(request),
            timezone=request.app.state.settings.default_timezone))

    @get("/{session_id:int}", opt={"access": "public"})
    async def show(self, request: Request, session_id: int) -> Template:
        return Template("bookings/session.html",
                        context=await sessions.session_page(session_id, current_user(request)))

    @post("/{session_id:int}/enrol",
          opt={"access": "member", "on_error": _back_to_the_session})
    async def enrol(self, request: Request, session_id: int) -> Response[Any]:
        """A member enrols; desk staff enrol the member they name (card number or id)."""
        user = current_user(request)
        member = _member_named(await request.form()) if user.is_staff else user.id
        status = await sessions.ask_for_place(session_id, member, asker=user,
                                              address=web.client_ip(request),
                                              now=web.now(request))
        return go(request, f"/sessions/{session_id}", ENROLLED[status])

    @post("/{session_id:int}/leave", opt={"access": "member", "on_error": _back_to_the_form})
    async def leave(self, request: Request, session_id: int) -> Response[Any]:
        user = current_user(request)
        form = await request.form()
        member = _member_named(form) if user.is_staff else user.id
        await sessions.cancel_enrolment(session_id, member or 0, actor_id=user.id,
                                        now=web.now(request))
        return go(request, _back(form, session_id), N_("Your place is cancelled."))

    @get("/{session_id:int}/attendance", opt={"access": "staff", "scope": "centre"})
    async def sheet(self, request: Request, session_id: int) -> Template:
        sheet = await sessions.attendance_page(session_id, current_user(request))
        return Template("bookings/attendance.html", context={**sheet, "errors": {}})

    @post("/{session_id:int}/attendance",
          opt={"access": "staff", "scope": "centre", "on_error": _the_sheet_again})
    async def mark(self, request: Request, session_id: int) -> Template:
        """One member's tick: htmx saves it as the box is clicked; without JavaScript the row's
        button sends the same form."""
        member, attended = _tick(await request.form())
        sheet = await sessions.tick(session_id, member, attended, asker=current_user(request),
                                    now=web.now(request), today=web.today(request))
        return Template("bookings/attendance.html", context={**sheet, "errors": {}})

    @get("/summary", opt={"access": "coordinator"})
    async def summary(self, request: Request,
                      centre: int = Parameter(default=0, ge=0, le=MAX_INT),
                      starts: str = Parameter(query="from", default="", max_length=10),
                      ends: str = Parameter(query="to", default="", max_length=10)
                      ) -> Template:
        page = await sessions.summary_page(
            centre, calendar_day(starts), calendar_day(ends), today=web.today(request),
            now=web.now(request), timezone=request.app.state.settings.default_timezone)
        return Template("bookings/session_summary.html", context=page,
                        status_code=422 if page["errors"] else 200)


class SessionManagement(Controller):
    path = "/manage/sessions"
    opt = {"access": "coordinator"}

    @get("/new")
    async def new(self, request: Request) -> Template:
        return Template("bookings/session_form.html",
                        context={**await sessions.session_form_page(None), "errors": {}})

    @post("/", opt={"on_error": _the_session_form_again})
    async def create(self, request: Request) -> Response[Any]:
        first = await sessions.schedule(await request.form(), actor_id=current_user(request).id,
                                        now=web.now(request))
        return go(request, f"/sessions/{first}", N_("The session is scheduled."))

    @get("/{session_id:int}/edit")
    async def edit(self, request: Request, session_id: int) -> Template:
        return Template("bookings/session_form.html",
                        context={**await sessions.session_form_page(session_id), "errors": {}})

    @post("/{session_id:int}", opt={"on_error": _the_session_form_again})
    async def update(self, request: Request, session_id: int) -> Response[Any]:
        await sessions.reschedule(session_id, await request.form(),
                                  actor_id=current_user(request).id, now=web.now(request))
        return go(request, f"/sessions/{session_id}", N_("The session is saved."))

    @post("/{session_id:int}/cancel", opt={"on_error": _back_to_the_session})
    async def cancel(self, request: Request, session_id: int) -> Response[Any]:
        await sessions.cancel(session_id, actor_id=current_user(request).id,
                              now=web.now(request))
        return go(request, f"/sessions/{session_id}", N_("The session is cancelled."))


class Certificates(Controller):
    @get("/members/{member_id:int}/certificates", opt={"access": "staff"})
    async def list_for_member(self, request: Request, member_id: int) -> Template:
        return Template("bookings/certificates.html", context=await sessions.certificates_page(
            member_id, current_user(request), web.today(request)))

    @post("/members/{member_id:int}/certificates",
          opt={"access": "coordinator", "on_error": _back_to_the_certificates})
    async def grant(self, request: Request, member_id: int) -> Response[Any]:
        form = await request.form()
        await sessions.grant(member_id, whole_number(form.get("skill")) or 0,
                             form_text(form, "reason"), actor_id=current_user(request).id,
                             today=web.today(request), now=web.now(request))
        return go(request, f"/members/{member_id}/certificates",
                  N_("The certificate is granted."))

    @post("/certificates/{certificate_id:int}/revoke",
          opt={"access": "coordinator", "on_error": _back_to_the_certificates})
    async def revoke(self, request: Request, certificate_id: int) -> Response[Any]:
        form = await request.form()
        member = await sessions.revoke(certificate_id, form_text(form, "reason"),
                                       actor_id=current_user(request).id, now=web.now(request))
        return go(request, f"/members/{member}/certificates", N_("The certificate is revoked."))

    @get("/certificates/{certificate_id:int}", opt={"access": "member"})
    async def show(self, request: Request, certificate_id: int,
                   lang: str = Parameter(default="", max_length=5)) -> Template:
        """Printable, in the member's language, with a QR code of the verification page."""
        page = await sessions.certificate_page(certificate_id, current_user(request), lang,
                                               web.today(request))
        if page["language"] in i18n.LANGUAGES:
            i18n.current_locale.set(page["language"])
        url = f"{request.base_url}verify/{page['certificate']['code']}".replace(
            "//verify", "/verify")
        return Template("bookings/certificate.html",
                        context={**page, "qr": qr_svg(url), "url": url})

    @get("/verify/{code:str}", opt={"access": "public"})
    async def verify(self, request: Request, code: str) -> Template:
        """Only whether it is valid, the skill, the date and the holder's initials."""
        return Template("bookings/verify.html", context=await sessions.verification_page(
            code[:32], web.today(request)))


CONTROLLERS = [SessionPages, SessionManagement, Certificates]
