"""The clinic setup of docs/deployment.md, run for real: a throwaway PostgreSQL, two
`streamlit run` app servers on free ports, and Debian's nginx in front with the configuration
read from docs/deployment.md (TLS, WebSocket upgrade, sticky route cookie, path-only log).

A browser is pinned to one app server by its route cookie: the documented config hashes on it,
and the access log's `upstream=` field tells which cookie value lands where. Through nginx:

- a check-in sent through server A is on server B's client page;
- signing out on A ends the same sign-in on B (its open page drops to the sign-in form);
- a lockout made on A holds on B;
- nginx's logs (and the app servers' output) hold no check-in or set-password token.

Everything is started and stopped here; under CI=true a missing nginx or browser fails.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from care_plans.access import Actor
from care_plans.db import Database, init_db, make_engine
from care_plans.services import users
from tests.conftest import AUDIT_KEY
from tests.db.test_checkin_links import seed_client
from tests.e2e.conftest import ROOT, _free_port, _unavailable
from tests.e2e.helpers import sign_in, wait_idle
from tests.factories import TEST_PASSWORD, make_user
from tests.nginxconf import documented, render

pytestmark = pytest.mark.browser

NGINX = "/usr/sbin/nginx"
HOSTNAME = "care.example.org"
COOKIE_KEY = "multi-server-cookie-key-" + "s" * 40
ROUTE_COOKIE = "care_plans_route"


@dataclass
class Clinic:
    base: str  # https through nginx
    http_base: str  # the plain-http port (redirect only)
    db: Database
    upstreams: dict[str, str]  # "A"/"B" -> "127.0.0.1:port"
    routes: dict[str, str]  # "A"/"B" -> a route cookie value that nginx sends there
    logs: Path
    app_logs: list[Path]


def _self_signed(folder: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTNAME)]), False)
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _wait(check, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} stopped: {log.read_text()[-3000:]}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: {log.read_text()[-3000:]}")


def _get(
    port: int,
    path: str,
    cookie: str | None = None,
    tls: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    context = ssl._create_unverified_context()  # our own self-signed certificate
    conn = (
        http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
        if tls
        else http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    )
    headers = {"Host": HOSTNAME}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def _log_lines(log: Path) -> list[str]:
    return log.read_text().strip().splitlines() if log.exists() else []


def _last_upstream(log: Path, after: int | None = None) -> str:
    """The upstream of the log's last line; with `after`, wait until the log has more lines than
    that (nginx writes a request's line after sending the response, so a fast reader can see
    the previous request's line)."""
    deadline = time.monotonic() + 10
    lines = _log_lines(log)
    while after is not None and len(lines) <= after and time.monotonic() < deadline:
        time.sleep(0.02)
        lines = _log_lines(log)
    assert lines and (after is None or len(lines) > after), "nginx logged no line for a request"
    match = re.search(r"upstream=(\S+)", lines[-1])
    assert match, f"the access log line names no upstream: {lines[-1]!r}"
    return match.group(1)


def _start_app(port: int, url: str, base: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CARE_PLANS_COOKIE_KEY": COOKIE_KEY,
        "CARE_PLANS_AUDIT_KEY": AUDIT_KEY,  # the same key on every server, as documented
        "CARE_PLANS_BASE_URL": base,
        "CARE_PLANS_TRUSTED_PROXY_HOPS": "1",
        "CARE_PLANS_SECRETS_FILE": str(log.parent / "no-secrets.toml"),
    }
    # the flags of docs/deployment.md, section 4
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def clinic() -> Iterator[Clinic]:
    if not Path(NGINX).exists():
        _unavailable("Debian's nginx is not installed (apt-get install nginx)")
    from tests.pgserver import PostgresUnavailable, start_or_explain

    try:
        pg = start_or_explain()
    except PostgresUnavailable as exc:
        _unavailable(f"PostgreSQL could not be started: {exc}")
    # nginx's workers run as an unprivileged user when we are root: a folder they can enter
    tmp = Path(tempfile.mkdtemp(prefix="care-plans-nginx-"))
    tmp.chmod(0o755)
    processes: list[subprocess.Popen[bytes]] = []
    database = None
    try:
        url = pg.create_database("care_plans_multi")
        database = Database(make_engine(url), AUDIT_KEY)
        init_db(database.engine)
        https_port, http_port = _free_port(), _free_port()
        base = f"https://127.0.0.1:{https_port}"
        app_ports = {"A": _free_port(), "B": _free_port()}
        app_logs = []
        for name, port in app_ports.items():
            log = tmp / f"app-{name}.log"
            app_logs.append(log)
            processes.append(_start_app(port, url, base, log))

        (tmp / "tls").mkdir()
        (tmp / "log").mkdir()
        _self_signed(tmp / "tls")
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / sub).mkdir(mode=0o777)
            (tmp / sub).chmod(0o777)
        site = render(
            documented(),
            {
                "server 10.0.0.11:8501": f"server 127.0.0.1:{app_ports['A']}",
                "server 10.0.0.12:8501": f"server 127.0.0.1:{app_ports['B']}",
                "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
                "listen 80;": f"listen 127.0.0.1:{http_port};",
                "/etc/ssl/care-plans/": f"{tmp}/tls/",
                "/var/log/nginx/": f"{tmp}/log/",
            },
        )
        (tmp / "care-plans.conf").write_text(site)
        temp_paths = "\n".join(
            f"    {kind}_temp_path {tmp}/{sub};"
            for kind, sub in (
                ("client_body", "body"),
                ("proxy", "proxy"),
                ("fastcgi", "fastcgi"),
                ("uwsgi", "uwsgi"),
                ("scgi", "scgi"),
            )
        )
        # The main nginx.conf a Debian install has, reduced to what a test run needs; the
        # site itself is the documented file, included unchanged apart from the replacements.
        (tmp / "nginx.conf").write_text(
            f"pid {tmp}/nginx.pid;\nerror_log {tmp}/log/main-error.log warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n{temp_paths}\n    access_log {tmp}/log/main-access.log combined;\n"
            f"    include {tmp}/care-plans.conf;\n}}\n"
        )
        nginx_cmd = [
            NGINX,
            "-p",
            str(tmp),
            "-c",
            str(tmp / "nginx.conf"),
            "-e",
            str(tmp / "log" / "startup-error.log"),
        ]
        check = subprocess.run([*nginx_cmd, "-t"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, f"the documented nginx config is invalid: {check.stderr}"
        nginx_log = tmp / "log" / "nginx-stdout.log"
        nginx = subprocess.Popen(
            [*nginx_cmd, "-g", "daemon off;"], stdout=nginx_log.open("wb"), stderr=subprocess.STDOUT
        )
        processes.append(nginx)

        for process, log, port in zip(processes, app_logs, app_ports.values(), strict=False):
            _wait(
                lambda p=port: _get(p, "/_stcore/health", tls=False)[0] == 200,
                "streamlit",
                process,
                log,
            )
        _wait(lambda: _get(https_port, "/_stcore/health")[0] == 200, "nginx", nginx, nginx_log)

        # Which route cookie lands on which app server: ask through nginx, read the log.
        access = tmp / "log" / "care-plans.access.log"
        upstreams = {name: f"127.0.0.1:{port}" for name, port in app_ports.items()}
        routes: dict[str, str] = {}
        for i in range(200):
            value = f"route-{i}"
            seen = len(_log_lines(access))
            status, _, _ = _get(https_port, "/_stcore/health", f"{ROUTE_COOKIE}={value}")
            assert status == 200
            served = _last_upstream(access, after=seen)
            # the same cookie always lands on the same server
            seen = len(_log_lines(access))
            _get(https_port, "/_stcore/health", f"{ROUTE_COOKIE}={value}")
            assert _last_upstream(access, after=seen) == served
            name = next(n for n, u in upstreams.items() if u == served)
            routes.setdefault(name, value)
            if len(routes) == 2:
                break
        assert set(routes) == {"A", "B"}, "the hash never chose one of the two servers"
        yield Clinic(
            base,
            f"http://127.0.0.1:{http_port}",
            database,
            upstreams,
            routes,
            tmp / "log",
            app_logs,
        )
    finally:
        for process in reversed(processes):
            _stop(process)
        if database is not None:
            database.dispose()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _context(browser, clinic: Clinic, server: str, **options):
    """A browser context whose requests nginx sends to one app server."""
    context = browser.new_context(ignore_https_errors=True, **options)
    context.add_cookies(
        [
            {
                "name": ROUTE_COOKIE,
                "value": clinic.routes[server],
                "domain": "127.0.0.1",
                "path": "/",
                "secure": True,
            }
        ]
    )
    return context


def _stream_upstreams(clinic: Clinic) -> set[str]:
    text = (clinic.logs / "care-plans.access.log").read_text()
    return set(re.findall(r"GET /_stcore/stream \S+\" 101 \d+ \S+ upstream=(\S+)", text))


@pytest.fixture(scope="module")
def people(clinic: Clinic):
    alice = make_user(clinic.db, "alice", full_name="Alice Example")
    make_user(clinic.db, "bob", full_name="Bob Example")
    seeded = seed_client(clinic.db, alice)
    return alice, seeded


def test_health_tls_and_route_cookie_through_nginx(clinic: Clinic, people) -> None:
    status, headers, body = _get(int(clinic.base.rsplit(":", 1)[1]), "/_stcore/health")
    assert (status, body) == (200, b"ok")
    cookie = headers.get("set-cookie", "")
    assert cookie.startswith(f"{ROUTE_COOKIE}=") and "Secure" in cookie and "HttpOnly" in cookie
    assert headers["referrer-policy"] == "no-referrer"
    assert "max-age=" in headers["strict-transport-security"]
    # a browser that has its route cookie is not given another
    _, headers, _ = _get(
        int(clinic.base.rsplit(":", 1)[1]),
        "/_stcore/health",
        f"{ROUTE_COOKIE}={clinic.routes['A']}",
    )
    assert ROUTE_COOKIE not in headers.get("set-cookie", ""), headers
    # plain http only redirects, and drops the query string (a token is not sent on)
    status, headers, _ = _get(
        int(clinic.http_base.rsplit(":", 1)[1]), "/?checkin=plain-http-token-xyz", tls=False
    )
    assert status == 301 and headers["location"] == f"https://{HOSTNAME}/"


def test_a_checkin_through_one_server_is_on_the_others_client_page(
    browser, clinic: Clinic, people
) -> None:
    alice, seeded = people
    desk = _context(browser, clinic, "B", viewport={"width": 1280, "height": 1000})
    page = desk.new_page()
    page.goto(f"{clinic.base}/client?client=CP-0001")
    wait_idle(page)
    sign_in(page, "alice", TEST_PASSWORD)
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page)
    # the link is made on server B and names the address nginx serves
    page.get_by_role("tab", name="Check-in link").click()
    page.get_by_role("button", name="Create a check-in link").click()
    page.get_by_text("shown only now").wait_for(timeout=30_000)
    wait_idle(page)
    link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert link.startswith(f"{clinic.base}/?checkin=")
    # the QR code is a media file held by server B: sticky routing must fetch it from there
    qr = page.locator("[data-testid='stImage'] img").first
    qr.wait_for(timeout=10_000)
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["checkin"][0]

    phone = _context(browser, clinic, "A", viewport={"width": 375, "height": 812})
    client_page = phone.new_page()
    client_page.goto(link)
    client_page.get_by_role("heading", name="Hi Élodie").wait_for(timeout=30_000)
    wait_idle(client_page)
    client_page.locator(".st-key-rating_mood").get_by_role("radio", name="6", exact=True).click()
    client_page.get_by_label("Something that went well (if you like)").fill(
        "Walked to the park via nginx"
    )
    client_page.get_by_role("button", name="Send my check-in").click()
    client_page.get_by_text("Thank you, Élodie").wait_for(timeout=30_000)
    phone.close()

    page.reload()
    page.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("tab", name="Check-ins").click()
    cells = page.locator("[data-testid='stDataFrame'] td[role='gridcell']")
    cells.filter(has_text="Walked to the park via nginx").wait_for(state="attached", timeout=15_000)
    desk.close()
    # both servers held a page's WebSocket: the two browsers really were on different servers
    # (nginx logs a WebSocket when it closes)
    deadline = time.monotonic() + 20
    while _stream_upstreams(clinic) < set(clinic.upstreams.values()):
        assert time.monotonic() < deadline, "the WebSockets did not reach both app servers"
        time.sleep(0.5)
    _assert_no_secret_in_logs(clinic, token)


def test_signing_out_on_one_server_ends_the_sign_in_on_the_other(
    browser, clinic: Clinic, people
) -> None:
    on_b = _context(browser, clinic, "B", viewport={"width": 1280, "height": 900})
    page_b = on_b.new_page()
    page_b.goto(f"{clinic.base}/client?client=CP-0001")
    wait_idle(page_b)
    sign_in(page_b, "alice", TEST_PASSWORD)
    page_b.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page_b)
    page_b.wait_for_timeout(1500)  # the cookie component writes the sign-in cookie
    signin_cookie = [c for c in on_b.cookies() if c["name"] == "care_plans_signin"]
    assert signin_cookie, "no sign-in cookie was set"
    # behind https (CARE_PLANS_BASE_URL is https here) the cookie travels over TLS only
    assert signin_cookie[0]["secure"] is True
    assert signin_cookie[0]["sameSite"] == "Strict"

    # the same browser sign-in, now carried to server A (as when nginx moves a browser)
    on_a = _context(browser, clinic, "A", viewport={"width": 1280, "height": 900})
    on_a.add_cookies(signin_cookie)
    page_a = on_a.new_page()
    page_a.goto(f"{clinic.base}/client?client=CP-0001")
    page_a.get_by_role("heading", name="Élodie Brown").wait_for(timeout=30_000)
    wait_idle(page_a)
    page_a.get_by_role("button", name="Sign out").click()
    page_a.get_by_text("You have signed out").wait_for(timeout=30_000)

    # server B's open page notices without a click, and a reload does not sign back in
    page_b.get_by_label("Username").first.wait_for(timeout=45_000)
    assert page_b.get_by_role("heading", name="Élodie Brown").count() == 0
    page_b.reload()
    wait_idle(page_b)
    page_b.get_by_label("Username").first.wait_for(timeout=30_000)
    assert page_b.get_by_role("heading", name="Élodie Brown").count() == 0
    on_a.close()
    on_b.close()


def test_a_lockout_made_on_one_server_holds_on_the_other(browser, clinic: Clinic, people) -> None:
    on_a = _context(browser, clinic, "A")
    page = on_a.new_page()
    page.goto(clinic.base)
    wait_idle(page)
    for attempt in range(5):
        sign_in(page, "bob", f"wrong password number {attempt}")
        page.get_by_text("Sign-in failed").first.wait_for(timeout=30_000)
        wait_idle(page)
    on_a.close()

    on_b = _context(browser, clinic, "B")
    page = on_b.new_page()
    page.goto(clinic.base)
    wait_idle(page)
    sign_in(page, "bob", TEST_PASSWORD)  # the right password, refused: bob is locked
    page.get_by_text("Sign-in failed").first.wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_role("button", name="Sign out").count() == 0
    on_b.close()
    # and the lock is the account's, in the database both servers share
    bob = next(u for u in users.list_users(clinic.db, Actor.cli()) if u.username == "bob")
    assert bob.locked_until is not None


def test_a_set_password_link_leaves_no_token_in_the_logs(browser, clinic: Clinic, people) -> None:
    token = users.issue_password_link(clinic.db, Actor.cli(), username="bob")
    context = _context(browser, clinic, "A")
    page = context.new_page()
    page.goto(f"{clinic.base}/?set_password={token}")
    page.get_by_role("heading", name="Set your password").first.wait_for(timeout=30_000)
    page.get_by_text("Choose a password for").first.wait_for(timeout=30_000)  # token accepted
    context.close()
    _assert_no_secret_in_logs(clinic, token)


def _assert_no_secret_in_logs(clinic: Clinic, secret: str) -> None:
    access = (clinic.logs / "care-plans.access.log").read_text()
    assert "GET / HTTP/1.1" in access  # the page with the token was logged, by its path only
    for log in [*clinic.logs.iterdir(), *clinic.app_logs]:
        assert secret not in log.read_text(errors="replace"), f"{log.name} holds a token"
