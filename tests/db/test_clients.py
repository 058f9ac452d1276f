"""Discharge and re-open: the client's status, and the plan's status kept as a plan revision so
the history shows it and a stale plan save names who discharged."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from care_plans.access import Actor
from care_plans.errors import AccessDenied, EditConflict, ValidationError
from care_plans.models import AuditEvent, Client, PlanRevision
from care_plans.read import plans as read_plans
from care_plans.read.plan_views import Change
from care_plans.services import clients, plans, revisions
from tests.factories import make_client, make_user

TODAY = date(2026, 5, 1)
LAST_WEEK = TODAY - timedelta(days=7)


@pytest.fixture
def team(db):
    alice = make_user(db, "alice")
    bob = make_user(db, "bob")
    client = make_client(db, alice, today=TODAY)
    return SimpleNamespace(db=db, alice=alice, bob=bob, client_id=client.id, plan_id=client.plan_id)


def _discharge(t, actor=None, reason: str = "Goals met; moving away", on: date = LAST_WEEK):
    return clients.discharge(
        t.db, actor or t.alice, client_id=t.client_id, reason=reason, on=on, today=TODAY
    )


def _history(t) -> list[tuple[int, str, str]]:
    return [
        (r.number, r.reason, r.created_by_name)
        for r in reversed(read_plans.list_revisions(t.db, t.alice, t.plan_id))
    ]


def _revision_count(db, plan_id: int) -> int:
    with db.uow() as uow:
        return uow.session.scalar(
            select(func.count(PlanRevision.id)).where(PlanRevision.plan_id == plan_id)
        )


def _audit(db, action: str) -> list[dict | None]:
    with db.uow() as uow:
        return [
            e.detail
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def test_discharge_completes_the_plan_as_a_revision(team):
    t = team
    info = _discharge(t, reason="  Goals met; moving away ")
    assert (info.status, info.plan_id) == ("discharged", t.plan_id)
    with t.db.uow() as uow:
        client = uow.session.get(Client, t.client_id)
        assert (client.discharged_on, client.discharge_reason) == (
            LAST_WEEK,
            "Goals met; moving away",
        )
    view = read_plans.get_plan(t.db, t.alice, t.client_id)
    assert (view.status, view.revision_count, view.last_saved_by) == ("completed", 2, "alice")
    assert _history(t) == [
        (1, revisions.INITIAL_REASON, "alice"),
        (2, "client discharged", "alice"),
    ]
    assert read_plans.get_revision(t.db, t.alice, t.plan_id, 1)["plan"]["status"] == "draft"
    assert read_plans.get_revision(t.db, t.alice, t.plan_id, 2)["plan"]["status"] == "completed"
    assert read_plans.diff_revisions(t.db, t.alice, t.plan_id, 1, 2) == [
        Change("Plan: status", "draft", "completed")
    ]
    assert _audit(t.db, "client.discharge") == [{"plan_id": t.plan_id, "revision": 2}]


def test_a_discharge_needs_a_reason_and_a_date_not_in_the_future(team):
    t = team
    for reason, on, field in (
        ("", LAST_WEEK, "reason"),
        ("   ", LAST_WEEK, "reason"),
        ("Moved away", TODAY + timedelta(days=1), "date"),
    ):
        with pytest.raises(ValidationError) as refused:
            _discharge(t, reason=reason, on=on)
        assert field in refused.value.problems
    with pytest.raises(ValidationError) as both:
        _discharge(t, reason="", on=TODAY + timedelta(days=1))
    assert set(both.value.problems) == {"reason", "date"}
    assert _discharge(t, reason="Moved away", on=TODAY).status == "discharged"  # today is fine
    assert _history(t)[-1][1] == "client discharged"


def test_a_refused_discharge_writes_nothing(team):
    t = team
    with pytest.raises(ValidationError):
        _discharge(t, reason="")
    assert clients.get_client(t.db, t.alice, t.client_id).status == "active"
    assert read_plans.get_plan(t.db, t.alice, t.client_id).status == "draft"
    assert _revision_count(t.db, t.plan_id) == 0
    assert _audit(t.db, "client.discharge") == []


def test_a_second_discharge_is_refused(team):
    t = team
    _discharge(t)
    count = _revision_count(t.db, t.plan_id)
    with pytest.raises(ValidationError, match="already discharged"):
        _discharge(t, reason="Again")
    assert _revision_count(t.db, t.plan_id) == count
    assert len(_audit(t.db, "client.discharge")) == 1


def test_reopen_makes_client_and_plan_active_again_as_a_revision(team):
    t = team
    plans.activate_plan(t.db, t.alice, t.plan_id, expected_version=1)
    _discharge(t)
    clients.assign_clinician(t.db, Actor.cli(), client_id=t.client_id, username="bob")
    info = clients.reopen(t.db, t.bob, client_id=t.client_id)
    assert info.status == "active"
    with t.db.uow() as uow:
        client = uow.session.get(Client, t.client_id)
        assert (client.discharged_on, client.discharge_reason) == (None, None)
    assert read_plans.get_plan(t.db, t.alice, t.client_id).status == "active"
    assert _history(t) == [
        (1, revisions.INITIAL_REASON, "alice"),
        (2, "status set to active", "alice"),
        (3, "client discharged", "alice"),
        (4, "client re-opened", "bob"),
    ]
    assert read_plans.diff_revisions(t.db, t.alice, t.plan_id, 3, 4) == [
        Change("Plan: status", "completed", "active")
    ]
    assert _audit(t.db, "client.reopen") == [{"plan_id": t.plan_id, "revision": 4}]
    with pytest.raises(ValidationError, match="not discharged"):
        clients.reopen(t.db, t.alice, client_id=t.client_id)


def test_a_plan_not_left_open_gets_no_revision_on_discharge(team):
    t = team
    plans.set_plan_status(t.db, t.alice, t.plan_id, status="revoked", expected_version=1)
    count = _revision_count(t.db, t.plan_id)
    _discharge(t)
    clients.reopen(t.db, t.alice, client_id=t.client_id)
    assert read_plans.get_plan(t.db, t.alice, t.client_id).status == "revoked"
    assert _revision_count(t.db, t.plan_id) == count
    assert _audit(t.db, "client.discharge") == [None]
    assert _audit(t.db, "client.reopen") == [None]


def test_a_discharged_client_stays_readable_by_its_clinician(team):
    t = team
    plans.update_plan(t.db, t.alice, t.plan_id, expected_version=1, changes={"strengths": "Kind"})
    _discharge(t)
    assert clients.get_client(t.db, t.alice, t.client_id).status == "discharged"
    assert clients.find_client_id(t.db, t.alice, "CP-0001") == t.client_id
    view = read_plans.get_plan(t.db, t.alice, t.client_id)
    assert (view.status, view.sections["strengths"]) == ("completed", "Kind")
    assert [r.reason for r in read_plans.list_revisions(t.db, t.alice, t.plan_id)][0] == (
        "client discharged"
    )
    with pytest.raises(AccessDenied):  # still no one else's to read
        clients.get_client(t.db, t.bob, t.client_id)


def test_a_stale_plan_save_after_a_discharge_names_who_discharged(team):
    t = team
    clients.assign_clinician(t.db, Actor.cli(), client_id=t.client_id, username="bob")
    opened = read_plans.get_plan(t.db, t.alice, t.client_id)
    _discharge(t, actor=t.bob)
    with pytest.raises(EditConflict) as refused:
        plans.update_plan(
            t.db, t.alice, t.plan_id, expected_version=opened.version, changes={"strengths": "Kind"}
        )
    assert "(bob)" in refused.value.message
    assert refused.value.changed == {"status": ("draft", "completed")}
    assert read_plans.get_plan(t.db, t.alice, t.client_id).sections["strengths"] == ""


def test_only_the_care_team_discharges(team):
    t = team
    sup = make_user(t.db, "sam.sup", "supervisor")
    for actor in (t.bob, sup):
        with pytest.raises(AccessDenied):
            _discharge(t, actor=actor)
    assert clients.get_client(t.db, t.alice, t.client_id).status == "active"
    assert _revision_count(t.db, t.plan_id) == 0
