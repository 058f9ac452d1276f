"""The only wiring between Streamlit and the domain: settings and the database, made once."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from care_plans.access import Actor
from care_plans.config import MIN_KEY_LENGTH, Settings
from care_plans.db import Database
from care_plans.errors import AccessDenied
from care_plans.services import auth


@st.cache_resource
def settings() -> Settings:
    return Settings.from_env()


@st.cache_resource
def database() -> Database:
    return Database.from_url(settings().database_url)


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
