"""The Outcomes page in a real browser on demo data: a supervisor opens it from the navigation,
sees the tiles and the suppressed small counts, and opens a client from the list of clients to
look at."""

from __future__ import annotations

import re

import pytest

from care_plans.demo import DEMO_PASSWORD, seed_demo
from tests.e2e.helpers import sign_in, wait_idle
from tests.factories import clinic_today

pytestmark = pytest.mark.browser


def test_supervisor_opens_outcomes_and_a_client_from_it(browser, server):
    seed_demo(server.db, clients=12, days=120, end_date=clinic_today())
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.goto(server.url)
    wait_idle(page)
    sign_in(page, "demo.supervisor", DEMO_PASSWORD)
    page.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("link", name="Outcomes").first.click()
    page.get_by_role("heading", name="Outcomes", exact=True).wait_for(timeout=30_000)
    wait_idle(page)
    assert page.url.endswith("/outcomes")
    for heading in (
        "PHQ-9 (depression)",
        "GAD-7 (anxiety)",
        "Paired",
        "By clinician",
        "Data completeness",
        "Clients to look at",
    ):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1
    counted = page.locator("[data-testid='stMetric']").first
    lines = [line.strip() for line in counted.inner_text().splitlines() if line.strip()]
    assert lines[:2] == ["Clients counted", "12"]
    cells = page.locator("[data-testid='stDataFrame'] [role=gridcell]").all_inner_texts()
    assert "fewer than 5" in cells  # each clinician's four clients

    # The grid is drawn on a canvas (its accessible cells hold the link's address, the canvas
    # draws "Open client"): click the first row's first column, where the link is.
    grid = page.locator("[data-testid='stDataFrame']").nth(1)
    first = grid.locator("[role=gridcell]").first.inner_text()
    assert re.fullmatch(r"client\?client=CP-\d{4}", first)
    grid.locator("canvas").first.wait_for()
    box = grid.bounding_box()
    assert box is not None
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    x, y = box["x"] + 30, box["y"] + 35 + 17
    page.mouse.move(x, y)  # glide underlines the link under the pointer; a click opens it
    page.wait_for_timeout(300)
    with context.expect_page() as opened:
        page.mouse.click(x, y)
    client_page = opened.value
    client_page.wait_for_load_state()
    assert re.search(r"/client\?client=CP-\d{4}$", client_page.url)
    context.close()
