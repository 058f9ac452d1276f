"""Pages under faults, through the real entry script: the check-in link shows the clinic's crisis
message whatever fails; a clinician page turns a stopped PostgreSQL into a plain message and
works again once it is back; a plan saved under a held SQLite lock is refused plainly with the
typed text still in the box, and saved on the next click.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from care_plans.config import DEFAULT_CRISIS_MESSAGE
from care_plans.db import Database, init_db, make_engine
from dashboard.components.text import plain
from tests.app.conftest import COOKIE_KEY
from tests.app.helpers import new_app, open_tab, sign_in
from tests.conftest import AUDIT_KEY, IN_CI
from tests.db.test_faults import LockHolder
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user

CRISIS = "Call the Northvale crisis team on 0800 000 111, day or night."
TYPED = "Walking the dog at 6; texting my sister when the evenings get long."


def texts(at) -> str:
    return "\n".join(
        str(e.value)
        for kind in ("title", "markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    )


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("CARE_PLANS_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("CARE_PLANS_AUDIT_KEY", AUDIT_KEY)
    monkeypatch.setenv("CARE_PLANS_AUDIT_CHECKPOINT", str(tmp_path / "cp.json"))
    monkeypatch.setenv("CARE_PLANS_CRISIS_MESSAGE", CRISIS)
    st.cache_resource.clear()
    yield monkeypatch
    st.cache_resource.clear()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/none",  # no server at all
        "sqlite:///{tmp}/empty.db",  # a database without its tables
    ],
)
def test_the_check_in_link_shows_the_crisis_message_whatever_fails(env, tmp_path, url):
    env.setenv("DATABASE_URL", url.format(tmp=tmp_path))
    at = new_app()
    at.query_params["checkin"] = "a-token-of-forty-three-characters-long-enough"
    at.run()
    assert not at.exception
    shown = texts(at)
    assert plain(CRISIS) in shown and DEFAULT_CRISIS_MESSAGE not in shown
    assert "Traceback" not in shown


def test_the_crisis_message_shows_even_when_the_page_itself_breaks(env, tmp_path, monkeypatch):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    from care_plans.services import checkin_links

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug, not a database problem")

    monkeypatch.setattr(checkin_links, "open_link", broken)
    at = new_app()
    at.query_params["checkin"] = "whatever"
    at.run()
    assert not at.exception
    assert plain(CRISIS) in texts(at)
    assert "could not be shown" in texts(at)


@pytest.fixture
def own_pg() -> Iterator[object]:
    from tests.pgserver import PostgresUnavailable, start_or_explain

    try:
        server = start_or_explain()
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL could not be started in CI: {exc}")
        pytest.skip(f"PostgreSQL not available here: {exc}")
    yield server
    server.stop()


@pytest.mark.postgres
def test_a_stopped_postgresql_is_a_plain_message_and_the_page_recovers(env, own_pg):
    url = own_pg.create_database("pages")  # type: ignore[attr-defined]
    db = Database(make_engine(url), AUDIT_KEY)
    init_db(db.engine)
    alice = make_user(db, "alice")
    make_client(db, alice, "CP-0001", "Robin Example", today=clinic_today())
    env.setenv("DATABASE_URL", url)
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.query_params["client"] = "CP-0001"
    at.switch_page("views/client.py").run()
    assert at.title[0].value == "Robin Example"

    own_pg.pause()  # type: ignore[attr-defined]
    at.run()
    assert not at.exception
    assert "The database cannot be reached just now" in texts(at)

    own_pg.resume()  # type: ignore[attr-defined]
    at.run()
    assert not at.exception
    assert at.title[0].value == "Robin Example"
    db.dispose()


def test_a_plan_saved_under_a_held_lock_keeps_the_typed_text(app_db):
    alice = make_user(app_db, "alice")
    info = make_client(app_db, alice, "CP-0001", "Robin Example", today=clinic_today())
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.query_params["client"] = "CP-0001"
    at.switch_page("views/client.py").run()
    open_tab(at, "Care plan")
    box = f"draft:plan:{info.plan_id}:what_helps"
    at.text_area(key=box).input(TYPED)
    holder = LockHolder(str(app_db.engine.url.database))
    holder.hold()
    try:
        at.button(key=f"plan_save:{info.plan_id}").click().run()
    finally:
        holder.release()
    assert not at.exception
    assert any("busy with another change" in e.value for e in at.error)
    assert at.text_area(key=box).value == TYPED
    at.button(key=f"plan_save:{info.plan_id}").click().run()
    assert at.success[0].value.startswith("Plan saved for CP-0001")
