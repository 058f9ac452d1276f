"""Bad input, generated (hypothesis): arbitrary and huge text, control characters, odd Unicode and
wrong types thrown at every validator, the CSV importer and the check-in form handler.

For each the property is the same: nothing crashes; input is either saved as given (only the
whitespace around it trimmed, every other character kept), or refused with a ValidationError
naming the field that is wrong, and then nothing is written
(counted over every table a save touches, the audit trail included). SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from care_plans.db import Database
from care_plans.errors import ValidationError
from care_plans.models import (
    AuditEvent,
    CarePlan,
    CheckIn,
    Goal,
    MeasureResponse,
    PlanRevision,
    Step,
    SupportContact,
)
from care_plans.services import checkin_links, checkins, contacts, goals, imports, plans
from tests.factories import clinic_today, make_client, make_user

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Any text a keyboard, a paste or a script could send: control characters, NUL, odd Unicode
#: (combining marks, right-to-left marks, emoji, private use), very long runs.
odd_text = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300),
    st.lists(
        st.sampled_from(
            [
                "\x00",
                "\x1b[31m",
                "\r",
                "\u202e",
                "\u0301",
                "🙂",
                "\ue000",
                "=cmd|' /C calc'!A0",
                "**bold**",
                "<b>",
                " ",
            ]
        ),
        max_size=40,
    ).map("".join),
    st.integers(min_value=0, max_value=60_000).map(lambda n: "x" * n),
)
#: Values of the wrong type where a rating (0-10) belongs.
odd_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
    st.lists(st.integers(), max_size=3),
)
TABLES = (AuditEvent, CheckIn, MeasureResponse, Goal, Step, SupportContact, PlanRevision)


def fingerprint(db: Database) -> tuple[int, ...]:
    """Row counts of every table a save writes to."""
    with db.uow() as uow:
        return tuple(
            int(uow.session.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES
        )


@pytest.fixture
def world(db: Database):
    alice = make_user(db, "alice", full_name="Alice Example")
    client = make_client(db, alice, ref="CP-0001", full_name="Robin Example", today=clinic_today())
    token, _ = checkin_links.create_link(db, alice, client.id, now=NOW - timedelta(days=1))
    return db, alice, client, token


def kept(text: str) -> str:
    """What a save keeps of typed text: all of it but the whitespace around it."""
    return text.strip()


def refused_in_words(exc: ValidationError, fields: set[str]) -> None:
    """A refusal says what is wrong, and names a field the caller gave."""
    assert exc.problems, "a refusal without a reason"
    for field, words in exc.problems.items():
        assert words.strip(), f"no words for {field!r}"
        assert field in fields or field == "", f"{field!r} is not a field the caller gave"


CHECKIN_FIELDS = {
    "mood",
    "sleep",
    "self_care",
    "connection",
    "hope",
    "note",
    "went_well",
    "was_hard",
    "ratings",
    "submitted_at",
    "measures",
    "PHQ-9",
    "GAD-7",
}


@PROPERTY
@given(
    ratings=st.dictionaries(
        st.sampled_from(["mood", "sleep", "hope", "unknown", ""]), odd_value, max_size=3
    ),
    note=odd_text,
    was_hard=odd_text,
)
def test_a_staff_checkin_is_saved_exactly_or_refused_in_words(world, ratings, note, was_hard):
    db, alice, client, _ = world
    before = fingerprint(db)
    try:
        saved = checkins.record_checkin(
            db,
            alice,
            client_id=client.id,
            submitted_at=NOW,
            ratings=ratings,
            note=note,
            was_hard=was_hard,
        )
    except ValidationError as exc:
        refused_in_words(exc, CHECKIN_FIELDS | set(ratings))
        assert fingerprint(db) == before
        return
    with db.uow() as uow:
        row = uow.session.get(CheckIn, saved.id)
        assert (row.note, row.was_hard) == (note, was_hard)  # staff entry keeps it all
        for name, value in ratings.items():
            assert getattr(row, name) == value


@PROPERTY
@given(
    ratings=st.dictionaries(
        st.sampled_from(["mood", "connection", "bogus"]), odd_value, max_size=2
    ),
    went_well=odd_text,
    item9=st.one_of(st.none(), st.integers(min_value=-5, max_value=9), odd_text),
)
def test_the_checkin_form_handler_keeps_or_refuses_but_never_loses_a_risk_answer(
    world, ratings, went_well, item9
):
    db, _, client, token = world
    before = fingerprint(db)
    answers = {"PHQ-9": [None] * 8 + [item9]}
    try:
        result = checkin_links.submit_via_link(
            db,
            token,
            source_address="10.0.0.9",
            ratings=ratings,
            went_well=went_well,
            measure_answers=answers,
            now=NOW,
        )
    except ValidationError as exc:
        refused_in_words(exc, CHECKIN_FIELDS | set(ratings))
        assert fingerprint(db) == before
        return
    with db.uow() as uow:
        row = uow.session.get(CheckIn, result.checkin_id)
        assert row.went_well == kept(went_well)
        stored = [
            (r.is_partial, r.answers)
            for r in uow.session.scalars(
                select(MeasureResponse).where(MeasureResponse.checkin_id == row.id)
            )
        ]
    if item9 is None:
        assert stored == []
    else:  # an answered self-harm item is stored, as a partial response, and flags risk
        [(is_partial, stored_answers)] = stored
        assert is_partial and stored_answers[8] == item9
        assert result.risk_flag == (item9 > 0)


PLAN_FIELDS = {
    "strengths",
    "wellness",
    "triggers",
    "warning_signs",
    "what_helps",
    "self_care_routine",
    "crisis_plan",
    "start_date",
    "next_review_date",
}


@PROPERTY
@given(
    field=st.sampled_from(sorted(PLAN_FIELDS - {"start_date", "next_review_date"})), text=odd_text
)
def test_a_plan_section_is_saved_exactly_or_refused_in_words(world, field, text):
    db, alice, client, _ = world
    with db.uow() as uow:
        plan = uow.session.get(CarePlan, client.plan_id)
        version, old = plan.version, getattr(plan, field)
    before = fingerprint(db)
    try:
        plans.update_plan(
            db, alice, client.plan_id, expected_version=version, changes={field: text}, tz=TZ
        )
    except ValidationError as exc:
        refused_in_words(exc, PLAN_FIELDS)
        assert fingerprint(db) == before
        with db.uow() as uow:
            assert getattr(uow.session.get(CarePlan, client.plan_id), field) == old
        return
    with db.uow() as uow:
        assert getattr(uow.session.get(CarePlan, client.plan_id), field) == kept(text)


@PROPERTY
@given(description=odd_text, why=odd_text, step=odd_text)
def test_a_goal_and_its_step_are_saved_exactly_or_refused_in_words(world, description, why, step):
    db, alice, client, _ = world
    before = fingerprint(db)
    try:
        goal = goals.add_goal(
            db,
            alice,
            client.plan_id,
            domain="self-care",
            description=description,
            why_it_matters=why,
        )
    except ValidationError as exc:
        refused_in_words(exc, {"description", "why_it_matters", "domain"})
        assert fingerprint(db) == before
        return
    with db.uow() as uow:
        row = uow.session.get(Goal, goal.id)
        assert (row.description, row.why_it_matters) == (kept(description), kept(why))
    before = fingerprint(db)
    try:
        saved = goals.add_step(db, alice, goal.id, description=step)
    except ValidationError as exc:
        refused_in_words(exc, {"description"})
        assert fingerprint(db) == before
        return
    with db.uow() as uow:
        assert uow.session.get(Step, saved.id).description == kept(step)


CONTACT_FIELDS = {
    "name",
    "kind",
    "role",
    "phone",
    "email",
    "when_to_contact",
    "consent_date",
    "consent_to_share",
    "is_crisis_contact",
}


@PROPERTY
@given(
    name=odd_text,
    phone=odd_text,
    email=odd_text,
    kind=st.one_of(st.sampled_from(["family", "friend", "crisis service"]), odd_text),
)
def test_a_contact_is_saved_exactly_or_refused_in_words(world, name, phone, email, kind):
    db, alice, client, _ = world
    before = fingerprint(db)
    try:
        saved = contacts.add_contact(
            db,
            alice,
            client.id,
            name=name,
            kind=kind,
            phone=phone,
            email=email,
            today=clinic_today(),
        )
    except ValidationError as exc:
        refused_in_words(exc, CONTACT_FIELDS)
        assert fingerprint(db) == before
        return
    with db.uow() as uow:
        row = uow.session.get(SupportContact, saved.id)
        assert (row.name, row.phone, row.email) == (kept(name), kept(phone), kept(email))


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@PROPERTY
@given(
    cells=st.lists(
        st.one_of(
            odd_text,
            st.integers(min_value=-(10**50), max_value=10**50).map(str),
            st.just("9" * 4400),
        ),
        min_size=3,
        max_size=3,
    ),
    raw=st.binary(max_size=200),
)
def test_the_csv_importer_never_crashes_and_writes_all_or_nothing(world, cells, raw):
    db, alice, _, _ = world
    for data in (
        raw,
        ("client_ref,submitted_at,mood\n" + ",".join(_csv_cell(c) for c in cells) + "\n").encode(
            "utf-8", "surrogatepass"
        ),
    ):
        before = fingerprint(db)
        result = imports.import_checkins(db, alice, data, tz=TZ, now=NOW)
        if result.faults:
            assert fingerprint(db) == before  # nothing of a file with faults is saved
            for fault in result.faults:
                words = str(fault)
                assert words.strip() and "Traceback" not in words
                assert len(words) < 2_000  # a huge cell is named, never echoed whole
        else:  # saved: as many check-ins more as it says it imported
            assert (
                fingerprint(db)[TABLES.index(CheckIn)]
                == before[TABLES.index(CheckIn)] + result.imported
            )
