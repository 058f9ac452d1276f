"""A self-harm answer on its own is never lost, in a real browser from end to end.

A client on a phone answers only PHQ-9 item 9 ("Thoughts that you would be better off dead…")
with "Nearly every day", one rating and a few words, and sends. They see the crisis contacts;
the check-in and a partial PHQ-9 (no total, item 9 = 3) are stored; a clinician at a desk sees
the pinned self-harm alert on the caseload; and the summary PDF downloaded from the client's
Export tab has the open answer in its "Risk and safety" box on page 1.

Screenshots go to docs/screenshots/ only with UPDATE_SCREENSHOTS=1 (else to the test's tmp
folder), so a test run never changes the tree.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from care_plans.models import CheckIn, MeasureResponse
from care_plans.services import checkin_links
from tests.db.test_checkin_links import seed_client
from tests.e2e.helpers import sign_in, wait_idle
from tests.e2e.test_checkin_browser import (
    PHONE,
    SHOTS,
    assert_fits_the_phone,
    full_screenshot,
    tap,
    wait_rendered,
)
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.browser

ITEM_9 = "Thoughts that you would be better off dead"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp_path


@pytest.fixture
def clinic(server):
    alice = make_user(server.db, "alice", full_name="Alice Example")
    seeded = seed_client(server.db, alice)
    token, _ = checkin_links.create_link(server.db, alice, seeded.client_id)
    return server, seeded, checkin_links.link_url(server.url, token)


def pdf_text(path: Path, *pages: str) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def test_item_9_alone_from_a_phone_reaches_the_caseload_and_the_pdf(
    browser, clinic, shots, tmp_path
):
    server, seeded, url = clinic
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page.goto(url)
    page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    main = page.locator("[data-testid='stMain']")
    # The gentle word about completing the questionnaires is on the form, before sending.
    assert (
        main.get_by_text(
            "They help most when every question in a part is answered, but "
            "anything you answer is kept and sent."
        ).count()
        == 1
    )

    tap(page, "rating_mood", "3")
    page.get_by_label("Something that was hard (if you like)").fill("Awful week, no sleep")
    item9 = page.locator(".st-key-measure_PHQ-9_9")
    assert ITEM_9 in item9.inner_text()
    tap(page, "measure_PHQ-9_9", "Nearly every day")
    chosen = item9.get_by_role("radio", name="Nearly every day", exact=True)
    assert chosen.get_attribute("aria-checked") == "true"
    for number in range(1, 9):  # nothing else of the PHQ-9 is answered
        others = page.locator(f".st-key-measure_PHQ-9_{number}").locator("[aria-checked='true']")
        assert others.count() == 0
    assert "clear" not in main.inner_text().lower()  # no hint ever suggests clearing one
    assert_fits_the_phone(page)
    item9.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the scroll settle before the picture
    page.screenshot(path=str(shots / "checkin-phone-item9.png"))

    page.get_by_role("button", name="Send my check-in").click()
    page.get_by_text("Thank you, Élodie").wait_for(timeout=30_000)
    wait_rendered(page)
    # sent, not refused; the crisis screen; a kind word about the rest of the questionnaire
    page.get_by_text(
        "You told us you have had thoughts that you would be better off dead"
    ).wait_for()
    page.get_by_text("Crisis team").wait_for()
    assert page.locator("a[href='tel:03001234567']").count() == 1
    assert (
        main.get_by_text(
            "Everything you answered was sent, including the questions you answered in PHQ-9.",
            exact=False,
        ).count()
        == 1
    )
    assert "clear" not in main.inner_text().lower()
    assert page.get_by_role("button", name="Send my check-in").count() == 0
    assert_fits_the_phone(page)
    full_screenshot(page, "checkin-phone-item9-crisis.png", into=tmp_path)
    phone.close()

    with server.db.uow() as uow:
        checkin = uow.session.scalars(select(CheckIn)).one()
        assert (checkin.mood, checkin.sleep, checkin.hope) == (3, None, None)
        assert (checkin.was_hard, checkin.went_well) == ("Awful week, no sleep", "")
        phq = uow.session.scalars(select(MeasureResponse)).one()
        assert (phq.instrument, phq.is_partial, phq.total, phq.severity, phq.risk_flag) == (
            "PHQ-9",
            True,
            None,
            None,
            True,
        )
        assert phq.answers == [None] * 8 + [3]
        assert phq.checkin_id == checkin.id

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = desk.new_page()
    page.goto(server.url)
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Caseload", exact=True).wait_for(timeout=30_000)
    wait_rendered(page)
    alert = page.locator("[data-testid='stAlertContentError']").filter(
        has_text="self-harm question"
    )
    assert alert.count() == 1
    text = " ".join(alert.inner_text().split())
    assert text.startswith(
        "⚠️ Élodie Brown (CP-0001) answered “Nearly every day” to the PHQ-9 self-harm question on "
    )
    assert text.endswith(
        "(incomplete: items 1–8 not answered). Follow up and record what was done."
    )
    assert page.get_by_role("button", name="Record follow-up").count() == 1
    # pinned: above the caseload's filters and table
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for()
    assert alert.bounding_box()["y"] < table.bounding_box()["y"]
    page.screenshot(path=str(shots / "caseload-pinned-alert.png"))

    page.goto(f"{server.url}/client?client=CP-0001")
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Export").click()
    button = page.get_by_role("button", name="Download session summary (PDF)")
    button.wait_for(timeout=30_000)
    wait_rendered(page)
    assert button.is_enabled()
    with page.expect_download(timeout=60_000) as download:
        button.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("CP-0001") and saved.read_bytes()[:5] == b"%PDF-"
    desk.close()

    first = pdf_text(saved, "-f", "1", "-l", "1")
    assert "Risk and safety" in first
    assert "OPEN, not yet followed up: on " in first
    assert (
        'the PHQ-9 self-harm question ("thoughts that you would be better off dead or of '
        'hurting yourself") was answered “Nearly every day” (incomplete: items 1–8 not '
        "answered)."
    ) in first
    assert "No open safety alerts" not in first
    assert first.index("Risk and safety") < first.index("Care plan")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(saved),
            str(shots / "summary-pdf-risk-box"),
        ],
        check=True,
    )
