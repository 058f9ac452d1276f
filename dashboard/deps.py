"""The only wiring between Streamlit and the domain: settings and the database, made once."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from pathlib import Path

import streamlit as st

from care_plans import audit
from care_plans.access import Actor
from care_plans.config import MIN_KEY_LENGTH, Settings
from care_plans.db import Database
from care_plans.errors import AccessDenied
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
        st.error(audit.AuditKeyMissing().message)
        st.stop()
    return _database(s.database_url, s.audit_key)


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


def current_actor() -> Actor:
    """The signed-in user of this browser, checked against the server-side session.

    Button callbacks run before the entry script's sign-in gate, so a click on a page left open
    after the sign-in ended must not act: an ended sign-in raises AccessDenied here.
    """
    sid = st.session_state.get("signin_id")
    signed = None
    if sid is not None:
        signed = auth.resume(database(), session_id=sid, touch=False,
                             idle_seconds=settings().idle_timeout_seconds)
    if signed is None:
        raise AccessDenied("Your sign-in has ended. Sign in again; what you typed is kept.")
    return signed.actor


def page(name: str) -> str:
    """The script path of a view, for st.page_link and st.switch_page."""
    return f"views/{name}.py"


def today() -> date:
    """Today in the clinic's time zone (flags, reviews and discharges are about that date)."""
    return datetime.now(settings().tz).date()


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
        audit.checkpoint_now(_database(s.database_url, s.audit_key), s.audit_key,
                             Path(s.audit_checkpoint))
    except audit.ChainBroken:
        pass  # logged by checkpoint_now
    except Exception as exc:  # noqa: BLE001 - the page goes on; the reason is logged
        log.warning("audit checkpoint skipped: %s", type(exc).__name__)
