"""Check-in links in a real browser at phone width (375 x 812), in fresh contexts with no sign-in.

A client opens their link, answers a few questions and sends them; a signed-in clinician then
sees the check-in on the client page. The whole form can be filled and sent with the keyboard
alone (Tab, Shift+Tab, arrow keys, Space, Enter; no pointer). A revoked link shows only the
friendly message. Screenshots go to docs/screenshots/checkin-phone*.png (look at them after a
layout change).
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from care_plans.read import export_data, progress
from care_plans.services import checkin_links
from tests.db.test_checkin_links import seed_client
from tests.e2e.helpers import screenshot_dir, sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_user

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
    seeded = seed_client(server.db, alice)
    token, info = checkin_links.create_link(server.db, alice, seeded.client_id)
    return server, seeded, checkin_links.link_url(server.url, token), info


def tap(page, key: str, answer: str) -> None:
    """Choose an answer of a pills question (Streamlit gives each pill the role radio)."""
    page.locator(f".st-key-{key}").get_by_role("radio", name=answer, exact=True).click()


def wait_rendered(page) -> None:
    """Wait for the script to finish and for lazily loaded widgets to replace their skeletons."""
    wait_idle(page)
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=30_000
    )


def full_screenshot(page, name: str, into: Path = SHOTS) -> None:
    """The whole page: Streamlit scrolls an inner element, so grow the viewport to fit it."""
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": 375, "height": max(812, int(height))})
    page.wait_for_timeout(300)
    page.screenshot(path=str(into / name))
    page.set_viewport_size(PHONE["viewport"])


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide: it scrolls sideways on a phone"


def assert_nothing_of_the_app(page) -> None:
    assert page.get_by_label("Username").count() == 0
    assert page.locator("[data-testid='stSidebar']").count() == 0
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    assert page.get_by_text("Brown").count() == 0  # no surname, no other client


def test_a_client_checks_in_from_a_phone_and_the_clinician_sees_it(browser, clinic, tmp_path):
    server, seeded, url, _ = clinic
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    assert_nothing_of_the_app(page)
    assert page.get_by_text("not watched in real time").count() == 1
    assert_fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "checkin-phone.png"))
    full_screenshot(page, "checkin-phone-full.png")

    tap(page, "rating_mood", "4")
    tap(page, "rating_hope", "7")
    tap(page, f"goal_{seeded.goal_ids[1]}", "8")
    page.get_by_label("Something that went well (if you like)").fill("Rang my sister")
    page.get_by_role("button", name="Send my check-in").click()
    page.get_by_text("Thank you, Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.locator(".st-key-rating_mood").count() == 0
    assert_fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "checkin-phone-thanks.png"))
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.goto(f"{server.url}/client?client=CP-0001")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Check-ins").click()
    # the grid is drawn on a canvas; its accessible table holds the cell texts
    cells = page.locator("[data-testid='stDataFrame'] td[role='gridcell']")
    cells.filter(has_text="Rang my sister").wait_for(state="attached", timeout=10_000)
    row = [t.strip() for t in cells.all_inner_texts()]
    assert row[1:6] == ["link", "4", "", "", ""]  # from the link; skipped ratings are empty
    page.get_by_role("tab", name="Check-in link").click()
    links = page.locator("[data-testid='stDataFrame']").filter(
        has=page.locator("th", has_text="Works until")
    )
    link_cells = links.locator("td[role='gridcell']")
    link_cells.filter(has_text="active").wait_for(state="attached", timeout=10_000)
    row = [t.strip() for t in link_cells.all_inner_texts()]
    assert row[1] == "alice" and row[3] not in ("", "—") and row[4] == "active"  # last used

    # a new link made on the page works from a phone too
    page.get_by_role("button", name="Create a check-in link").click()
    page.get_by_text("shown only now").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.locator("[data-testid='stImage'] img").first.is_visible()  # the QR code
    new_url = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert new_url.startswith(f"{server.url}/?checkin=") and new_url != url
    page.screenshot(path=str(tmp_path / "checkin-link-tab.png"))
    desk.close()
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(new_url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    phone.close()


def test_the_self_harm_item_shows_the_crisis_contacts_on_the_phone(browser, clinic):
    _, _, url, _ = clinic
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    for number in range(1, 10):
        tap(page, f"measure_PHQ-9_{number}", "Several days")
    page.get_by_role("button", name="Send my check-in").click()
    page.get_by_text("Thank you, Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    page.get_by_text("Crisis team").wait_for()
    assert page.locator("a[href='tel:03001234567']").count() == 1
    assert page.get_by_text("Sam (neighbour)").count() == 0
    assert_fits_the_phone(page)
    full_screenshot(page, "checkin-phone-crisis.png")
    phone.close()


def test_a_revoked_link_shows_only_the_friendly_message(browser, clinic):
    server, seeded, url, info = clinic
    checkin_links.revoke_link(server.db, seeded.clinician, info.id)
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_text("ask your clinician for a new link").wait_for(timeout=30_000)
    wait_rendered(page)
    assert_nothing_of_the_app(page)
    assert page.get_by_text("Élodie").count() == 0
    assert page.get_by_role("button").filter(has_text="Send").count() == 0
    assert page.locator("[data-testid='stButtonGroup']").count() == 0
    assert page.locator("textarea").count() == 0
    assert_fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "checkin-phone-revoked.png"))
    phone.close()


def has_focus(target) -> bool:
    """Whether the keyboard focus is on `target` or inside it."""
    return bool(target.evaluate("e => e.contains(document.activeElement)"))


def focused(page) -> str:
    """What has the focus, for a failure message: its widget key, else its tag and text."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        const box = e && e.closest("[class*='st-key-']");
        const key = box && [...box.classList].find(c => c.startsWith('st-key-'));
        return key ? key.slice(7) : `${e && e.tagName} ${(e && e.innerText || '').slice(0, 30)}`;
    }""")


def tab_to(page, target, back: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab when `back`) until the focus is on `target`."""
    key = "Shift+Tab" if back else "Tab"
    path = []
    for _ in range(limit):
        page.keyboard.press(key)
        if has_focus(target):
            return
        path.append(focused(page))
    pytest.fail(f"{key} never reached {target}; the focus went {path}")


def choose_by_keys(page, key: str, answer: str, right: int) -> None:
    """With the focus on a pills question, move `right` answers along with the arrow key and
    choose that one with Space; the question then shows `answer` chosen."""
    group = page.locator(f".st-key-{key}")
    assert has_focus(group), f"the focus is on {focused(page)}, not {key}"
    for _ in range(right):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    chosen = group.get_by_role("radio", checked=True)
    chosen.wait_for(timeout=5_000)
    assert [t.strip() for t in chosen.all_inner_texts()] == [answer]


def test_the_check_in_can_be_filled_and_sent_with_the_keyboard_alone(browser, clinic):
    server, seeded, url, _ = clinic
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    key = page.locator

    tab_to(page, key(".st-key-rating_mood"))
    choose_by_keys(page, "rating_mood", "4", right=4)
    tab_to(page, key(".st-key-rating_hope"))
    choose_by_keys(page, "rating_hope", "7", right=7)
    tab_to(page, key(".st-key-rating_connection"), back=True)  # back up to one skipped
    choose_by_keys(page, "rating_connection", "5", right=5)
    goal = f"goal_{seeded.goal_ids[1]}"
    tab_to(page, key(f".st-key-{goal}"))
    choose_by_keys(page, goal, "8", right=8)

    tab_to(page, page.get_by_label("Something that went well (if you like)"))
    page.keyboard.type("Rang my sister")
    tab_to(page, page.get_by_label("Something that was hard (if you like)"))
    page.keyboard.type("Slept badly")

    tab_to(page, key(".st-key-measure_PHQ-9_1"))
    choose_by_keys(page, "measure_PHQ-9_1", "Several days", right=1)
    tab_to(page, key(".st-key-measure_PHQ-9_2"))
    choose_by_keys(page, "measure_PHQ-9_2", "Not at all", right=0)
    tab_to(page, key(".st-key-measure_PHQ-9_3"))
    choose_by_keys(page, "measure_PHQ-9_3", "More than half the days", right=2)

    tab_to(page, page.get_by_role("button", name="Send my check-in"))
    page.keyboard.press("Enter")
    page.get_by_text("Thank you, Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    assert page.get_by_text("including the questions you answered in PHQ-9").count() == 1
    assert page.get_by_role("button", name="Send my check-in").count() == 0
    phone.close()

    record = export_data.record_data(server.db, seeded.clinician, seeded.client_id)
    [checkin] = record.checkins
    assert checkin.source == "link"
    assert dict(checkin.ratings) == {"mood": 4, "connection": 5, "hope": 7}
    assert (checkin.went_well, checkin.was_hard) == ("Rang my sister", "Slept badly")
    [phq9] = record.measures  # the GAD-7, left untouched, is not stored
    assert phq9.instrument == "PHQ-9" and phq9.checkin_id == checkin.id
    assert phq9.answers == (1, 0, 2) + (None,) * 6 and phq9.total is None  # kept, partial
    data = progress.progress_data(
        server.db,
        seeded.clinician,
        seeded.client_id,
        since=None,
        until=None,
        tz=UTC,
        today=clinic_today(),
    )
    assert data.goal_progress[["goal_id", "rating"]].values.tolist() == [[seeded.goal_ids[1], 8]]
