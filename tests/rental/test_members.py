"""Members: sign-up, desk registration and verification, own page, passwords, memberships,
concessions, erasure, and the audit trail."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from helpers import SMG, credentials, csrf_token, log_in, now, today

from rental.auth import verify_password
from rental.tables import (
    AuditLog,
    Centre,
    ConcessionCategory,
    Member,
    MemberConcession,
    MemberConsent,
    Membership,
    MembershipType,
    Notification,
    UserSession,
)

SIGNUP = {
    "name": "ნინო ბერიძე", "phone": "599 12 34 56", "email": "", "language": "ka",
    "password": "kargi-paroli-1", "password_again": "kargi-paroli-1",
    "agree_rental": "yes", "agree_data": "yes",
}
DESK = {
    "name": "გიორგი მაისურაძე", "phone": "599 65 43 21", "email": "giorgi@example.ge",
    "language": "ka", "id_document_type": "personal_number",
    "id_document_number": "01024056789", "birth_date": "1990-05-17", "sex": "male",
    "municipality": "samgori", "situation": "returning_migrant", "notes": "",
    "home_centre": str(SMG),
}


async def post(client, path: str, data: dict, page: str | None = None):
    token = await csrf_token(client, page or "/")
    return await client.post(path, data={**data, "_csrf_token": token})


async def as_role(client, seeded, role: str):
    phone, password = credentials(seeded, role)
    assert (await log_in(client, phone, password)).status_code == 303
    return await Member.select(Member.id).where(Member.phone == phone).first()


async def member_id(phone: str) -> int:
    return (await Member.select(Member.id).where(Member.phone == phone).first())["id"]


# --- sign-up ------------------------------------------------------------------------------


async def test_sign_up_creates_a_pending_account_with_consents_and_logs_in(client, seeded):
    response = await post(client, "/signup", SIGNUP, "/signup")
    assert response.status_code == 303 and response.headers["location"] == "/me"
    member = await Member.objects().where(Member.phone == "+995599123456").first()
    assert member.status == "pending" and member.role == "member"
    assert verify_password(member.password_hash, "kargi-paroli-1")
    consents = await MemberConsent.select().where(MemberConsent.member == member.id)
    assert {c["kind"] for c in consents} == {"rental_agreement", "data_processing"}
    assert all(c["version"] and c["given_at"] for c in consents)
    page = await client.get("/me")
    assert page.status_code == 200 and "ნინო ბერიძე" in page.text
    assert await AuditLog.exists().where((AuditLog.action == "signup")
                                         & (AuditLog.entity_id == member.id))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+995555000011"}, "phone"),  # a demo member's phone: taken
        ({"name": "   "}, "name"),
        ({"name": "ა" * 201}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short", "password_again": "short"}, "password"),
        ({"password_again": "something else"}, "password_again"),
        ({"agree_rental": ""}, "agree_rental"),
        ({"agree_data": ""}, "agree_data"),
        ({"language": "xx"}, "language"),
    ],
    ids=["malformed-phone", "duplicate-phone", "empty-name", "long-name", "bad-email",
         "short-password", "passwords-differ", "no-rental-consent", "no-data-consent",
         "unknown-language"],
)
async def test_sign_up_refuses_bad_input_next_to_the_field(client, seeded, change, field):
    before = await Member.count()
    response = await post(client, "/signup", {**SIGNUP, **change}, "/signup")
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert await Member.count() == before
    assert "session" not in response.cookies


async def test_sign_up_errors_are_in_georgian(client, seeded):
    response = await post(client, "/signup", {**SIGNUP, "phone": "1"}, "/signup")
    assert "შეიყვანეთ ტელეფონის ნომერი" in response.text


async def test_html_in_a_name_is_stored_as_text_and_shown_escaped(client, seeded):
    name = "<script>alert('x')</script> ნინო"
    await post(client, "/signup", {**SIGNUP, "name": name}, "/signup")
    page = await client.get("/me")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text


# --- the desk ------------------------------------------------------------------------------


async def test_desk_registers_a_verified_active_member(client, seeded):
    staff = await as_role(client, seeded, "staff")
    response = await post(client, "/members/new", DESK, "/members/new")
    assert response.status_code == 303
    member = await Member.objects().where(Member.phone == "+995599654321").first()
    assert member.status == "active" and member.verified_by == staff["id"]
    assert member.birth_date == date(1990, 5, 17) and member.situation == "returning_migrant"
    assert response.headers["location"] == f"/members/{member.id}"
    card = await client.get(response.headers["location"])
    assert "01024056789" in card.text


@pytest.mark.parametrize(
    "change, field",
    [
        ({"id_document_number": "0102405678"}, "id_document_number"),  # 10 digits
        ({"id_document_number": "0102405678X"}, "id_document_number"),
        ({"id_document_type": "driving_licence"}, "id_document_type"),
        ({"birth_date": (today() + timedelta(days=2)).isoformat()}, "birth_date"),
        ({"birth_date": "17/05/1990"}, "birth_date"),
        ({"sex": ""}, "sex"),
        ({"situation": "tourist"}, "situation"),
        ({"municipality": ""}, "municipality"),
        ({"municipality": "Tbilisi"}, "municipality"),  # free text: choose from the list
        ({"notes": "x" * 2001}, "notes"),
        ({"id_document_number": "01001012345"}, "id_document_number"),  # a demo member's
    ],
    ids=["ten-digit-personal-number", "letter-in-personal-number", "unknown-document",
         "future-birth-date", "malformed-birth-date", "no-sex", "unknown-situation",
         "no-municipality", "municipality-not-a-code", "long-notes", "duplicate-document"],
)
async def test_desk_registration_refuses_bad_input(client, seeded, change, field):
    await as_role(client, seeded, "staff")
    before = await Member.count()
    response = await post(client, "/members/new", {**DESK, **change}, "/members/new")
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert await Member.count() == before


async def test_desk_verifies_a_member_who_signed_up_online(client, app, seeded):
    import httpx

    phone = "+995599123456"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as member_browser:
        await post(member_browser, "/signup", SIGNUP, "/signup")
    member = await member_id(phone)
    assert (await Member.select(Member.home_centre).where(Member.id == member).first()
            )["home_centre"] is None  # online, nobody has chosen it yet
    await as_role(client, seeded, "staff")
    form = await client.get(f"/members/{member}/verify")
    assert "ნინო ბერიძე" in form.text
    assert f'<option value="{SMG}" selected>' in form.text  # the desk's own centre
    response = await post(client, f"/members/{member}/verify",
                          {**DESK, "name": "ნინო ბერიძე", "phone": phone, "email": ""},
                          f"/members/{member}/verify")
    assert response.status_code == 303
    row = await Member.select(Member.status, Member.verified_at, Member.home_centre).where(
        Member.id == member).first()
    assert row["status"] == "active" and row["verified_at"] is not None
    assert row["home_centre"] == SMG
    verified = await AuditLog.select(AuditLog.after).where(
        (AuditLog.action == "verify") & (AuditLog.entity_id == member)).first()
    assert json.loads(verified["after"])["home_centre"] == SMG


async def kutaisi() -> int:
    return (await Centre.select(Centre.id).where(Centre.code == "KUT").first())["id"]


async def test_desk_registration_sets_the_home_centre_and_the_card_shows_it(client, seeded):
    await as_role(client, seeded, "staff")
    form = await client.get("/members/new")
    assert f'<option value="{SMG}" selected>' in form.text  # the staff member's centre
    response = await post(client, "/members/new", DESK, "/members/new")
    assert response.status_code == 303
    member = await Member.select().where(Member.phone == "+995599654321").first()
    assert member["home_centre"] == SMG
    registered = await AuditLog.select(AuditLog.after).where(
        (AuditLog.action == "register") & (AuditLog.entity_id == member["id"])).first()
    assert json.loads(registered["after"])["home_centre"] == SMG
    samgori = await Centre.select(Centre.name_ka).where(Centre.id == SMG).first()
    card = await client.get(f"/members/{member['id']}")
    assert re.search(r"<dt>[^<]+</dt><dd>" + re.escape(samgori["name_ka"]) + "</dd>", card.text)


@pytest.mark.parametrize("centre", ["", "abc", "-1", "99999", "kutaisi"])
async def test_desk_registration_refuses_a_home_centre_the_desk_may_not_choose(
        client, seeded, centre):
    await as_role(client, seeded, "staff")  # Samgori's desk
    if centre == "kutaisi":
        centre = str(await kutaisi())
    before = await Member.count()
    response = await post(client, "/members/new", {**DESK, "home_centre": centre},
                          "/members/new")
    assert response.status_code == 422
    assert 'id="e-home_centre"' in response.text
    assert await Member.count() == before
    assert not await AuditLog.exists().where(AuditLog.action == "register")


async def test_samgori_staff_cannot_choose_kutaisi_but_a_coordinator_can(client, app, seeded):
    import httpx

    other = await kutaisi()
    await as_role(client, seeded, "staff")
    form = await client.get("/members/new")
    assert f'value="{SMG}"' in form.text and f'<option value="{other}"' not in form.text
    async with browser_at(app, "10.0.5.1") as member_browser:
        await post(member_browser, "/signup", SIGNUP, "/signup")
    pending = await member_id("+995599123456")
    refused = await post(client, f"/members/{pending}/verify",
                         {**DESK, "phone": SIGNUP["phone"], "home_centre": str(other)},
                         f"/members/{pending}/verify")
    assert refused.status_code == 422 and 'id="e-home_centre"' in refused.text
    row = await Member.select(Member.status, Member.home_centre).where(
        Member.id == pending).first()
    assert row == {"status": "pending", "home_centre": None}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as coordinator:
        await as_role(coordinator, seeded, "coordinator")
        assert f'<option value="{other}"' in (await coordinator.get("/members/new")).text
        done = await post(coordinator, "/members/new", {**DESK, "home_centre": str(other)},
                          "/members/new")
    assert done.status_code == 303
    assert (await Member.select(Member.home_centre).where(
        Member.phone == "+995599654321").first())["home_centre"] == other


async def test_member_search_finds_by_name_phone_and_document(client, seeded):
    await as_role(client, seeded, "staff")
    for query in ("მამულაშვილი", "000011", "0100101234", "დავით"):
        page = await client.get("/members", params={"q": query})
        assert "დავით მამულაშვილი" in page.text, query
    fragment = await client.get("/members", params={"q": "თამარ"},
                                headers={"HX-Request": "true", "HX-Target": "member-results"})
    assert fragment.text.lstrip().startswith('<section id="member-results"')
    assert "თამარ ქავთარაძე" in fragment.text and "<header" not in fragment.text
    staff_only = await client.get("/members", params={"q": "ბერიძე"},
                                  headers={"HX-Request": "true", "HX-Target": "member-results"})
    assert "მარიამ ბერიძე" not in staff_only.text  # staff accounts are not members


async def test_member_card_shows_membership_and_concession(client, seeded):
    await as_role(client, seeded, "staff")
    member = await member_id("+995555000011")
    card = await client.get(f"/members/{member}")
    assert card.status_code == 200
    assert "სტანდარტული" in card.text  # the standard membership
    assert "დაბრუნებული მიგრანტი" in card.text  # the returning-migrant concession


async def test_unknown_member_is_a_404(client, seeded):
    await as_role(client, seeded, "staff")
    assert (await client.get("/members/999999")).status_code == 404


async def test_rental_agreement_prints_in_the_members_language(client, seeded):
    await as_role(client, seeded, "staff")
    english_member = await member_id("+995555000013")
    page = await client.get(f"/members/{english_member}/agreement")
    assert "Tool rental agreement" in page.text
    georgian_member = await member_id("+995555000011")
    page = await client.get(f"/members/{georgian_member}/agreement")
    assert "ხელსაწყოს ქირავნობის ხელშეკრულება" in page.text


async def tell(member: int, kind: str) -> None:
    """A message on the member's page, as an event of the desk's day would queue it."""
    from rental import notifications
    from rental.kernel.db import write_transaction

    async with write_transaction():
        await notifications.queue(member, kind, {"tool": "ხელსაწყო", "centre": "სამგორი",
                                                 "starts": "ხვალ", "ends": "ხვალ"},
                                  now=now(), event_key=f"{kind}:test", centre_id=1)


# --- a member's own page --------------------------------------------------------------------


async def test_own_page_and_data_download_show_only_ones_own_data(client, seeded):
    me = await as_role(client, seeded, "member")
    page = await client.get("/me")
    assert "დავით მამულაშვილი" in page.text and "თამარ" not in page.text
    await tell(me["id"], "pickup_tomorrow")
    download = await client.get("/me/data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    data = json.loads(download.text)
    assert [m["kind"] for m in data["messages"]] == ["pickup_tomorrow"]  # what they were told
    assert "ხელსაწყო" in data["messages"][0]["body"]
    assert data["member"]["id"] == me["id"] and data["member"]["phone"] == "+995555000011"
    assert "password_hash" not in data["member"]
    assert data["memberships"] and data["concessions"]
    assert "+995555000012" not in download.text
    assert (await client.get(f"/members/{me['id']}")).status_code == 403


async def test_member_edits_contact_and_language(client, seeded):
    me = await as_role(client, seeded, "member")
    response = await post(client, "/me/edit", {"name": "დავით მამულაშვილი",
                                               "phone": "555 00 00 11", "email": "D@Example.ge",
                                               "language": "en"}, "/me/edit")
    assert response.status_code == 303
    row = await Member.select(Member.language, Member.email).where(Member.id == me["id"]).first()
    assert row == {"language": "en", "email": "d@example.ge"}
    assert '<html lang="en">' in (await client.get("/me")).text
    taken = await post(client, "/me/edit", {"name": "x", "phone": "+995555000012",
                                            "language": "en"}, "/me/edit")
    assert taken.status_code == 422 and 'id="e-phone"' in taken.text


async def test_change_password_ends_other_sessions_but_not_this_one(client, app, seeded):
    import httpx

    phone, password = credentials(seeded, "member")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as other_device:
        await log_in(other_device, phone, password)
    await log_in(client, phone, password)
    assert await UserSession.count() == 2
    wrong = await post(client, "/me/password", {"current_password": "nope",
                                                "password": "a-new-password",
                                                "password_again": "a-new-password"},
                       "/me/password")
    assert wrong.status_code == 422 and 'id="e-current_password"' in wrong.text
    ok = await post(client, "/me/password", {"current_password": password,
                                             "password": "a-new-password",
                                             "password_again": "a-new-password"},
                    "/me/password")
    assert ok.status_code == 303
    assert await UserSession.count() == 1
    assert (await client.get("/me")).status_code == 200  # still logged in here
    member = await Member.objects().where(Member.phone == phone).first()
    assert verify_password(member.password_hash, "a-new-password")


# --- one-time reset codes -------------------------------------------------------------------


async def test_desk_code_resets_a_forgotten_password_once(client, app, seeded):
    import httpx

    member = await member_id("+995555000012")
    await as_role(client, seeded, "staff")
    shown = await post(client, f"/members/{member}/reset-code", {}, f"/members/{member}")
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    code = re.search(r'class="reset-code">([A-Z0-9-]+)<', shown.text).group(1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as member_browser:
        form = {"phone": "555 00 00 12", "code": code.lower(), "password": "brand-new-pass",
                "password_again": "brand-new-pass"}
        wrong_phone = await post(member_browser, "/password-reset",
                                 {**form, "phone": "555 00 00 11"}, "/password-reset")
        assert wrong_phone.status_code == 422
        used = await post(member_browser, "/password-reset", form, "/password-reset")
        assert used.status_code == 303
        again = await post(member_browser, "/password-reset", form, "/password-reset")
        assert again.status_code == 422 and 'id="e-code"' in again.text
        assert (await log_in(member_browser, "555 00 00 12", "brand-new-pass")).status_code == 303


async def test_reset_codes_are_not_for_staff_accounts(client, seeded):
    await as_role(client, seeded, "staff")
    coordinator = await member_id("+995555000002")
    response = await post(client, f"/members/{coordinator}/reset-code", {},
                          f"/members/{coordinator}")
    assert response.status_code == 422


# --- memberships and concessions ------------------------------------------------------------


async def test_membership_start_renew_suspend_and_lift(client, seeded):
    await as_role(client, seeded, "staff")
    await post(client, "/members/new", DESK, "/members/new")
    member = await member_id("+995599654321")
    standard = await MembershipType.select(MembershipType.id).where(
        MembershipType.slug == "standard").first()
    started = await post(client, f"/members/{member}/membership",
                         {"membership_type": standard["id"]}, f"/members/{member}")
    assert started.status_code == 303
    first = await Membership.select().where(Membership.member == member).first()
    assert first["status"] == "active"
    assert (first["ends_on"] - first["starts_on"]).days == 364
    twice = await post(client, f"/members/{member}/membership",
                       {"membership_type": standard["id"]}, f"/members/{member}")
    assert twice.status_code == 422
    await post(client, f"/members/{member}/membership/renew", {}, f"/members/{member}")
    renewed = await Membership.select().where(Membership.member == member).first()
    assert renewed["ends_on"] == first["ends_on"] + timedelta(days=365)
    no_reason = await post(client, f"/members/{member}/membership/suspend", {"reason": " "},
                           f"/members/{member}")
    assert no_reason.status_code == 422 and 'id="e-reason"' in no_reason.text
    await post(client, f"/members/{member}/membership/suspend",
               {"reason": "unpaid damage"}, f"/members/{member}")
    suspended = await Membership.select().where(Membership.member == member).first()
    assert suspended["status"] == "suspended"
    assert suspended["suspended_reason"] == "unpaid damage"
    refused = await post(client, f"/members/{member}/membership/renew", {},
                         f"/members/{member}")
    assert refused.status_code == 422
    await post(client, f"/members/{member}/membership/unsuspend", {}, f"/members/{member}")
    lifted = await Membership.select().where(Membership.member == member).first()
    assert lifted["status"] == "active"
    actions = {row["action"] for row in await AuditLog.select(AuditLog.action).where(
        AuditLog.entity_id == member)}
    assert {"membership.start", "membership.renew", "membership.suspend",
            "membership.unsuspend"} <= actions


async def test_concession_replaces_the_one_in_force_and_refuses_a_past_expiry(client, seeded):
    await as_role(client, seeded, "staff")
    member = await member_id("+995555000011")
    idp = await ConcessionCategory.select(ConcessionCategory.id).where(
        ConcessionCategory.slug == "idp").first()
    past = await post(client, f"/members/{member}/concession",
                      {"category": idp["id"], "proof": "IDP card", "expires_on": "2020-01-01"},
                      f"/members/{member}")
    assert past.status_code == 422 and 'id="e-expires_on"' in past.text
    future = (today() + timedelta(days=200)).isoformat()
    no_proof = await post(client, f"/members/{member}/concession",
                          {"category": idp["id"], "proof": "", "expires_on": future},
                          f"/members/{member}")
    assert no_proof.status_code == 422
    ok = await post(client, f"/members/{member}/concession",
                    {"category": idp["id"], "proof": "IDP card 123", "expires_on": future},
                    f"/members/{member}")
    assert ok.status_code == 303
    current = await MemberConcession.select().where(
        (MemberConcession.member == member) & MemberConcession.revoked_at.is_null())
    assert len(current) == 1 and current[0]["category"] == idp["id"]
    assert await MemberConcession.count().where(MemberConcession.member == member) == 2


async def test_coordinator_defines_membership_types_and_concessions(client, seeded):
    await as_role(client, seeded, "coordinator")
    added = await post(client, "/policy/concessions",
                       {"slug": "large-family", "name_ka": "მრავალშვილიანი ოჯახი",
                        "name_en": "Large family", "discount_percent": "30",
                        "funder_ka": "მერია", "funder_en": "City hall"}, "/policy")
    assert added.status_code == 303
    assert await ConcessionCategory.exists().where(ConcessionCategory.slug == "large-family")
    bad = await post(client, "/policy/membership-types",
                     {"slug": "Bad Slug!", "name_ka": "", "validity_days": "0",
                      "max_tools_out": "x", "max_open_bookings": "-1"}, "/policy")
    assert bad.status_code == 422
    for field in ("slug", "name_ka", "validity_days", "max_tools_out", "max_open_bookings"):
        assert f'id="e-{field}"' in bad.text
    over = await post(client, "/policy/concessions",
                      {"slug": "x", "name_ka": "ხანდაზმული", "discount_percent": "101"}, "/policy")
    assert over.status_code == 422
    # the refused concession comes back as it was typed, its message by its own field, and
    # each label of the page's two forms names its own input
    assert 'id="e-concession-discount_percent"' in over.text
    assert 'value="ხანდაზმული"' in over.text and 'value="101"' in over.text
    ids = re.findall(r'<input id="([^"]+)"', over.text)
    assert len(ids) == len(set(ids)) and "f-concession-slug" in ids and "f-slug" in ids


# --- erasure --------------------------------------------------------------------------------


async def test_admin_erases_a_member_keeping_only_statistics(client, app, seeded):
    import httpx

    phone, password = credentials(seeded, "member")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as member_browser:
        await log_in(member_browser, phone, password)
        member = await member_id(phone)
        await tell(member, "due_tomorrow")
        await as_role(client, seeded, "admin")
        unconfirmed = await post(client, f"/members/{member}/erase", {"confirm": "no"},
                                 f"/members/{member}")
        assert unconfirmed.status_code == 422
        erased = await post(client, f"/members/{member}/erase", {"confirm": "erase"},
                            f"/members/{member}")
        assert erased.status_code == 303
        row = await Member.select().where(Member.id == member).first()
        assert row["status"] == "erased" and row["erased_at"] is not None
        assert row["name"] == f"#{member}" and row["phone"] != phone and row["email"] is None
        assert row["id_document_number"] == "" and row["password_hash"] == ""
        assert (row["sex"], row["municipality"], row["situation"]) == (
            "male", "samgori", "returning_migrant")
        assert row["birth_date"] == date(1986, 7, 1)  # the year stays, for age bands
        assert (await member_browser.get("/me")).status_code == 303  # logged out for good
    assert (await log_in(client, phone, password)).status_code == 422
    # history stays consistent: the membership row is still there
    assert await Membership.exists().where(Membership.member == member)
    # what they were told is gone, that they were told stays (the counts)
    told = await Notification.select(Notification.subject, Notification.body).where(
        Notification.member == member)
    assert told == [{"subject": "", "body": ""}]
    # and the audit log never held the personal data
    for entry in await AuditLog.select(AuditLog.before, AuditLog.after):
        text = json.dumps(entry, default=str, ensure_ascii=False)
        assert "დავით" not in text and "+995555000011" not in text


async def test_only_admins_erase(client, seeded):
    await as_role(client, seeded, "coordinator")
    member = await member_id("+995555000011")
    response = await post(client, f"/members/{member}/erase", {"confirm": "erase"},
                          f"/members/{member}")
    assert response.status_code == 403
    assert (await Member.select(Member.status).where(Member.id == member).first())[
        "status"] == "active"


# --- search at scale: SQLite's FTS5 trigram table, PostgreSQL's trigram indexes -------------


async def test_member_search_follows_a_rename_and_takes_any_characters(seeded):
    from rental.kernel.db import engine, is_postgres
    from rental.members import search

    member = await member_id("+995555000012")
    old_name = (await Member.select(Member.name).where(Member.id == member).first())["name"]
    surname = old_name.split()[-1]
    assert member in [m["id"] for m in await search(surname)]
    await Member.update({Member.name: "ზურაბ ქირიაშვილი"}).where(Member.id == member)
    assert [m["id"] for m in await search("ქირიაშ")] == [member]
    assert [m["id"] for m in await search("რიაშვ")] == [member]  # any part of the name
    assert member not in [m["id"] for m in await search(surname)]
    for odd in ('"', 'ა"ბ', "O'Bri", "%%%", "___", "ქირ OR ზურ", "NEAR(ab", "59*", "{name}:x"):
        assert isinstance(await search(odd), list), odd  # text, never FTS5 or LIKE syntax
    assert [m["id"] for m in await search("%ქირია_")] == [member]  # wildcards are dropped
    if not is_postgres():  # the index the triggers keep agrees with the member table
        await engine().run_ddl(
            "INSERT INTO member_search (member_search) VALUES ('integrity-check')")


# --- sign-ups nobody has verified: limits, the desk's list, a phone taken back ----------------


def browser_at(app, address: str):
    """A client whose requests come from `address` (as the app sees the client)."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://testserver")


async def test_sign_ups_from_one_address_are_limited_and_others_go_on(app, seeded):
    async with browser_at(app, "10.0.0.7") as stranger:
        for n in range(10):
            done = await post(stranger, "/signup", {**SIGNUP, "phone": f"599 00 10 {n:02d}"},
                              "/signup")
            assert done.status_code == 303, done.text
            stranger.cookies.clear()
        refused = await post(stranger, "/signup", {**SIGNUP, "phone": "599 00 10 99"},
                             "/signup")
    assert refused.status_code == 429
    assert "ძალიან ბევრი მცდელობა" in refused.text and 'class="form-errors"' in refused.text
    assert not await Member.exists().where(Member.phone == "+995599001099")
    async with browser_at(app, "10.0.0.8") as neighbour:  # another address is not held up
        assert (await post(neighbour, "/signup", {**SIGNUP, "phone": "599 00 10 99"},
                           "/signup")).status_code == 303


async def test_sign_ups_for_one_phone_are_limited(app, seeded):
    for n in range(3):  # e.g. someone trying to find out whether a number has an account
        async with browser_at(app, f"10.0.1.{n}") as someone:
            taken = await post(someone, "/signup", {**SIGNUP, "phone": "555 00 00 11"},
                               "/signup")
            assert taken.status_code == 422
    async with browser_at(app, "10.0.1.9") as someone:
        refused = await post(someone, "/signup", {**SIGNUP, "phone": "555 00 00 11"}, "/signup")
    assert refused.status_code == 429


async def test_password_reset_guesses_are_limited_per_phone(app, seeded):
    form = {"phone": "555 00 00 12", "code": "WRONG123", "password": "axali-paroli-9",
            "password_again": "axali-paroli-9"}
    for n in range(5):
        async with browser_at(app, f"10.0.2.{n}") as someone:
            wrong = await post(someone, "/password-reset", form, "/password-reset")
            assert wrong.status_code == 422
    async with browser_at(app, "10.0.2.9") as someone:
        refused = await post(someone, "/password-reset", form, "/password-reset")
    assert refused.status_code == 429 and 'class="form-errors"' in refused.text


async def test_the_desk_lists_sign_ups_to_verify(client, app, seeded):
    async with browser_at(app, "10.0.3.1") as member_browser:
        await post(member_browser, "/signup", SIGNUP, "/signup")
    pending = await member_id("+995599123456")
    await as_role(client, seeded, "staff")
    page = await client.get("/members")
    assert "ნინო ბერიძე" in page.text and f'href="/members/{pending}/verify"' in page.text
    searching = await client.get("/members", params={"q": "მაისურაძე"})
    assert f'href="/members/{pending}/verify"' not in searching.text


async def test_the_phone_an_unverified_sign_up_took_goes_to_its_owner_at_the_desk(
        client, app, seeded):
    async with browser_at(app, "10.0.4.1") as impostor:
        await post(impostor, "/signup", {**SIGNUP, "phone": DESK["phone"]}, "/signup")
    squatter = await member_id("+995599654321")
    await as_role(client, seeded, "staff")
    asked = await post(client, "/members/new", DESK, "/members/new")
    assert asked.status_code == 422
    assert 'name="reclaim_phone"' in asked.text and 'id="e-reclaim_phone"' in asked.text
    assert await Member.count().where(Member.phone == "+995599654321") == 1
    done = await post(client, "/members/new", {**DESK, "reclaim_phone": "yes"}, "/members/new")
    assert done.status_code == 303
    owner = await Member.select().where(Member.phone == "+995599654321").first()
    assert owner["name"] == DESK["name"] and owner["status"] == "active"
    gone = await Member.select().where(Member.id == squatter).first()
    assert gone["status"] == "erased" and gone["name"] == f"#{squatter}"
    assert await UserSession.count().where(UserSession.member == squatter) == 0
    assert await AuditLog.exists().where((AuditLog.action == "member.phone_reclaimed")
                                         & (AuditLog.entity_id == squatter))
