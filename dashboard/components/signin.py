"""The front door: streamlit-authenticator's form and cookie, held to server-side sessions.

Every script run asks the database whether this browser's sign-in is still live (signed out,
idle too long, account deactivated or password changed all end it), so the protections hold on
every app server. Lockout and failure counting are the domain's (care_plans.services.auth).

Streamlit facts this relies on (see ../shared/design/stack-notes.md): the Authenticate object is
made exactly once per run; no st.rerun() in the run that writes the cookie (a timer fragment
reruns a moment later instead); sign-out is done near the top of the script and the cookie
deletion drawn on two consecutive runs.
"""

from __future__ import annotations

import contextlib
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from care_plans.access import Actor
from care_plans.errors import DatabaseBusy
from care_plans.services import auth
from dashboard import deps
from dashboard.components.text import plain

COOKIE_NAME = "care_plans_signin"
COOKIE_DAYS = 1.0
SIGNIN_ID = "signin_id"
SIGN_OUT_RUNS = "sign_out_runs"
NOTICE = "signin_notice"
SAVED_DRAFTS = "saved_drafts"
#: Widgets whose key starts with this keep their text across an automatic sign-out.
DRAFT_PREFIX = "draft:"


def _authenticator() -> stauth.Authenticate:
    # auto_hash=False: the dict holds bcrypt hashes already; login_sleep_time=0 keeps deep links.
    authenticator = stauth.Authenticate(
        auth.credentials(deps.database()),
        COOKIE_NAME,
        deps.cookie_key(),
        COOKIE_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )
    if cookie_is_secure(deps.settings().base_url):
        _mark_secure(authenticator.cookie_controller.cookie_model.cookie_manager)
    return authenticator


def cookie_is_secure(base_url: str) -> bool:
    """Behind https the sign-in cookie is sent over TLS only (OWASP ASVS V3.4.1).

    The cookie is written by the browser-side cookie component, so it cannot be HttpOnly; what
    protects it is that it is only a pointer to a server-side sign-in session (ended by sign-out,
    an idle limit and an absolute limit), never the sign-in itself."""
    return base_url.lower().startswith("https://")


def _mark_secure(manager: Any) -> None:
    """Make the cookie component set `Secure` on every cookie it writes."""
    if getattr(manager, "_care_plans_secure", False):
        return
    original = manager.set

    def set_secure(cookie: str, val: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["secure"] = True
        return original(cookie, val, *args, **kwargs)

    manager.set = set_secure
    manager._care_plans_secure = True


def _forget_library_state() -> None:
    for key in ("name", "username", "authentication_status", "email", "roles"):
        st.session_state[key] = None
    # The library ignores the browser's cookie while this is set (until a password sign-in).
    st.session_state["logout"] = True


def _stash_drafts(username: str) -> None:
    """Keep what was typed into draft widgets, for this user only, across a sign-in."""
    values = {
        k: v
        for k, v in st.session_state.items()
        if isinstance(k, str) and k.startswith(DRAFT_PREFIX)
    }
    st.session_state[SAVED_DRAFTS] = {"user": username, "values": values}


def _restore_drafts(username: str) -> None:
    saved = st.session_state.pop(SAVED_DRAFTS, None)
    if saved and saved["user"] == username:  # never show one user's text to another
        for key, value in saved["values"].items():
            st.session_state[key] = value


@st.fragment(run_every=1.0)
def _rerun_shortly() -> None:
    """Rerun the whole app on the first timer tick: the cookie component has run by then."""
    if st.session_state.get("_rerun_armed"):
        st.session_state["_rerun_armed"] = False
        st.rerun(scope="app")
    st.session_state["_rerun_armed"] = True


def blank() -> None:
    """The page body behind every address while signed out: the form above is the page."""


def request_sign_out() -> None:
    """Button callback: sign out at the top of the next run."""
    st.session_state[SIGN_OUT_RUNS] = 2


def _handle_sign_out(authenticator: stauth.Authenticate) -> None:
    runs = st.session_state.get(SIGN_OUT_RUNS, 0)
    if not runs:
        return
    sid = st.session_state.pop(SIGNIN_ID, None)
    if sid is not None:
        auth.end_session(deps.database(), sid, "sign-out")
    st.session_state.pop(SAVED_DRAFTS, None)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(DRAFT_PREFIX)]:
        del st.session_state[key]
    _forget_library_state()
    _delete_cookie(authenticator)
    st.session_state[SIGN_OUT_RUNS] = runs - 1
    if runs - 1 > 0:
        st.session_state[NOTICE] = ("success", "You have signed out.")
        _rerun_shortly()


def _delete_cookie(authenticator: stauth.Authenticate) -> None:
    """The library's delete_cookie() prints the cookie's name to the server log when the
    browser holds none (KeyError): delete it here, quietly, when it is there."""
    with contextlib.suppress(KeyError):  # no cookie to delete: nothing to do
        authenticator.cookie_controller.cookie_model.cookie_manager.delete(COOKIE_NAME)


def _live_session(settings_idle: int) -> Actor | None:
    db = deps.database()
    sid = st.session_state.get(SIGNIN_ID)
    if sid is not None:
        try:
            signed = auth.resume(db, session_id=sid, idle_seconds=settings_idle)
        except DatabaseBusy:
            # Another process holds the write lock: the sign-in can still be read, so the
            # page (and what is typed in it) is drawn; only "last active" waits for later.
            signed = auth.resume(db, session_id=sid, idle_seconds=settings_idle, touch=False)
        if signed is not None:
            return signed.actor
        username = st.session_state.get("username") or ""
        _stash_drafts(username)
        st.session_state.pop(SIGNIN_ID, None)
        _forget_library_state()
        st.session_state[NOTICE] = (
            "warning",
            "You were signed out after a period of inactivity, or your sign-in was ended. "
            "Sign in again to carry on; anything you had typed will be back.",
        )
        return None
    raw = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(raw, str):  # headless test runs have no real cookie jar
        raw = None
    if raw and not st.session_state.get("logout"):
        signed = auth.resume(db, cookie_token=raw, idle_seconds=settings_idle)
        if signed is not None:
            st.session_state[SIGNIN_ID] = signed.session_id
            st.session_state["username"] = signed.actor.username
            return signed.actor
        _forget_library_state()  # a stale or copied cookie: ignore it from now on
    return None


def _cookie_token(authenticator: stauth.Authenticate, username: str) -> str:
    """The JWT the library just put in the cookie (it keeps only its expiry; recompute it)."""
    model = authenticator.cookie_controller.cookie_model
    return jwt.encode(
        {"username": username, "exp_date": model.exp_date}, model.cookie_key, algorithm="HS256"
    )


def current_user() -> Actor | None:
    """The signed-in user of this browser, or None after drawing the sign-in form."""
    settings = deps.settings()
    authenticator = _authenticator()
    _handle_sign_out(authenticator)
    actor = _live_session(settings.idle_timeout_seconds)
    if actor is not None:
        return actor

    st.title("Care plans")
    st.caption(f"{settings.clinic_name} · sign in to see your caseload")
    _notice()
    if st.session_state.get("authentication_status") is False:
        st.session_state["authentication_status"] = None  # so a new failure can be seen
    creds = authenticator.authentication_controller.authentication_model.credentials
    authenticator.login(
        location="main",
        fields={
            "Form name": "Sign in",
            "Username": "Username",
            "Password": "Password",
            "Login": "Sign in",
        },
    )
    status = st.session_state.get("authentication_status")
    if status is True:
        username = st.session_state["username"]
        signed = auth.start_session(
            deps.database(), username, _cookie_token(authenticator, username)
        )
        if signed is None:  # cannot happen with the dict's dummy hashes; refuse all the same
            _forget_library_state()
            st.error(auth.refusal_message(settings))
            return None
        st.session_state[SIGNIN_ID] = signed.session_id
        _restore_drafts(username)
        st.success(f"Signed in as {plain(signed.actor.full_name)}. Opening…")
        _rerun_shortly()
        st.stop()
    if status is False:
        known = next(
            (u for u, c in creds["usernames"].items() if c.get("failed_login_attempts")), None
        )
        auth.record_failure(deps.database(), settings, known, spend_hash_time=known is None)
        st.error(auth.refusal_message(settings))
    return None


def _notice() -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, text = notice
        (st.success if kind == "success" else st.warning)(text)


def idle_warning(idle_seconds: int) -> None:
    """Warn shortly before the automatic sign-out; sign out when the time is up.

    A timer run is not activity: it reads the time left without touching the session.
    """
    interval = max(1.0, min(15.0, idle_seconds / 4))
    st.fragment(_idle_check, run_every=interval)(idle_seconds)


def _stay_signed_in(idle_seconds: int) -> None:
    sid = st.session_state.get(SIGNIN_ID)
    if sid is not None:
        auth.resume(deps.database(), session_id=sid, idle_seconds=idle_seconds)


def _idle_check(idle_seconds: int) -> None:
    sid = st.session_state.get(SIGNIN_ID)
    if sid is None:
        return
    left = auth.seconds_left(deps.database(), sid, idle_seconds)
    if left <= 0:
        st.rerun(scope="app")
    if left <= min(120, idle_seconds / 3):
        st.warning(
            f"For privacy you will be signed out in about {int(left)} seconds without activity."
        )
        st.button(
            "Stay signed in", on_click=_stay_signed_in, args=(idle_seconds,), key="stay_signed_in"
        )
