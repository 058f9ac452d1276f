"""The caseload and the client page in a real browser: opening a client by selecting their row,
the client's address surviving a reload, and a deep link opened while signed out."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import sign_in, wait_idle
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

pytestmark = pytest.mark.browser

#: Streamlit's data grid (glide) draws rows on a canvas: its header and each row are 35 px
#: high and the selection checkboxes sit in the first, narrow column.
GRID_ROW_PX = 35


@pytest.fixture
def people(server):
    alice = make_user(server.db, "alice", full_name="Alice Example")
    make_client(server.db, alice, ref="CP-0101", full_name="Élodie Brown", today=clinic_today())
    make_client(server.db, alice, ref="CP-0102", full_name="Second Person", today=clinic_today())
    bob = make_user(server.db, "bob")
    make_client(server.db, bob, ref="CP-0201", full_name="Not Alices", today=clinic_today())
    return server


def click_row_checkbox(page, row: int) -> None:
    """Tick the selection checkbox of the caseload table's row `row` (0 = first)."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.locator("canvas").first.wait_for()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + GRID_ROW_PX * (row + 1) + GRID_ROW_PX / 2)


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def test_open_a_client_from_the_caseload_and_reload(browser, people):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(people.url)
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    heading(page, "Caseload").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_text("Not Alices").count() == 0

    click_row_checkbox(page, 1)  # rows in ref order: CP-0101, CP-0102
    heading(page, "Second Person").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.url.endswith("/client?client=CP-0102")
    assert page.get_by_text("CP-0102 · client active").count() == 1

    page.reload()
    heading(page, "Second Person").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.url.endswith("/client?client=CP-0102")
    assert page.get_by_label("Username").count() == 0

    # back on the caseload, the row picked before does not send us to that client again
    page.get_by_role("link", name="Caseload").click()
    heading(page, "Caseload").wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(1000)
    wait_idle(page)
    assert heading(page, "Caseload").count() == 1
    assert not re.search(r"client=", page.url)
    context.close()


def test_a_deep_link_opened_while_signed_out_lands_on_the_client(browser, people):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{people.url}/client?client=CP-0101")
    page.get_by_label("Username").first.wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_text("Élodie Brown").count() == 0
    sign_in(page, "alice", TEST_PASSWORD)
    heading(page, "Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.url.endswith("/client?client=CP-0101")
    assert page.get_by_text("Page not found").count() == 0
    context.close()


def test_a_deep_link_to_someone_elses_client_shows_nothing_of_it(browser, people):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{people.url}/client?client=CP-0201")
    page.get_by_label("Username").first.wait_for(timeout=30_000)
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_text("No client with this ref in your caseload.").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_text("Not Alices").count() == 0
    context.close()


GRID_OVERFLOW = """() => {
  const grid = document.querySelector("[data-testid='stDataFrame']");
  const scroller = grid && grid.querySelector(".dvn-scroller");
  return scroller ? [scroller.scrollWidth, scroller.clientWidth] : null;
}"""


@pytest.mark.parametrize("role", ["clinician", "supervisor"])
def test_every_caseload_column_fits_at_1440_px(browser, server, role):
    """At 1440 px the table shows every column without scrolling sideways (it cut off "Next
    review" and "Open review"), for a clinician's and a supervisor's caseload."""
    alice = make_user(server.db, "alice.clinician")
    make_client(
        server.db, alice, ref="CP-0101", full_name="Élodie Brown-Ferreira", today=clinic_today()
    )
    if role == "supervisor":
        make_user(server.db, "sue", "supervisor")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(server.url)
    wait_idle(page)
    sign_in(page, "sue" if role == "supervisor" else "alice.clinician", TEST_PASSWORD)
    heading(page, "Caseload").wait_for(timeout=30_000)
    wait_idle(page)
    page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
    page.wait_for_timeout(500)
    sizes = page.evaluate(GRID_OVERFLOW)
    assert sizes is not None, "no caseload table"
    scroll_width, client_width = sizes
    assert scroll_width <= client_width + 1, f"the table scrolls: {scroll_width} > {client_width}"
    context.close()
