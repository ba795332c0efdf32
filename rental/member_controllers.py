"""Member pages: sign-up, the member's own page, the desk's member search and card,
memberships, concessions, password codes, erasure. Each handler parses, calls one service and
answers; a refused form comes back through its route's `on_error` renderer."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Template

from rental import auth, member_csv_rules, members, phone_codes, throttle
from rental.kernel import i18n, web
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.responses import redirect, refusal_page
from rental.kernel.values import calendar_day, whole_number
from rental.kernel.web import SESSION_COOKIE, client_ip, current_user, form_values
from rental.member_rules import (
    DATA_PROCESSING_VERSION,
    RENTAL_AGREEMENT_VERSION,
    concession_category_form,
    desk_form,
    membership_type_form,
    my_details_form,
    new_password_form,
    reminders_form,
    reset_form,
    signup_form,
)
from rental.tables import ID_DOCUMENT_TYPES, SEXES, SITUATIONS

CHOICES = {"id_document_types": ID_DOCUMENT_TYPES, "sexes": SEXES, "situations": SITUATIONS}
VERSIONS = (RENTAL_AGREEMENT_VERSION, DATA_PROCESSING_VERSION)


def form_page(template: str, values: dict[str, Any], errors: dict[str, Any],
              status: int = 200, **context: Any) -> Template:
    return Template(template, context={"values": values, "errors": errors, **CHOICES,
                                       **context}, status_code=status)


def visit(request: Request) -> auth.Visit:
    return auth.Visit(ip=client_ip(request), user_agent=request.headers.get("user-agent", ""),
                      old_token=request.cookies.get(SESSION_COOKIE))


# --- the forms again, with the refusal next to their fields (the routes' on_error) ----------


async def signup_again(request: Request, error: DomainError) -> Template:
    return form_page("rental/signup.html", form_values(await request.form()), error.errors,
                     error.status, versions=VERSIONS,
                     sms_code=request.app.state.settings.sms is not None)


# The sign-up's second step: the form's values ride along in hidden fields, checked again
# when the code comes back; the page holds a password, so no cache keeps it.
SIGNUP_FIELDS = ("name", "phone", "email", "language", "municipality", "password",
                 "password_again", "agree_rental", "agree_data")


def code_page(values: dict[str, Any], errors: dict[str, Any], status: int = 200,
              *, phone: str) -> Template:
    return Template("rental/signup_code.html", context={
        "values": {k: values[k] for k in SIGNUP_FIELDS if isinstance(values.get(k), str)},
        "errors": errors, "number": phone, "minutes": phone_codes.CODE_MINUTES},
        status_code=status, headers={"Cache-Control": "no-store"})


async def code_again(request: Request, error: DomainError) -> Template:
    """The code refused: the code page again; the form's values refused (changed since, or
    taken meanwhile): the form again, with the messages next to its fields."""
    values = form_values(await request.form())
    if set(error.errors) <= {"code", "form"}:
        try:
            phone = normalise_phone(values.get("phone") or "")
        except InvalidPhone:
            phone = ""
        return code_page(values, error.errors, error.status, phone=phone)
    return form_page("rental/signup.html", values, error.errors, error.status,
                     versions=VERSIONS, sms_code=True)


async def reset_again(request: Request, error: DomainError) -> Template:
    return form_page("rental/password_reset.html", form_values(await request.form()),
                     error.errors, error.status)


async def my_details_again(request: Request, error: DomainError) -> Template:
    return form_page("rental/me_edit.html", form_values(await request.form()), error.errors,
                     error.status)


async def my_password_again(request: Request, error: DomainError) -> Template:
    return form_page("rental/me_password.html", {}, error.errors, error.status)


async def registration_again(request: Request, error: DomainError) -> Template:
    page = await members.desk_form_page(current_user(request))
    return form_page("rental/member_form.html", form_values(await request.form()),
                     error.errors, error.status, member=None, centres=page["centres"])


async def verification_again(request: Request, error: DomainError) -> Response:
    if error.kind == "not_found":
        return refusal_page(request, error)
    page = await members.desk_form_page(current_user(request), request.path_params["member_id"])
    return form_page("rental/member_form.html", form_values(await request.form()),
                     error.errors, error.status, member=page["member"], centres=page["centres"])


async def card_again(request: Request, error: DomainError) -> Response:
    """The member's card, the refusal next to the form it came from."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    page = await members.card_page(request.path_params["member_id"],
                                   viewer=current_user(request), today=web.today(request))
    return Template("rental/member.html", context={**page, "errors": error.errors},
                    status_code=error.status)


async def membership_type_again(request: Request, error: DomainError) -> Template:
    """The policy page again, the refused type's form as it was sent, messages by its fields."""
    return Template("rental/policy.html", context={
        **await members.policy_page(), "type_errors": error.errors, "concession_errors": {},
        "type_values": form_values(await request.form())}, status_code=error.status)


async def concession_again(request: Request, error: DomainError) -> Template:
    return Template("rental/policy.html", context={
        **await members.policy_page(), "type_errors": {}, "concession_errors": error.errors,
        "concession_values": form_values(await request.form())}, status_code=error.status)


async def import_again(request: Request, error: DomainError) -> Response:
    """The import page after a refusal: the file's rows checked again, the refusal above."""
    if error.kind in ("not_found", "forbidden"):
        return refusal_page(request, error)
    page = await members.refused_import_page(
        (await request.form()).get("content"), error.errors, actor=current_user(request),
        today=web.today(request))
    return Template("rental/member_import.html", status_code=error.status, context=page)


# the file, or on confirming it the same file in base64 (4/3 of its size), and the fields
CSV_BODY = member_csv_rules.MAX_BYTES * 4 // 3 + 1024 * 1024
IMPORTING = {"access": "coordinator", "on_error": import_again}


def csv_download(content: bytes, name: str, request: Request) -> Response[bytes]:
    return Response(content, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition":
            f'attachment; filename="{name}-{web.today(request).isoformat()}.csv"',
        "Cache-Control": "no-store"})


# --- the pages -------------------------------------------------------------------------------


class SignUpController(Controller):
    opt = {"access": "public"}

    @get("/signup")
    async def form(self, request: Request) -> Template:
        return form_page("rental/signup.html", {"language": i18n.current_locale.get()}, {},
                         versions=VERSIONS, sms_code=request.app.state.settings.sms is not None)

    @post("/signup", opt={"on_error": signup_again})
    async def submit(self, request: Request) -> Response[Any]:
        form = await request.form()
        values, password = signup_form(form)
        await throttle.admit(request, "signup", f"phone:{values['phone']}")
        settings = request.app.state.settings
        if settings.sms is not None:  # the phone is confirmed by a code first
            await members.check_sign_up(values)
            await phone_codes.request_code(
                values["phone"], address=client_ip(request), now=web.now(request),
                sms=settings.sms, secret=settings.secret_key, language=values["language"])
            return code_page(form_values(form), {}, phone=values["phone"])
        token = await members.sign_up(values, password, visit(request), now=web.now(request),
                                      session_days=settings.session_days)
        return welcome(request, token, values["language"])

    @post("/signup/confirm", opt={"on_error": code_again})
    async def confirm(self, request: Request) -> Response[Any]:
        form = await request.form()
        values, password = signup_form(form)
        settings = request.app.state.settings
        await phone_codes.confirm_code(values["phone"], web.form_text(form, "code", 40),
                                       now=web.now(request), secret=settings.secret_key)
        token = await members.sign_up(values, password, visit(request), now=web.now(request),
                                      session_days=settings.session_days, phone_confirmed=True)
        return welcome(request, token, values["language"])


def welcome(request: Request, token: str, language: str) -> Response[Any]:
    """A new member, logged in, on their page: welcomed in the language they chose."""
    settings = request.app.state.settings
    i18n.current_locale.set(language)
    response = redirect(request, "/me", N_(
        "Welcome! Bring an identity document to the centre's desk to finish your "
        "registration."))
    response.cookies.extend(web.session_cookies(
        token, language, session_days=settings.session_days, secure=settings.secure_cookies))
    return response


class PasswordResetController(Controller):
    """A member redeems the one-time code the desk gave them."""

    opt = {"access": "public"}

    @get("/password-reset")
    async def form(self) -> Template:
        return form_page("rental/password_reset.html", {}, {})

    @post("/password-reset", opt={"on_error": reset_again})
    async def submit(self, request: Request) -> Response[Any]:
        phone, code, password = reset_form(await request.form())
        await throttle.admit(request, "password_reset", f"phone:{phone}")
        await members.redeem_reset_code(phone, code, password, now=web.now(request))
        return redirect(request, "/login", N_("Your new password is set. Log in with it."))


class MyPageController(Controller):
    """The signed-in person's own details, password and data; never takes a member id, so no
    one reads another's. The page /me itself shows their bookings too, so the package above
    draws it (bookings.lending's MyBookings, from `members.own_page` and the bookings)."""

    path = "/me"
    opt = {"access": "member"}

    @get("/edit")
    async def edit_form(self, request: Request) -> Template:
        card = await members.card(current_user(request).id, today=web.today(request))
        return form_page("rental/me_edit.html", card.member, {})

    @post("/edit", opt={"on_error": my_details_again})
    async def edit(self, request: Request) -> Response[Any]:
        user = current_user(request)
        values, reminders = my_details_form(await request.form())
        await members.update_contact(user.id, values, actor_id=user.id, now=web.now(request),
                                     reminders=reminders)
        i18n.current_locale.set(values["language"])  # "saved", in the language just chosen
        response = redirect(request, "/me", N_("Your details are saved."))
        response.cookies.append(web.language_cookie(values["language"]))
        return response

    @get("/password")
    async def password_form(self) -> Template:
        return form_page("rental/me_password.html", {}, {})

    @post("/password", opt={"on_error": my_password_again})
    async def password(self, request: Request) -> Response[Any]:
        form = await request.form()
        await members.change_password(
            current_user(request).id, str(form.get("current_password") or ""),
            new_password_form(form), now=web.now(request),
            keep_token_hash=auth.token_digest(request.cookies.get(SESSION_COOKIE, "")))
        return redirect(request, "/me", N_("Your password is changed."))

    @get("/card")
    async def printed_card(self, request: Request) -> Template:
        return Template("rental/member_card.html", context=await members.printed_card(
            current_user(request).id, today=web.today(request)))

    @get("/data.json")
    async def data(self, request: Request) -> Response[dict[str, Any]]:
        user = current_user(request)
        return Response(
            await members.export(user.id),
            headers={"Content-Disposition": f'attachment; filename="my-data-{user.id}.json"'},
        )


class MembersController(Controller):
    """The desk: find, register, verify members; memberships and concessions; reset codes."""

    path = "/members"
    opt = {"access": "staff"}

    @get("/")
    async def search(self, request: Request,
                     q: str = Parameter(default="", max_length=100)) -> Template:
        return Template("rental/members.html",
                        context=await members.search_page(q, current_user(request)))

    @get("/new")
    async def new_form(self, request: Request) -> Template:
        page = await members.desk_form_page(current_user(request))
        return form_page("rental/member_form.html", page["values"], {}, member=None,
                         centres=page["centres"])

    @post("/new", opt={"on_error": registration_again})
    async def register(self, request: Request) -> Response[Any]:
        form = await request.form()
        member_id = await members.register_at_desk(
            desk_form(form, today=web.today(request)), actor=current_user(request),
            now=web.now(request), reclaim_phone=form.get("reclaim_phone") == "yes")
        return redirect(request, f"/members/{member_id}", N_("The member is registered."))

    @get("/import", opt={"access": "coordinator"})
    async def import_form(self, done: int | None = Parameter(
            query="imported", default=None, ge=0, le=member_csv_rules.MAX_ROWS)) -> Template:
        return Template("rental/member_import.html", context=members.import_page(done=done))

    @post("/import", opt=IMPORTING, request_max_body_size=CSV_BODY)
    async def preview_import(self, request: Request) -> Template:
        """The dry run: every row checked against the database, nothing written."""
        page = await members.preview_import((await request.form()).get("file"),
                                            actor=current_user(request),
                                            today=web.today(request))
        return Template("rental/member_import.html", context=page,
                        status_code=200 if page["plan"].ok else 422)

    @post("/import/confirm", opt=IMPORTING, request_max_body_size=CSV_BODY)
    async def confirm_import(self, request: Request) -> Response[Any]:
        """The file the form carries is checked again from scratch: nothing the browser says
        about it is believed."""
        plan = await members.import_file((await request.form()).get("content"),
                                         actor=current_user(request), today=web.today(request),
                                         now=web.now(request))
        if not plan.ok:  # the database changed since the dry run: its rows again
            return Template("rental/member_import.html", status_code=422,
                            context=members.import_page(plan))
        return redirect(request, f"/members/import?imported={len(plan.rows)}",
                        N_("The members are imported."))

    @get("/export.csv", opt={"access": "coordinator"})
    async def export(self, request: Request) -> Response[bytes]:
        """The fields a donor may see: no name, phone, e-mail or document."""
        content, _rows = await members.export_members(
            "donor", actor=current_user(request), today=web.today(request), now=web.now(request))
        return csv_download(content, "members", request)

    @get("/export-personal.csv", opt={"access": "admin"})
    async def export_personal(self, request: Request) -> Response[bytes]:
        content, _rows = await members.export_members(
            "personal", actor=current_user(request), today=web.today(request),
            now=web.now(request))
        return csv_download(content, "members-personal", request)

    @get("/{member_id:int}")
    async def card(self, request: Request, member_id: int) -> Template:
        page = await members.card_page(member_id, viewer=current_user(request),
                                       today=web.today(request))
        return Template("rental/member.html", context={**page, "errors": {}})

    @get("/{member_id:int}/verify")
    async def verify_form(self, request: Request, member_id: int) -> Template:
        page = await members.desk_form_page(current_user(request), member_id)
        return form_page("rental/member_form.html", page["values"], {}, member=page["member"],
                         centres=page["centres"])

    @post("/{member_id:int}/verify", opt={"on_error": verification_again})
    async def verify(self, request: Request, member_id: int) -> Response[Any]:
        await members.verify(member_id, await request.form(), actor=current_user(request),
                             today=web.today(request), now=web.now(request))
        return redirect(request, f"/members/{member_id}",
                        N_("The member's identity is verified."))

    @get("/{member_id:int}/agreement")
    async def agreement(self, request: Request, member_id: int) -> Template:
        card = await members.card(member_id, today=web.today(request))
        # printed in the member's language, whatever the desk reads
        i18n.current_locale.set(card.member["language"])
        return Template("rental/agreement.html", context={
            "member": card.member, "version": RENTAL_AGREEMENT_VERSION,
            "today": web.today(request)})

    @get("/{member_id:int}/card")
    async def printed_card(self, request: Request, member_id: int) -> Template:
        page = await members.printed_card(member_id, today=web.today(request))
        i18n.current_locale.set(page["member"]["language"])  # as the agreement: theirs
        return Template("rental/member_card.html", context=page)

    @post("/{member_id:int}/reminders", opt={"scope": "centre", "on_error": card_again})
    async def reminders(self, request: Request, member_id: int) -> Response[Any]:
        await members.change_reminders(member_id, reminders_form(await request.form()),
                                       actor=current_user(request), now=web.now(request))
        return redirect(request, f"/members/{member_id}", N_("The reminder choices are saved."))

    @post("/{member_id:int}/reset-code", opt={"on_error": card_again})
    async def reset_code(self, request: Request, member_id: int) -> Response[Any]:
        shown = await members.issue_reset_code(member_id, actor_id=current_user(request).id,
                                               now=web.now(request))
        # shown once, never stored in clear, never sent in a redirect
        return Template("rental/reset_code.html", context=shown,
                        headers={"Cache-Control": "no-store"})

    @post("/{member_id:int}/membership", opt={"on_error": card_again})
    async def start_membership(self, request: Request, member_id: int) -> Response[Any]:
        form = await request.form()
        await members.start_membership(
            member_id, whole_number(form.get("membership_type")) or 0,
            actor_id=current_user(request).id, today=web.today(request), now=web.now(request))
        return redirect(request, f"/members/{member_id}", N_("The membership has started."))

    @post("/{member_id:int}/membership/renew", opt={"on_error": card_again})
    async def renew(self, request: Request, member_id: int) -> Response[Any]:
        await members.renew_membership(member_id, actor_id=current_user(request).id,
                                       today=web.today(request), now=web.now(request))
        return redirect(request, f"/members/{member_id}", N_("The membership is renewed."))

    @post("/{member_id:int}/membership/suspend", opt={"on_error": card_again})
    async def suspend(self, request: Request, member_id: int) -> Response[Any]:
        form = await request.form()
        await members.suspend_membership(member_id, str(form.get("reason") or ""),
                                         actor_id=current_user(request).id,
                                         now=web.now(request))
        return redirect(request, f"/members/{member_id}", N_("The membership is suspended."))

    @post("/{member_id:int}/membership/unsuspend", opt={"on_error": card_again})
    async def unsuspend(self, request: Request, member_id: int) -> Response[Any]:
        await members.lift_suspension(member_id, actor_id=current_user(request).id,
                                      now=web.now(request))
        return redirect(request, f"/members/{member_id}", N_("The suspension is lifted."))

    @post("/{member_id:int}/concession", opt={"on_error": card_again})
    async def concession(self, request: Request, member_id: int) -> Response[Any]:
        form = await request.form()
        await members.grant_concession(
            member_id, whole_number(form.get("category")) or 0, str(form.get("proof") or ""),
            calendar_day(form.get("expires_on")), actor_id=current_user(request).id,
            today=web.today(request), now=web.now(request))
        return redirect(request, f"/members/{member_id}", N_("The concession is recorded."))

    @post("/{member_id:int}/erase", opt={"access": "admin", "on_error": card_again})
    async def erase(self, request: Request, member_id: int) -> Response[Any]:
        form = await request.form()
        await members.erase(member_id, actor_id=current_user(request).id, now=web.now(request),
                            typed=str(form.get("confirm") or ""))
        return redirect(request, "/members", N_("The member's personal data is erased."))


class PolicyController(Controller):
    """Coordinators define membership types and concession categories."""

    path = "/policy"
    opt = {"access": "coordinator"}

    @get("/")
    async def page(self) -> Template:
        return Template("rental/policy.html", context={
            **await members.policy_page(), "type_errors": {}, "concession_errors": {}})

    @post("/membership-types", opt={"on_error": membership_type_again})
    async def add_type(self, request: Request) -> Response[Any]:
        await members.create_membership_type(membership_type_form(await request.form()),
                                             actor_id=current_user(request).id,
                                             now=web.now(request))
        return redirect(request, "/policy", N_("The membership type is added."))

    @post("/concessions", opt={"on_error": concession_again})
    async def add_concession(self, request: Request) -> Response[Any]:
        await members.create_concession_category(concession_category_form(await request.form()),
                                                 actor_id=current_user(request).id,
                                                 now=web.now(request))
        return redirect(request, "/policy", N_("The concession is added."))


CONTROLLERS = [SignUpController, PasswordResetController, MyPageController, MembersController,
               PolicyController]
