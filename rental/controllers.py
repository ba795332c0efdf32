"""Account pages (log in, log out, a person's own API tokens), the language switch and the
health check."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from rental import accounts, auth, members
from rental.kernel import i18n, web
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.responses import redirect
from rental.kernel.settings import Settings
from rental.kernel.token_rules import SCOPE_LABELS, token_form
from rental.kernel.web import SESSION_COOKIE, client_ip, current_user, form_values, safe_next
from rental.member_rules import chosen_language
from rental.tables import Centre


def _settings(request: Request) -> Settings:
    return request.app.state.settings


class HealthController(Controller):
    opt = {"access": "public"}

    @get("/healthz", include_in_schema=False, cache=False)
    async def healthz(self, request: Request) -> Response[dict[str, Any]]:
        try:
            # a query on a real table proves the schema is there, not only the server
            await asyncio.wait_for(Centre.count().run(), timeout=5)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, none is fatal
            return Response(
                {"status": "error", "database": _reason(exc)},
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok",
                         "backup_age_hours": backup_age_hours(request)})


def backup_age_hours(request: Request) -> float | None:
    """The age of the newest good backup, from the provider the app factory set (None: none)."""
    provider = request.app.state.get("backup_age_hours")
    return provider() if provider else None


def _reason(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    if "no such table" in text or "does not exist" in text:
        return "schema missing: run `rental migrate`"
    return text[:200]


def visit(request: Request) -> auth.Visit:
    return auth.Visit(ip=client_ip(request), user_agent=request.headers.get("user-agent", ""),
                      old_token=request.cookies.get(SESSION_COOKIE))


async def login_again(request: Request, error: DomainError) -> Template:
    """The login form again, with the name as typed (never the password) and why not."""
    form = await request.form()
    return Template("rental/login.html", context={
        "next": safe_next(str(form.get("next", "")), ""), "errors": error.errors,
        "values": {"login": str(form.get("login", ""))[:254]}}, status_code=error.status)


async def language_unchanged(request: Request, error: DomainError) -> Redirect:
    """A language the pages are not written in changes nothing: back to where the visitor was."""
    return redirect(request, safe_next(str((await request.form()).get("next", "/"))))


class AccountController(Controller):
    opt = {"access": "public"}

    @get("/login")
    async def login_form(self, request: Request, next: str = "") -> Template:
        return Template("rental/login.html", context={"next": safe_next(next, ""), "errors": {},
                                                      "values": {}})

    @post("/login", opt={"on_error": login_again})
    async def login(self, request: Request) -> Response[Any]:
        form = await request.form()
        settings = _settings(request)
        token, member = await auth.log_in(
            str(form.get("login", ""))[:254], str(form.get("password", ""))[:1024],
            visit(request), now=web.now(request), session_days=settings.session_days,
            max_failures=settings.login_max_failures,
            window_minutes=settings.login_window_minutes)
        i18n.current_locale.set(member.language)  # the welcome in the member's language
        target = str(form.get("next", ""))  # none: staff land on their desk, members on /me
        response = redirect(request, safe_next(target) if target else web.landing_path(
            member.role), (N_("Welcome, %(name)s."), {"name": member.name}))
        response.cookies.extend(web.session_cookies(
            token, member.language, session_days=settings.session_days,
            secure=settings.secure_cookies))
        return response

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await auth.log_out(token)
        response = redirect(request, "/", N_("You have logged out."), "info")
        response.delete_cookie(SESSION_COOKIE)
        return response


class LanguageController(Controller):
    opt = {"access": "public"}

    @post("/language", opt={"on_error": language_unchanged})
    async def switch(self, request: Request) -> Redirect:
        """A member's choice is kept with their account; anyone's, in a cookie."""
        form = await request.form()
        language = chosen_language(form.get("lang", ""))
        if (user := current_user(request)) is not None:
            await members.set_language(user.id, language, now=web.now(request))
        response = redirect(request, safe_next(str(form.get("next", "/"))))
        response.cookies.append(web.language_cookie(language))
        return response


async def tokens_again(request: Request, error: DomainError) -> Template:
    """The token form again, with what was typed and the messages next to the fields."""
    form = await request.form()
    page = await accounts.tokens_page(current_user(request), today=web.today(request))
    return tokens_template({**page, "values": form_values(form),
                            "chosen": form.getall("scopes", [])}, error.errors, error.status)


def tokens_template(page: dict[str, Any], errors: dict[str, Any],
                    status: int = 200) -> Template:
    # the page may hold a new token: no cache keeps it
    return Template("rental/tokens.html", context={
        "values": {}, "chosen": [], "new_token": None, **page, "errors": errors,
        "scope_labels": SCOPE_LABELS}, status_code=status, headers={"Cache-Control": "no-store"})


class TokenController(Controller):
    """A person's own API tokens: made (the token shown once), listed, and revoked after a page
    that asks. Desk staff, coordinators and admins use them for their systems; a member too,
    for a phone app that reads and books (their role allows no more)."""

    path = "/me/tokens"
    opt = {"access": "member"}

    @get("/")
    async def page(self, request: Request) -> Template:
        return tokens_template(await accounts.tokens_page(current_user(request),
                                                          today=web.today(request)), {})

    @post("/", opt={"on_error": tokens_again})
    async def create(self, request: Request) -> Template:
        user = current_user(request)
        wanted = token_form(await request.form(), user.role, today=web.today(request))
        return tokens_template(await accounts.create_my_token(
            user, wanted, now=web.now(request), today=web.today(request)), {})

    @get("/{token_id:int}/revoke")
    async def confirm_revoke(self, request: Request, token_id: int) -> Template:
        return Template("rental/token_revoke.html", context={
            "token": await accounts.my_token(current_user(request), token_id)})

    @post("/{token_id:int}/revoke")
    async def revoke(self, request: Request, token_id: int) -> Redirect:
        name = await accounts.revoke_my_token(current_user(request), token_id,
                                              now=web.now(request))
        return redirect(request, "/me/tokens", (N_("The API token “%(name)s” is revoked."),
                                                {"name": name}))


CONTROLLERS = [AccountController, LanguageController, HealthController, TokenController]
