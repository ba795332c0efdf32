"""Account pages (log in, log out), the language switch and the health check."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from rental import auth
from rental.kernel import i18n, web
from rental.kernel.settings import LANGUAGES, Settings
from rental.kernel.web import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    client_ip,
    current_user,
    flash_cookie,
    safe_next,
)
from rental.tables import Centre, Member


def _settings(request: Request) -> Settings:
    return request.app.state.settings


class HealthController(Controller):
    opt = {"access": "public"}

    @get("/healthz", include_in_schema=False, cache=False)
    async def healthz(self) -> Response[dict[str, str]]:
        try:
            # a query on a real table proves the schema is there, not only the server
            await asyncio.wait_for(Centre.count().run(), timeout=5)
        except Exception as exc:  # noqa: BLE001 - any failure is reported, none is fatal
            return Response(
                {"status": "error", "database": _reason(exc)},
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok"})


def _reason(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    if "no such table" in text or "does not exist" in text:
        return "schema missing: run `rental migrate`"
    return text[:200]


class AccountController(Controller):
    opt = {"access": "public"}

    @get("/login")
    async def login_form(self, request: Request, next: str = "/") -> Template:
        return Template("rental/login.html", context={"next": safe_next(next), "errors": {},
                                                      "values": {}})

    @post("/login")
    async def login(self, request: Request) -> Response[Any]:
        form = await request.form()
        login = str(form.get("login", ""))[:254]
        password = str(form.get("password", ""))[:1024]
        next_path = safe_next(str(form.get("next", "/")))
        errors: dict[str, str] = {}
        if not login.strip():
            errors["login"] = i18n.gettext("Enter your phone number or e-mail.")
        if not password:
            errors["password"] = i18n.gettext("Enter your password.")
        status = 422
        if not errors:
            settings = _settings(request)
            try:
                token, member = await auth.log_in(
                    login,
                    password,
                    ip=client_ip(request),
                    user_agent=request.headers.get("user-agent", ""),
                    now=web.now(request),
                    session_days=settings.session_days,
                    max_failures=settings.login_max_failures,
                    window_minutes=settings.login_window_minutes,
                    old_token=request.cookies.get(SESSION_COOKIE),
                )
            except auth.LoginRefused as refused:
                if refused.reason == "throttled":
                    status = 429
                    errors["form"] = i18n.gettext(
                        "Too many failed attempts. Wait %(minutes)s minutes and try again.",
                        minutes=settings.login_window_minutes,
                    )
                else:
                    errors["form"] = i18n.gettext(
                        "The phone number, e-mail or password is not right."
                    )
            else:
                response = Redirect(next_path, status_code=303)
                response.set_cookie(
                    SESSION_COOKIE,
                    token,
                    max_age=settings.session_days * 86400,
                    httponly=True,
                    secure=settings.secure_cookies,
                    samesite="lax",
                )
                response.set_cookie(
                    LANGUAGE_COOKIE, member.language, max_age=365 * 86400, samesite="lax"
                )
                i18n.current_locale.set(member.language)
                response.cookies.append(
                    flash_cookie(settings, "success",
                                 i18n.gettext("Welcome, %(name)s.", name=member.name))
                )
                return response
        return Template(
            "rental/login.html",
            context={"next": next_path, "errors": errors, "values": {"login": login}},
            status_code=status,
        )

    @post("/logout")
    async def logout(self, request: Request) -> Redirect:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await auth.log_out(token)
        response = Redirect("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        response.cookies.append(
            flash_cookie(_settings(request), "info", i18n.gettext("You have logged out."))
        )
        return response


class LanguageController(Controller):
    opt = {"access": "public"}

    @post("/language")
    async def switch(self, request: Request) -> Redirect:
        form = await request.form()
        language = str(form.get("lang", ""))
        response = Redirect(safe_next(str(form.get("next", "/"))), status_code=303)
        if language not in LANGUAGES:
            return response
        user = current_user(request)
        if user is not None:
            await Member.update(
                {Member.language: language, Member.updated_at: web.now(request)}
            ).where(Member.id == user.id)
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
        return response


CONTROLLERS = [AccountController, LanguageController, HealthController]
