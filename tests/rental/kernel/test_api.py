"""The API's conventions (rental.kernel.api, issue 22): the schema documents the API and only
the API, with the bearer scheme, every status an operation answers and examples; one error
body in the reader's language; pagination with `next`; money in tetri with its text; the
documentation page with its own files."""

from __future__ import annotations

import re

import pytest
from helpers import as_staff, now

from rental.accounts import create_api_token
from rental.kernel import api, i18n
from rental.kernel.settings import PROJECT_ROOT

SCHEMA = "/api/v1/schema/openapi.json"
ERRORS = {"400", "401", "403", "404", "409", "422", "429"}


async def _schema(client) -> dict:
    response = await client.get(SCHEMA)
    assert response.status_code == 200
    return response.json()


def _api_handlers(app) -> set[tuple[str, str]]:
    """(path, method) of every API route the app serves, the schema and its page aside."""
    return {
        (route.path, method)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in getattr(handler, "http_methods", ())
        if route.path.startswith("/api/v1") and method not in ("OPTIONS", "HEAD")
        and not route.path.startswith(("/api/v1/schema", "/api/v1/docs"))
    }


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


async def test_the_schema_documents_the_api_and_only_the_api(client, app):
    schema = await _schema(client)
    assert schema["paths"] and all(path.startswith("/api/v1/") for path in schema["paths"])
    documented = {(path, method.upper()) for path, method, _ in _operations(schema)}
    served = {(re.sub(r"\{(\w+):\w+\}", r"{\1}", path), method)
              for path, method in _api_handlers(app)}
    assert served and served == documented


async def test_protected_operations_carry_the_bearer_scheme_and_public_ones_say_so(client):
    schema = await _schema(client)
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearer"]["description"]}
    security = {(path, method): operation["security"]
                for path, method, operation in _operations(schema)}
    assert security[("/api/v1/bookings", "post")] == [{"bearer": []}]
    assert security[("/api/v1/loans/check-out", "post")] == [{"bearer": []}]
    assert security[("/api/v1/tool-types", "get")] == [{}]  # no token needed
    for (_path, _method), requirement in security.items():
        assert requirement in ([{}], [{"bearer": []}])


async def test_every_operation_documents_its_refusals_with_the_one_body_and_examples(client):
    schema = await _schema(client)
    assert set(schema["components"]["schemas"]["ApiError"]["required"]) == {"status", "errors"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        assert "400" in responses, (path, method)
        if operation["security"] != [{}]:
            assert {"401", "403"} <= set(responses), (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        for status, response in responses.items():
            if status in ERRORS:
                body = response["content"]["application/json"]
                assert body["schema"] == {"$ref": "#/components/schemas/ApiError"}
                example = next(iter(body["examples"].values()))["value"]
                assert example["status"] == int(status) and example["errors"]
            elif status.startswith("2"):
                assert response["content"]["application/json"]["examples"], (path, method)
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["schema"][
                "examples"], (path, method)


async def test_a_missing_record_is_the_one_error_body_in_the_language_asked(client):
    answers = {}
    for language in ("ka", "en", "ru", None):
        headers = {"Accept-Language": language} if language else {}
        response = await client.get("/api/v1/tool-types/999999", headers=headers)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert set(response.json()) == {"status", "errors"}
        answers[language] = response.json()["errors"]["form"]
    assert answers["en"] == "There is no page at this address."
    assert answers[None] == answers["ka"] != answers["en"]
    assert answers["ru"] not in (answers["ka"], answers["en"])


async def test_the_language_asked_wins_over_the_accounts(client, seeded):
    _id, token = await create_api_token("+995555000012", "kiosk", now=now())  # reads Georgian
    body = {"tool_type_id": 1, "centre_id": 1, "starts_on": "2026-01-10",
            "ends_on": "2026-01-05"}
    auth = {"Authorization": f"Bearer {token}"}
    georgian = await client.post("/api/v1/bookings", json=body, headers=auth)
    english = await client.post("/api/v1/bookings", json=body,
                                headers={**auth, "Accept-Language": "en-GB,en;q=0.9"})
    assert georgian.status_code == english.status_code == 422
    assert georgian.json()["errors"] != english.json()["errors"]
    assert re.search(r"[ა-ჰ]", next(iter(georgian.json()["errors"].values())))
    assert re.search(r"[a-z]", next(iter(english.json()["errors"].values())))


async def test_a_request_that_cannot_be_read_is_400_naming_the_field(client, seeded):
    _id, token = await create_api_token("+995555000012", "kiosk", now=now())
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    malformed = await client.post("/api/v1/bookings", content=b"{not json",
                                  headers={**auth, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json() == {"status": 400, "errors": {
        "form": "Check the address or the form and try again."}}
    wrong_type = await client.post("/api/v1/bookings", headers=auth, json={
        "tool_type_id": "seven", "centre_id": 1, "starts_on": "2026-01-10",
        "ends_on": "2026-01-11"})
    assert wrong_type.status_code == 400
    assert list(wrong_type.json()["errors"]) == ["tool_type_id"]
    out_of_bounds = await client.get("/api/v1/tool-types", params={"per_page": 101})
    assert out_of_bounds.status_code == 400 and out_of_bounds.json()["status"] == 400


async def test_no_token_is_401_and_the_wrong_role_403_in_the_one_body(client, seeded):
    body = {"asset_tag": "SMG-0001", "condition": "fine"}
    nobody = await client.post("/api/v1/loans/check-in", json=body)  # no session, no CSRF
    assert nobody.status_code == 401 and set(nobody.json()) == {"status", "errors"}
    bad = await client.post("/api/v1/loans/check-in", json=body,
                            headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["errors"]["form"]
    _id, token = await create_api_token("+995555000012", "kiosk", now=now())
    member = await client.post("/api/v1/loans/check-in", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert member.status_code == 403 and member.json()["status"] == 403


async def test_a_session_still_needs_its_csrf_token_on_the_api(client, seeded):
    await as_staff(client, seeded)
    response = await client.post("/api/v1/loans/check-in", json={
        "asset_tag": "SMG-0001", "condition": "fine"})
    assert response.status_code == 403


async def test_the_tool_type_list_pages_with_next(client, seeded):
    first = (await client.get("/api/v1/tool-types", params={"per_page": 2, "q": ""})).json()
    assert len(first["items"]) == 2 and first["page"] == 1
    assert first["pages"] == -(-first["total"] // 2) and first["pages"] > 1
    assert first["next"] == "/api/v1/tool-types?per_page=2&q=&page=2"
    last = (await client.get("/api/v1/tool-types", params={
        "per_page": 2, "page": first["pages"]})).json()
    assert last["next"] is None and last["page"] == first["pages"]
    item = first["items"][0]
    assert item["daily_fee"]["tetri"] == item["daily_fee_tetri"]
    assert item["daily_fee"]["text"] and item["deposit"]["tetri"] == item["deposit_tetri"]


@pytest.mark.parametrize(("language", "text"), [("ka", "12,50 ₾"), ("ru", "12,50 ₾")])
def test_money_is_tetri_and_the_amount_as_the_reader_reads_it(language, text):
    with i18n.in_locale(language):
        amount = api.money(1250)
    assert amount.tetri == 1250 and amount.text.replace("\xa0", " ") == text
    with i18n.in_locale("en"):
        assert "12.50" in api.money(1250).text


async def test_the_documentation_page_uses_its_own_files_and_no_inline_script(client):
    page = await client.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/static/") for source in sources)
    for source in sources:
        path = PROJECT_ROOT / source.split("?")[0].lstrip("/")
        assert path.is_file(), source
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # every script is a file
    assert (PROJECT_ROOT / "static/vendor/swagger-ui/LICENSE").is_file()
    assert "/api/v1/docs" not in (await client.get(SCHEMA)).json()["paths"]


async def test_too_many_requests_is_429_with_retry_after():
    """No API route is rate-limited yet: a probe route refuses as a throttled service does."""
    import httpx
    from litestar import Litestar, post

    from rental.kernel.errors import DomainError
    from rental.kernel.responses import EXCEPTION_HANDLERS

    class Throttled(DomainError):
        minutes = 15

    class Probe(api.ApiController):
        path = "/api/v1/probe"
        opt = {"access": "public"}

        @post("/")
        async def probe(self) -> None:
            raise Throttled("throttled", {"form": "Too many attempts."})

    app = Litestar([Probe], exception_handlers=EXCEPTION_HANDLERS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        response = await http.post("/api/v1/probe", headers={"Accept-Language": "en"})
    assert response.status_code == 429 and response.headers["retry-after"] == "900"
    assert response.json() == {"status": 429, "errors": {"form": "Too many attempts."}}
