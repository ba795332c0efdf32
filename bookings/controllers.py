"""Pages about what can be had when: the public catalogue (the home page)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template

from bookings.services import catalogue_view


class CatalogueController(Controller):
    opt = {"access": "public"}

    @get("/")
    async def home(
        self,
        request: Request,
        q: str = Parameter(default="", max_length=100),
        category: str = Parameter(default="", max_length=40),
        page: int = Parameter(default=1, ge=1, le=10_000),
    ) -> Template:
        settings = request.app.state.settings
        today = datetime.now(ZoneInfo(settings.default_timezone)).date()
        view = await catalogue_view(query=q, category=category or None, page=page, today=today)
        return Template(
            "bookings/catalogue.html",
            context={"view": view, "q": q, "category": category, "today": today},
        )


CONTROLLERS = [CatalogueController]
