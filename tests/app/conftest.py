"""AppTest fixtures: the real entry script on a SQLite file of the test's own.

The app reads its settings from the environment, so each test points DATABASE_URL at its own
file (never the clinic's) and clears Streamlit's resource cache so no engine is shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from care_plans.db import Database

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
COOKIE_KEY = "test-cookie-key-" + "x" * 32


@pytest.fixture
def app_db(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("CARE_PLANS_COOKIE_KEY", COOKIE_KEY)
    st.cache_resource.clear()
    yield sqlite_db
    st.cache_resource.clear()


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at.run()
