"""Automatic sign-out after inactivity, in a real browser, and the typed text that survives it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_server, stop_server
from tests.e2e.helpers import sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

pytestmark = pytest.mark.browser
IDLE_SECONDS = 8


@pytest.fixture
def quick_server(tmp_path):
    server = start_server(tmp_path, {"CARE_PLANS_IDLE_TIMEOUT_SECONDS": str(IDLE_SECONDS)})
    yield server
    stop_server(server)


def test_idle_sign_out_keeps_the_typed_text_for_the_same_user(browser, quick_server):
    alice = make_user(quick_server.db, "alice", full_name="Alice Example")
    make_client(
        quick_server.db, alice, ref="CP-0201", full_name="Idle Test Client", today=clinic_today()
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{quick_server.url}/client?client=CP-0201")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Idle Test Client").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Care plan").click()

    strengths = page.get_by_role("textbox", name="Strengths")
    strengths.click()
    strengths.fill("Keeps going to the allotment every Sunday")
    strengths.press("Tab")  # leaving the box sends the text to the server
    wait_idle(page)

    # No interaction: the warning appears, then the sign-out.
    page.get_by_text("you will be signed out", exact=False).first.wait_for(timeout=20_000)
    page.get_by_text("signed out after a period of inactivity").first.wait_for(timeout=30_000)
    # The rerun that signs out replaces the page from the top; what was drawn below stays
    # (faded) until that run ends, so wait for it before looking for the text.
    wait_idle(page)
    expect(page.get_by_role("heading", name="Idle Test Client")).to_have_count(0)
    expect(page.get_by_text("Keeps going to the allotment")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Strengths")).to_have_count(0)

    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Idle Test Client").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Care plan").click()
    assert page.get_by_role("textbox", name="Strengths").input_value() == (
        "Keeps going to the allotment every Sunday"
    )
    context.close()


def test_another_user_signing_in_after_idle_does_not_see_the_text(browser, quick_server):
    alice = make_user(quick_server.db, "alice")
    bob = make_user(quick_server.db, "bob")
    make_client(
        quick_server.db, alice, ref="CP-0202", full_name="Shared Client", today=clinic_today()
    )
    from care_plans.access import Actor
    from care_plans.services import clients

    info = clients.find_client_id(quick_server.db, Actor.cli(), "CP-0202")
    clients.assign_clinician(quick_server.db, Actor.cli(), client_id=info, username=bob.username)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{quick_server.url}/client?client=CP-0202")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Shared Client").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Care plan").click()
    box = page.get_by_role("textbox", name="Triggers")
    box.fill("Something only Alice typed")
    box.press("Tab")
    wait_idle(page)
    page.get_by_text("signed out after a period of inactivity").first.wait_for(timeout=40_000)
    sign_in(page, "bob", TEST_PASSWORD)
    page.get_by_role("heading", name="Shared Client").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Care plan").click()
    assert page.get_by_role("textbox", name="Triggers").input_value() == ""
    context.close()
