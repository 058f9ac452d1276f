"""Check-in links on SQLite and PostgreSQL: what a token can read and write, and nothing more.

Hash-only storage, expiry, revocation, one client's token never touching another's record, the
per-address rate limit, skipped ratings stored empty, PHQ-9 scoring and the item-9 flag from a
submission, when measures are due, and an audit trail that never holds a token.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from care_plans.access import Actor
from care_plans.db import Database
from care_plans.errors import AccessDenied, ValidationError
from care_plans.models import (
    RATINGS,
    AuditEvent,
    Base,
    CheckIn,
    CheckinLink,
    Client,
    GoalProgress,
    MeasureResponse,
    RateLimitHit,
)
from care_plans.read import caseload
from care_plans.read import plans as read_plans
from care_plans.services import checkin_links, checkins, clients, contacts, goals
from care_plans.services.checkin_links import (
    FAILURE_WINDOW,
    MAX_FAILURES,
    LinkUnavailable,
    TooManyAttempts,
    create_link,
    open_link,
    revoke_link,
    submit_via_link,
)
from care_plans.tokens import token_hash
from tests.factories import clinic_today, make_client, make_user

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
HERE = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
PHQ9_ITEM9 = [0, 1, 1, 0, 0, 1, 0, 0, 2]  # total 5, "mild", item 9 endorsed


@dataclass
class Seeded:
    clinician: Actor
    client_id: int
    goal_ids: list[int]
    hidden_goal_ids: list[int]


def seed_client(
    db: Database, clinician: Actor, ref: str = "CP-0001", full_name: str = "Élodie Brown"
) -> Seeded:
    """A client with two active goals, one completed and one archived goal, a crisis contact,
    an ordinary contact and an archived crisis contact."""
    info = make_client(db, clinician, ref=ref, full_name=full_name, today=NOW.date())
    plan = read_plans.get_plan(db, clinician, info.id)
    add = goals.add_goal
    walk = add(
        db, clinician, plan.id, domain="self-care", description="Walk to the park *twice* a week"
    ).id
    call = add(
        db, clinician, plan.id, domain="staying connected", description="Phone my sister on Sundays"
    ).id
    done = add(
        db,
        clinician,
        plan.id,
        domain="physical health",
        description="See the GP",
        lifecycle_status="completed",
    ).id
    gone = add(db, clinician, plan.id, domain="resilience", description="Old archived goal")
    goals.archive_goal(db, clinician, gone.id, expected_version=gone.version)
    contacts.add_contact(
        db,
        clinician,
        info.id,
        name="Crisis team",
        kind="crisis service",
        phone="0300 123 4567",
        when_to_contact="Any time, day or night",
        is_crisis_contact=True,
        today=clinic_today(),
    )
    contacts.add_contact(
        db,
        clinician,
        info.id,
        name="Sam (neighbour)",
        kind="friend",
        phone="07700 900123",
        today=clinic_today(),
    )
    old = contacts.add_contact(
        db,
        clinician,
        info.id,
        name="Former helpline",
        kind="crisis service",
        is_crisis_contact=True,
        today=clinic_today(),
    )
    contacts.archive_contact(db, clinician, old.id, expected_version=old.version)
    return Seeded(clinician, info.id, [walk, call], [done, gone.id])


@pytest.fixture
def alice(db: Database) -> Actor:
    return make_user(db, "alice")


@pytest.fixture
def seeded(db: Database, alice: Actor) -> Seeded:
    return seed_client(db, alice)


def submit(
    db: Database, token: str, *, at: datetime = NOW, address: str = HERE, **values: object
) -> checkin_links.SubmitResult:
    values.setdefault("ratings", {"mood": 6})
    return submit_via_link(db, token, source_address=address, now=at, **values)  # type: ignore[arg-type]


def all_stored_text(db: Database) -> str:
    """Every value in every table, as text: a token must appear in none of them."""
    parts: list[str] = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def count(db: Database, model: type[Base], *where: object) -> int:
    with db.uow() as uow:
        return len(uow.session.scalars(select(model).where(*where)).all())  # type: ignore[arg-type]


# --- Storage, expiry, revocation -------------------------------------------------------------


def test_only_the_tokens_hash_is_stored_and_the_token_is_long(db, seeded):
    token, info = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    submit(db, token)
    open_link(db, token + "x", source_address=HERE, now=NOW)  # an audited wrong token
    stored = all_stored_text(db)
    assert token not in stored and token[:16] not in stored
    with db.uow() as uow:
        link = uow.session.get(CheckinLink, info.id)
        assert link is not None and link.token_hash == token_hash(token)
        assert link.created_by_id == seeded.clinician.user_id
    assert info.expires_at == NOW + timedelta(days=30)
    assert info.created_by == "alice" and info.status(NOW) == "active"


def test_two_links_never_share_a_token(db, seeded):
    tokens = {create_link(db, seeded.clinician, seeded.client_id, now=NOW)[0] for _ in range(5)}
    assert len(tokens) == 5


def test_a_link_expires(db, seeded):
    token, info = create_link(db, seeded.clinician, seeded.client_id, days=7, now=NOW)
    assert info.expires_at == NOW + timedelta(days=7)
    just_before = NOW + timedelta(days=7) - timedelta(seconds=1)
    assert open_link(db, token, source_address=HERE, now=just_before) is not None
    after = NOW + timedelta(days=7)
    assert open_link(db, token, source_address=HERE, now=after) is None
    with pytest.raises(LinkUnavailable, match="ask your clinician for a new link"):
        submit(db, token, at=after)
    assert count(db, CheckIn) == 0
    listed = checkin_links.list_links(db, seeded.clinician, seeded.client_id)
    assert [link.status(after) for link in listed] == ["expired"]


def test_a_revoked_link_opens_nothing_and_revoking_twice_changes_nothing(db, seeded):
    token, info = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    assert open_link(db, token, source_address=HERE, now=NOW) is not None
    revoked = revoke_link(db, seeded.clinician, info.id, now=NOW + timedelta(hours=1))
    assert revoked.status() == "revoked"
    assert revoke_link(db, seeded.clinician, info.id).revoked_at == revoked.revoked_at
    later = NOW + timedelta(hours=2)
    assert open_link(db, token, source_address=HERE, now=later) is None
    with pytest.raises(LinkUnavailable):
        submit(db, token, at=later)
    assert count(db, CheckIn) == 0
    assert count(db, AuditEvent, AuditEvent.action == "checkin_link.revoke") == 1
    with db.uow() as uow:
        reasons = [
            e.detail["reason"]
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "checkin_link.bad_token")
            )
        ]
    assert reasons == ["revoked", "revoked"]


def test_a_discharged_clients_link_stops_working_and_no_new_one_is_made(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    clients.discharge(
        db,
        seeded.clinician,
        client_id=seeded.client_id,
        reason="moved away",
        on=NOW.date(),
        today=NOW.date(),
    )
    assert open_link(db, token, source_address=HERE, now=NOW) is None
    with pytest.raises(ValidationError, match="discharged"):
        create_link(db, seeded.clinician, seeded.client_id, now=NOW)


def test_only_the_clients_writers_make_or_revoke_links(db, seeded):
    bob = make_user(db, "bob")
    sue = make_user(db, "sue", role="supervisor")
    admin = make_user(db, "ada", role="admin")
    for actor in (bob, sue, admin):
        with pytest.raises(AccessDenied):
            create_link(db, actor, seeded.client_id, now=NOW)
    _, info = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    assert [link.id for link in checkin_links.list_links(db, sue, seeded.client_id)] == [info.id]
    with pytest.raises(AccessDenied):
        checkin_links.list_links(db, bob, seeded.client_id)
    with pytest.raises(AccessDenied):
        revoke_link(db, sue, info.id)
    _, by_cli = create_link(db, Actor.cli(), seeded.client_id, now=NOW)
    assert by_cli.created_by == "command line"


@pytest.mark.parametrize("days", [0, -3, 366, True, 2.5])
def test_link_lifetime_must_be_sensible(db, seeded, days):
    with pytest.raises(ValidationError, match="days"):
        create_link(db, seeded.clinician, seeded.client_id, days=days, now=NOW)


# --- What a token reads and writes -----------------------------------------------------------


def test_the_form_holds_the_first_name_active_goals_crisis_contacts_and_nothing_else(db, seeded):
    token, info = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    form = open_link(db, token, source_address=HERE, now=NOW)
    assert form is not None
    assert form.link_id == info.id
    assert form.first_name == "Élodie" and "Brown" not in repr(form)
    assert "CP-0001" not in repr(form)
    assert [g.id for g in form.goals] == seeded.goal_ids
    assert [g.description for g in form.goals] == [
        "Walk to the park *twice* a week",
        "Phone my sister on Sundays",
    ]
    assert [(c.name, c.phone, c.when_to_contact) for c in form.crisis_contacts] == [
        ("Crisis team", "0300 123 4567", "Any time, day or night")
    ]
    assert form.measures_due == ("PHQ-9", "GAD-7")
    with db.uow() as uow:
        link = uow.session.get(CheckinLink, info.id)
        assert link is not None and link.last_used_at is None  # opening is not using
        opened = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "checkin_link.open")
        ).one()
        assert (opened.actor, opened.client_id, opened.source_address) == (
            "checkin-link",
            seeded.client_id,
            HERE,
        )


def test_a_token_for_one_client_never_reads_or_writes_anothers(db, seeded, alice):
    other = seed_client(db, alice, ref="CP-0002", full_name="Zoë Other")
    token, _ = create_link(db, alice, seeded.client_id, now=NOW)
    form = open_link(db, token, source_address=HERE, now=NOW)
    assert form is not None and "Zoë" not in repr(form)
    assert not {g.id for g in form.goals} & set(other.goal_ids)
    # another client's goal, or one the form did not show, is refused and nothing is written
    for goal_id in (other.goal_ids[0], seeded.hidden_goal_ids[0]):
        with pytest.raises(ValidationError, match="not on this form"):
            submit(db, token, goal_progress={goal_id: 5})
    assert count(db, CheckIn) == 0
    result = submit(
        db, token, goal_progress={seeded.goal_ids[1]: 7}, measure_answers={"PHQ-9": PHQ9_ITEM9}
    )
    with db.uow() as uow:
        saved = uow.session.get(CheckIn, result.checkin_id)
        assert saved is not None and saved.client_id == seeded.client_id
        assert saved.source.value == "link"
        assert [(p.goal_id, p.rating) for p in saved.goal_progress] == [(seeded.goal_ids[1], 7)]
    assert count(db, CheckIn, CheckIn.client_id == other.client_id) == 0
    assert count(db, MeasureResponse, MeasureResponse.client_id == other.client_id) == 0
    assert [c.name for c in result.crisis_contacts] == ["Crisis team"]  # this client's own


def test_skipped_ratings_are_stored_empty_and_zero_stays_zero(db, seeded):
    token, info = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    result = submit(
        db,
        token,
        ratings={"mood": 0, "sleep": None, "hope": 9},
        went_well="  Saw a friend  ",
        was_hard="",
    )
    with db.uow() as uow:
        saved = uow.session.get(CheckIn, result.checkin_id)
        assert saved is not None
        assert {r: getattr(saved, r) for r in RATINGS} == {
            "mood": 0,
            "sleep": None,
            "self_care": None,
            "connection": None,
            "hope": 9,
        }
        assert (saved.went_well, saved.was_hard) == ("Saw a friend", "")
        assert saved.link_id == info.id and saved.submitted_at == NOW
        assert uow.session.scalars(select(GoalProgress)).all() == []
        link = uow.session.get(CheckinLink, info.id)
        assert link is not None and link.last_used_at == NOW
    with pytest.raises(ValidationError, match="at least one question"):
        submit(db, token, ratings={r: None for r in RATINGS})
    with pytest.raises(ValidationError, match="out of range"):
        submit(db, token, ratings={"mood": 11})
    assert count(db, CheckIn) == 1


def test_phq9_from_the_form_is_scored_and_item_9_raises_the_caseload_flag(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    result = submit(
        db, token, measure_answers={"PHQ-9": PHQ9_ITEM9, "GAD-7": [1, 1, 0, 0, 0, 0, 0]}
    )
    assert result.risk_flag and result.instruments == ("GAD-7", "PHQ-9")
    assert [c.name for c in result.crisis_contacts] == ["Crisis team"]
    with db.uow() as uow:
        stored = {
            m.instrument: (m.total, m.severity, m.risk_flag, m.answers)
            for m in uow.session.scalars(select(MeasureResponse))
        }
    assert stored["PHQ-9"] == (5, "mild", True, PHQ9_ITEM9)
    assert stored["GAD-7"][:3] == (2, "minimal", False)
    alerts = caseload.risk_alerts(db, seeded.clinician, today=NOW.date())
    assert [(a.client_id, a.item9_answer, a.total) for a in alerts] == [(seeded.client_id, 2, 5)]


def test_no_self_harm_answer_means_no_flag_and_no_contacts_returned(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    result = submit(db, token, measure_answers={"PHQ-9": [3, 3, 3, 3, 3, 3, 3, 3, 0]})
    assert not result.risk_flag and result.crisis_contacts == ()
    with db.uow() as uow:
        phq = uow.session.scalars(select(MeasureResponse)).one()
        assert (phq.total, phq.severity) == (24, "severe")
    assert caseload.risk_alerts(db, seeded.clinician, today=NOW.date()) == []


def test_an_incomplete_measure_is_refused_whole(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    with pytest.raises(ValidationError, match="PHQ-9"):
        submit(db, token, measure_answers={"PHQ-9": [1, 1, 1]})
    assert count(db, CheckIn) == 0


# --- Measures due ----------------------------------------------------------------------------


def test_measure_is_due_by_calendar_day():
    assert checkin_links.measure_is_due(None, 14, NOW)
    late_evening = datetime(2026, 10, 27, 23, 0, tzinfo=UTC)
    assert checkin_links.measure_is_due(late_evening, 14, NOW)  # 14 days by date, not hours
    assert not checkin_links.measure_is_due(late_evening + timedelta(days=1), 14, NOW)


def test_measures_come_due_on_the_clients_own_schedule(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, days=90, now=NOW)
    submit(db, token, measure_answers={"PHQ-9": [0] * 9})

    def due(days: int) -> tuple[str, ...]:
        form = open_link(db, token, source_address=HERE, now=NOW + timedelta(days=days))
        assert form is not None
        return form.measures_due

    assert due(0) == ("GAD-7",)
    assert due(13) == ("GAD-7",)
    assert due(14) == ("PHQ-9", "GAD-7")
    with db.uow() as uow:
        uow.session.execute(
            update(Client).where(Client.id == seeded.client_id).values(measure_interval_days=28)
        )
        uow.commit()
    assert due(14) == ("GAD-7",)
    assert due(28) == ("PHQ-9", "GAD-7")


def test_a_measure_in_a_checkin_entered_in_error_does_not_count(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    result = submit(db, token, measure_answers={"PHQ-9": [0] * 9})
    checkins.mark_entered_in_error(
        db, seeded.clinician, checkin_id=result.checkin_id, reason="sent by mistake"
    )
    form = open_link(db, token, source_address=HERE, now=NOW)
    assert form is not None and form.measures_due == ("PHQ-9", "GAD-7")


# --- Rate limit and audit --------------------------------------------------------------------


def test_too_many_wrong_tokens_pause_the_guessing_but_never_a_valid_link(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    for i in range(MAX_FAILURES):
        assert (
            open_link(db, f"guess-{i}", source_address=HERE, now=NOW + timedelta(seconds=i)) is None
        )
    soon = NOW + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts, match="paused for 15 minutes"):
        open_link(db, "guess-again", source_address=HERE, now=soon)
    # the client's own link still opens and sends from the same address
    assert open_link(db, token, source_address=HERE, now=soon) is not None
    submit(db, token, at=soon)
    assert count(db, CheckIn) == 1
    # refusals while paused are not counted again, and another address is not affected
    assert count(db, RateLimitHit) == MAX_FAILURES
    assert open_link(db, "guess-elsewhere", source_address=ELSEWHERE, now=soon) is None
    # once the first failure leaves the window, a wrong token is refused plainly again
    assert (
        open_link(
            db, "guess-later", source_address=HERE, now=NOW + FAILURE_WINDOW + timedelta(seconds=1)
        )
        is None
    )
    with db.uow() as uow:
        actions = list(
            uow.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.source_address == HERE)
                .order_by(AuditEvent.id)
            )
        )
    assert actions.count("checkin_link.bad_token") == MAX_FAILURES + 1
    assert actions.count("checkin_link.rate_limited") == 1


def test_without_a_client_address_strangers_wrong_links_never_block_a_client(db, seeded):
    """Localhost, or a proxy the app is not told about: every visitor looks the same."""
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    for i in range(MAX_FAILURES + 3):
        with contextlib.suppress(TooManyAttempts):  # paused after the first ten
            open_link(db, f"stranger-{i}", source_address=None, now=NOW)
    assert open_link(db, token, source_address=None, now=NOW) is not None
    submit(db, token, address=None, at=NOW)  # type: ignore[arg-type]
    assert count(db, CheckIn) == 1


def test_failures_below_the_limit_do_not_block_and_old_ones_are_pruned(db, seeded):
    token, _ = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    for i in range(MAX_FAILURES - 1):
        open_link(db, f"guess-{i}", source_address=HERE, now=NOW)
    assert open_link(db, token, source_address=HERE, now=NOW) is not None
    much_later = NOW + timedelta(hours=1)
    open_link(db, "one more guess", source_address=HERE, now=much_later)
    assert count(db, RateLimitHit) == 1
    assert open_link(db, token, source_address=HERE, now=much_later) is not None


def test_the_audit_trail_never_holds_a_token(db, seeded):
    token, info = create_link(db, seeded.clinician, seeded.client_id, now=NOW)
    wrong = token[:-4] + "abcd"
    open_link(db, wrong, source_address=HERE, now=NOW)
    open_link(db, token, source_address=HERE, now=NOW)
    submit(db, token, measure_answers={"PHQ-9": PHQ9_ITEM9})
    with db.uow() as uow:
        events = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        uow.session.expunge_all()  # plain objects from here on (the rollback would expire them)
    dumped = repr(
        [(e.actor, e.action, e.entity, e.entity_id, e.detail, e.source_address) for e in events]
    )
    assert token not in dumped and wrong not in dumped and token_hash(token) not in dumped
    bad = [e for e in events if e.action == "checkin_link.bad_token"]
    assert [(e.actor, e.entity_id, e.source_address, e.detail) for e in bad] == [
        ("checkin-link", None, HERE, {"reason": "unknown", "failures_in_window": 1})
    ]
    made = [e for e in events if e.action == "checkin.create"]
    assert [(e.actor, e.actor_id, e.client_id, e.source_address) for e in made] == [
        ("checkin-link", None, seeded.client_id, HERE)
    ]
    assert made[0].detail == {"source": "link", "link_id": info.id, "instruments": ["PHQ-9"]}
