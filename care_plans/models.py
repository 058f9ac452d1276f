"""The care-plan record as stored: SQLAlchemy 2 typed ORM classes and the domain's enums.

Vocabulary follows ../shared/design/domain.md. Nothing clinical is hard-deleted: records carry
statuses (`entered-in-error`, `archived`, `discharged`) instead. Editable records carry a
`version` used for edit-conflict detection (SQLAlchemy's version_id_col).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from care_plans.measures import DEFAULT_MEASURE_INTERVAL_DAYS


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite forgets zones; we do not)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        name=cls.__name__.lower(),
    )


class Role(enum.StrEnum):
    CLINICIAN = "clinician"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


#: The roles that see clients (an admin manages accounts and assignments only).
CLINICAL_ROLES: tuple[Role, ...] = (Role.CLINICIAN, Role.SUPERVISOR)


class AdministrativeGender(enum.StrEnum):
    """FHIR's administrative gender (required binding on Patient.gender); "unknown" when not
    recorded, so nobody has to guess."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


GENDER_LABELS: dict[str, str] = {
    "unknown": "Not recorded",
    "female": "Female",
    "male": "Male",
    "other": "Other",
}


class ClientStatus(enum.StrEnum):
    ACTIVE = "active"
    DISCHARGED = "discharged"


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    REVOKED = "revoked"
    ENTERED_IN_ERROR = "entered-in-error"


class RecoveryDomain(enum.StrEnum):
    """The five pillars of the seed text, plus physical health and meaning and purpose."""

    SEEKING_SUPPORT = "seeking support"
    SELF_CARE = "self-care"
    REALISTIC_GOALS = "realistic goals"
    STAYING_CONNECTED = "staying connected"
    RESILIENCE = "resilience"
    PHYSICAL_HEALTH = "physical health"
    MEANING_AND_PURPOSE = "meaning and purpose"


#: The five pillars of recovery in the seed text's order: the first five recovery domains. Every
#: page, prompt and export names them from here (the value is the domain's stored value).
PILLARS: tuple[RecoveryDomain, ...] = (
    RecoveryDomain.SEEKING_SUPPORT,
    RecoveryDomain.SELF_CARE,
    RecoveryDomain.REALISTIC_GOALS,
    RecoveryDomain.STAYING_CONNECTED,
    RecoveryDomain.RESILIENCE,
)
#: Each pillar's heading, as the seed text writes it.
PILLAR_TITLES: dict[RecoveryDomain, str] = {
    RecoveryDomain.SEEKING_SUPPORT: "Seeking support",
    RecoveryDomain.SELF_CARE: "Self-care",
    RecoveryDomain.REALISTIC_GOALS: "Setting realistic goals",
    RecoveryDomain.STAYING_CONNECTED: "Staying connected",
    RecoveryDomain.RESILIENCE: "Embracing resilience",
}


class GoalLifecycle(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class GoalAchievement(enum.StrEnum):
    IN_PROGRESS = "in-progress"
    IMPROVING = "improving"
    WORSENING = "worsening"
    NO_CHANGE = "no-change"
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not-achieved"


class ContactKind(enum.StrEnum):
    PROFESSIONAL = "professional"
    FAMILY = "family"
    FRIEND = "friend"
    PEER_GROUP = "peer/support group"
    CRISIS_SERVICE = "crisis service"
    OTHER = "other"


class CheckinSource(enum.StrEnum):
    LINK = "link"
    SESSION = "session"
    IMPORT = "import"


class SessionStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did not attend"
    CANCELLED = "cancelled"


#: The self-ratings of a check-in, each 0–10 or empty, in the order the pages show them.
RATINGS: tuple[str, ...] = ("mood", "sleep", "self_care", "connection", "hope")

#: The plan's free-text sections, written with the client, in the order the pages show them.
PLAN_SECTIONS: tuple[str, ...] = (
    "strengths",
    "wellness",
    "triggers",
    "warning_signs",
    "what_helps",
    "self_care_routine",
    "crisis_plan",
)
PLAN_SECTION_TITLES: dict[str, str] = {
    "strengths": "Strengths",
    "wellness": "What wellness looks like",
    "triggers": "Triggers",
    "warning_signs": "Early warning signs",
    "what_helps": "What helps",
    "self_care_routine": "Self-care routine",
    "crisis_plan": "Crisis plan",
}

NAMING = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = NAMING
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_signin_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SigninSession(Base):
    """One row per signed-in browser, so a sign-in can be ended on the server."""

    __tablename__ = "signin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class PasswordLink(Base):
    """A one-time set-password link an admin issues; only the token's hash is kept."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: Optional name parts (the full name is what pages show); given names space-separated.
    given_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    family_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    administrative_gender: Mapped[AdministrativeGender] = mapped_column(
        _enum(AdministrativeGender),
        default=AdministrativeGender.UNKNOWN,
        server_default=AdministrativeGender.UNKNOWN.value,
    )
    #: An optional national identifier: its kind (a key of `identifiers.NATIONAL_IDENTIFIERS`)
    #: and its value, normalised and check-digit validated by the service that stores it.
    national_id_kind: Mapped[str | None] = mapped_column(String(32))
    national_id: Mapped[str | None] = mapped_column(String(32))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ClientStatus] = mapped_column(_enum(ClientStatus), default=ClientStatus.ACTIVE)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    discharge_reason: Mapped[str | None] = mapped_column(Text)
    measure_interval_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MEASURE_INTERVAL_DAYS
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignments: Mapped[list[ClientAssignment]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )


class ClientAssignment(Base):
    """A clinician on the client's care team; one assignment is the primary clinician."""

    __tablename__ = "client_assignments"
    __table_args__ = (UniqueConstraint("client_id", "user_id", name="client_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="assignments")
    user: Mapped[User] = relationship()


class CarePlan(Base):
    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus), default=PlanStatus.ACTIVE)
    start_date: Mapped[date] = mapped_column(Date)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    strengths: Mapped[str] = mapped_column(Text, default="")
    wellness: Mapped[str] = mapped_column(Text, default="")
    triggers: Mapped[str] = mapped_column(Text, default="")
    warning_signs: Mapped[str] = mapped_column(Text, default="")
    what_helps: Mapped[str] = mapped_column(Text, default="")
    self_care_routine: Mapped[str] = mapped_column(Text, default="")
    crisis_plan: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", order_by="Goal.position", cascade="all"
    )

    __mapper_args__ = {"version_id_col": version}


class PlanRevision(Base):
    """A snapshot of sections, goals, steps and contacts taken at every save of the plan."""

    __tablename__ = "plan_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[dict[str, Any]]


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    domain: Mapped[RecoveryDomain] = mapped_column(_enum(RecoveryDomain))
    description: Mapped[str] = mapped_column(Text)
    why_it_matters: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    target_date: Mapped[date | None] = mapped_column(Date)
    lifecycle_status: Mapped[GoalLifecycle] = mapped_column(
        _enum(GoalLifecycle), default=GoalLifecycle.ACTIVE
    )
    achievement_status: Mapped[GoalAchievement] = mapped_column(
        _enum(GoalAchievement), default=GoalAchievement.IN_PROGRESS
    )
    #: Goal Attainment Scaling level descriptions keyed "-2".."2" (0 = expected outcome).
    gas_levels: Mapped[dict[str, Any] | None]
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[CarePlan] = relationship(back_populates="goals")
    steps: Mapped[list[Step]] = relationship(
        back_populates="goal", order_by="Step.position", cascade="all"
    )

    __mapper_args__ = {"version_id_col": version}


class Step(Base):
    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    helper_contact_id: Mapped[int | None] = mapped_column(ForeignKey("support_contacts.id"))
    #: When the client ticked it done on their own link; None when a clinician set `done_on`.
    done_by_client_at: Mapped[datetime | None]
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    goal: Mapped[Goal] = relationship(back_populates="steps")
    helper: Mapped[SupportContact | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class GasRating(Base):
    """A Goal Attainment Scaling rating (−2…+2) given to one goal at one review."""

    __tablename__ = "gas_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN -2 AND 2", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    rated_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupportContact(Base):
    """Someone in the client's support network (kept apart from the assigned clinicians)."""

    __tablename__ = "support_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ContactKind] = mapped_column(_enum(ContactKind))
    role: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    when_to_contact: Mapped[str] = mapped_column(Text, default="")
    is_crisis_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class CheckinLink(Base):
    """A client's personal check-in link; only the token's hash is stored."""

    __tablename__ = "checkin_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_client_submitted", "client_id", "submitted_at"),
        # The last valid check-in is one seek (migration 0007).
        Index(
            "ix_checkins_client_valid_submitted", "client_id", "entered_in_error", "submitted_at"
        ),
        # The few check-ins entered in error, listed without reading the table (0008).
        Index(
            "ix_checkins_in_error",
            "id",
            sqlite_where=text("entered_in_error IS 1"),
            postgresql_where=text("entered_in_error IS true"),
        ),
        *(
            CheckConstraint(f"{r} IS NULL OR ({r} BETWEEN 0 AND 10)", name=f"{r}_range")
            for r in RATINGS
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    submitted_at: Mapped[datetime]
    source: Mapped[CheckinSource] = mapped_column(_enum(CheckinSource))
    mood: Mapped[int | None] = mapped_column(Integer)
    sleep: Mapped[int | None] = mapped_column(Integer)
    self_care: Mapped[int | None] = mapped_column(Integer)
    connection: Mapped[int | None] = mapped_column(Integer)
    hope: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    went_well: Mapped[str] = mapped_column(Text, default="")
    was_hard: Mapped[str] = mapped_column(Text, default="")
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)
    error_reason: Mapped[str | None] = mapped_column(Text)
    error_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    error_marked_at: Mapped[datetime | None]
    link_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_links.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal_progress: Mapped[list[GoalProgress]] = relationship(cascade="all")
    measures: Mapped[list[MeasureResponse]] = relationship(back_populates="checkin", cascade="all")


class GoalProgress(Base):
    """The client's 0–10 rating of progress on one goal, given in a check-in."""

    __tablename__ = "goal_progress"
    __table_args__ = (
        UniqueConstraint("checkin_id", "goal_id", name="checkin_goal"),
        CheckConstraint("rating BETWEEN 0 AND 10", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)


class MeasureResponse(Base):
    """One standard measure as given, with every item answer (clinicians ask to see items).

    ``is_partial`` marks a part-answered administration: ``answers`` then holds ``None`` for
    each item left blank, and ``total`` and ``severity`` are NULL. A partial response is kept
    because its risk item still matters (``risk_flag``), but it is never scored, never a
    baseline and never on a chart of totals. (A FHIR QuestionnaireResponse of it is
    ``in-progress``, not ``completed``.) A complete response always has both.
    """

    __tablename__ = "measure_responses"
    __table_args__ = (
        CheckConstraint(
            "(is_partial AND total IS NULL AND severity IS NULL) OR "
            "(NOT is_partial AND total IS NOT NULL AND severity IS NOT NULL)",
            name="partial_has_no_total",
        ),
        # The newest score, and the first since a date, are the ends of a range (0007); the
        # outcomes page reads every score in order from this index alone (0008).
        Index(
            "ix_measure_scores",
            "client_id",
            "instrument",
            "administered_at",
            "id",
            "total",
            "is_partial",
            "checkin_id",
        ),
        # The few self-harm answers awaiting follow-up, without reading every response (0007).
        Index(
            "ix_measure_pending_risk",
            "client_id",
            sqlite_where=text("risk_flag IS 1 AND risk_followed_up_at IS NULL"),
            postgresql_where=text("risk_flag IS true AND risk_followed_up_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(16))
    administered_at: Mapped[datetime]
    answers: Mapped[list[Any]]
    is_partial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    total: Mapped[int | None] = mapped_column(Integer)
    severity: Mapped[str | None] = mapped_column(String(32))
    #: The answer to the instrument's unscored difficulty question (PHQ-9's 10th), 0–3.
    difficulty: Mapped[int | None] = mapped_column(Integer)
    risk_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_followed_up_at: Mapped[datetime | None]
    risk_followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    risk_follow_up_note: Mapped[str | None] = mapped_column(Text)

    checkin: Mapped[CheckIn] = relationship(back_populates="measures")


class ClinicalSession(Base):
    """A meeting with the client. Signed-off sessions take addenda, not edits."""

    __tablename__ = "clinical_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_date: Mapped[date] = mapped_column(Date)
    attendance: Mapped[Attendance] = mapped_column(_enum(Attendance), default=Attendance.ATTENDED)
    summary: Mapped[str] = mapped_column(Text, default="")
    progress_acknowledged: Mapped[str] = mapped_column(Text, default="")
    plan_changes: Mapped[str] = mapped_column(Text, default="")
    plan_revision_id: Mapped[int | None] = mapped_column(ForeignKey("plan_revisions.id"))
    next_steps: Mapped[str] = mapped_column(Text, default="")
    next_session_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus), default=SessionStatus.DRAFT)
    signed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clinician: Mapped[User] = relationship()
    addenda: Mapped[list[SessionAddendum]] = relationship(
        order_by="SessionAddendum.created_at", cascade="all"
    )

    __mapper_args__ = {"version_id_col": version}


class SessionAddendum(Base):
    __tablename__ = "session_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("clinical_sessions.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class AuditEvent(Base):
    """Who did what to which record, when. Append-only; never holds clinical values.

    Events form one chain: `seq` numbers them without gaps, and `hash` is an HMAC (keyed with a
    secret kept outside the database) over the event and the previous event's hash, so an
    edited, inserted, removed or reordered event breaks the chain (see care_plans/audit.py).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_client_at", "client_id", "at"),
        Index("ix_audit_client_id", "client_id", "id"),  # a client's data version (0007)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    client_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None]
    source_address: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The one row every audit event locks and advances, so the chain never forks, even with
    several app servers writing at once (the row lock serialises them until commit)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class Installation(Base):
    """This installation's identity: one row, made once (by migration 0005 or on first use).

    Exports namespace every FHIR id and identifier system with it, so two clinics' CP-0001
    (two different people) never share an id in a receiving system."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitHit(Base):
    """A refused or failed attempt counted against an address (wrong check-in tokens)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --- The client's own link: what they see of their plan and what they do there ------------------


class PlanSectionSharing(Base):
    """Whether one section of a plan is shown on the client's own link. No row: shown."""

    __tablename__ = "plan_section_sharing"
    __table_args__ = (UniqueConstraint("plan_id", "section", name="plan_section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    section: Mapped[str] = mapped_column(String(40))
    shown_to_client: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ClientStepTick(Base):
    """A step ticked done, or un-ticked, by the client on their link (the step holds the
    state; these rows are the history the review and the client page read)."""

    __tablename__ = "client_step_ticks"
    __table_args__ = (Index("ix_client_step_ticks_client_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_links.id"))
    done: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    revision_number: Mapped[int | None] = mapped_column(Integer)


class ClientGoalNote(Base):
    """A short note the client wrote about one of their goals, on their link."""

    __tablename__ = "client_goal_notes"
    __table_args__ = (Index("ix_client_goal_notes_client_at", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_links.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanAgreement(Base):
    """The client read revision `revision_number` of their plan on their link and agreed to it,
    typing their name. `sections_shown` names the sections the link showed them."""

    __tablename__ = "plan_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_links.id"))
    revision_number: Mapped[int] = mapped_column(Integer)
    typed_name: Mapped[str] = mapped_column(String(200))
    sections_shown: Mapped[list[Any]]
    agreed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanAgreementRequest(Base):
    """A clinician asked the client to read and agree to their plan again."""

    __tablename__ = "plan_agreement_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
