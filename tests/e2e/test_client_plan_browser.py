"""The client's own plan on their link, in a real browser at phone width (375 x 812, no sign-in):
read the plan, agree to it, tick a step (with the keyboard), write a note; then a signed-in
clinician sees each on the client page and in the session review. A section kept for clinicians
never reaches the link's page source; a revoked link reaches nothing. axe-core checks each part
(no serious or critical violation), and each part also fits a phone zoomed to 200%.
Screenshots: docs/screenshots/client-link-*.png.
"""

from __future__ import annotations

import json

import pytest

from care_plans.read import plans as read_plans
from care_plans.services import checkin_links, client_portal, plans
from tests.db.test_client_portal import SECRET, seed_portal
from tests.e2e.helpers import axe_violations, screenshot_dir, sign_in, wait_idle
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def clinic(server):
    alice = make_user(server.db, "alice", full_name="Alice Example")
    portal = seed_portal(server.db, alice)
    return server, portal, checkin_links.link_url(server.url, portal.token)


def wait_rendered(page) -> None:
    wait_idle(page)
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=30_000
    )


def open_part(page, name: str) -> None:
    page.get_by_role("radio", name=name, exact=True).click()
    page.get_by_role("heading", name=name, exact=True).wait_for(timeout=30_000)
    wait_rendered(page)


def assert_accessible(page, part: str) -> None:
    found = axe_violations(page)
    assert not found, f"{part}: {json.dumps(found, indent=1)}"


def assert_fits(page, width: int = 375) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll}px wide at {width}px: it scrolls sideways"


def assert_fits_at_200_percent(page) -> None:
    """A 375 px phone zoomed to 200% lays the page out in 187 CSS px: nothing may scroll
    sideways, so every line can be read without panning."""
    page.set_viewport_size({"width": 188, "height": 812})
    page.wait_for_timeout(300)
    try:
        assert_fits(page, 188)
    finally:
        page.set_viewport_size(PHONE["viewport"])
        page.wait_for_timeout(300)


def full_screenshot(page, name: str) -> None:
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": 375, "height": max(812, int(height))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / name))
    page.set_viewport_size(PHONE["viewport"])


def test_a_client_reads_agrees_ticks_and_notes_and_the_clinician_sees_it(browser, clinic):
    server, portal, url = clinic
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    assert_accessible(page, "Check in")

    # --- My plan: read it, the crisis numbers dial, agree to it
    open_part(page, "My plan")
    assert page.get_by_role("heading", name="What wellness looks like").is_visible()
    assert page.get_by_text("Up by nine, walking most days").is_visible()
    calls = page.locator("a[href='tel:03001234567']")
    assert calls.count() >= 1 and calls.first.is_visible()
    box = calls.first.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target
    assert_fits(page)
    assert_accessible(page, "My plan")
    assert_fits_at_200_percent(page)
    full_screenshot(page, "client-link-my-plan.png")
    page.get_by_text("I have read this plan and agree to it").click()
    page.get_by_label("Type your name").fill("Élodie B")
    page.get_by_role("button", name="Agree to my plan").click()
    page.get_by_text("You agreed to this plan on").wait_for(timeout=30_000)
    wait_rendered(page)
    page.locator(".st-key-agreement").screenshot(path=str(SHOTS / "client-link-agreed.png"))

    # --- My goals: tick a step with the keyboard alone, write a note
    open_part(page, "My goals")
    step = page.get_by_role("checkbox", name="Walk with Sam")
    assert not step.is_checked()
    step.focus()
    page.keyboard.press("Space")
    page.get_by_text("Ticked off. Well done!").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.get_by_role("checkbox", name="Walk with Sam").is_checked()
    assert page.get_by_text("(you ticked it)").count() == 1
    # "Sam" has not consented to be named on the link
    assert page.get_by_text("someone from your support network helps").count() == 1
    note = page.get_by_label("A short note about this goal, for your care team (if you like)")
    note.first.fill("Went twice this week, rain and all")
    page.get_by_role("button", name="Save note").first.click()
    page.get_by_text("Note saved. Your care team will see it.").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.get_by_text("Went twice this week, rain and all").count() == 1
    assert note.first.input_value() == ""  # the box is cleared after a save
    assert_fits(page)
    assert_accessible(page, "My goals")
    assert_fits_at_200_percent(page)
    full_screenshot(page, "client-link-my-goals.png")

    # --- Check in is still the form, untouched
    page.get_by_role("radio", name="Check in", exact=True).click()
    page.get_by_role("button", name="Send my check-in").wait_for(timeout=30_000)
    wait_rendered(page)
    assert_fits_at_200_percent(page)
    page.screenshot(path=str(SHOTS / "client-link-check-in.png"))
    phone.close()

    # --- The clinician sees it all
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.goto(f"{server.url}/client?client=CP-0001")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_rendered(page)
    revision = read_plans.list_revisions(server.db, portal.clinician, portal.plan_id)
    agreed_revision = next(
        r.number for r in revision if r.reason != ("step ticked done by the client")
    )
    agreed = page.get_by_text("Agreed by the client on").first
    assert f"(revision {agreed_revision})" in agreed.inner_text()
    assert "changed since" not in agreed.inner_text()
    page.get_by_role("tab", name="Goals and steps").click()
    actions = page.locator(".st-key-client_link_actions_1")
    actions.get_by_text("ticked done: “Walk with Sam”", exact=False).wait_for(timeout=10_000)
    assert actions.get_by_text("Went twice this week, rain and all", exact=False).count() == 1
    assert actions.get_by_text("agreed to the plan", exact=False).count() == 1
    page.screenshot(path=str(SHOTS / "client-link-seen-on-client-page.png"), full_page=True)

    # a clinician's change: the page says the plan changed since the client agreed
    plan = read_plans.get_plan(server.db, portal.clinician, portal.client_id)
    plans.update_plan(
        server.db,
        portal.clinician,
        plan.id,
        expected_version=plan.version,
        changes={"what_helps": "Music, and the park"},
    )
    page.reload()
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.get_by_text("changed since the client agreed", exact=False).count() >= 1

    page.goto(f"{server.url}/review?client=CP-0001")
    page.get_by_role("heading", name="Since last session").wait_for(timeout=30_000)
    wait_rendered(page)
    review = page.locator(".st-key-client_link_actions_1")
    review.get_by_text("ticked done: “Walk with Sam”", exact=False).wait_for(timeout=10_000)
    assert review.get_by_text("Went twice this week, rain and all", exact=False).count() == 1
    review.screenshot(path=str(SHOTS / "client-link-seen-in-review.png"))

    # ask for agreement again: the phone shows the box again with the reason
    page.goto(f"{server.url}/client?client=CP-0001")
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_rendered(page)
    page.get_by_role("tab", name="Care plan").click()
    page.get_by_role("button", name="Ask the client to agree again").click()
    page.get_by_text("Asked: the client's link shows the plan").wait_for(timeout=30_000)
    desk.close()
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    open_part(page, "My plan")
    assert page.get_by_text("Your care team has asked you to read your plan again").count() == 1
    assert page.get_by_role("button", name="Agree to my plan").is_visible()
    phone.close()


def test_a_clinician_only_section_is_not_in_the_links_page_source(browser, clinic):
    server, portal, url = clinic
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.goto(f"{server.url}/client?client=CP-0001")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_rendered(page)
    page.get_by_role("tab", name="Care plan").click()
    sharing = page.locator(".st-key-client_link_plan_1")
    sharing.get_by_role("radiogroup", name="Triggers").get_by_text("Clinician only").click()
    wait_rendered(page)
    page.wait_for_timeout(500)
    wait_rendered(page)
    sharing.screenshot(path=str(SHOTS / "client-link-sharing.png"))
    desk.close()
    assert (
        client_portal.section_sharing(server.db, portal.clinician, portal.plan_id)["triggers"]
        is False
    )

    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    for part in ("My plan", "My goals"):
        open_part(page, part)
        source = page.content()
        assert SECRET not in source and "Triggers" not in source, part
    open_part(page, "My plan")
    assert page.get_by_role("heading", name="Early warning signs").is_visible()
    phone.close()


def test_a_revoked_link_reaches_no_part_of_the_plan(browser, clinic):
    server, portal, url = clinic
    checkin_links.revoke_link(server.db, portal.clinician, portal.link_id)
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_text("ask your clinician for a new link").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.get_by_role("radio", name="My plan").count() == 0
    assert page.get_by_role("radio", name="My goals").count() == 0
    source = page.content()
    for words in ("Élodie", "Walk with Sam", "Up by nine", "0300 123 4567", SECRET):
        assert words not in source
    assert page.locator("a[href^='tel:03001']").count() == 0
    assert_accessible(page, "revoked link")
    page.screenshot(path=str(SHOTS / "client-link-revoked.png"))
    phone.close()
