"""`make run` on a port other than 8501: the check-in link it shows carries that port, and the
page warns that a 127.0.0.1 address cannot be opened on a phone.

This runs the real Makefile target (not the streamlit command it wraps), with
CARE_PLANS_BASE_URL unset, so it fails if `make run` stops deriving the address from HOST/PORT.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from care_plans.db import Database, init_db, make_engine
from tests.conftest import AUDIT_KEY
from tests.db.test_checkin_links import seed_client
from tests.e2e.conftest import ROOT, _free_port, _unavailable
from tests.e2e.helpers import sign_in, wait_idle
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.browser

MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CARE_PLANS_BASE_URL")


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # make checks the venv and apt packages first
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run stopped: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"make run did not serve {base}: {log.read_text()[-3000:]}")


def test_make_run_on_another_port_puts_that_port_in_links_and_warns(browser, tmp_path):
    if shutil.which("make") is None:
        _unavailable("make is not installed")
    db_url = f"sqlite:///{tmp_path / 'make-run.db'}"
    database = Database(make_engine(db_url), AUDIT_KEY)
    init_db(database.engine)
    alice = make_user(database, "alice", full_name="Alice Example")
    seed_client(database, alice)
    port = _free_port()
    assert port != 8501
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    env.update(
        DATABASE_URL=db_url,
        CARE_PLANS_COOKIE_KEY="make-run-cookie-" + "m" * 40,
        CARE_PLANS_AUDIT_KEY=AUDIT_KEY,
        CARE_PLANS_SECRETS_FILE=str(tmp_path / "no-secrets.toml"),
    )
    log = tmp_path / "make-run.log"
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, log)
        assert f"check-in links will use {base}" in log.read_text()
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        page.goto(f"{base}/client?client=CP-0001")
        wait_idle(page)
        sign_in(page, "alice", TEST_PASSWORD)
        page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
        wait_idle(page)
        page.get_by_role("tab", name="Check-in link").click()
        page.get_by_role("button", name="Create a check-in link").click()
        page.get_by_text("shown only now").wait_for(timeout=30_000)
        wait_idle(page)
        link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
        assert link.startswith(f"http://127.0.0.1:{port}/?checkin=")
        warning = page.locator("[data-testid='stAlertContentWarning']")
        assert "a phone or another computer cannot open it" in warning.inner_text()
        assert "CARE_PLANS_BASE_URL" in warning.inner_text()
        page.screenshot(path=str(tmp_path / "link-warning.png"))
        # the link made there opens the client's form on that port
        phone = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
        phone.goto(link)
        phone.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
        phone.context.close()
        page.context.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        database.dispose()
