"""Helpers for AppTest tests: the real entry script, driven through the real sign-in form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at.run()


def open_tab(at: AppTest, label: str) -> AppTest:
    """Choose a tab of the client page (only the chosen tab's content runs), as a click does."""
    at.session_state["client_tab"] = label
    return at.run()
