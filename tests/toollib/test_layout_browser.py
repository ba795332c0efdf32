"""The layout every page shares, measured in Chromium (issue 17): for each role, at phone and
desktop widths, in Georgian (and English for a few pages), every menu item the role may use is
visible without scrolling the menu (on a phone after unfolding it), exactly one is the current
page, nothing scrolls the page sideways, no badge or table cell clips its text, chart labels
stay clear of their bars, tables fit a desktop's page; and axe-core finds no accessibility
violation at all, minor or worse (a heading level skipped, an empty table header included).
The member's and the desk's pages are walked once more on a phone with JavaScript turned off.

One browser context a role, logged in once and reused across the widths and the role's pages.
A page that fails is saved as a screenshot in test-artifacts/."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import journeys
import pytest
from journeys import ARTIFACTS, demo_password, until

pytestmark = pytest.mark.browser  # the module is one unit of work for xdist (conftest.py)

# the live server, Chromium, and the check that the Content-Security-Policy blocked nothing
live_server = journeys.live_server
browser = journeys.browser
nothing_blocked_by_the_security_policy = journeys.nothing_blocked_by_the_security_policy

WIDTHS = (360, 390, 1280, 1920)
PHONES = (360, 390)
SCANNED = (390, 1280)  # the widths the accessibility scan runs at
LOGINS = {"member": "555 00 00 11", "staff": "555 00 00 03", "coordinator": "555 00 00 02",
          "english member": "555 00 00 13"}  # the demo's one member who reads English
LANDING = {"member": "/me", "staff": "/desk", "coordinator": "/desk"}

EVERYONE = ("/", "/sessions")
MEMBER = (*EVERYONE, "/me")
STAFF = (*MEMBER, "/desk", "/members", "/units", "/inspections/due", "/transfers", "/reports",
         "/audit")
COORDINATOR = (*STAFF, "/manage/tool-types", "/policy", "/booking-policy",
               "/manage/translations")
MENU = {"anonymous": EVERYONE, "member": MEMBER, "english member": MEMBER, "staff": STAFF,
        "coordinator": COORDINATOR}

# each role's main pages and the menu item that is current there ("" for none);
# {member} is the member 555 00 00 11, whose e-mail address is long
PAGES = {
    "anonymous": (("/", "/"), ("/sessions", "/sessions"), ("/login", ""), ("/signup", "")),
    "member": (("/me", "/me"), ("/me/bookings", "/me"), ("/", "/"), ("/me/edit", "/me")),
    "staff": (("/desk", "/desk"), ("/desk/1", "/desk"), ("/desk/1/cash-up", "/desk"),
              ("/members", "/members"), ("/members/{member}", "/members"),
              ("/members/{member}/ledger", "/members"), ("/desk/1/overdue", "/desk"),
              ("/desk/1/messages", "/desk"), ("/units", "/units"), ("/reports", "/reports"),
              ("/audit", "/audit"), ("/transfers", "/transfers")),
    "coordinator": (("/desk", "/desk"), ("/members/{member}", "/members"),
                    ("/manage/tool-types", "/manage/tool-types"), ("/policy", "/policy"),
                    ("/booking-policy", "/booking-policy"), ("/reports/donor", "/reports"),
                    ("/reports/usage", "/reports"),
                    ("/reports/money", "/reports"), ("/reports/condition", "/reports"),
                    ("/desk/1/cash-up", "/desk"), ("/desk/2/messages", "/desk"),
                    ("/manage/translations", "/manage/translations"),
                    ("/audit?member=555+00+00+11", "/audit"), ("/transfers", "/transfers"),
                    ("/members/import", "/members")),
}
ENGLISH = {"anonymous": (("/", "/"), ("/sessions", "/sessions"), ("/login", "")),
           "english member": (("/me", "/me"), ("/me/bookings", "/me"), ("/", "/")),
           "coordinator": (("/desk", "/desk"), ("/reports/usage", "/reports"),
                           ("/policy", "/policy"), ("/desk/1/cash-up", "/desk"))}
# Findings of the scan that are known and not fixed yet, by page: {path: {rule id}}. Empty: a
# table that scrolls on a phone sits in a box a keyboard can reach (role="region", tabindex="0"
# and a label), on every page; the catalogue's tool cards (h3) sit under a heading (h2); a
# table's column of buttons or links has a header a screen reader says ("Actions").
PENDING: dict[str, set[str]] = {}
FAILING_IMPACTS = ("minor", "moderate", "serious", "critical")  # axe's every impact
# The scan takes a second or more a page: these share the template of a report scanned before
# them (/reports, /reports/donor), with more rows.
NOT_SCANNED = {"/reports/usage", "/reports/money", "/reports/condition"}
LONG_EMAIL = "nino.beridze-samgori.tool.library.member@example.com"

# What the eye would see wrong, as a list of sentences (empty: all is well).
MEASURE = """([menu, current]) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > innerWidth) {
    const wide = [...document.body.querySelectorAll('*')]
      .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
      .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')).slice(0, 5);
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${innerWidth} (${wide})`);
  }
  const nav = document.querySelector('.site-nav');
  const links = [...nav.querySelectorAll('a')];
  const hrefs = links.map(a => a.getAttribute('href'));
  if (JSON.stringify(hrefs) !== JSON.stringify(menu))
    problems.push(`the menu has ${hrefs}, not ${menu}`);
  if (nav.scrollWidth > nav.clientWidth + 1) problems.push('the menu scrolls sideways');
  for (const a of links) {
    const r = a.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = r.width > 0 && y >= 0 && y < innerHeight ? document.elementFromPoint(x, y) : null;
    if (!(r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight
          && hit && a.contains(hit)))
      problems.push(`menu item ${a.getAttribute('href')} is not visible`);
  }
  const marked = links.filter(a => a.getAttribute('aria-current') === 'page')
    .map(a => a.getAttribute('href'));
  if (JSON.stringify(marked) !== JSON.stringify(current ? [current] : []))
    problems.push(`current menu items: ${marked}, not ${current || 'none'}`);
  // text clipped inside badges and table cells, or by a box that hides its overflow
  for (const e of document.querySelectorAll('main .badge, main td, main th, .site-nav a')) {
    if (!e.getClientRects().length) continue;
    const text = e.textContent.trim().slice(0, 24);
    if (e.scrollWidth > e.clientWidth + 1) problems.push(`clipped: "${text}"`);
    const r = e.getBoundingClientRect();
    for (let box = e.parentElement; box; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow !== 'hidden' && overflow !== 'clip') continue;
      const b = box.getBoundingClientRect();
      if (r.right > b.right + 1 || r.left < b.left - 1) {
        problems.push(`clipped by its ${box.tagName.toLowerCase()}.${box.className}: "${text}"`);
        break;
      }
    }
  }
  // on a desktop a table fits its page: not cut off, no scrolling box of its own
  if (innerWidth >= 1280)
    for (const box of document.querySelectorAll('main .table-wrap'))
      if (box.scrollWidth > box.clientWidth + 1)
        problems.push(`a table is cut off: ${box.scrollWidth} > ${box.clientWidth} px`);
  for (const row of document.querySelectorAll('.chart-bars li')) {
    const label = row.querySelector('.chart-label').getBoundingClientRect();
    const bar = row.querySelector('.chart-bar').getBoundingClientRect();
    if (label.right > bar.left + 1 && label.bottom > bar.top && label.top < bar.bottom)
      problems.push(`a chart label runs into its bar: "${row.textContent.trim().slice(0, 30)}"`);
  }
  return problems;
}"""

SETTLED = ("() => window.htmx !== undefined && document.readyState === 'complete'"
           " && !document.querySelector('.htmx-request, [hx-trigger=load]')")
LOADED = "() => document.readyState === 'complete'"  # without JavaScript: nothing comes later
NO_SCRIPT = ("member", "staff")  # the roles whose walk runs again without JavaScript, at 390


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


async def _log_in(page, base: str, role: str) -> None:
    if role == "anonymous":
        return
    login = LOGINS[role]
    await page.goto(base + "/login")
    await page.fill("[name=login]", login)
    await page.fill("[name=password]", demo_password("+995" + login.replace(" ", "")))
    await page.click("button.primary")
    await page.wait_for_url(lambda url: "/login" not in url)


async def _sign_up(page, base: str) -> None:
    await page.goto(base + "/signup")
    await page.fill("[name=name]", "ნინო ხელსაწყოშვილი")
    await page.fill("[name=phone]", "599 77 88 99")
    for field in ("password", "password_again"):
        await page.fill(f"[name={field}]", "ninos-paroli-2026")
    await page.check("[name=agree_rental]")
    await page.check("[name=agree_data]")
    await page.click("button.primary")
    await page.wait_for_url("**/me")
    await page.context.clear_cookies()


async def _problems(page, role: str, width: int, current: str, javascript: bool = True
                    ) -> list[str]:
    """The page as it is seen: with the menu unfolded on a phone (a disclosure: no script)."""
    await until(page, SETTLED if javascript else LOADED)
    summary = page.locator(".site-menu > summary")
    folded = await summary.is_visible()
    problems = []
    if folded != (width in PHONES):
        problems.append("the menu is folded" if folded else "the menu does not fold on a phone")
    if width in PHONES and await page.locator(".tool-card").count():
        first = await page.locator(".tool-card").first.bounding_box()
        if first["y"] >= page.viewport_size["height"]:
            problems.append("no tool on the catalogue's first screen")
    if folded:
        await summary.click()
    problems += await page.evaluate(MEASURE, [list(MENU[role]), current])
    if folded:
        await summary.click()
    # axe-core waits on timers, which never fire in a page without JavaScript: the pages are
    # scanned by the walk with JavaScript, at the same widths, with the same HTML
    if javascript and width in SCANNED and urlsplit(page.url).path not in NOT_SCANNED:
        problems += await _accessibility_problems(page)
    return problems


async def _accessibility_problems(page) -> list[str]:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    pending = PENDING.get(urlsplit(page.url).path, set())
    return [f"axe {v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]
            if v["impact"] in FAILING_IMPACTS and v["id"] not in pending]


async def _walk(page, base: str, role: str, width: int, pages, language: str,
                javascript: bool = True) -> list[str]:
    found = []
    member = ""
    for path, current in pages:
        if "{member}" in path:
            if not member:
                await page.goto(base + "/members?q=" + LOGINS["member"].replace(" ", "+"))
                member = await page.evaluate(
                    "[...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))"
                    ".find(href => /^\\/members\\/\\d+$/.test(href))")
            path = path.replace("/members/{member}", member)
        await page.goto(base + path)
        assert await page.get_attribute("html", "lang") == language, path
        problems = await _problems(page, role, width, current, javascript)
        if problems:
            ARTIFACTS.mkdir(exist_ok=True)
            script = "" if javascript else "-no-script"
            shot = ARTIFACTS / f"layout-{role}-{width}-{language}{script}-{_slug(path)}.png"
            await page.screenshot(path=str(shot), full_page=True)
            counted = Counter(problems)  # a clipped badge on every card is said once
            found += [f"{path} at {width} px ({language}{script}): {p}"
                      + (f" (×{n})" if n > 1 else "") for p, n in counted.items()]
    return found


@pytest.mark.parametrize("role", list(PAGES))
async def test_every_page_fits_and_shows_the_whole_menu(live_server, browser, role):
    """One context a role, logged in once; each width walks the role's pages."""
    context = await browser.new_context(locale="ka-GE")
    page = await context.new_page()
    problems = []
    try:
        if role == "staff":  # the desk's /members lists sign-ups to verify: one at least
            await _sign_up(page, live_server)
        await _log_in(page, live_server, role)
        if role == "member":  # a long address must wrap on /me, not widen the page
            await page.goto(live_server + "/me/edit")
            await page.fill("[name=email]", LONG_EMAIL)
            await page.click("button.primary")
            await page.wait_for_url(lambda url: "/me/edit" not in url)
        ARTIFACTS.mkdir(exist_ok=True)
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": 800})
            problems += await _walk(page, live_server, role, width, PAGES[role], "ka")
            await page.goto(live_server + PAGES[role][0][0])
            await until(page, SETTLED)
            await page.screenshot(path=str(ARTIFACTS / f"layout-{role}-{width}-ka.png"))
    finally:
        await context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", NO_SCRIPT)
async def test_the_pages_without_javascript_on_a_phone(live_server, browser, role):
    """The same walk at 390 px with JavaScript turned off: each page comes whole from the
    server, and the phone's menu (a <details> disclosure) unfolds without script."""
    context = await browser.new_context(viewport={"width": 390, "height": 800},
                                        locale="ka-GE", java_script_enabled=False)
    page = await context.new_page()
    try:
        await _log_in(page, live_server, role)
        problems = await _walk(page, live_server, role, 390, PAGES[role], "ka",
                               javascript=False)
    finally:
        await context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(ENGLISH))
async def test_pages_in_english_at_1280(live_server, browser, role):
    context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                        locale="en-GB")
    page = await context.new_page()
    try:
        await _log_in(page, live_server, role)
        if role == "coordinator":  # the choice is kept with the account: given back below
            await page.get_by_role("button", name="English").click()
            await page.wait_for_selector("html[lang=en]")
        problems = await _walk(page, live_server, role, 1280, ENGLISH[role], "en")
    finally:
        if role == "coordinator":
            await page.get_by_role("button", name="ქართული").click()
            await page.wait_for_selector("html[lang=ka]")
        await context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(LANDING))
async def test_a_login_without_next_lands_on_the_desk_or_my_page(live_server, browser, role):
    context = await browser.new_context(locale="ka-GE")
    page = await context.new_page()
    try:
        await _log_in(page, live_server, role)
        assert page.url == live_server + LANDING[role]
    finally:
        await context.close()


async def test_the_current_menu_item_follows_the_page_and_the_phone_menu_closes(
        live_server, browser):
    """Links in the page are boosted (htmx swaps <main>): the menu comes along out of band."""
    context = await browser.new_context(viewport={"width": 390, "height": 800}, locale="ka-GE")
    page = await context.new_page()
    try:
        await _log_in(page, live_server, "staff")
        await until(page, SETTLED)
        await page.evaluate("window.stillTheSamePage = true")
        await page.click(".site-menu > summary")
        await page.locator(".site-nav a[href='/members']").click()
        await page.wait_for_url("**/members")
        await until(page, SETTLED)
        assert await page.locator(".site-nav [aria-current=page]").get_attribute(
            "href") == "/members"
        assert await page.locator(".site-nav [aria-current=page]").count() == 1
        assert not await page.locator(".site-menu").evaluate("menu => menu.open")
        await page.locator(".brand").click()  # boosted: only <main> and the menu come
        await page.wait_for_url(live_server + "/")
        await until(page, "document.querySelector('.site-nav [aria-current=page]')"
                          ".getAttribute('href') === '/'")
        assert await page.locator(".site-nav [aria-current=page]").count() == 1
        assert await page.evaluate("window.stillTheSamePage") is True
    finally:
        await context.close()


def _current(role: str | None, path: str) -> list[str]:
    from rental.kernel.identity import CurrentUser
    from rental.kernel.web import main_menu

    user = CurrentUser(1, "x", role, "active", "ka", frozenset()) if role else None
    return [item["path"] for group in main_menu(user, path) for item in group["items"]
            if item["current"]]


@pytest.mark.parametrize(("role", "path", "current"), [
    ("staff", "/members/5", ["/members"]),  # not "/me" as well: prefixes end at a "/"
    ("staff", "/me", ["/me"]),
    ("member", "/me/bookings", ["/me"]),
    (None, "/", ["/"]),
    (None, "/tool-types/3/book", ["/"]),
    (None, "/sessions/4", ["/sessions"]),
    ("coordinator", "/manage/sessions/new", ["/sessions"]),  # the longest prefix wins
    ("coordinator", "/manage/categories", ["/manage/tool-types"]),
    ("coordinator", "/manage/translations", ["/manage/translations"]),
    ("coordinator", "/booking-policy", ["/booking-policy"]),
    ("coordinator", "/policy", ["/policy"]),
    ("staff", "/desk/1/cash-up", ["/desk"]),
    ("staff", "/labels", ["/units"]),
    (None, "/login", []),
    ("member", "/desk", []),  # a page the member cannot open is not in their menu
])
def test_exactly_one_menu_item_is_current_the_longest_prefix(role, path, current):
    assert _current(role, path) == current


def test_each_role_sees_the_menu_items_of_its_pages_in_groups():
    from rental.kernel.identity import CurrentUser
    from rental.kernel.web import main_menu

    for role, paths in (("anonymous", EVERYONE), ("member", MEMBER), ("staff", STAFF),
                        ("coordinator", COORDINATOR), ("admin", COORDINATOR)):
        user = None if role == "anonymous" else CurrentUser(1, "x", role, "active", "ka",
                                                            frozenset())
        groups = main_menu(user, "/")
        assert [item["path"] for g in groups for item in g["items"]] == list(paths)
        assert [g["label"] for g in groups] == ["", "For staff", "Manage"][:len(groups)]
