"""Another role's page, opened by its address, says so in words and offers the way back; an
unknown client ref offers the way back too (never a silent jump to another page)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import assert_no_error, sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

pytestmark = pytest.mark.browser


def test_a_clinician_at_admin_and_an_admin_at_client_are_told_and_shown_the_way_back(
    browser, server
):
    alice = make_user(server.db, "alice", full_name="Alice Example")
    make_client(server.db, alice, ref="CP-0001", full_name="Élodie Brown", today=clinic_today())
    make_user(server.db, "ada", role="admin", full_name="Ada Min")

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server.url}/admin")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_text("This page is for administrators").wait_for(timeout=30_000)
    assert_no_error(page)
    assert page.url.endswith("/admin")  # not silently moved to the caseload
    assert "Accounts and assignments" in page.inner_text("[data-testid='stMain']")
    page.get_by_role("link", name="Back to your start page").click()
    page.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=30_000)

    page.goto(f"{server.url}/client?client=CP-9999")
    page.get_by_text("No client with this ref in your caseload.").wait_for(timeout=30_000)
    page.get_by_role("link", name="Back to the caseload").click()
    page.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=30_000)
    assert_no_error(page)
    page.context.close()

    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(f"{server.url}/client?client=CP-0001")
    wait_idle(admin)
    sign_in(admin, "ada", TEST_PASSWORD)
    admin.get_by_text("This page is for clinicians and supervisors").wait_for(timeout=30_000)
    body = admin.inner_text("[data-testid='stMain']")
    assert "Élodie Brown" not in body  # nothing of the record
    admin.get_by_role("link", name="Back to your start page").click()
    admin.get_by_role("heading", name="Accounts and assignments").wait_for(timeout=30_000)
    assert_no_error(admin)
    admin.context.close()
