"""The JSON API's conventions, one piece each, for every resource under /api/v1:

- `ApiController`: the base of every API controller. Its routes are in the schema (the app
  leaves every other route out), carry the bearer scheme unless their access is public, and
  document the refusals every route can answer (400, and 401/403 where a token is needed, 404
  where the path names a record) beside those the handler names (`refusals(404, 409, 422)`).
  Messages and amounts come in the Accept-Language language, else the account's, else
  Georgian (rental.kernel.web.locale_for_scope).
- One error body, `ApiError`: {"status": 422, "errors": {field: message}}, a message about no
  one field under "form". 400: the request cannot be read (malformed JSON, a wrong type, a
  missing field, a number out of bounds); 422: it can be read, and the rules refuse it.
- Pagination: `?page=` and `?per_page=` (`PageParam`, `PerPageParam`), the body's `total`,
  `page`, `pages` and `next` (the next page's address, or null) from `paging(...)`.
- Money: `Money` (integer tetri and the amount as the reader reads it); dates: ISO 8601
  (msgspec writes `date` and `datetime` so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, Example, Link, Operation, SecurityScheme
from litestar.openapi.spec.response import OpenAPIResponse
from litestar.params import Parameter

from rental.kernel import i18n

BEARER = "bearer"
SECURITY_SCHEMES: dict[str, Any] = {BEARER: SecurityScheme(
    type="http", scheme="bearer", description=(
        "An API token: `rental api-token create` prints one. Send it as "
        "`Authorization: Bearer <token>`; operations without this requirement are public."))}
COMPONENTS = Components(security_schemes=SECURITY_SCHEMES)
DOCUMENTATION = (
    "The tool library's JSON API. Errors: one body, `{\"status\", \"errors\": {field: "
    "message}}` (a message about no one field under `form`), in the `Accept-Language` "
    "language (ka, en or ru; Georgian by default). 400: the request cannot be read (malformed "
    "JSON, a wrong type or a missing field); 422: it can, and the rules refuse it; 429: wait "
    "the `Retry-After` seconds. Money is "
    "integer tetri (1 GEL = 100 tetri), dates ISO 8601. Within v1 fields and endpoints may be "
    "added, never removed or renamed.")


# --- a record named in each language --------------------------------------------------------


@dataclass
class Named:
    """A tool type, a centre, a skill: its id and its name in each language ("" where none)."""

    id: int
    name_ka: str
    name_en: str
    name_ru: str


def named(row: dict[str, Any], prefix: str, key: str) -> Named:
    """The record `row[key]` named by the row's `<prefix>_ka`, `_en` and `_ru` columns."""
    return Named(id=row[key], name_ka=row[f"{prefix}_ka"] or "",
                 name_en=row[f"{prefix}_en"] or "", name_ru=row[f"{prefix}_ru"] or "")


# --- the error body ---------------------------------------------------------------------------


@dataclass
class ApiError:
    """Every refusal: its status again, and a message per field ("form": about the whole
    request), in the reader's language."""

    status: int
    errors: dict[str, str]


WHY = {
    400: ("The request cannot be read: malformed JSON, a wrong type, a missing field or a "
          "number out of bounds.", "starts_on", "Enter the dates as YYYY-MM-DD."),
    401: ("No token, or one that is not valid (revoked, unknown).", "form", "Please log in."),
    403: ("The token's account may not do this (its role, or not a centre it works for).",
          "form", "You do not have access to this page."),
    404: ("No such record.", "form", "There is no page at this address."),
    409: ("It conflicts with the current state (e.g. the unit is taken by now).", "form",
          "No unit is free for these days."),
    422: ("The request is well formed, but the rules refuse it; the messages name the fields.",
          "ends_on", "Choose up to three months, the end after the start."),
    429: ("Too many requests: wait the `Retry-After` seconds.", "form",
          "Too many attempts from here. Wait 15 minutes and try again, or ask at the "
          "centre's desk."),
}


def refusals(*statuses: int) -> dict[int, ResponseSpec]:
    """The error answers an operation documents, with the one body and an example."""
    return {status: ResponseSpec(
        data_container=ApiError, description=WHY[status][0], generate_examples=False,
        examples=[Example(summary=WHY[status][0], value={
            "status": status, "errors": {WHY[status][1]: WHY[status][2]}})])
        for status in statuses}


def answer(status: int, body: Any, example: Any, description: str = "") -> dict[int, ResponseSpec]:
    """An operation's success answer with an example of its body."""
    return {status: ResponseSpec(data_container=body, description=description or "OK",
                                 generate_examples=False, examples=[Example(value=example)])}


def error_response(request: Request, status: int, errors: dict[str, Any],
                   retry_after: int | None = None) -> Response[dict[str, Any]]:
    """The one error body, `errors` (message ids, or ids with their values) in the reader's
    language; a 429 says when to come back."""
    body = {"status": status,
            "errors": {key: i18n.message_text(value) for key, value in errors.items()}}
    headers = {"Retry-After": str(retry_after or 60)} if status == 429 else None
    return Response(body, status_code=status, headers=headers)


# --- the controllers --------------------------------------------------------------------------


class ApiController(Controller):
    """The base of the API's controllers (see the module's doc)."""

    include_in_schema = True

    def get_route_handlers(self) -> list[BaseRouteHandler]:
        handlers = super().get_route_handlers()
        for handler in handlers:
            if isinstance(handler, HTTPRouteHandler):
                _document(handler, {**(self.opt or {}), **handler.opt}.get("access"),
                          any("{" in path for path in (self.path, *handler.paths)))
        return handlers


def _document(handler: HTTPRouteHandler, access: str | None, names_a_record: bool) -> None:
    common = [400]
    if access == "public":
        handler.security = [{}]  # OpenAPI's word for "no token needed"
    else:
        common += [401, 403]
        handler.security = [{BEARER: []}]
    if names_a_record:
        common.append(404)
    unchanged = {304: ResponseSpec(data_container=None, description=(
        "Not modified: the `If-None-Match` named the `ETag` this read answers now."))} \
        if "GET" in handler.http_methods else {}
    handler.responses = {**unchanged, **refusals(*common), **(handler.responses or {})}


# --- pagination -------------------------------------------------------------------------------

MAX_PER_PAGE = 100
PageParam = Annotated[int, Parameter(ge=1, le=10_000, description="the page, from 1")]
PerPageParam = Annotated[int, Parameter(ge=1, le=MAX_PER_PAGE, description=(
    f"how many on a page, at most {MAX_PER_PAGE}"))]


@dataclass
class Paging:
    """A list's place among its pages; a list's body adds its `items`."""

    total: int
    page: int
    pages: int
    next: str | None  # the next page's address, or null on the last


def paging(request: Request, *, total: int, page: int, per_page: int) -> dict[str, Any]:
    """`total`, `page`, `pages` and `next` (the request's address with the next page) of a
    list, as keyword arguments for its body."""
    pages = max(1, -(-total // per_page))
    following = None
    if page < pages:
        query = {**dict(request.query_params), "page": str(page + 1)}
        following = f"{request.url.path}?{urlencode(query)}"
    return {"total": total, "page": page, "pages": pages, "next": following}


# --- money ------------------------------------------------------------------------------------


@dataclass
class Money:
    """An amount: integer tetri (1 GEL = 100 tetri), and as the reader reads it."""

    tetri: int
    text: str


def money(tetri: int) -> Money:
    return Money(tetri=tetri, text=i18n.format_money(tetri))


# --- links: what a client may do next with what it got (schemathesis' stateful runs follow them)


def link_to(operation_id: str, parameter: str, description: str) -> Link:
    """The operation `operation_id`, its `parameter` taken from the answer's `id`."""
    return Link(operation_id=operation_id, parameters={parameter: "$response.body#/id"},
                description=description)


def linked(status: int, links: dict[str, Link]) -> type[Operation]:
    """An operation whose `status` answer names the operations a client may follow it with
    (OpenAPI links), for a route's `operation_class=`."""

    @dataclass
    class LinkedOperation(Operation):
        def __post_init__(self) -> None:
            answer = (self.responses or {}).get(str(status))
            if isinstance(answer, OpenAPIResponse):
                answer.links = links

    return LinkedOperation
