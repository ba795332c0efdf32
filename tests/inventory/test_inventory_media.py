"""Uploads: a tool type's photo and manual, a ticket's photo. Checked by their content, written
only when the whole form is valid, removed when the database refuses, served only under the
names we generate."""

from __future__ import annotations

import pytest
from helpers import credentials, csrf_token, log_in

from inventory import media
from inventory.tables import Category, MaintenanceTicket, ToolType, Unit
from rental.kernel.values import BadValue

MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x40\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"%\xe2\xe3\xcf\xd3\n" + b"0" * 64
GIF = b"GIF89a" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(1)</script>"
TOOL = {
    "slug": "wet-tile-saw", "name_ka": "ფილის საჭრელი", "name_en": "Tile cutter",
    "daily_fee": "2.50", "deposit": "40", "max_loan_days": "5", "active": "1",
}


# --- the pure checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, kind, extension",
    [
        (PNG, media.PHOTO, "png"),
        (JPEG, media.PHOTO, "jpg"),
        (WEBP, media.PHOTO, "webp"),
        (PDF, media.MANUAL, "pdf"),
        (PNG + b"\x00" * (5 * MB - len(PNG)), media.PHOTO, "png"),  # exactly 5 MB
        (PDF + b"\x00" * (20 * MB - len(PDF)), media.MANUAL, "pdf"),  # exactly 20 MB
        (GIF, media.PHOTO, None),
        (HTML, media.PHOTO, None),
        (PDF, media.PHOTO, None),
        (PNG, media.MANUAL, None),
        (b"RIFF\x40\x00\x00\x00WAVEfmt ", media.PHOTO, None),  # RIFF, but sound
        (b"%PDF", media.MANUAL, None),  # cut short
        (b"", media.PHOTO, None),
        (PNG + b"\x00" * 5 * MB, media.PHOTO, None),  # one byte too many and more
        (PDF + b"\x00" * 20 * MB, media.MANUAL, None),
    ],
)
def test_check_reads_the_type_from_the_content(data, kind, extension):
    if extension:
        assert media.check(data, kind) == extension
    else:
        with pytest.raises(BadValue):
            media.check(data, kind)


@pytest.mark.parametrize(
    "name, ok",
    [
        ("0123456789abcdef0123456789abcdef.png", True),
        ("0123456789abcdef0123456789abcdef.pdf", True),
        ("0123456789ABCDEF0123456789ABCDEF.png", False),
        ("0123456789abcdef0123456789abcdef.html", False),
        ("0123456789abcdef0123456789abcdef.png.html", False),
        (".0123456789abcdef0123456789abcdef.png.part", False),
        ("../0123456789abcdef0123456789abcde.png", False),
        ("photo.jpg", False),
        ("", False),
    ],
)
def test_only_generated_names_are_media_names(name, ok):
    assert media.is_media_name(name) is ok


def test_new_names_are_random_and_keep_the_extension():
    names = {media.new_name("webp") for _ in range(100)}
    assert len(names) == 100 and all(media.is_media_name(n) and n.endswith(".webp")
                                     for n in names)


def test_path_for_stays_inside_the_media_folder(tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    name = media.new_name("png")
    (root / name).write_bytes(PNG)
    (tmp_path / "secret_key").write_text("s")
    assert media.path_for(root, name) == (root / name).resolve()
    assert media.path_for(root, "../secret_key") is None
    assert media.path_for(root, media.new_name("png")) is None  # no such file


# --- the tool type form ----------------------------------------------------------------------


async def as_coordinator(client, seeded) -> None:
    assert (await log_in(client, *credentials(seeded, "coordinator"))).status_code == 303


async def post_multipart(client, path: str, data: dict, files: dict):
    token = await csrf_token(client, "/")
    return await client.post(path, data={**data, "_csrf_token": token},
                             files={k: (f"upload-{k}", v, "application/octet-stream")
                                    for k, v in files.items()})


async def tool_data(**change) -> dict:
    category = await Category.select(Category.id).where(Category.slug == "electrical").first()
    return {**TOOL, "category": str(category["id"]), **change}


def media_files(settings) -> set[str]:
    folder = settings.media_dir
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


async def test_coordinator_uploads_a_photo_and_a_manual(client, seeded, settings):
    await as_coordinator(client, seeded)
    before = media_files(settings)
    response = await post_multipart(client, "/manage/tool-types/new", await tool_data(),
                                    {"photo": WEBP, "manual": PDF})
    assert response.status_code == 303, response.text[:2000]
    tool = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    assert media.is_media_name(tool["photo"]) and tool["photo"].endswith(".webp")
    manual = media.name_of_url(tool["manual_url"])
    assert manual and manual.endswith(".pdf")
    assert media_files(settings) - before == {tool["photo"], manual}
    assert (settings.media_dir / manual).read_bytes() == PDF

    photo = await client.get(f"/media/{tool['photo']}")
    assert photo.status_code == 200 and photo.content == WEBP
    assert photo.headers["content-type"] == "image/webp"
    assert "max-age=31536000" in photo.headers["cache-control"]
    assert photo.headers["x-content-type-options"] == "nosniff"
    pdf = await client.get(tool["manual_url"])
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    client.cookies.clear()  # the files and the catalogue are public
    assert (await client.get(f"/media/{tool['photo']}")).status_code == 200
    assert f'src="/media/{tool["photo"]}"' in (await client.get("/", params={"q": "ფილის"})).text


async def test_a_twenty_megabyte_manual_fits(client, seeded, settings):
    await as_coordinator(client, seeded)
    big = PDF + b"\x00" * (20 * MB - len(PDF))
    response = await post_multipart(client, "/manage/tool-types/new", await tool_data(),
                                    {"manual": big, "photo": PNG + b"\x00" * (5 * MB - len(PNG))})
    assert response.status_code == 303
    tool = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    assert (settings.media_dir / media.name_of_url(tool["manual_url"])).stat().st_size == 20 * MB


@pytest.mark.parametrize(
    "files, field",
    [
        ({"photo": GIF}, "photo"),
        ({"photo": HTML}, "photo"),  # whatever its name and content type say
        ({"photo": PDF}, "photo"),
        ({"photo": b""}, "photo"),
        ({"photo": PNG + b"\x00" * 5 * MB}, "photo"),
        ({"manual": PNG}, "manual"),
        ({"manual": HTML}, "manual"),
        ({"manual": PDF + b"\x00" * 20 * MB, "photo": PNG}, "manual"),
    ],
)
async def test_bad_upload_is_refused_next_to_the_field_and_nothing_is_written(
    client, seeded, settings, files, field
):
    await as_coordinator(client, seeded)
    before = media_files(settings), await ToolType.count()
    response = await post_multipart(client, "/manage/tool-types/new", await tool_data(), files)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert (media_files(settings), await ToolType.count()) == before


async def test_a_named_image_that_is_not_one_is_refused(client, seeded, settings):
    await as_coordinator(client, seeded)
    token = await csrf_token(client, "/")
    response = await client.post(
        "/manage/tool-types/new", data={**await tool_data(), "_csrf_token": token},
        files={"photo": ("drill.jpg", HTML, "image/jpeg")},
    )
    assert response.status_code == 422 and 'id="e-photo"' in response.text


async def test_a_form_bigger_than_any_file_gets_a_clear_page(client, seeded, settings):
    await as_coordinator(client, seeded)
    before = media_files(settings), await ToolType.count()
    response = await post_multipart(client, "/manage/tool-types/new", await tool_data(),
                                    {"manual": PDF + b"\x00" * 27 * MB})
    assert response.status_code == 413
    assert 'href="/manage/tool-types/new"' in response.text
    assert "20" in response.text and "5" in response.text
    assert (media_files(settings), await ToolType.count()) == before
    # the same through htmx (the token in a header): the handler reads the body, same answer
    token = await csrf_token(client, "/")
    boosted = await client.post(
        "/manage/tool-types/new", data=await tool_data(),
        files={"manual": ("m.pdf", PDF + b"\x00" * 27 * MB, "application/pdf")},
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert boosted.status_code == 413 and "<html" not in boosted.text


async def test_no_file_is_written_while_another_field_is_wrong(client, seeded, settings):
    await as_coordinator(client, seeded)
    before = media_files(settings)
    response = await post_multipart(client, "/manage/tool-types/new",
                                    await tool_data(name_ka="", daily_fee="-1"),
                                    {"photo": PNG, "manual": PDF})
    assert response.status_code == 422
    assert 'id="e-name_ka"' in response.text and 'id="e-daily_fee"' in response.text
    assert 'class="form-errors"' in response.text  # choose the files again
    assert media_files(settings) == before


async def test_the_file_is_removed_when_the_database_refuses(client, seeded, settings):
    await as_coordinator(client, seeded)
    before = media_files(settings)
    # the short name is taken: found inside the transaction, after the files were written
    response = await post_multipart(client, "/manage/tool-types/new",
                                    await tool_data(slug="cordless-drill"),
                                    {"photo": JPEG, "manual": PDF})
    assert response.status_code == 422 and 'id="e-slug"' in response.text
    assert media_files(settings) == before


async def test_editing_replaces_keeps_and_removes_the_photo(client, seeded, settings):
    await as_coordinator(client, seeded)
    await post_multipart(client, "/manage/tool-types/new", await tool_data(),
                         {"photo": PNG, "manual": PDF})
    tool = await ToolType.select().where(ToolType.slug == "wet-tile-saw").first()
    first_photo, manual_url = tool["photo"], tool["manual_url"]
    edit = f"/manage/tool-types/{tool['id']}/edit"
    form = await client.get(edit)
    assert f'src="/media/{first_photo}"' in form.text and 'name="remove_photo"' in form.text

    # saved without files: the photo and the uploaded manual stay
    kept = await post_multipart(client, edit, await tool_data(manual_url=manual_url), {})
    assert kept.status_code == 303
    tool = await ToolType.select().where(ToolType.id == tool["id"]).first()
    assert (tool["photo"], tool["manual_url"]) == (first_photo, manual_url)

    # a new photo replaces the old one, whose file goes
    replaced = await post_multipart(client, edit, await tool_data(manual_url=manual_url),
                                    {"photo": JPEG})
    assert replaced.status_code == 303
    tool = await ToolType.select().where(ToolType.id == tool["id"]).first()
    assert tool["photo"] != first_photo and tool["photo"].endswith(".jpg")
    assert not (settings.media_dir / first_photo).exists()
    assert (await client.get(f"/media/{first_photo}")).status_code == 404

    # a link instead of the uploaded manual; then no photo at all
    removed = await post_multipart(client, edit, await tool_data(
        manual_url="https://example.ge/manual.pdf", remove_photo="1"), {})
    assert removed.status_code == 303
    tool = await ToolType.select().where(ToolType.id == tool["id"]).first()
    assert tool["photo"] == "" and tool["manual_url"] == "https://example.ge/manual.pdf"
    assert media_files(settings) & {first_photo, media.name_of_url(manual_url)} == set()


async def test_only_coordinators_upload(client, seeded, settings):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    before = media_files(settings)
    response = await post_multipart(client, "/manage/tool-types/new", await tool_data(),
                                    {"photo": PNG})
    assert response.status_code == 403
    assert media_files(settings) == before


# --- serving ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/media/secret_key",
        "/media/..%2fsecret_key",
        "/media/%2e%2e%2fsecret_key",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/../secret_key",
        "/media/notes.txt",
        "/media/0123456789abcdef0123456789abcdef.png",  # the right shape, no such file
        "/media/0123456789ABCDEF0123456789ABCDEF.png",
        "/media/.0123456789abcdef0123456789abcdef.png.part",
    ],
)
async def test_only_generated_names_are_served(client, settings, path):
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    (settings.media_dir / "notes.txt").write_text("not an upload")
    (settings.media_dir / ".0123456789abcdef0123456789abcdef.png.part").write_bytes(PNG)
    response = await client.get(path)
    assert response.status_code == 404
    assert b"not an upload" not in response.content and b"\x89PNG" not in response.content


# --- a ticket's photo ------------------------------------------------------------------------


async def smg_unit() -> dict:
    return await Unit.select().where(Unit.asset_tag == "SMG-0001").first()


async def test_staff_open_a_ticket_with_a_photo(client, seeded, settings):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    unit = await smg_unit()
    page = await client.get(f"/units/{unit['id']}")
    assert 'enctype="multipart/form-data"' in page.text and 'name="photo"' in page.text
    response = await post_multipart(client, f"/units/{unit['id']}/tickets",
                                    {"description": "Cable cut"}, {"photo": JPEG})
    assert response.status_code == 303
    ticket = await MaintenanceTicket.select().where(MaintenanceTicket.unit == unit["id"]).first()
    assert media.is_media_name(ticket["photo"]) and ticket["photo"].endswith(".jpg")
    assert (settings.media_dir / ticket["photo"]).read_bytes() == JPEG
    assert f'/media/{ticket["photo"]}' in (await client.get(f"/units/{unit['id']}")).text

    # a second ticket is refused inside the transaction: its photo is not kept
    before = media_files(settings)
    second = await post_multipart(client, f"/units/{unit['id']}/tickets",
                                  {"description": "again"}, {"photo": PNG})
    assert second.status_code == 422
    assert media_files(settings) == before


async def test_a_ticket_without_a_photo_still_opens(client, seeded):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    unit = await smg_unit()
    token = await csrf_token(client, "/")
    response = await client.post(f"/units/{unit['id']}/tickets",
                                 data={"description": "Chuck wobbles", "_csrf_token": token},
                                 files={"photo": ("", b"", "application/octet-stream")})
    assert response.status_code == 303
    assert (await MaintenanceTicket.select().first())["photo"] == ""


@pytest.mark.parametrize(
    "data, files, field",
    [
        ({"description": "broken"}, {"photo": PDF}, "photo"),
        ({"description": "broken"}, {"photo": PNG + b"\x00" * 5 * MB}, "photo"),
        ({"description": " "}, {"photo": PNG}, "description"),
    ],
)
async def test_bad_ticket_photo_is_refused_and_nothing_is_written(
    client, seeded, settings, data, files, field
):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    unit = await smg_unit()
    before = media_files(settings)
    response = await post_multipart(client, f"/units/{unit['id']}/tickets", data, files)
    assert response.status_code == 422 and f'id="e-{field}"' in response.text
    assert await MaintenanceTicket.count() == 0 and (await smg_unit())["status"] == "available"
    assert media_files(settings) == before


async def test_a_huge_ticket_photo_gets_a_clear_page(client, seeded, settings):
    assert (await log_in(client, *credentials(seeded, "staff"))).status_code == 303
    unit = await smg_unit()
    response = await post_multipart(client, f"/units/{unit['id']}/tickets",
                                    {"description": "broken"}, {"photo": PNG + b"\0" * 8 * MB})
    assert response.status_code == 413
    assert f'href="/units/{unit["id"]}"' in response.text
    assert await MaintenanceTicket.count() == 0
