"""The only wiring between Streamlit and the domain: settings and the database, made once, and
the context of one script run (database, acting user, settings, clinic date) worked out once.

Why a run context: every component used to ask the database whether the sign-in was still live
(30 of the client page's 93 statements). The entry script checks the sign-in once per run
(`signin.current_user`) and then runs the page inside :func:`signed_in`; everything the page
calls reads that context. Button callbacks run *before* the entry script, outside any run
context, so there :func:`current_actor` still checks the live sign-in itself: a click on a page
left open after the sign-in ended must not act.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path

import streamlit as st

from care_plans import audit
from care_plans.access import Actor
from care_plans.config import MIN_KEY_LENGTH, Settings
from care_plans.db import Database
from care_plans.errors import AccessDenied, AuditKeyMissing
from care_plans.services import auth


@st.cache_resource
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource
def _database(url: str, audit_key: str) -> Database:
    return Database.from_url(url, audit_key)


def database() -> Database:
    """The database; without an audit key nothing may be recorded, so the app stops here."""
    s = settings()
    if len(s.audit_key) < audit.MIN_KEY_LENGTH:
        st.error(AuditKeyMissing().message)
        st.stop()
    return _database(s.database_url, s.audit_key)


@dataclass(frozen=True)
class RunContext:
    """What one script run of a signed-in page works with, decided once at its start."""

    db: Database
    actor: Actor
    settings: Settings
    today: date

    @property
    def tz(self) -> tzinfo:
        return self.settings.tz


# A ContextVar, not session state: it holds live objects and lives exactly as long as the run
# (Streamlit runs a session's script in its own thread; the `with` block resets it on stop,
# rerun and error alike).
_RUN: ContextVar[RunContext | None] = ContextVar("care_plans_run", default=None)


@contextmanager
def signed_in(actor: Actor) -> Iterator[RunContext]:
    """Run the page inside this: `actor` has just been checked against the server session."""
    ctx = RunContext(database(), actor, settings(), _clinic_today())
    token = _RUN.set(ctx)
    try:
        yield ctx
    finally:
        _RUN.reset(token)


def context() -> RunContext:
    """This run's context; in a callback (before the entry script) a freshly checked one."""
    ctx = _RUN.get()
    if ctx is not None:
        return ctx
    return RunContext(database(), _live_actor(), settings(), _clinic_today())


def cookie_key() -> str:
    """The key that signs sign-in cookies (CARE_PLANS_COOKIE_KEY or the secrets file); no
    default."""
    key = settings().cookie_key
    if len(key) < MIN_KEY_LENGTH:
        st.error(
            "The sign-in cookie key is missing or too short. Run `make run` once (it creates "
            "a local key in .streamlit/secrets.toml) or set CARE_PLANS_COOKIE_KEY to at least "
            f"{MIN_KEY_LENGTH} random characters."
        )
        st.stop()
    return key


def _live_actor() -> Actor:
    sid = st.session_state.get("signin_id")
    signed = None
    if sid is not None:
        signed = auth.resume(
            database(), session_id=sid, touch=False, idle_seconds=settings().idle_timeout_seconds
        )
    if signed is None:
        raise AccessDenied("Your sign-in has ended. Sign in again; what you typed is kept.")
    return signed.actor


def current_actor() -> Actor:
    """The signed-in user of this browser, checked against the server-side session.

    Inside a page run, the user the entry script checked at the start of this run. In a button
    callback (which runs before the entry script's sign-in gate) the sign-in is checked now, so
    an ended sign-in raises AccessDenied instead of acting.
    """
    ctx = _RUN.get()
    if ctx is not None:
        return ctx.actor
    return _live_actor()


def page(name: str) -> str:
    """The script path of a view, for st.page_link and st.switch_page."""
    return f"views/{name}.py"


def _clinic_today() -> date:
    return settings().today()


def today() -> date:
    """Today in the clinic's time zone: the date every service that needs one is given.

    Worked out once per script run, when :func:`signed_in` makes the run context, so every
    component of one rerun (flags, the review's draft date, the discharge date's limit, the
    charts) agrees on the day even when the run crosses midnight. In a button callback, which
    runs before the entry script and outside any run context, it is the clinic's date at the
    click (one date for that one action).
    """
    ctx = _RUN.get()
    if ctx is not None:
        return ctx.today
    return _clinic_today()


#: How often the app verifies the newest audit events and moves the checkpoint on.
AUDIT_CHECKPOINT_SECONDS = 300
log = logging.getLogger("dashboard.audit")


@st.cache_resource
def _checkpoint_clock() -> dict[str, float]:
    return {"last": 0.0}


def checkpoint_audit_if_due() -> None:
    """Every few minutes, once per server: verify events since the checkpoint and move it on.

    Never stops a page: a broken chain or an unreachable database is logged (no client data)
    and `care-plans verify-audit` says where the chain broke.
    """
    s = settings()
    clock = _checkpoint_clock()
    now = time.monotonic()
    if len(s.audit_key) < audit.MIN_KEY_LENGTH or now - clock["last"] < AUDIT_CHECKPOINT_SECONDS:
        return
    clock["last"] = now
    try:
        audit.checkpoint_now(
            _database(s.database_url, s.audit_key), s.audit_key, Path(s.audit_checkpoint)
        )
    except audit.ChainBroken:
        pass  # logged by checkpoint_now
    except Exception as exc:  # noqa: BLE001 - the page goes on; the reason is logged
        log.warning("audit checkpoint skipped: %s", type(exc).__name__)
