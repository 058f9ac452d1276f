"""Each role against its own and another clinician's clients, for reads and writes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from care_plans.access import Actor
from care_plans.errors import AccessDenied, NotFound
from care_plans.models import AuditEvent, CheckIn
from care_plans.services import checkins, clients
from tests.factories import clinic_today, make_client, make_user


@pytest.fixture
def team(db):
    alice = make_user(db, "alice", "clinician")
    bob = make_user(db, "bob", "clinician")
    sup = make_user(db, "sam.sup", "supervisor")
    admin = make_user(db, "ada.admin", "admin")
    mine = make_client(db, alice, "CP-0001", "Own Client", today=clinic_today())
    theirs = make_client(db, bob, "CP-0002", "Other Client", today=clinic_today())
    return db, alice, bob, sup, admin, mine, theirs


def test_clinician_reads_and_writes_own_client(team):
    db, alice, *_rest, mine, _theirs = team
    assert clients.get_client(db, alice, mine.id).full_name == "Own Client"
    saved = checkins.record_checkin(db, alice, client_id=mine.id, ratings={"mood": 6})
    with db.uow() as uow:
        assert uow.session.get(CheckIn, saved.id).mood == 6


def test_clinician_cannot_read_or_write_another_clinicians_client(team):
    db, alice, *_rest, theirs = team
    with pytest.raises(AccessDenied):
        clients.get_client(db, alice, theirs.id)
    with pytest.raises(AccessDenied):
        checkins.record_checkin(db, alice, client_id=theirs.id, ratings={"mood": 6})
    with db.uow() as uow:
        assert uow.session.scalars(select(CheckIn)).all() == []


def test_supervisor_reads_all_but_writes_only_assigned(team):
    db, _alice, _bob, sup, _admin, mine, theirs = team
    assert clients.get_client(db, sup, theirs.id).ref == "CP-0002"
    with pytest.raises(AccessDenied, match="only their assigned clinicians"):
        checkins.record_checkin(db, sup, client_id=mine.id, ratings={"mood": 3})
    clients.assign_clinician(db, Actor.cli(), client_id=mine.id, username="sam.sup")
    checkins.record_checkin(db, sup, client_id=mine.id, ratings={"mood": 3})


def test_admin_reads_no_clinical_content_and_writes_none(team):
    db, _alice, _bob, _sup, admin, mine, _theirs = team
    with pytest.raises(AccessDenied):
        clients.get_client(db, admin, mine.id)
    with pytest.raises(AccessDenied):
        checkins.record_checkin(db, admin, client_id=mine.id, ratings={"mood": 3})


def test_admin_assigns_but_clinicians_cannot(team):
    db, alice, _bob, _sup, admin, _mine, theirs = team
    with pytest.raises(AccessDenied):
        clients.assign_clinician(db, alice, client_id=theirs.id, username="alice")
    info = clients.assign_clinician(db, admin, client_id=theirs.id, username="alice")
    assert set(info.clinicians) == {"alice", "bob"}
    assert clients.get_client(db, alice, theirs.id).ref == "CP-0002"


def test_find_by_ref_hides_clients_outside_the_caseload(team):
    db, alice, *_rest, _mine, _theirs = team
    with pytest.raises(NotFound, match="not|No client"):
        clients.find_client_id(db, alice, "CP-0002")
    assert clients.find_client_id(db, alice, "cp-0001") > 0


def test_every_change_is_audited_without_clinical_values(team):
    db, alice, *_rest, mine, _theirs = team
    checkins.record_checkin(db, alice, client_id=mine.id, ratings={"mood": 7}, note="private words")
    with db.uow() as uow:
        events = [
            (e.actor, e.client_id, str(e.detail))
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "checkin.create")
            )
        ]
    assert len(events) == 1
    actor, client_id, detail = events[0]
    assert actor == "alice" and client_id == mine.id
    assert "private" not in detail and "7" not in detail


def test_deactivated_account_is_refused_even_with_a_live_actor(team):
    db, alice, *_rest, mine, _theirs = team
    from care_plans.models import User

    with db.uow() as uow:
        uow.session.get(User, alice.user_id).is_active = False
        uow.commit()
    with pytest.raises(AccessDenied, match="not active"):
        clients.get_client(db, alice, mine.id)
