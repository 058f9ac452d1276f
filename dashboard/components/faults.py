"""What a page shows when something underneath it fails: a plain message, never a traceback.

A database that is down, restarting or locked is a `DatabaseProblem` (the unit of work rolled
back, nothing was saved); the page says so and the next click tries again. The client's check-in
page must show the clinic's crisis message whatever fails: it comes from the settings (the
environment), so it needs no database, and it is shown here even when the page itself could not
be drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from care_plans.config import Settings
from care_plans.errors import DatabaseProblem
from dashboard.components.text import plain

log = logging.getLogger("dashboard.faults")

UNEXPECTED = (
    "Something went wrong on our side and this page could not be shown. Nothing you "
    "typed was sent. Please try again in a moment."
)


def crisis_message(settings: Settings) -> None:
    st.info(
        f"**If you need help now:**\n\n{plain(settings.crisis_message)}", icon=":material/support:"
    )


@contextmanager
def plain_errors(*, crisis: bool = False) -> Iterator[None]:
    """Turn a failure of the page into a plain message (and, on `crisis`, the crisis message).

    Streamlit's st.stop and st.rerun are not Exceptions and pass through untouched.
    """
    try:
        yield
    except DatabaseProblem as exc:
        st.warning(exc.message, icon=":material/cloud_off:")
        if crisis:
            crisis_message(Settings.from_env())
    except Exception as exc:
        if not crisis:
            raise
        # Only the kind of failure is logged: the page may hold what a client typed.
        log.error("check-in page failed: %s", type(exc).__name__)
        st.warning(UNEXPECTED, icon=":material/error:")
        crisis_message(_settings_or_default())


def _settings_or_default() -> Settings:
    try:
        return Settings.from_env()
    except ValueError:  # a misconfigured setting must not hide the crisis message
        return Settings()
