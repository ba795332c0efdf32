"""GET /healthz reports the database, and says why when it cannot."""

from __future__ import annotations

import contextlib

from conftest import DB, ON_POSTGRES, RUN_DIR


async def test_healthz_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok",
                               "backup_age_hours": None}  # none made in the tests' var/


@contextlib.asynccontextmanager
async def database_unreachable():
    """Point the real engine at a server or file that is not there, then restore it."""
    if ON_POSTGRES:
        await DB.close_connection_pool()
        saved = dict(DB.config)
        DB.config["dsn"] = "postgresql://nobody:nothing@127.0.0.1:1/none"
        try:
            yield
        finally:
            DB.config.clear()
            DB.config.update(saved)
            await DB.start_connection_pool(min_size=1, max_size=4)
    else:
        saved = DB.connection_kwargs["database"]
        DB.connection_kwargs["database"] = str(RUN_DIR / "no-such-dir" / "db.sqlite")
        try:
            yield
        finally:
            DB.connection_kwargs["database"] = saved


async def test_healthz_503_when_the_database_is_unreachable(client):
    async with database_unreachable():
        response = await client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"]


async def test_healthz_503_names_a_missing_schema(client):
    if ON_POSTGRES:
        await DB.run_ddl("ALTER TABLE centre RENAME TO centre_away")
        try:
            response = await client.get("/healthz")
        finally:
            await DB.run_ddl("ALTER TABLE centre_away RENAME TO centre")
    else:
        saved = DB.connection_kwargs["database"]
        DB.connection_kwargs["database"] = str(RUN_DIR / "empty.sqlite")
        try:
            response = await client.get("/healthz")
        finally:
            DB.connection_kwargs["database"] = saved
    assert response.status_code == 503
    assert "rental migrate" in response.json()["database"]


async def test_a_failure_inside_a_page_gets_a_friendly_500_in_the_users_language(client):
    async with database_unreachable():
        response = await client.get("/")
    assert response.status_code == 500
    assert "რაღაც შეფერხდა" in response.text  # "something went wrong"
    assert "Traceback" not in response.text and "Error" not in response.text
