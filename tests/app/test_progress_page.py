"""The Progress tab of the client page (AppTest): demo data in, charts out, no exception, plain
empty states, and the range control and item answers working through the real widgets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.demo import DEMO_PASSWORD, seed_demo
from care_plans.services import clients
from tests.app.helpers import new_app, sign_in
from tests.factories import clinic_today


@pytest.fixture
def demo_db(app_db: Database) -> Database:
    seed_demo(app_db, clients=4, days=60, end_date=clinic_today())
    return app_db


def open_client(username: str, ref: str) -> AppTest:
    at = sign_in(new_app(), username, DEMO_PASSWORD)
    at.query_params["client"] = ref
    return at.switch_page("views/client.py").run()


def chart_specs(at: AppTest) -> list[dict[str, Any]]:
    """The Vega-Lite specs of the page's Altair charts (AppTest shows them as unknown
    elements of type "vega_lite_chart")."""
    return [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]


def titles(at: AppTest) -> list[str]:
    return [spec["title"]["text"] for spec in chart_specs(at)]


def test_progress_is_the_first_tab_and_draws_the_demo_clients_charts(demo_db: Database) -> None:
    at = open_client("demo.clinician2", "CP-0002")  # setback then recovery
    assert not at.exception
    assert at.tabs[0].label == "Progress"
    assert at.radio(key="progress:range").value == "3 months"
    assert titles(at)[:5] == ["Self-ratings", "PHQ-9", "GAD-7", "Progress on goals", "Steps"]
    assert all(spec["autosize"]["type"] == "fit-x" for spec in chart_specs(at))
    assert any("PHQ-9" in m.value and "baseline" in m.value for m in at.markdown)
    # CP-0002 endorses the self-harm item in the demo: said in words, not only drawn.
    assert any("self-harm item" in w.value for w in at.warning)


def test_item_answers_and_every_range_choice(demo_db: Database) -> None:
    at = open_client("demo.clinician", "CP-0001")
    before = len(chart_specs(at))
    at.toggle(key="progress:items").set_value(True).run()
    assert not at.exception
    assert "PHQ-9 item answers" in titles(at) and len(chart_specs(at)) == before + 2
    for choice in ("4 weeks", "6 months", "All"):
        at.radio(key="progress:range").set_value(choice).run()
        assert not at.exception and "Self-ratings" in titles(at), choice
    at.radio(key="progress:range").set_value("Custom").run()
    assert not at.exception
    assert at.date_input(key="progress:custom")
    assert "Self-ratings" in titles(at)


def test_a_new_client_gets_plain_empty_states(demo_db: Database) -> None:
    clients.create_client(
        demo_db,
        Actor.cli(),
        ref="CP-0100",
        full_name="New Person",
        clinician_username="demo.clinician",
        today=clinic_today(),
    )
    at = open_client("demo.clinician", "CP-0100")
    assert not at.exception
    assert chart_specs(at) == []
    shown = [i.value for i in at.info]
    assert "No self-ratings, wins or setbacks in this period." in shown
    assert "No PHQ-9 completed in this period." in shown
    assert any(text.startswith("No steps yet") for text in shown)


def test_another_clinicians_client_shows_no_charts(demo_db: Database) -> None:
    at = open_client("demo.clinician2", "CP-0001")
    assert not at.exception
    assert chart_specs(at) == []
    assert [w.value for w in at.warning] == ["No client with this ref in your caseload."]
