"""Small factories for tests: real rows through the real services, with short defaults."""

from __future__ import annotations

from datetime import date

from care_plans.access import Actor
from care_plans.config import Settings
from care_plans.db import Database
from care_plans.services import clients, users

TEST_PASSWORD = "a long test passphrase"


def clinic_today() -> date:
    """Today in the clinic's time zone, worked out as the app's pages do (`Settings.today`): for
    tests that run pages or servers on the real clock."""
    return Settings.from_env().today()


def make_user(
    db: Database,
    username: str,
    role: str = "clinician",
    password: str | None = TEST_PASSWORD,
    full_name: str | None = None,
) -> Actor:
    info = users.create_user(
        db,
        Actor.cli(),
        username=username,
        full_name=full_name or username.title(),
        role=role,
        password=password,
    )
    return Actor(user_id=info.id, username=info.username, role=info.role, full_name=info.full_name)


def make_client(
    db: Database,
    clinician: Actor,
    ref: str = "CP-0001",
    full_name: str = "Test Client",
    date_of_birth: date | None = None,
    *,
    today: date,
) -> clients.ClientInfo:
    return clients.create_client(
        db,
        Actor.cli(),
        ref=ref,
        full_name=full_name,
        date_of_birth=date_of_birth,
        clinician_username=clinician.username,
        today=today,
    )
