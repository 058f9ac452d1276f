"""AppTest fixtures: the real entry script on a SQLite file of the test's own.

The app reads its settings from the environment, so each test points DATABASE_URL at its own
file (never the clinic's) and clears Streamlit's resource cache so no engine is shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from care_plans.db import Database
from tests.conftest import AUDIT_KEY

COOKIE_KEY = "test-cookie-key-" + "x" * 32


@pytest.fixture
def app_db(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Database]:
    monkeypatch.setenv("DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("CARE_PLANS_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("CARE_PLANS_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("CARE_PLANS_AUDIT_CHECKPOINT", str(tmp_path / "audit-checkpoint.json"))
    st.cache_resource.clear()
    yield sqlite_db
    st.cache_resource.clear()
