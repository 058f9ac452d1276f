"""axe-core on every page of the app, in a real browser: sign-in, caseload, every tab of the
client page (the tabs are keyed st.tabs: only the open tab's content is drawn, so each is opened
in turn), session review, outcomes, the administrator's page, and a client's check-in form with
its thank-you and crisis screens (phone-sized). No serious or critical violation may come from
the app's own markup.

A deliberate violation injected into a page is caught (the checker is not silently passing
everything).

Exclusions: EXCLUDED below is the whole list. Each names the Streamlit element it concerns and
why the app cannot change it; everything else on every page is checked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from care_plans.services import checkin_links, sessions
from tests.db.test_client_portal import seed_portal
from tests.e2e.conftest import start_server, stop_server
from tests.e2e.helpers import axe_violations, open_tab, selected_tab, sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_user

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
CLIENT_TABS = [
    "Progress",
    "Care plan",
    "Goals and steps",
    "Support network",
    "Check-ins",
    "Check-in link",
    "Sessions",
    "History",
    "Export",
    "Status",
]

#: Parts of Streamlit's own markup left out of the check: (CSS selector, the Streamlit element,
#: why the app cannot change it). Nothing else is excluded and no rule is switched off.
EXCLUDED: list[tuple[str, str, str]] = []

#: page -> {rule id: number of elements} of the serious/critical violations found, printed at
#: the end of the module (and written to $AXE_COUNTS_FILE when set).
COUNTS: dict[str, dict[str, int]] = {}


def check(page, name: str) -> list[dict]:
    found = axe_violations(page, exclude=[selector for selector, _, _ in EXCLUDED])
    COUNTS[name] = {v["id"]: v["count"] for v in found}
    return found


def rendered(page) -> None:
    wait_idle(page)
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=30_000
    )
    page.wait_for_timeout(300)  # charts and grids draw a moment after the script ends
    wait_idle(page)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory, browser):
    server = start_server(tmp_path_factory.mktemp("a11y"))
    alice = make_user(server.db, "alice", full_name="Alice Example")
    make_user(server.db, "sue", role="supervisor", full_name="Sue Visor")
    make_user(server.db, "ada", role="admin", full_name="Ada Admin")
    portal = seed_portal(server.db, alice)
    # a check-in with the self-harm item answered: the caseload's pinned alert, the client
    # page's risk note and the review's banner are all drawn
    checkin_links.submit_via_link(
        server.db,
        portal.token,
        source_address=None,
        ratings={"mood": 3, "hope": 4},
        went_well="Rang my sister",
        measure_answers={"PHQ-9": [1] * 9},
    )
    draft = sessions.create_draft(
        server.db,
        alice,
        portal.client_id,
        session_date=clinic_today(),
        summary="Talked about walks",
        today=clinic_today(),
    )
    sessions.sign_off(
        server.db, alice, draft.id, expected_version=draft.version, today=clinic_today()
    )
    # a second client whose link still has the questionnaires due: the full check-in form
    other = seed_portal(server.db, alice, ref="CP-0002", full_name="Noor Haddad")
    yield server, portal, other
    stop_server(server)
    print("\nserious/critical violations (elements, by rule id) per page:")
    for name, rules in COUNTS.items():
        print(f"  {name}: {sum(rules.values())}" + (f" {rules}" if rules else ""))
    if os.environ.get("AXE_COUNTS_FILE"):
        Path(os.environ["AXE_COUNTS_FILE"]).write_text(json.dumps(COUNTS, indent=1))


@pytest.fixture(scope="module")
def desk(browser, clinic):
    server, _, _ = clinic
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(server.url)
    wait_idle(page)
    yield page
    context.close()


def assert_clean(found: list[dict], name: str) -> None:
    assert not found, f"{name}: {json.dumps(found, indent=1, ensure_ascii=False)}"


def test_sign_in_page(desk):
    desk.get_by_label("Username").first.wait_for(timeout=30_000)
    rendered(desk)
    assert_clean(check(desk, "sign-in"), "sign-in")


def test_caseload(desk):
    sign_in(desk, "alice", TEST_PASSWORD)
    desk.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    rendered(desk)
    assert desk.get_by_text("PHQ-9 self-harm question").count() >= 1  # the pinned alert
    assert_clean(check(desk, "caseload"), "caseload")


@pytest.mark.parametrize("tab", CLIENT_TABS)
def test_client_page_tab(desk, clinic, tab):
    server, _, _ = clinic
    if "client=CP-0001" not in desk.url:
        desk.goto(f"{server.url}/client?client=CP-0001")
        desk.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
        rendered(desk)
    open_tab(desk, tab)
    rendered(desk)
    assert selected_tab(desk) == tab
    assert_clean(check(desk, f"client: {tab}"), f"client page, {tab} tab")


def test_session_review(desk, clinic):
    server, _, _ = clinic
    desk.goto(f"{server.url}/review?client=CP-0001")
    desk.get_by_role("heading", name="Since last session").wait_for(timeout=30_000)
    rendered(desk)
    assert_clean(check(desk, "session review"), "session review")


def test_outcomes(desk, clinic):
    server, _, _ = clinic
    desk.goto(f"{server.url}/outcomes")
    desk.get_by_role("heading", name="Outcomes").first.wait_for(timeout=30_000)
    rendered(desk)
    assert_clean(check(desk, "outcomes"), "outcomes")


def test_admin_page(browser, clinic):
    server, _, _ = clinic
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(server.url)
    wait_idle(page)
    sign_in(page, "ada", TEST_PASSWORD)
    page.get_by_role("heading", name="Accounts and assignments").wait_for(timeout=30_000)
    rendered(page)
    found = check(page, "admin")
    context.close()
    assert_clean(found, "admin")


def open_form(browser, server, token):
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(checkin_links.link_url(server.url, token))
    page.get_by_role("button", name="Send my check-in").wait_for(timeout=30_000)
    rendered(page)
    return phone, page


def test_checkin_form_thank_you_and_crisis_screens(browser, clinic):
    server, _, other = clinic
    phone, page = open_form(browser, server, other.token)
    assert page.get_by_text("PHQ-9", exact=False).count() >= 1  # the questionnaires are due
    assert_clean(check(page, "check-in form"), "check-in form")

    page.locator(".st-key-rating_mood").get_by_role("radio", name="6", exact=True).click()
    page.get_by_role("button", name="Send my check-in").click()
    page.get_by_text("Your check-in has been sent").wait_for(timeout=30_000)
    rendered(page)
    assert_clean(check(page, "check-in thank-you"), "check-in thank-you")

    page.get_by_role("button", name="Start another check-in").click()
    page.get_by_role("button", name="Send my check-in").wait_for(timeout=30_000)
    rendered(page)
    page.locator(".st-key-measure_PHQ-9_9").get_by_role(
        "radio", name="Several days", exact=True
    ).click()
    page.get_by_role("button", name="Send my check-in").click()
    page.get_by_text("talk to someone now", exact=False).wait_for(timeout=30_000)
    rendered(page)
    assert page.locator("a[href^='tel:']").count() >= 1
    found = check(page, "check-in crisis screen")
    phone.close()
    assert_clean(found, "check-in crisis screen")


def test_the_checker_catches_a_deliberate_violation(desk, clinic):
    """A test of the test: an image with no text alternative, added to the page, is caught."""
    server, _, _ = clinic
    desk.goto(f"{server.url}/client?client=CP-0001")
    desk.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    rendered(desk)
    desk.evaluate("""() => {
        const img = document.createElement('img');
        img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
        img.id = 'deliberately-unlabelled';
        document.querySelector("[data-testid='stMainBlockContainer']").appendChild(img);
    }""")
    found = axe_violations(desk, exclude=[selector for selector, _, _ in EXCLUDED])
    caught = [v for v in found if v["id"] == "image-alt"]
    assert caught and ["#deliberately-unlabelled"] in caught[0]["nodes"]
    desk.evaluate("document.getElementById('deliberately-unlabelled').remove()")
    assert not [v for v in axe_violations(desk) if v["id"] == "image-alt"]
