"""Open risk on the client page (AppTest): an open self-harm answer from a part-answered PHQ-9
is shown first; once followed up it is listed with who, when and the follow-up note, and the
check-ins table shows the partial response as incomplete, not as a score."""

from __future__ import annotations

from datetime import timedelta

from care_plans.models import utcnow
from care_plans.services import checkins, risk
from tests.app.helpers import new_app, open_tab, sign_in
from tests.factories import TEST_PASSWORD, clinic_today, make_client, make_user


def open_client(ref: str, tab: str = "Check-ins"):
    at = sign_in(new_app(), "alice", TEST_PASSWORD)
    at.query_params["client"] = ref
    at.switch_page("views/client.py").run()
    return open_tab(at, tab)


def test_the_client_page_shows_open_then_followed_up_self_harm_answers(app_db):
    alice = make_user(app_db, "alice", full_name="Alice Hart")
    client = make_client(
        app_db, alice, ref="CP-0201", full_name="Robin Partial", today=clinic_today()
    )
    saved = checkins.record_checkin(
        app_db,
        alice,
        client_id=client.id,
        submitted_at=utcnow() - timedelta(hours=1),
        measure_answers={"PHQ-9": [None] * 8 + [1]},
    )
    at = open_client(client.ref)
    assert not at.exception
    banner = next(e.value for e in at.error if "self-harm question" in e.value)
    assert "Not yet followed up" in banner and "“Several days”" in banner
    assert "(incomplete: items 1–8 not answered)" in banner
    table = next(d.value for d in at.dataframe if "PHQ-9" in d.value.columns)
    assert table["PHQ-9"].tolist() == ["incomplete: items 1–8 not answered"]

    assert saved.risk_flag
    response_id = _response_id(app_db)
    risk.record_risk_follow_up(
        app_db,
        alice,
        measure_response_id=response_id,
        note="Phoned; agreed to call the crisis line if it returns",
    )
    at = open_client(client.ref)
    assert not at.exception
    assert not [e for e in at.error if "self-harm question" in e.value]
    texts = " ".join(t.value for t in at.text)
    assert "followed up by Alice Hart on" in texts
    assert "“Phoned; agreed to call the crisis line if it returns”" in texts


def _response_id(db) -> int:
    from sqlalchemy import select

    from care_plans.models import MeasureResponse

    with db.uow() as uow:
        return uow.session.scalars(select(MeasureResponse.id)).one()
