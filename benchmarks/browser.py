"""The browser timing of `make bench`: from "Sign in" clicked to a filled caseload, in Debian's
chromium through Playwright (never a downloaded browser), against the real Streamlit server on
the scale's database.

Each run is a fresh browser context (no cookie, nothing cached in the page): the sign-in form is
filled, the clock starts on the click, and stops when the caseload's table has drawn and the
app has finished running (the script state Streamlit marks on the page). The median is taken
after one warm-up run, which starts the server's engine and imports as a clinic's first
sign-in of the day does.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import BENCH_AUDIT_KEY

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DEMO_USER, DEMO_PASSWORD = "demo.supervisor", "recovery-demo-2026"


def available() -> str | None:
    """None when the browser timing can run here, else why not."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        return "Debian's chromium is not installed (make apt-deps)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (the test extra)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CARE_PLANS_AUDIT_KEY": BENCH_AUDIT_KEY,
        "CARE_PLANS_COOKIE_KEY": "bench-cookie-key-" + "c" * 40,
        "CARE_PLANS_AUDIT_CHECKPOINT": str(folder / "audit-checkpoint.json"),
        "CARE_PLANS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=(folder / "streamlit.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("streamlit did not start: " + (folder / "streamlit.log").read_text()[-2000:])


def _idle(page: Any) -> None:
    """Wait until the app has finished its run (the running indicator is gone)."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000
    )


def bench_signin_to_caseload(url: str, runs: int) -> dict[str, Any]:
    """Median seconds from the Sign in click to the supervisor's filled caseload."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="care-plans-bench-browser-") as name:
        process, base = _start(url, Path(name))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                times = []
                for n in range(runs + 1):
                    context = browser.new_context(viewport={"width": 1440, "height": 900})
                    page = context.new_page()
                    page.goto(base)
                    page.get_by_label("Username").first.wait_for(timeout=60_000)
                    _idle(page)
                    page.get_by_label("Username").first.fill(DEMO_USER)
                    page.get_by_label("Password", exact=True).first.fill(DEMO_PASSWORD)
                    started = time.perf_counter()
                    page.get_by_role("button", name="Sign in").first.click()
                    page.get_by_role("heading", name="Caseload", exact=True).wait_for(
                        timeout=120_000
                    )
                    page.locator("[data-testid='stDataFrame'] canvas").first.wait_for(
                        timeout=120_000
                    )
                    _idle(page)
                    if n > 0:  # the first is the warm-up
                        times.append(time.perf_counter() - started)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"signin_to_caseload_s": statistics.median(times)}
