"""The public catalogue: the home page, and the same as read-only JSON (the API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template

from bookings.catalogue.services import catalogue_page, catalogue_view, tool_type_view
from inventory.catalogue import PER_PAGE
from rental.kernel import api, web
from rental.kernel.api import ApiController, Money, PageParam, Paging, PerPageParam
from rental.kernel.values import MAX_INT


class CatalogueController(Controller):
    opt = {"access": "public"}

    @get("/")
    async def home(
        self,
        request: Request,
        q: str = Parameter(default="", max_length=100),
        category: str = Parameter(default="", max_length=40),
        centre: str = Parameter(default="", max_length=8),
        starts: str = Parameter(query="from", default="", max_length=10),
        ends: str = Parameter(query="to", default="", max_length=10),
        page: int = Parameter(default=1, ge=1, le=10_000),
        member: int = Parameter(default=0, ge=0, le=MAX_INT),
    ) -> Template:
        """`member`: the desk books for this member (ignored unless the staff ask)."""
        context = await catalogue_page(query=q, category=category, centre=centre, starts=starts,
                                      ends=ends, page=page, member=member,
                                      asker=web.current_user(request), today=web.today(request))
        return Template("bookings/catalogue.html", context=context,
                        status_code=422 if context["errors"] else 200)


@dataclass
class FreeAtCentre:
    centre: str  # the centre's code, e.g. SMG
    name_ka: str
    name_en: str
    name_ru: str
    free_today: int


@dataclass
class ToolTypeOut:
    id: int
    slug: str
    category: str
    name_ka: str
    name_en: str
    name_ru: str
    description_ka: str
    description_en: str
    description_ru: str
    safety_notes_ka: str
    safety_notes_en: str
    safety_notes_ru: str
    daily_fee_tetri: int
    deposit_tetri: int
    max_loan_days: int
    required_skill: str | None
    needs_inspection: bool
    photo_url: str | None
    manual_url: str | None
    free: list[FreeAtCentre]
    daily_fee: Money
    deposit: Money


@dataclass
class ToolTypeList(Paging):
    items: list[ToolTypeOut]


DRILL = {
    "id": 7, "slug": "cordless-drill", "category": "power-tools",
    "name_ka": "აკუმულატორიანი დრელი", "name_en": "Cordless drill",
    "name_ru": "Аккумуляторная дрель", "description_ka": "",
    "description_en": "18 V, two batteries", "description_ru": "", "safety_notes_ka": "",
    "safety_notes_en": "Wear goggles.",
    "safety_notes_ru": "", "daily_fee_tetri": 500, "deposit_tetri": 5000, "max_loan_days": 7,
    "required_skill": None, "needs_inspection": False, "photo_url": None, "manual_url": None,
    "free": [{"centre": "SMG", "name_ka": "სამგორი", "name_en": "Samgori", "name_ru": "Самгори",
              "free_today": 2}],
    "daily_fee": {"tetri": 500, "text": "5,00 ₾"}, "deposit": {"tetri": 5000, "text": "50,00 ₾"},
}


def _tool_type_out(item: dict[str, Any], centres: list[dict[str, Any]],
                   free: dict[tuple[int, int], int]) -> ToolTypeOut:
    return ToolTypeOut(
        id=item["id"], slug=item["slug"], category=item["category_slug"],
        name_ka=item["name_ka"], name_en=item["name_en"], name_ru=item["name_ru"],
        description_ka=item["description_ka"], description_en=item["description_en"],
        description_ru=item["description_ru"], safety_notes_ka=item["safety_notes_ka"],
        safety_notes_en=item["safety_notes_en"], safety_notes_ru=item["safety_notes_ru"],
        daily_fee_tetri=item["daily_fee"],
        deposit_tetri=item["deposit"], max_loan_days=item["max_loan_days"],
        required_skill=item["skill_slug"],
        needs_inspection=bool(item["inspection_interval_days"]),
        photo_url=f"/media/{item['photo']}" if item["photo"] else None,
        manual_url=item["manual_url"] or None,
        daily_fee=api.money(item["daily_fee"]), deposit=api.money(item["deposit"]),
        free=[
            FreeAtCentre(centre=c["code"], name_ka=c["name_ka"], name_en=c["name_en"],
                         name_ru=c["name_ru"], free_today=free.get((item["id"], c["id"]), 0))
            for c in centres
        ],
    )


class CatalogueApiController(ApiController):
    """The public catalogue as JSON, read-only."""

    path = "/api/v1/tool-types"
    opt = {"access": "public"}
    tags = ["catalogue"]

    @get("/", responses={**api.refusals(404), **api.answer(200, ToolTypeList, {
        "items": [DRILL], "total": 31, "page": 1, "pages": 2,
        "next": "/api/v1/tool-types?centre=SMG&page=2"})})
    async def list_tool_types(
        self,
        request: Request,
        q: str = Parameter(default="", max_length=100, description="name in any language, "
                           "or an asset tag"),
        category: str = Parameter(default="", max_length=40, description="category slug"),
        centre: str = Parameter(default="", max_length=8, description="centre code, e.g. SMG"),
        page: PageParam = 1,
        per_page: PerPageParam = PER_PAGE,
    ) -> ToolTypeList:
        """Active tool types with the units free today at each centre (a fixed few queries);
        404 when the centre is unknown."""
        view = await catalogue_view(query=q, category=category or None, page=page,
                                    per_page=per_page, today=web.today(request),
                                    centre=centre or None)
        if centre and view.centre is None:
            raise NotFoundException()
        found = view.tool_types
        return ToolTypeList(
            items=[_tool_type_out(item, view.shown_centres, view.free) for item in found.items],
            **api.paging(request, total=found.total, page=found.page, per_page=per_page))

    @get("/{tool_type_id:int}", responses=api.answer(200, ToolTypeOut, DRILL))
    async def get_tool_type(self, request: Request, tool_type_id: int) -> ToolTypeOut:
        """One active tool type with the units free today at each centre; 404 when unknown."""
        found = await tool_type_view(tool_type_id, web.today(request))
        if found is None:
            raise NotFoundException()
        return _tool_type_out(*found)


CONTROLLERS = [CatalogueController, CatalogueApiController]
