"""Sign-in in a real browser: cookies, reloads, sign-out, copied cookies, lockout."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def people(server):
    alice = make_user(server.db, "alice", full_name="Alice Example")
    make_client(server.db, alice, ref="CP-0101", full_name="Élodie Brown", today=clinic_today())
    return server


def caseload_visible(page) -> bool:
    return page.get_by_role("heading", name="Caseload").count() > 0


def test_sign_in_survives_reload_and_sign_out_does_too(browser, people):
    context = browser.new_context()
    page = context.new_page()
    page.goto(people.url)
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    page.get_by_text("Élodie Brown").first.wait_for(state="attached")
    page.reload()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    assert page.get_by_label("Username").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").first.wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(2500)  # the cookie deletion is drawn on a second run
    page.reload()
    page.get_by_label("Username").first.wait_for(timeout=30_000)
    wait_idle(page)
    assert not caseload_visible(page)
    assert page.get_by_text("Élodie Brown").count() == 0
    context.close()


def test_a_cookie_copied_before_sign_out_does_not_sign_in(browser, people):
    context = browser.new_context()
    page = context.new_page()
    page.goto(people.url)
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    stolen = [c for c in context.cookies() if c["name"] == "care_plans_signin"]
    assert stolen, "the sign-in cookie was not set"
    assert stolen[0]["secure"] is False  # plain http here; behind https: test_multi_server.py

    # the copy works while the sign-in is live...
    thief = browser.new_context()
    thief.add_cookies(stolen)
    tpage = thief.new_page()
    tpage.goto(people.url)
    tpage.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    thief.close()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").first.wait_for(timeout=30_000)

    # ...and not after sign-out, anywhere
    thief = browser.new_context()
    thief.add_cookies(stolen)
    tpage = thief.new_page()
    tpage.goto(people.url)
    tpage.get_by_label("Username").first.wait_for(timeout=30_000)
    wait_idle(tpage)
    assert not caseload_visible(tpage)
    assert tpage.get_by_text("Élodie Brown").count() == 0
    thief.close()
    context.close()


def test_six_wrong_passwords_then_the_right_one_is_still_locked(browser, people):
    context = browser.new_context()
    page = context.new_page()
    page.goto(people.url)
    wait_idle(page)
    for _ in range(6):
        sign_in(page, "alice", "definitely not it")
        page.get_by_text("Sign-in failed").first.wait_for(timeout=30_000)
        wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_text("Sign-in failed").first.wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(1500)
    assert not caseload_visible(page)
    context.close()
