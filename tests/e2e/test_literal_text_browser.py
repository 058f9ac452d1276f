"""What people write is shown literally, in a real browser, on every page that shows it.

A payload corpus (Markdown emphasis, a link, a remote image, a bare `www.` address, an https URL,
HTML, a formula) is written as a client's name, a clinician's full name, a goal, a step, a
contact, check-in words, a session record and an addendum. Each page that shows them (caseload
with its pinned alert, every tab of the client page, the session review) must draw the
characters as typed: no link, image or bold text made from them, and the literal text visible.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from care_plans.access import Actor
from care_plans.models import utcnow
from care_plans.services import checkins, contacts, goals, sessions
from tests.e2e.helpers import assert_no_error, open_tab, sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

pytestmark = pytest.mark.browser

EVIL = "evil.example"
CLIENT_NAME = "Robin **Bold** [x](https://evil.example/a) www.evil.example"
CLINICIAN_NAME = "Dr **Strong** [home](https://evil.example/c)"
GOAL = "Walk ![i](https://evil.example/i.png) <b>B</b> https://evil.example/g"
STEP = "Shoes by the door =1+1 _under_ `code`"
CONTACT = "Sam [call](https://evil.example/s)"
WORDS = "It was **hard** see www.evil.example/w"
TABS = (
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
)


@pytest.fixture
def written(server):
    db = server.db
    alice = make_user(db, "alice", full_name=CLINICIAN_NAME)
    client = make_client(db, alice, ref="CP-0001", full_name=CLIENT_NAME, today=clinic_today())
    goal = goals.add_goal(db, alice, client.plan_id, domain="self-care", description=GOAL)
    goals.add_step(db, alice, goal.id, description=STEP)
    contacts.add_contact(
        db,
        alice,
        client.id,
        name=CONTACT,
        kind="friend",
        phone="01632 960001",
        when_to_contact=WORDS,
        today=clinic_today(),
    )
    checkins.record_checkin(
        db,
        alice,
        client_id=client.id,
        submitted_at=utcnow() - timedelta(hours=2),
        ratings={"mood": 3},
        was_hard=WORDS,
        went_well=GOAL,
        measure_answers={"PHQ-9": [1] * 8 + [2]},
    )  # pins the alert
    today = utcnow().date()
    record = sessions.create_draft(
        db, alice, client.id, session_date=today, summary=WORDS, today=today
    )
    sessions.sign_off(db, alice, record.id, expected_version=record.version, today=today)
    sessions.add_addendum(db, alice, record.id, text=GOAL)
    make_user(db, "sam.super", role="supervisor", full_name=CLINICIAN_NAME)
    assert Actor.cli()  # the services above wrote through the same checks as the pages
    return server


def assert_literal(page, where: str, *expected: str) -> None:
    """Nothing of the payloads turned into markup; the expected texts shown as typed."""
    assert_no_error(page)
    main = page.locator("[data-testid='stApp']")
    links = main.locator(f"a[href*='{EVIL}']")
    assert links.count() == 0, f"{where}: a link was made: " + str(
        links.all()[0].evaluate("e => e.closest('[data-testid^=st]').outerHTML.slice(0, 600)")
    )
    images = main.locator(f"img[src*='{EVIL}']")
    assert images.count() == 0, f"{where}: a remote image was made"
    for tag in ("strong", "b", "em", "code"):
        made = [t.strip() for t in main.locator(tag).all_inner_texts()]
        assert not {"Bold", "Strong", "B", "hard", "under", "code"} & set(made), (
            f"{where}: <{tag}> made from written text: {made}"
        )
    text = page.inner_text("body").replace("\u2060", "")  # the joiner that stops autolinks
    for words in expected:
        assert words in text, f"{where}: {words!r} is not shown as typed"


def test_written_text_is_shown_literally_on_every_page(browser, written):
    page = browser.new_context(viewport={"width": 1440, "height": 1200}).new_page()
    page.goto(written.url)
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=30_000)
    wait_idle(page)
    assert_literal(page, "caseload", CLIENT_NAME, CLINICIAN_NAME)

    page.goto(f"{written.url}/client?client=CP-0001")
    page.get_by_role("tab", name="Progress").wait_for(timeout=30_000)
    wait_idle(page)
    assert_literal(page, "client page", CLIENT_NAME)
    for tab in TABS:
        open_tab(page, tab)
        wait_idle(page)
        assert_literal(page, f"client page, {tab}")
    open_tab(page, "Goals and steps")
    assert_literal(page, "goals", GOAL)
    page.locator("[data-testid='stExpander'] summary", has_text="Walk").first.click()
    wait_idle(page)
    assert_literal(page, "a goal opened", GOAL, STEP)
    open_tab(page, "Support network")
    assert_literal(page, "contacts", CONTACT)
    open_tab(page, "Sessions")
    assert_literal(page, "sessions", CLINICIAN_NAME, GOAL)

    page.goto(f"{written.url}/review?client=CP-0001")
    page.get_by_role("heading", name="Since last session").wait_for(timeout=30_000)
    wait_idle(page)
    assert_literal(page, "session review", CLIENT_NAME)
    page.context.close()

    sup = browser.new_context(viewport={"width": 1440, "height": 1200}).new_page()
    sup.goto(written.url)
    wait_idle(sup)
    sign_in(sup, "sam.super", TEST_PASSWORD)
    sup.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=30_000)
    wait_idle(sup)
    assert_literal(sup, "supervisor's caseload and sidebar", CLIENT_NAME, CLINICIAN_NAME)
    sup.context.close()
