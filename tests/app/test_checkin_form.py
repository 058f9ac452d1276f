"""The public check-in form through the real entry script (AppTest), and the client page's
"Check-in link" tab.

A link opens the form with no sign-in and no navigation; a check-in is sent and stored; an
endorsed self-harm item shows the crisis contacts; a wrong, expired or revoked link shows a
friendly message and no form.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from care_plans.config import DEFAULT_CRISIS_MESSAGE
from care_plans.models import CheckIn, CheckinLink, MeasureResponse, utcnow
from care_plans.services import checkin_links
from tests.app.helpers import new_app, open_tab, sign_in
from tests.db.test_checkin_links import Seeded, seed_client
from tests.factories import TEST_PASSWORD, make_user

SEND = "Send my check-in"
RATING_KEYS = [
    "rating_mood",
    "rating_sleep",
    "rating_self_care",
    "rating_connection",
    "rating_hope",
]


@pytest.fixture
def seeded(app_db) -> Seeded:
    return seed_client(app_db, make_user(app_db, "alice"))


def open_form(token: str) -> AppTest:
    at = new_app()
    at.query_params["checkin"] = token
    return at.run()


def send(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == SEND).click().run()


def links_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Works until" in d.value.columns)


def page_text(at: AppTest) -> str:
    """Every text the page shows (Markdown as written, so user text is backslash-escaped)."""
    parts: list[str] = []
    for kind in (
        "title",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "code",
    ):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [p.label for p in at.pills] + [o for p in at.pills for o in p.options]
    parts += [w.label for w in (*at.text_area, *at.text_input, *at.button)]
    return "\n".join(parts)


def test_the_link_opens_only_this_clients_form_without_sign_in(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = open_form(token)
    assert not at.exception
    assert [t.value for t in at.title] == ["Hi Élodie"]
    assert not at.text_input  # no sign-in form
    assert len(at.sidebar) == 0 and "Sign out" not in page_text(at)
    assert "Brown" not in page_text(at) and "CP-0001" not in page_text(at)
    assert "not watched in real time" in at.info[0].value
    assert "Samaritans" in at.info[0].value  # the clinic's crisis message, always at the top
    keys = [p.key for p in at.pills]
    assert keys[:5] == RATING_KEYS
    assert all(at.pills(key=k).value is None for k in keys)  # every answer starts empty
    assert keys[5:7] == [f"goal_{g}" for g in seeded.goal_ids]
    # PHQ-9 (with its unscored 10th question) and GAD-7 are due for a new client
    assert len(keys) == 5 + 2 + 9 + 1 + 7
    assert keys[16] == "measure_PHQ-9_difficulty"  # asked right after item 9
    assert "how difficult have these problems made it for you" in page_text(at)
    assert "clear" not in page_text(at).lower()  # no hint ever suggests clearing an answer
    assert "Phone my sister on Sundays" in page_text(at)
    assert "See the GP" not in page_text(at)  # a completed goal is not asked about
    assert "Thoughts that you would be better off dead" in page_text(at)
    assert "Crisis team" not in page_text(at)  # contacts appear when item 9 is endorsed


def test_a_checkin_is_sent_with_skipped_ratings_left_empty(app_db, seeded):
    token, info = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = open_form(token)
    at.pills(key="rating_mood").set_value(3)
    at.pills(key="rating_hope").set_value(0)
    at.pills(key=f"goal_{seeded.goal_ids[0]}").set_value(7)
    at.text_area(key="went_well").input("Went for a walk")
    at = send(at)
    assert not at.exception
    assert "Thank you, Élodie" in at.success[0].value
    assert not at.pills and not at.error
    with app_db.uow() as uow:
        saved = uow.session.scalars(select(CheckIn)).one()
        assert (saved.mood, saved.sleep, saved.self_care, saved.connection, saved.hope) == (
            3,
            None,
            None,
            None,
            0,
        )
        assert saved.went_well == "Went for a walk" and saved.link_id == info.id
        assert [(p.goal_id, p.rating) for p in saved.goal_progress] == [(seeded.goal_ids[0], 7)]
        assert uow.session.scalars(select(MeasureResponse)).all() == []
        link = uow.session.get(CheckinLink, info.id)
        assert link is not None and link.last_used_at is not None
    again = next(b for b in at.button if b.label == "Start another check-in").click().run()
    assert len(again.pills) == 24


def test_self_harm_item_shows_the_crisis_contacts_and_flags_the_response(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = open_form(token)
    for number, answer in enumerate([1, 1, 2, 1, 0, 1, 0, 0, 1], start=1):
        at.pills(key=f"measure_PHQ-9_{number}").set_value(answer)
    at = send(at)
    assert not at.exception
    assert "Thank you" in at.success[0].value
    assert "better off dead" in at.error[0].value
    text = page_text(at)
    assert "Crisis team" in text and "0300 123 4567" in text
    assert "Sam \\(neighbour\\)" not in text and "Sam (neighbour)" not in text
    with app_db.uow() as uow:
        phq = uow.session.scalars(select(MeasureResponse)).one()
        assert (phq.instrument, phq.total, phq.severity, phq.risk_flag) == (
            "PHQ-9",
            7,
            "mild",
            True,
        )


def test_only_item_9_answered_is_saved_as_partial_and_pins_the_alert(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = open_form(token)
    at.pills(key="rating_mood").set_value(2)
    at.text_area(key="was_hard").input("A bad week")
    at.pills(key="measure_PHQ-9_9").set_value(3)  # "Nearly every day", nothing else answered
    at = send(at)
    assert not at.exception
    assert "Thank you, Élodie" in at.success[0].value  # sent, not refused
    assert "better off dead" in at.error[0].value  # and the crisis contacts are shown
    assert "Crisis team" in page_text(at)
    assert "Everything you answered was sent" in page_text(at)
    assert "clear" not in page_text(at).lower()
    with app_db.uow() as uow:
        checkin = uow.session.scalars(select(CheckIn)).one()
        assert (checkin.mood, checkin.was_hard) == (2, "A bad week")
        phq = uow.session.scalars(select(MeasureResponse)).one()
        assert (phq.instrument, phq.is_partial, phq.total, phq.severity, phq.risk_flag) == (
            "PHQ-9",
            True,
            None,
            None,
            True,
        )
        assert phq.answers == [None] * 8 + [3]
    # The clinician, signed in, sees it pinned above the caseload in the published words.
    clinician = sign_in(new_app(), "alice", TEST_PASSWORD)
    assert not clinician.exception
    alert = next(e.value for e in clinician.error if "self-harm question" in e.value)
    assert "Élodie Brown (CP-0001) answered “Nearly every day”" in alert
    assert "incomplete: items 1–8 not answered" in alert


def test_a_part_answered_questionnaire_is_kept_with_a_gentle_note(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = open_form(token)
    assert "anything you answer is kept" in page_text(at)  # the note, before sending
    at.pills(key="rating_mood").set_value(5)
    at.pills(key="measure_GAD-7_1").set_value(2)
    at = send(at)
    assert not at.exception and not at.error
    assert "Thank you" in at.success[0].value
    assert "questions you answered in GAD-7" in page_text(at)
    with app_db.uow() as uow:
        gad = uow.session.scalars(select(MeasureResponse)).one()
        assert (gad.instrument, gad.is_partial, gad.total, gad.answers) == (
            "GAD-7",
            True,
            None,
            [2] + [None] * 6,
        )


def test_the_difficulty_question_is_stored_and_never_in_the_total(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = open_form(token)
    for number in range(1, 10):
        at.pills(key=f"measure_PHQ-9_{number}").set_value(1 if number < 9 else 0)
    at.pills(key="measure_PHQ-9_difficulty").set_value(2)
    at = send(at)
    assert not at.exception
    with app_db.uow() as uow:
        phq = uow.session.scalars(select(MeasureResponse)).one()
        assert (phq.total, phq.severity, phq.difficulty, phq.is_partial) == (8, "mild", 2, False)


def test_sending_an_empty_form_asks_for_one_answer(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    at = send(open_form(token))
    assert [e.value for e in at.error] == ["Please answer at least one question before sending."]
    assert len(at.pills) == 24  # the form is still there


@pytest.mark.parametrize("kind", ["made-up", "expired", "revoked"])
def test_a_bad_link_shows_a_friendly_message_and_no_form(app_db, seeded, kind):
    if kind == "made-up":
        token = "not-a-real-link-at-all"
    elif kind == "expired":
        token, _ = checkin_links.create_link(
            app_db, seeded.clinician, seeded.client_id, days=1, now=utcnow() - timedelta(days=2)
        )
    else:
        token, info = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
        checkin_links.revoke_link(app_db, seeded.clinician, info.id)
    at = open_form(token)
    assert not at.exception
    assert [t.value for t in at.title] == ["Check-in"]
    assert "ask your clinician for a new link" in at.warning[0].value
    assert DEFAULT_CRISIS_MESSAGE[:40] in at.info[0].value
    assert not at.pills and not at.button and not at.text_input and not at.text_area
    assert "Élodie" not in page_text(at) and "Walk to the park" not in page_text(at)


def test_too_many_wrong_links_pause_wrong_ones_but_never_the_clients_own(app_db, seeded):
    token, _ = checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    for i in range(checkin_links.MAX_FAILURES):
        checkin_links.open_link(app_db, f"guess {i}", source_address=None)
    at = open_form("yet another guess")
    assert "paused for 15 minutes" in at.warning[0].value
    assert not at.pills
    at = open_form(token)  # the client's own link, from the same (unknown) address
    assert not at.exception and not at.warning
    assert at.pills  # the form is there


def test_the_client_page_makes_shows_and_revokes_links(app_db, seeded):
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.query_params["client"] = "CP-0001"
    at.switch_page("views/client.py").run()
    assert not at.exception
    assert "Check-in link" in [t.label for t in at.tabs]
    open_tab(at, "Check-in link")
    next(b for b in at.button if b.label == "Create a check-in link").click().run()
    assert not at.exception
    url = at.code[0].value
    assert url.startswith("http://localhost:8501/?checkin=")
    assert checkin_links.open_link(app_db, url.split("=", 1)[1], source_address=None)
    assert "shown only now" in at.success[0].value
    assert [i.captions for i in at.get("image")] == [["Scan with the phone's camera"]]
    listed = links_table(at)
    assert listed["Status"].tolist() == ["active"] and listed["By"].tolist() == ["alice"]
    next(b for b in at.button if b.label == "Revoke link").click().run()
    assert not at.exception
    assert "revoked" in at.success[0].value
    assert links_table(at)["Status"].tolist() == ["revoked"]
    assert not at.code  # the address is never shown again


def test_a_reader_sees_the_links_but_cannot_make_or_revoke_one(app_db, seeded):
    checkin_links.create_link(app_db, seeded.clinician, seeded.client_id)
    make_user(app_db, "sue", role="supervisor")
    at = sign_in(new_app(), "sue", TEST_PASSWORD)
    at.query_params["client"] = "CP-0001"
    at.switch_page("views/client.py").run()
    open_tab(at, "Check-in link")
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Create a check-in link" not in labels and "Revoke link" not in labels
    assert links_table(at)["Status"].tolist() == ["active"]
