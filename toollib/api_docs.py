"""The API's documentation for people at /api/v1/docs: Swagger UI over /api/v1/schema, its
files vendored under static/vendor/swagger-ui (centres may have no route to a CDN)."""

from __future__ import annotations

from litestar import get
from litestar.response import Template


@get("/api/v1/docs", opt={"access": "public"}, include_in_schema=False, sync_to_thread=False)
def api_docs() -> Template:
    return Template("api_docs.html")
