"""Real-browser fixtures: the real Streamlit server on a free port, Debian's chromium through
Playwright (never a downloaded browser). Under CI=true a missing browser fails the tests;
locally they skip with the reason printed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from care_plans.db import Database, init_db, make_engine

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    db: Database
    process: subprocess.Popen[bytes]
    log: Path


E2E_AUDIT_KEY = "e2e-audit-key-" + "a" * 40


def start_server(tmp: Path, extra_env: dict[str, str] | None = None) -> Server:
    db_path = tmp / "e2e.db"
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    init_db(engine)
    database = Database(engine, E2E_AUDIT_KEY)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CARE_PLANS_COOKIE_KEY": "e2e-cookie-key-" + "k" * 40,
        "CARE_PLANS_AUDIT_KEY": E2E_AUDIT_KEY,
        "CARE_PLANS_AUDIT_CHECKPOINT": str(tmp / "audit-checkpoint.json"),
        "CARE_PLANS_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra_env or {}),
    }
    log = tmp / "streamlit.log"
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
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Server(base, database, process, log)
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"streamlit did not start: {log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
    server.db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        _unavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        _unavailable(f"playwright is not installed: {exc}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = start_server(tmp_path)
    yield s
    stop_server(s)
