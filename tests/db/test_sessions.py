"""Session records: drafts with a version check, sign-off that makes them final, dated and
attributed addenda, validation that writes nothing, access by role, and an audit trail that
holds no clinical text."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from care_plans.errors import AccessDenied, EditConflict, NotFound, ValidationError
from care_plans.models import AuditEvent, ClinicalSession, PlanRevision
from care_plans.read import plans as read_plans
from care_plans.read import sessions as read_sessions
from care_plans.services import clients, plans, sessions
from tests.factories import make_client, make_user

TODAY = date(2026, 5, 15)
SUMMARY = "Talked through the argument with her brother; she used her crisis plan."


@pytest.fixture
def team(db):
    alice = make_user(db, "alice", full_name="Alice Example")
    bob = make_user(db, "bob")
    client = make_client(db, alice, today=TODAY - timedelta(days=60))
    return SimpleNamespace(db=db, alice=alice, bob=bob, client_id=client.id, plan_id=client.plan_id)


def _draft(t, **values) -> read_sessions.SessionView:
    values.setdefault("session_date", TODAY)
    return sessions.create_draft(t.db, t.alice, t.client_id, today=TODAY, **values)


def _count(db) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(ClinicalSession.id)))


def test_a_draft_saves_every_field_and_lists_newest_first(team):
    t = team
    older = _draft(t, session_date=TODAY - timedelta(days=14), summary="First meeting.")
    draft = _draft(
        t,
        attendance="attended",
        summary=f"  {SUMMARY} ",
        progress_acknowledged="Walked three times.",
        plan_changes="Added a step.",
        next_steps="Call the peer group.",
        next_session_date=TODAY + timedelta(days=14),
    )
    assert draft.status == "draft" and not draft.is_signed
    assert (draft.summary, draft.clinician_name, draft.version) == (SUMMARY, "Alice Example", 1)
    assert draft.values()["next_session_date"] == TODAY + timedelta(days=14)
    listed = read_sessions.list_sessions(t.db, t.alice, t.client_id)
    assert [s.id for s in listed] == [draft.id, older.id]
    assert read_sessions.get_session(t.db, t.alice, draft.id) == listed[0]


def test_update_draft_changes_only_what_is_given_and_checks_the_version(team):
    t = team
    draft = _draft(t, summary="Draft one.")
    saved = sessions.update_draft(
        t.db,
        t.alice,
        draft.id,
        expected_version=1,
        changes={"next_steps": "Try the allotment."},
        today=TODAY,
    )
    assert (saved.summary, saved.next_steps, saved.version) == (
        "Draft one.",
        "Try the allotment.",
        2,
    )
    with pytest.raises(EditConflict, match="Someone else saved this session record") as info:
        sessions.update_draft(
            t.db,
            t.alice,
            draft.id,
            expected_version=1,
            changes={"summary": "Stale window."},
            today=TODAY,
        )
    assert "(alice, " in info.value.message
    assert set(info.value.changed) == {"summary"}
    assert read_sessions.get_session(t.db, t.alice, draft.id).summary == "Draft one."
    same = sessions.update_draft(
        t.db, t.alice, draft.id, expected_version=2, changes={"summary": "Draft one. "}, today=TODAY
    )
    assert same.version == 2  # nothing changed, nothing written


def test_sign_off_locks_the_record(team):
    t = team
    draft = _draft(t, summary=SUMMARY)
    signed = sessions.sign_off(t.db, t.alice, draft.id, expected_version=1, today=TODAY)
    assert signed.is_signed and signed.signed_at is not None
    with pytest.raises(sessions.SignedOff) as info:
        sessions.update_draft(
            t.db,
            t.alice,
            draft.id,
            expected_version=signed.version,
            changes={"summary": "Rewritten afterwards."},
            today=TODAY,
        )
    assert info.value.message == "This session record is signed off; add an addendum instead."
    with pytest.raises(sessions.SignedOff):
        sessions.sign_off(t.db, t.alice, draft.id, expected_version=signed.version, today=TODAY)
    assert read_sessions.get_session(t.db, t.alice, draft.id).summary == SUMMARY


def test_sign_off_saves_what_is_on_screen_in_the_same_transaction(team):
    t = team
    draft = _draft(t)
    with pytest.raises(ValidationError, match="Write a summary"):
        sessions.sign_off(t.db, t.alice, draft.id, expected_version=1, today=TODAY)
    signed = sessions.sign_off(
        t.db, t.alice, draft.id, expected_version=1, today=TODAY, changes={"summary": SUMMARY}
    )
    assert (signed.summary, signed.status) == (SUMMARY, "signed")


def test_only_the_author_signs_off_but_the_team_may_edit_the_draft(team):
    t = team
    clients.assign_clinician(
        t.db, make_user(t.db, "ada", "admin"), client_id=t.client_id, username="bob"
    )
    draft = _draft(t, summary=SUMMARY)
    edited = sessions.update_draft(
        t.db,
        t.bob,
        draft.id,
        expected_version=1,
        changes={"next_steps": "Bob adds a step."},
        today=TODAY,
    )
    with pytest.raises(AccessDenied, match="Only the clinician who wrote"):
        sessions.sign_off(t.db, t.bob, draft.id, expected_version=edited.version, today=TODAY)


def test_an_addendum_is_dated_attributed_and_only_for_signed_records(team):
    t = team
    draft = _draft(t, summary=SUMMARY)
    with pytest.raises(ValidationError, match="still a draft"):
        sessions.add_addendum(t.db, t.alice, draft.id, text="Too early.")
    sessions.sign_off(t.db, t.alice, draft.id, expected_version=1, today=TODAY)
    with pytest.raises(ValidationError, match="Write the addendum"):
        sessions.add_addendum(t.db, t.alice, draft.id, text="   ")
    view = sessions.add_addendum(
        t.db, t.alice, draft.id, text="Her brother called afterwards to apologise."
    )
    view = sessions.add_addendum(t.db, t.alice, draft.id, text="Second note.")
    assert [a.text for a in view.addenda] == [
        "Her brother called afterwards to apologise.",
        "Second note.",
    ]
    assert view.addenda[0].author_name == "Alice Example"
    assert view.addenda[0].created_at.tzinfo is not None
    assert view.summary == SUMMARY and view.is_signed


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"session_date": TODAY + timedelta(days=1)}, "session_date"),
        ({"next_session_date": TODAY}, "next_session_date"),
        ({"next_session_date": TODAY - timedelta(days=3)}, "next_session_date"),
        ({"summary": "x" * (sessions.MAX_SESSION_TEXT + 1)}, "summary"),
        ({"attendance": "maybe"}, "attendance"),
        ({"session_date": None}, "session_date"),
        ({"plan_revision_id": 999_999}, "plan_revision_id"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_written(team, values, field):
    with pytest.raises(ValidationError) as info:
        _draft(team, **values)
    assert field in info.value.problems
    assert _count(team.db) == 0


def test_a_future_session_may_be_recorded_as_cancelled(team):
    view = _draft(team, session_date=TODAY + timedelta(days=3), attendance="cancelled")
    assert view.attendance == "cancelled"
    with pytest.raises(ValidationError, match="dated in the future"):
        sessions.update_draft(
            team.db,
            team.alice,
            view.id,
            expected_version=1,
            changes={"attendance": "attended"},
            today=TODAY,
        )


def test_unknown_fields_are_refused(team):
    draft = _draft(team)
    with pytest.raises(ValidationError) as info:
        sessions.update_draft(
            team.db,
            team.alice,
            draft.id,
            expected_version=1,
            changes={"status": "signed"},
            today=TODAY,
        )
    assert "status" in info.value.problems


def test_the_plan_revision_link_must_be_this_clients_plan(team):
    t = team
    plans.update_plan(
        t.db, t.alice, t.plan_id, expected_version=1, changes={"strengths": "Kind, funny."}
    )
    mine = read_plans.list_revisions(t.db, t.alice, t.plan_id)[0]
    other = make_client(t.db, t.alice, ref="CP-0002", today=TODAY)
    plans.update_plan(
        t.db, t.alice, other.plan_id, expected_version=1, changes={"strengths": "Patient."}
    )
    with t.db.uow() as uow:
        theirs = uow.session.scalar(
            select(PlanRevision.id).where(PlanRevision.plan_id == other.plan_id).limit(1)
        )
        my_id = uow.session.scalar(
            select(PlanRevision.id).where(
                PlanRevision.plan_id == t.plan_id, PlanRevision.number == mine.number
            )
        )
    with pytest.raises(ValidationError, match="not a revision of this client"):
        _draft(t, plan_revision_id=theirs)
    linked = _draft(t, plan_revision_id=my_id)
    assert (linked.plan_revision_number, linked.plan_revision_reason) == (2, "sections edited")


def test_access_by_role(team):
    t = team
    draft = _draft(t, summary=SUMMARY)
    sup = make_user(t.db, "sue", "supervisor")
    admin = make_user(t.db, "ada", "admin")
    assert read_sessions.list_sessions(t.db, sup, t.client_id)[0].id == draft.id
    with pytest.raises(AccessDenied):
        _draft(SimpleNamespace(**{**vars(t), "alice": sup}))
    for outsider in (t.bob, admin):
        with pytest.raises(AccessDenied):
            read_sessions.get_session(t.db, outsider, draft.id)
        with pytest.raises(AccessDenied):
            sessions.update_draft(
                t.db, outsider, draft.id, expected_version=1, changes={"summary": "no"}, today=TODAY
            )
    with pytest.raises(NotFound):
        read_sessions.get_session(t.db, t.alice, 424242)


def test_the_audit_trail_names_fields_never_text(team):
    t = team
    draft = _draft(t, summary=SUMMARY)
    sessions.update_draft(
        t.db,
        t.alice,
        draft.id,
        expected_version=1,
        changes={"next_steps": "Phone Sam on Tuesday."},
        today=TODAY,
    )
    sessions.sign_off(t.db, t.alice, draft.id, expected_version=2, today=TODAY)
    sessions.add_addendum(t.db, t.alice, draft.id, text="A private addendum.")
    with t.db.uow() as uow:
        events = uow.session.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.action.like("session.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "session.create",
        "session.update",
        "session.sign",
        "session.addendum",
    ]
    assert events[1].detail == {"fields": ["next_steps"]}
    dumped = json.dumps([e.detail for e in events])
    for text in ("argument", "Sam", "private"):
        assert text not in dumped


def _session_events(db) -> list[tuple[str, int | None]]:
    with db.uow() as uow:
        return [
            (row.action, row.entity_id)
            for row in uow.session.execute(
                select(AuditEvent.action, AuditEvent.entity_id)
                .where(AuditEvent.action.like("session.%"))
                .order_by(AuditEvent.id)
            )
        ]


def test_a_new_record_signed_off_at_once_is_one_signed_record_with_its_events(team):
    t = team
    signed = sessions.record_session(
        t.db,
        t.alice,
        t.client_id,
        {"session_date": TODAY, "summary": SUMMARY, "next_steps": "Call the peer group."},
        sign=True,
        today=TODAY,
    )
    assert signed.is_signed and signed.status == "signed" and signed.signed_at is not None
    listed = read_sessions.list_sessions(t.db, t.alice, t.client_id)
    assert [(r.id, r.is_signed, r.summary, r.next_steps) for r in listed] == [
        (signed.id, True, SUMMARY, "Call the peer group.")
    ]
    assert _session_events(t.db) == [("session.create", signed.id), ("session.sign", signed.id)]
    with pytest.raises(sessions.SignedOff):
        sessions.update_draft(
            t.db,
            t.alice,
            signed.id,
            expected_version=signed.version,
            changes={"summary": "Changed."},
            today=TODAY,
        )


def test_a_refused_sign_off_of_a_new_record_leaves_no_draft(team):
    t = team
    with pytest.raises(ValidationError) as blank:
        sessions.record_session(
            t.db,
            t.alice,
            t.client_id,
            {"session_date": TODAY, "summary": "  "},
            sign=True,
            today=TODAY,
        )
    assert blank.value.problems == {"summary": sessions.SUMMARY_TO_SIGN}
    # A bad field and the missing summary are named together, and still nothing is written.
    with pytest.raises(ValidationError) as both:
        sessions.record_session(
            t.db,
            t.alice,
            t.client_id,
            {"session_date": TODAY, "next_session_date": TODAY - timedelta(days=1)},
            sign=True,
            today=TODAY,
        )
    assert set(both.value.problems) == {"summary", "next_session_date"}
    assert "after this one" in both.value.problems["next_session_date"]
    with pytest.raises(ValidationError) as future:
        sessions.record_session(
            t.db,
            t.alice,
            t.client_id,
            {"session_date": TODAY + timedelta(days=1), "summary": SUMMARY},
            sign=True,
            today=TODAY,
        )
    assert set(future.value.problems) == {"session_date"}
    assert _count(t.db) == 0
    assert read_sessions.list_sessions(t.db, t.alice, t.client_id) == []
    assert _session_events(t.db) == []
    # The same blank summary as a draft is fine: only signing off needs it.
    draft = sessions.record_session(
        t.db, t.alice, t.client_id, {"session_date": TODAY}, sign=False, today=TODAY
    )
    assert not draft.is_signed and _count(t.db) == 1


def test_a_new_record_by_someone_without_access_writes_nothing(team):
    t = team
    with pytest.raises(AccessDenied):
        sessions.record_session(
            t.db,
            t.bob,
            t.client_id,
            {"session_date": TODAY, "summary": SUMMARY},
            sign=True,
            today=TODAY,
        )
    assert _count(t.db) == 0 and _session_events(t.db) == []
