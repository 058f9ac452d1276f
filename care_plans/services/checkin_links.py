"""Client check-in links: a personal address a client opens on their phone to self-report.

Why this module exists: a link is the only way into the product without an account, so it is
also the narrowest. A token (256 bits from `secrets`, only its SHA-256 kept) reads exactly one
client's form — first name, active goals in their own words, crisis contacts, which measures are
due — and writes exactly one kind of record, a check-in for that client. Nothing else is
reachable with it. Links expire, can be revoked and record when they were last used.

Wrong tokens are counted per network address in `RateLimitHit` (in the database, so the count
holds across app servers): after `MAX_FAILURES` wrong links within `FAILURE_WINDOW`, that address
is refused even with a valid link until the oldest failure leaves the window. Every wrong link is
audited (`checkin_link.bad_token`) without the token itself.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from care_plans import audit, measures
from care_plans.access import Actor, client_for_read, client_for_write
from care_plans.config import Settings
from care_plans.db import Database, UnitOfWork
from care_plans.errors import DomainError, NotFound, ValidationError
from care_plans.models import (
    CheckIn,
    CheckinLink,
    CheckinSource,
    Client,
    ClientStatus,
    Goal,
    GoalLifecycle,
    MeasureResponse,
    PlanStatus,
    RateLimitHit,
    SupportContact,
    User,
    utcnow,
)
from care_plans.read.plans import current_plan
from care_plans.services import checkins
from care_plans.tokens import new_token, token_hash

__all__ = [
    "DEFAULT_LINK_DAYS",
    "FAILURE_WINDOW",
    "LINK_ACTOR",
    "MAX_FAILURES",
    "MAX_LINK_DAYS",
    "CrisisContact",
    "GoalItem",
    "LinkForm",
    "LinkInfo",
    "LinkUnavailable",
    "SubmitResult",
    "TooManyAttempts",
    "create_link",
    "link_url",
    "list_links",
    "measure_is_due",
    "open_link",
    "revoke_link",
    "submit_via_link",
]

#: Who the audit trail names for what a client does through their link (no account behind it,
#: and a role that no access rule recognises, so it can never read a record through `access`).
LINK_ACTOR = Actor(
    user_id=None, username="checkin-link", role="checkin-link", full_name="Client check-in link"
)
DEFAULT_LINK_DAYS = Settings.checkin_link_days
MAX_LINK_DAYS = 365
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
RATE_KEY_PREFIX = "checkin-link:"

UNAVAILABLE_MESSAGE = (
    "This check-in link is not working any more. It may have expired, or been replaced by a "
    "newer one. Nothing you did caused this: please ask your clinician for a new link."
)
TOO_MANY_MESSAGE = (
    "Too many wrong check-in links were tried from this connection, so check-ins from it are "
    f"paused for {int(FAILURE_WINDOW.total_seconds() // 60)} minutes. Please try again after "
    "that, or ask your clinician."
)


class LinkUnavailable(DomainError):
    """The link is unknown, expired, revoked, or its client discharged (one message for all)."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE_MESSAGE)


class TooManyAttempts(DomainError):
    """Too many wrong links from this address lately: even a valid one is refused for now."""

    def __init__(self) -> None:
        super().__init__(TOO_MANY_MESSAGE)


class LinkStatus(enum.StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class LinkInfo:
    """A link as the client page lists it: never the token (it is not stored anywhere)."""

    id: int
    client_id: int
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime | None = None) -> LinkStatus:
        if self.revoked_at is not None:
            return LinkStatus.REVOKED
        if self.expires_at <= (now or utcnow()):
            return LinkStatus.EXPIRED
        return LinkStatus.ACTIVE


@dataclass(frozen=True)
class GoalItem:
    id: int
    description: str


@dataclass(frozen=True)
class CrisisContact:
    name: str
    phone: str
    when_to_contact: str


@dataclass(frozen=True)
class LinkForm:
    """Everything a token can read: the whole of what the client's form shows."""

    link_id: int
    first_name: str
    goals: tuple[GoalItem, ...]
    crisis_contacts: tuple[CrisisContact, ...]
    measures_due: tuple[str, ...]


@dataclass(frozen=True)
class SubmitResult:
    checkin_id: int
    instruments: tuple[str, ...]
    risk_flag: bool
    #: The client's crisis contacts when the risk item was endorsed; empty otherwise.
    crisis_contacts: tuple[CrisisContact, ...]


def link_url(base_url: str, token: str) -> str:
    """The address a client opens: the dashboard's entry page with the token."""
    return f"{base_url.rstrip('/')}/?checkin={token}"


# --- Clinician side ----------------------------------------------------------------------------


def _info(link: CheckinLink, created_by: str | None) -> LinkInfo:
    return LinkInfo(
        id=link.id,
        client_id=link.client_id,
        created_at=link.created_at,
        created_by=created_by or "command line",
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        last_used_at=link.last_used_at,
    )


def _check_days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValidationError({"days": f"{days!r} is not a whole number of days"})
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError({"days": f"must be between 1 and {MAX_LINK_DAYS} days"})
    return days


def create_link(
    db: Database, actor: Actor, client_id: int, days: int | None = None, now: datetime | None = None
) -> tuple[str, LinkInfo]:
    """A new check-in link for an active client. Returns the token (shown once, never stored:
    only its hash is) and the link's details. Needs write access to the client."""
    days = _check_days(DEFAULT_LINK_DAYS if days is None else days)
    now = now or utcnow()
    token = new_token()
    with db.uow() as uow:
        s = uow.session
        client = client_for_write(s, actor, client_id)
        if client.status != ClientStatus.ACTIVE:
            raise ValidationError(
                "This client is discharged. Re-open their record before sending a check-in link."
            )
        link = CheckinLink(
            client_id=client_id,
            token_hash=token_hash(token),
            created_at=now,
            created_by_id=actor.user_id,
            expires_at=now + timedelta(days=days),
        )
        s.add(link)
        s.flush()
        audit.record(
            s,
            actor,
            "checkin_link.create",
            "checkin_link",
            link.id,
            client_id=client_id,
            detail={"days": days},
        )
        info = _info(link, None if actor.is_system else actor.username)
        uow.commit()
    return token, info


def list_links(db: Database, actor: Actor, client_id: int) -> list[LinkInfo]:
    """The client's links, newest first (read access is enough)."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        rows = s.execute(
            select(CheckinLink, User.username)
            .outerjoin(User, User.id == CheckinLink.created_by_id)
            .where(CheckinLink.client_id == client_id)
            .order_by(CheckinLink.created_at.desc(), CheckinLink.id.desc())
        ).all()
        return [_info(link, username) for link, username in rows]


def revoke_link(db: Database, actor: Actor, link_id: int, now: datetime | None = None) -> LinkInfo:
    """Stop a link working from now on. Revoking a revoked link changes nothing."""
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        link = s.get(CheckinLink, link_id)
        if link is None:
            raise NotFound("No such check-in link.")
        client_for_write(s, actor, link.client_id)
        if link.revoked_at is None:
            link.revoked_at = now
            audit.record(
                s, actor, "checkin_link.revoke", "checkin_link", link.id, client_id=link.client_id
            )
        username = s.scalar(select(User.username).where(User.id == link.created_by_id))
        info = _info(link, username)
        uow.commit()
        return info


# --- What a token opens ------------------------------------------------------------------------


def _rate_key(source_address: str | None) -> str:
    # The address is the requester's, not client data; it is kept only for the window.
    return f"{RATE_KEY_PREFIX}{source_address or 'unknown'}"[:128]


def _failures_in_window(s: Session, key: str, now: datetime) -> int:
    return (
        s.scalar(
            select(func.count(RateLimitHit.id)).where(
                RateLimitHit.key == key, RateLimitHit.at > now - FAILURE_WINDOW
            )
        )
        or 0
    )


def _refusal_reason(s: Session, link: CheckinLink | None, now: datetime) -> str | None:
    if link is None:
        return "unknown"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    if s.scalar(select(Client.status).where(Client.id == link.client_id)) != ClientStatus.ACTIVE:
        return "client discharged"
    return None


def _usable_link(
    uow: UnitOfWork, token: str, source_address: str | None, now: datetime, *, lock: bool = False
) -> CheckinLink | None:
    """The link behind `token` if it may be used now from this address.

    A valid link is never refused because of other visitors' wrong ones: when the app sees no
    client address (or all clients share one, behind a proxy it is not told about), the failures
    of strangers would otherwise lock every client out. The token's 256 bits are what keep it
    from being guessed; the limit slows guessing down. A refused look-up is counted against the
    address and audited, and committed at once, so it stands even though the caller then stops;
    once an address has too many, its wrong tokens are refused as paused, and not counted again.
    """
    s = uow.session
    key = _rate_key(source_address)
    stmt = select(CheckinLink).where(CheckinLink.token_hash == token_hash(token or ""))
    if lock:
        stmt = stmt.with_for_update()
    link = s.scalar(stmt)
    reason = _refusal_reason(s, link, now)
    if reason is None:
        return link
    if _failures_in_window(s, key, now) >= MAX_FAILURES:
        raise TooManyAttempts()
    s.execute(
        delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at <= now - FAILURE_WINDOW)
    )
    s.add(RateLimitHit(key=key, at=now))
    s.flush()
    failures = _failures_in_window(s, key, now)
    audit.record(
        s,
        LINK_ACTOR,
        "checkin_link.bad_token",
        "checkin_link",
        link.id if link else None,
        client_id=link.client_id if link else None,
        detail={"reason": reason, "failures_in_window": failures},
        source_address=source_address,
    )
    if failures == MAX_FAILURES:
        audit.record(
            s,
            LINK_ACTOR,
            "checkin_link.rate_limited",
            "checkin_link",
            None,
            detail={"minutes": int(FAILURE_WINDOW.total_seconds() // 60)},
            source_address=source_address,
        )
    uow.commit()
    return None


def _first_name(full_name: str) -> str:
    parts = full_name.split()
    return parts[0] if parts else ""


def _active_goals(s: Session, client_id: int) -> list[GoalItem]:
    plan = current_plan(s, client_id)
    if plan is None or plan.status in (PlanStatus.REVOKED, PlanStatus.ENTERED_IN_ERROR):
        return []
    goals = s.scalars(
        select(Goal)
        .where(
            Goal.plan_id == plan.id,
            Goal.is_archived.is_(False),
            Goal.lifecycle_status == GoalLifecycle.ACTIVE,
        )
        .order_by(Goal.position, Goal.id)
    )
    return [GoalItem(g.id, g.description) for g in goals]


def _crisis_contacts(s: Session, client_id: int) -> list[CrisisContact]:
    contacts = s.scalars(
        select(SupportContact)
        .where(
            SupportContact.client_id == client_id,
            SupportContact.is_crisis_contact.is_(True),
            SupportContact.is_archived.is_(False),
        )
        .order_by(SupportContact.position, SupportContact.id)
    )
    return [CrisisContact(c.name, c.phone, c.when_to_contact) for c in contacts]


def measure_is_due(
    last_administered: datetime | None, interval_days: int, now: datetime, tz: tzinfo = UTC
) -> bool:
    """Due when never given, or given `interval_days` or more of the clinic's calendar days
    ago (days in `tz`, not UTC), so a client who checks in every fortnight is asked on the
    fortnight whatever the hour, and a late-evening check-in is counted on its own day."""
    if last_administered is None:
        return True
    return (
        now.astimezone(tz).date() - last_administered.astimezone(tz).date()
    ).days >= interval_days


def _measures_due(s: Session, client: Client, now: datetime, tz: tzinfo) -> tuple[str, ...]:
    # Only complete responses count as given: after a part-answered one the questionnaire is
    # offered again next time, so the client can finish what they could not before.
    last: dict[str, datetime] = dict(
        s.execute(
            select(MeasureResponse.instrument, func.max(MeasureResponse.administered_at))
            .join(CheckIn, CheckIn.id == MeasureResponse.checkin_id)
            .where(
                MeasureResponse.client_id == client.id,
                MeasureResponse.is_partial.is_(False),
                CheckIn.entered_in_error.is_(False),
            )
            .group_by(MeasureResponse.instrument)
        ).all()
    )
    return tuple(
        code
        for code in measures.INSTRUMENTS
        if measure_is_due(last.get(code), client.measure_interval_days, now, tz)
    )


def open_link(
    db: Database,
    token: str,
    *,
    source_address: str | None,
    now: datetime | None = None,
    tz: tzinfo = UTC,
) -> LinkForm | None:
    """What the client's form shows, or None for an unknown, expired or revoked link.
    `tz` is the clinic's time zone, whose days decide which measures are due.

    Raises TooManyAttempts when this address tried too many wrong links lately.
    """
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        link = _usable_link(uow, token, source_address, now)
        if link is None:
            return None
        client = s.get(Client, link.client_id)
        assert client is not None  # a foreign key
        form = LinkForm(
            link_id=link.id,
            first_name=_first_name(client.full_name),
            goals=tuple(_active_goals(s, client.id)),
            crisis_contacts=tuple(_crisis_contacts(s, client.id)),
            measures_due=_measures_due(s, client, now, tz),
        )
        audit.record(
            s,
            LINK_ACTOR,
            "checkin_link.open",
            "checkin_link",
            link.id,
            client_id=client.id,
            source_address=source_address,
        )
        uow.commit()
        return form


def submit_via_link(
    db: Database,
    token: str,
    *,
    source_address: str | None,
    ratings: Mapping[str, int | None],
    goal_progress: Mapping[int, int] | None = None,
    went_well: str = "",
    was_hard: str = "",
    measure_answers: Mapping[str, Sequence[Any]] | None = None,
    difficulty: Mapping[str, int | None] | None = None,
    now: datetime | None = None,
) -> SubmitResult:
    """Save the client's check-in through their link (checked again here, not trusted from the
    page). Goal progress may name only the goals the form showed. A rating left out or None is
    stored empty. A part-answered questionnaire (``None`` for an item not answered) is kept as
    a partial response, and its self-harm answer raises the same alert as a complete one.
    Raises LinkUnavailable, TooManyAttempts or ValidationError."""
    now = now or utcnow()
    with db.uow() as uow:
        s = uow.session
        link = _usable_link(uow, token, source_address, now, lock=True)
        if link is None:
            raise LinkUnavailable()
        client_id = link.client_id
        progress = dict(goal_progress or {})
        if set(progress) - {g.id for g in _active_goals(s, client_id)}:
            raise ValidationError({"goal_progress": "names a goal that is not on this form"})
        checkin, scores = checkins.add_checkin(
            s,
            client_id=client_id,
            submitted_at=now,
            source=CheckinSource.LINK,
            ratings=dict(ratings),
            goal_progress=progress or None,
            went_well=went_well.strip(),
            was_hard=was_hard.strip(),
            measure_answers={k: list(v) for k, v in (measure_answers or {}).items()} or None,
            difficulty=dict(difficulty or {}) or None,
            link_id=link.id,
            now=now,
        )
        link.last_used_at = now
        audit.record(
            s,
            LINK_ACTOR,
            "checkin.create",
            "checkin",
            checkin.id,
            client_id=client_id,
            detail={
                "source": CheckinSource.LINK.value,
                "link_id": link.id,
                "instruments": sorted(scores),
                **checkins.partial_detail(scores),
            },
            source_address=source_address,
        )
        risk = any(score.risk_flag for score in scores.values())
        result = SubmitResult(
            checkin_id=checkin.id,
            instruments=tuple(sorted(scores)),
            risk_flag=risk,
            crisis_contacts=tuple(_crisis_contacts(s, client_id)) if risk else (),
        )
        uow.commit()
        return result
