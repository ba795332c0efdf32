"""Member pages: sign-up, the member's own page, the desk's member search and card,
memberships, concessions, password codes, erasure. Each handler parses, calls one service,
renders."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, Template

from rental import auth, members, throttle
from rental.kernel import i18n, web
from rental.kernel.i18n import N_
from rental.kernel.phones import InvalidPhone, normalise_phone
from rental.kernel.values import calendar_day, whole_number
from rental.kernel.web import LANGUAGE_COOKIE, SESSION_COOKIE, client_ip, current_user, flash_cookie
from rental.member_rules import (
    DATA_PROCESSING_VERSION,
    RENTAL_AGREEMENT_VERSION,
    Parsed,
    parse_consents,
    parse_contact,
    parse_desk_fields,
    parse_password,
)
from rental.tables import ID_DOCUMENT_TYPES, SEXES, SITUATIONS

CHOICES = {"id_document_types": ID_DOCUMENT_TYPES, "sexes": SEXES, "situations": SITUATIONS}


async def form_of(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {key: form.get(key) for key in form}


def redirect(request: Request, path: str, message: str, level: str = "success") -> Redirect:
    response = Redirect(path, status_code=303)
    response.cookies.append(flash_cookie(request.app.state.settings, level, message))
    return response


def form_page(template: str, values: dict[str, Any], errors: dict[str, Any],
              status: int = 200, **context: Any) -> Template:
    return Template(template, context={"values": values, "errors": errors, **CHOICES,
                                       **context},
                    status_code=422 if errors and status == 200 else status)



async def load_card(member_id: int, request: Request) -> members.MemberCard:
    try:
        return await members.card(member_id, today=web.today(request))
    except members.NotFound:
        raise NotFoundException() from None


class SignUpController(Controller):
    opt = {"access": "public"}

    @get("/signup")
    async def form(self) -> Template:
        return form_page("rental/signup.html", {"language": i18n.current_locale.get()}, {},
                         versions=(RENTAL_AGREEMENT_VERSION, DATA_PROCESSING_VERSION))

    @post("/signup")
    async def submit(self, request: Request) -> Response[Any]:
        form = await form_of(request)
        parsed = Parsed()
        parse_contact(form, parsed)
        parse_password(form, parsed)
        parse_consents(form, parsed)
        values = {k: v for k, v in parsed.values.items() if k != "password"}
        if not parsed.errors and (refused := await throttle.too_many(request, "signup",
                                                            f"phone:{values['phone']}")):
            return form_page("rental/signup.html", {**form, "password": ""}, {"form": refused},
                             status=429, versions=(RENTAL_AGREEMENT_VERSION,
                                                   DATA_PROCESSING_VERSION))
        if not parsed.errors:
            now = web.now(request)
            try:
                member_id = await members.sign_up(values, parsed.values["password"], now=now)
            except members.MemberError as error:
                parsed.errors.update(error.errors)
            else:
                settings = request.app.state.settings
                token = await auth.open_session(
                    member_id, ip=client_ip(request),
                    user_agent=request.headers.get("user-agent", ""), now=now,
                    session_days=settings.session_days,
                    old_token=request.cookies.get(SESSION_COOKIE),
                )
                i18n.current_locale.set(values["language"])
                response = redirect(request, "/me", i18n.gettext(
                    "Welcome! Bring an identity document to the centre's desk to finish "
                    "your registration."))
                response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_days * 86400,
                                    httponly=True, secure=settings.secure_cookies,
                                    samesite="lax")
                response.set_cookie(LANGUAGE_COOKIE, values["language"],
                                    max_age=365 * 86400, samesite="lax")
                return response
        return form_page("rental/signup.html", {**form, "password": ""}, parsed.errors,
                         versions=(RENTAL_AGREEMENT_VERSION, DATA_PROCESSING_VERSION))


class PasswordResetController(Controller):
    """A member redeems the one-time code the desk gave them."""

    opt = {"access": "public"}

    @get("/password-reset")
    async def form(self) -> Template:
        return form_page("rental/password_reset.html", {}, {})

    @post("/password-reset")
    async def submit(self, request: Request) -> Response[Any]:
        form = await form_of(request)
        parsed = Parsed()
        parse_password(form, parsed)
        try:
            phone = normalise_phone(str(form.get("phone") or ""))
        except InvalidPhone:
            parsed.errors["phone"] = N_("Enter a phone number, e.g. 555 12 34 56.")
        code = str(form.get("code") or "")[:20]
        if not code.strip():
            parsed.errors["code"] = N_("Enter the code from the desk.")
        if not parsed.errors and (refused := await throttle.too_many(request, "password_reset",
                                                            f"phone:{phone}")):
            return form_page("rental/password_reset.html", {"phone": form.get("phone") or ""},
                             {"form": refused}, status=429)
        if not parsed.errors:
            try:
                await members.redeem_reset_code(phone, code, parsed.values["password"],
                                                now=web.now(request))
            except members.MemberError as error:
                parsed.errors.update(error.errors)
            else:
                return redirect(request, "/login", i18n.gettext(
                    "Your new password is set. Log in with it."))
        return form_page("rental/password_reset.html",
                         {"phone": form.get("phone") or ""}, parsed.errors)


class MyPageController(Controller):
    """The signed-in person's own page; never takes a member id, so no one reads another's."""

    path = "/me"
    opt = {"access": "member"}

    @get("/")
    async def page(self, request: Request) -> Template:
        card = await load_card(current_user(request).id, request)
        return Template("rental/me.html", context={"card": card})

    @get("/edit")
    async def edit_form(self, request: Request) -> Template:
        card = await load_card(current_user(request).id, request)
        return form_page("rental/me_edit.html", card.member, {})

    @post("/edit")
    async def edit(self, request: Request) -> Response[Any]:
        user = current_user(request)
        form = await form_of(request)
        parsed = Parsed()
        parse_contact(form, parsed)
        if not parsed.errors:
            try:
                await members.update_contact(user.id, parsed.values, actor_id=user.id,
                                             now=web.now(request))
            except members.MemberError as error:
                parsed.errors.update(error.errors)
            else:
                i18n.current_locale.set(parsed.values["language"])
                response = redirect(request, "/me", i18n.gettext("Your details are saved."))
                response.set_cookie(LANGUAGE_COOKIE, parsed.values["language"],
                                    max_age=365 * 86400, samesite="lax")
                return response
        return form_page("rental/me_edit.html", form, parsed.errors)

    @get("/password")
    async def password_form(self) -> Template:
        return form_page("rental/me_password.html", {}, {})

    @post("/password")
    async def password(self, request: Request) -> Response[Any]:
        form = await form_of(request)
        parsed = Parsed()
        parse_password(form, parsed)
        if not parsed.errors:
            token = request.cookies.get(SESSION_COOKIE, "")
            try:
                await members.change_password(
                    current_user(request).id, str(form.get("current_password") or ""),
                    parsed.values["password"], now=web.now(request),
                    keep_token_hash=auth.token_digest(token),
                )
            except members.MemberError as error:
                parsed.errors.update(error.errors)
            else:
                return redirect(request, "/me", i18n.gettext("Your password is changed."))
        return form_page("rental/me_password.html", {}, parsed.errors)

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
    async def search(self, q: str = Parameter(default="", max_length=100)) -> Template:
        return Template("rental/members.html", context={
            "q": q, "found": await members.search(q),
            "pending": [] if q else await members.pending_signups()})

    @get("/new")
    async def new_form(self, request: Request) -> Template:
        return form_page("rental/member_form.html", {"language": "ka"}, {}, member=None)

    @post("/new")
    async def register(self, request: Request) -> Response[Any]:
        form = await form_of(request)
        parsed = Parsed()
        parse_contact(form, parsed)
        parse_desk_fields(form, parsed, today=web.today(request))
        if not parsed.errors:
            try:
                member_id = await members.register_at_desk(
                    parsed.values, actor_id=current_user(request).id, now=web.now(request),
                    reclaim_phone=form.get("reclaim_phone") == "yes")
            except members.MemberError as error:
                parsed.errors.update(error.errors)
            else:
                return redirect(request, f"/members/{member_id}",
                                i18n.gettext("The member is registered."))
        return form_page("rental/member_form.html", form, parsed.errors, member=None)

    @get("/{member_id:int}")
    async def card(self, request: Request, member_id: int) -> Template:
        card = await load_card(member_id, request)
        return Template("rental/member.html", context={
            "card": card, "types": await members.membership_types(),
            "categories": await members.concession_categories(), "errors": {},
            "today": web.today(request),
        })

    @get("/{member_id:int}/verify")
    async def verify_form(self, request: Request, member_id: int) -> Template:
        card = await load_card(member_id, request)
        return form_page("rental/member_form.html", card.member, {}, member=card.member)

    @post("/{member_id:int}/verify")
    async def verify(self, request: Request, member_id: int) -> Response[Any]:
        card = await load_card(member_id, request)
        form = await form_of(request)
        parsed = Parsed()
        parse_contact(form, parsed)
        parse_desk_fields(form, parsed, today=web.today(request))
        if not parsed.errors:
            try:
                await members.verify(member_id, parsed.values,
                                     actor_id=current_user(request).id, now=web.now(request))
            except members.MemberError as error:
                parsed.errors.update(error.errors)
            else:
                return redirect(request, f"/members/{member_id}",
                                i18n.gettext("The member's identity is verified."))
        return form_page("rental/member_form.html", form, parsed.errors, member=card.member)

    @get("/{member_id:int}/agreement")
    async def agreement(self, request: Request, member_id: int) -> Template:
        card = await load_card(member_id, request)
        # printed in the member's language, whatever the desk reads
        i18n.current_locale.set(card.member["language"])
        return Template("rental/agreement.html", context={
            "member": card.member, "version": RENTAL_AGREEMENT_VERSION,
            "today": web.today(request)})

    @post("/{member_id:int}/reset-code")
    async def reset_code(self, request: Request, member_id: int) -> Response[Any]:
        card = await load_card(member_id, request)
        try:
            code = await members.issue_reset_code(
                member_id, actor_id=current_user(request).id, now=web.now(request))
        except members.MemberError as error:
            return await self._card_with_errors(request, member_id, error.errors)
        # shown once, never stored in clear, never sent in a redirect
        return Template("rental/reset_code.html", context={
            "member": card.member, "code": code, "hours": members.RESET_CODE_HOURS},
            headers={"Cache-Control": "no-store"})

    @post("/{member_id:int}/membership")
    async def start_membership(self, request: Request, member_id: int) -> Response[Any]:
        form = await form_of(request)
        return await self._act(request, member_id, members.start_membership(
            member_id, _int(form.get("membership_type")), actor_id=current_user(request).id,
            today=web.today(request), now=web.now(request)), N_("The membership has started."))

    @post("/{member_id:int}/membership/renew")
    async def renew(self, request: Request, member_id: int) -> Response[Any]:
        return await self._act(request, member_id, members.renew_membership(
            member_id, actor_id=current_user(request).id, today=web.today(request),
            now=web.now(request)), N_("The membership is renewed."))

    @post("/{member_id:int}/membership/suspend")
    async def suspend(self, request: Request, member_id: int) -> Response[Any]:
        form = await form_of(request)
        reason = str(form.get("reason") or "")
        if not reason.strip():
            return await self._card_with_errors(
                request, member_id, {"reason": N_("Write why the membership is suspended.")})
        return await self._act(request, member_id, members.set_suspension(
            member_id, reason, actor_id=current_user(request).id, now=web.now(request)),
            N_("The membership is suspended."))

    @post("/{member_id:int}/membership/unsuspend")
    async def unsuspend(self, request: Request, member_id: int) -> Response[Any]:
        return await self._act(request, member_id, members.set_suspension(
            member_id, None, actor_id=current_user(request).id, now=web.now(request)),
            N_("The suspension is lifted."))

    @post("/{member_id:int}/concession")
    async def concession(self, request: Request, member_id: int) -> Response[Any]:
        form = await form_of(request)
        expires = calendar_day(form.get("expires_on"))
        if expires is None:
            return await self._card_with_errors(
                request, member_id, {"expires_on": N_("Enter a date as YYYY-MM-DD.")})
        return await self._act(request, member_id, members.grant_concession(
            member_id, _int(form.get("category")), str(form.get("proof") or ""), expires,
            actor_id=current_user(request).id, today=web.today(request), now=web.now(request)),
            N_("The concession is recorded."))

    @post("/{member_id:int}/erase", opt={"access": "admin"})
    async def erase(self, request: Request, member_id: int) -> Response[Any]:
        form = await form_of(request)
        if form.get("confirm") != "erase":
            return await self._card_with_errors(
                request, member_id, {"confirm": N_("Type “erase” to confirm.")})
        return await self._act(request, member_id, members.erase(
            member_id, actor_id=current_user(request).id, now=web.now(request)),
            N_("The member's personal data is erased."), then="/members")

    async def _act(self, request: Request, member_id: int, action, message: str,
                   then: str | None = None) -> Response[Any]:
        try:
            await action
        except members.NotFound:
            raise NotFoundException() from None
        except members.MemberError as error:
            return await self._card_with_errors(request, member_id, error.errors)
        return redirect(request, then or f"/members/{member_id}", i18n.gettext(message))

    async def _card_with_errors(self, request: Request, member_id: int,
                                errors: dict[str, Any]) -> Template:
        card = await load_card(member_id, request)
        return Template("rental/member.html", context={
            "card": card, "types": await members.membership_types(),
            "categories": await members.concession_categories(), "errors": errors,
            "today": web.today(request)}, status_code=422)


def _int(value: Any) -> int:
    return whole_number(value) or 0


class PolicyController(Controller):
    """Coordinators define membership types and concession categories."""

    path = "/policy"
    opt = {"access": "coordinator"}

    async def _page(self, type_errors: dict[str, Any] | None = None,
                    concession_errors: dict[str, Any] | None = None) -> Template:
        return Template("rental/policy.html", context={
            "types": await members.membership_types(active_only=False),
            "categories": await members.concession_categories(active_only=False),
            "type_errors": type_errors or {}, "concession_errors": concession_errors or {}},
            status_code=422 if type_errors or concession_errors else 200)

    @get("/")
    async def page(self) -> Template:
        return await self._page()

    @post("/membership-types")
    async def add_type(self, request: Request) -> Response[Any]:
        form = await form_of(request)
        values, errors = parse_policy(form, {"validity_days": (1, 3660),
                                             "max_tools_out": (0, 100),
                                             "max_open_bookings": (0, 100)})
        if not errors:
            try:
                await members.create_membership_type(values, actor_id=current_user(request).id,
                                                     now=web.now(request))
            except members.MemberError as error:
                errors = error.errors
            else:
                return redirect(request, "/policy", i18n.gettext("The membership type is added."))
        return await self._page(type_errors=errors)

    @post("/concessions")
    async def add_concession(self, request: Request) -> Response[Any]:
        form = await form_of(request)
        values, errors = parse_policy(form, {"discount_percent": (0, 100)})
        funder = " ".join(str(form.get("funder") or "").split())
        if len(funder) > 200:
            errors["funder"] = N_("At most 200 characters.")
        values["funder"] = funder
        if not errors:
            try:
                await members.create_concession_category(
                    values, actor_id=current_user(request).id, now=web.now(request))
            except members.MemberError as error:
                errors = error.errors
            else:
                return redirect(request, "/policy", i18n.gettext("The concession is added."))
        return await self._page(concession_errors=errors)


def parse_policy(form: dict[str, Any], numbers: dict[str, tuple[int, int]]
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    slug = str(form.get("slug") or "").strip().lower()
    if not slug or len(slug) > 40 or not all(c.isascii() and (c.isalnum() or c == "-")
                                             for c in slug):
        errors["slug"] = N_("Use 1 to 40 Latin letters, digits and hyphens.")
    values["slug"] = slug
    for name in ("name_ka", "name_en"):
        text = " ".join(str(form.get(name) or "").split())
        if len(text) > 100:
            errors[name] = N_("At most 100 characters.")
        values[name] = text
    if not values["name_ka"]:
        errors["name_ka"] = N_("Enter the name in Georgian.")
    for name, (low, high) in numbers.items():
        try:
            number = int(str(form.get(name) or "").strip())
        except ValueError:
            errors[name] = N_("Enter a whole number.")
            continue
        if not low <= number <= high:
            errors[name] = (N_("Enter a number from %(low)s to %(high)s."),
                            {"low": low, "high": high})
        values[name] = number
    return values, errors


CONTROLLERS = [SignUpController, PasswordResetController, MyPageController, MembersController,
               PolicyController]
