"""The guides' walkthroughs in a real browser, on demo data: the clinician's guide (sign in, the
caseload, a client, a check-in link, the session review, exporting a summary) and the
administrator's guide (accounts, a set-password link). The screenshots the guides show are taken
here (docs/screenshots/guide-*.png), so they are the app as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from care_plans import demo
from care_plans.models import Client, ClientAssignment, User
from tests.e2e.helpers import screenshot_dir, sign_in, wait_idle
from tests.factories import clinic_today

pytestmark = pytest.mark.browser

SHOTS = screenshot_dir()


@pytest.fixture
def demo_server(server):
    demo.seed_demo(server.db, clients=6, days=120, clinicians=2, end_date=clinic_today())
    with server.db.uow() as uow:
        ref = uow.session.scalar(
            select(Client.ref)
            .join(ClientAssignment)
            .join(User)
            .where(User.username == "demo.clinician")
            .order_by(Client.ref)
            .limit(1)
        )
    return server, ref


def _settle(page) -> None:
    wait_idle(page)
    page.wait_for_function(
        "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=30_000
    )
    page.wait_for_timeout(500)


def test_clinician_guide_from_first_sign_in_to_an_exported_summary(browser, demo_server):
    server, ref = demo_server
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    ).new_page()
    page.goto(server.url)
    page.get_by_label("Username").first.wait_for(timeout=30_000)
    _settle(page)
    page.screenshot(path=str(SHOTS / "guide-signin.png"))
    sign_in(page, "demo.clinician", demo.DEMO_PASSWORD)
    page.get_by_role("heading", name="Caseload").first.wait_for(timeout=30_000)
    _settle(page)

    page.goto(f"{server.url}/client?client={ref}")
    page.get_by_role("tab", name="Care plan").wait_for(timeout=30_000)
    _settle(page)
    page.get_by_role("tab", name="Check-in link").click()
    page.get_by_role("button", name="Create a check-in link").click()
    page.get_by_text("shown only now").wait_for(timeout=30_000)
    _settle(page)
    page.screenshot(path=str(SHOTS / "guide-checkin-link.png"))

    page.goto(f"{server.url}/review?client={ref}")
    page.get_by_role("heading", name="Since last session").wait_for(timeout=30_000)
    _settle(page)

    page.goto(f"{server.url}/client?client={ref}")
    page.get_by_role("tab", name="Export").wait_for(timeout=30_000)
    _settle(page)
    page.get_by_role("tab", name="Export").click()
    button = page.get_by_role("button", name="Download session summary (PDF)")
    button.wait_for(timeout=30_000)
    _settle(page)
    # The demo's first client has a crisis plan naming a contact without consent to share:
    # the summary waits until the clinician has checked it (the guide shows this warning).
    page.get_by_text("Before you make this file").first.wait_for(timeout=30_000)
    assert button.is_disabled()
    page.screenshot(path=str(SHOTS / "guide-export.png"))
    page.get_by_text("I have checked: make the file with this text anyway").first.click()
    _settle(page)
    assert button.is_enabled()
    with page.expect_download(timeout=60_000) as download:
        button.click()
    saved = download.value.path()
    assert Path(saved).read_bytes()[:5] == b"%PDF-"
    assert download.value.suggested_filename.startswith(ref)
    page.context.close()


def test_administrator_guide_accounts_and_a_set_password_link(browser, demo_server):
    server, _ = demo_server
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(server.url)
    page.get_by_label("Username").first.wait_for(timeout=30_000)
    sign_in(page, "demo.admin", demo.DEMO_PASSWORD)
    page.get_by_role("heading", name="Accounts and assignments").wait_for(timeout=30_000)
    _settle(page)
    page.screenshot(path=str(SHOTS / "guide-admin.png"))
    page.get_by_role("tab", name="Manage an account").click()
    # Nothing is chosen until the administrator picks the account (it once started on the
    # first name, demo.admin, and the link went to the wrong account).
    assert page.get_by_role("button", name="Set-password link").count() == 0
    _settle(page)
    page.get_by_role("combobox", name="Account").click()
    page.get_by_role("option", name="demo.clinician", exact=True).click()
    _settle(page)
    page.get_by_role("button", name="Set-password link").click()
    page.get_by_text("Send this link to demo.clinician").wait_for(timeout=30_000)
    _settle(page)
    link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert link.startswith(f"{server.url}/?set_password=")
    page.screenshot(path=str(SHOTS / "guide-admin-link.png"))
    page.context.close()
