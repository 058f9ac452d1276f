"""The audit trail: who did what to which record, when. Append-only and tamper-evident.

`detail` holds identifiers, field names and counts, never client names or clinical values, so the
trail can be shown to an auditor and logged without disclosing a record.

Why a chain: a row in a table can be edited by anyone with database access. Every event carries
a gapless sequence number and an HMAC-SHA256 over its own fields and the previous event's hash,
keyed with `CARE_PLANS_AUDIT_KEY`, which never enters the database. Editing, inserting, removing
or reordering an event breaks the chain at that event; `verify` names the first bad sequence
number. Removing the newest events leaves a shorter chain that is still valid in itself, so the
head is also checkpointed in a file outside the database (`write_checkpoint`), and verification
refuses a chain that no longer reaches the checkpoint.

Events are chained under a lock on the single `audit_chain_head` row: the first statement of
`record` is an UPDATE of that row, which holds its lock (PostgreSQL) or the write lock (SQLite)
until the action commits, so two app servers never give two events the same predecessor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from care_plans.access import Actor
from care_plans.errors import AuditKeyMissing, DomainError
from care_plans.models import AuditChainHead, AuditEvent, utcnow

log = logging.getLogger("care_plans.audit")

GENESIS = "0" * 64
HEAD_ID = 1
#: The shortest audit key accepted (characters); `secrets.token_urlsafe(32)` gives 43.
MIN_KEY_LENGTH = 32
#: Session.info key under which `Database` hands the audit key to every unit of work.
KEY_INFO = "audit_key"


def key_bytes(key: str | bytes | None) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not key or len(key) < MIN_KEY_LENGTH:
        raise AuditKeyMissing()
    return key


def _at(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    seq: int,
    at: datetime,
    actor: str,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    client_id: int | None,
    detail: dict[str, Any] | None,
    source_address: str | None,
    prev_hash: str,
) -> bytes:
    """The bytes an event's HMAC covers: every field, in a fixed order and encoding."""
    fields = [
        seq,
        _at(at),
        actor,
        actor_id,
        action,
        entity,
        entity_id,
        client_id,
        detail or None,
        source_address,
        prev_hash,
    ]
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str
    ).encode("ascii")


def digest(key: bytes, **fields: Any) -> str:
    return hmac.new(key, canonical(**fields), hashlib.sha256).hexdigest()


def _event_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "actor_id": event.actor_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "client_id": event.client_id,
        "detail": event.detail,
        "source_address": event.source_address,
        "prev_hash": event.prev_hash,
    }


def _advance_head(session: Session) -> tuple[int, str]:
    """Lock the chain head and take the next sequence number and the previous hash."""
    advance = (
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_seq=AuditChainHead.last_seq + 1)
        .execution_options(synchronize_session=False)
    )
    if session.execute(advance).rowcount == 0:  # type: ignore[attr-defined]
        # An emptied database: start the chain (a concurrent starter wins, then we advance).
        # If events exist without a head, sequence 1 collides with theirs: the action fails.
        dialect = session.get_bind().dialect.name
        start = {"id": HEAD_ID, "last_seq": 0, "last_hash": GENESIS}
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            session.execute(pg_insert(AuditChainHead).values(**start).on_conflict_do_nothing())
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            session.execute(sqlite_insert(AuditChainHead).values(**start).on_conflict_do_nothing())
        else:
            session.execute(insert(AuditChainHead).values(**start))
        session.execute(advance)
    row = session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(
            AuditChainHead.id == HEAD_ID
        )
    ).one()
    return int(row.last_seq), str(row.last_hash)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    source_address: str | None = None,
) -> AuditEvent:
    """Add one event to the chain, in the caller's unit of work (committed with its change)."""
    key = key_bytes(session.info.get(KEY_INFO))
    session.flush()  # the change being audited first, so its ids are known and locks ordered
    seq, prev_hash = _advance_head(session)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": utcnow(),
        "actor": actor.username,
        "actor_id": actor.user_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "client_id": client_id,
        "detail": detail or None,
        "source_address": source_address,
        "prev_hash": prev_hash,
    }
    event_hash = digest(key, **fields)
    event = AuditEvent(hash=event_hash, **fields)
    session.add(event)
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_hash=event_hash)
        .execution_options(synchronize_session=False)
    )
    log.info("audit %s %s %s#%s", actor.username, action, entity, entity_id)
    return event


# --- verification and checkpoints ----------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The chain head as last verified, kept outside the database."""

    seq: int
    hash: str
    at: str


@dataclass(frozen=True)
class Verdict:
    intact: bool
    events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.intact:
            return f"audit trail intact: {self.events} events, head at sequence {self.head_seq}"
        return f"audit trail broken at sequence {self.first_bad_seq}: {self.reason}"


def _events(session: Session, after_seq: int) -> Iterator[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.seq > after_seq)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=2000)
    )
    yield from session.scalars(stmt)


def verify(
    session: Session,
    key: str | bytes | None,
    checkpoint: Checkpoint | None = None,
    *,
    from_checkpoint: bool = False,
) -> Verdict:
    """Walk the chain and name the first event that does not follow from the one before.

    With `from_checkpoint`, only the events after the checkpoint are walked (the app's cheap
    periodic check); the checkpointed event itself must still be there, unchanged.
    """
    secret = key_bytes(key)
    expected_seq, prev = 1, GENESIS
    count = 0
    if from_checkpoint and checkpoint is not None and checkpoint.seq > 0:
        anchor = session.scalar(select(AuditEvent).where(AuditEvent.seq == checkpoint.seq))
        if (
            anchor is None
            or anchor.hash != checkpoint.hash
            or digest(secret, **_event_fields(anchor)) != anchor.hash
        ):
            return Verdict(
                False, 0, 0, "", checkpoint.seq, "the checkpointed event is missing or changed"
            )
        expected_seq, prev = checkpoint.seq + 1, anchor.hash
    start = expected_seq - 1
    for event in _events(session, start):
        count += 1
        if event.seq != expected_seq:
            bad = min(event.seq, expected_seq)
            return Verdict(
                False,
                count,
                expected_seq - 1,
                prev,
                bad,
                f"expected sequence {expected_seq} next, found {event.seq} "
                "(an event was removed or inserted)",
            )
        if event.prev_hash != prev:
            return Verdict(
                False,
                count,
                expected_seq - 1,
                prev,
                event.seq,
                "it does not follow the event before it (removed, inserted or reordered)",
            )
        if not hmac.compare_digest(digest(secret, **_event_fields(event)), event.hash):
            return Verdict(
                False,
                count,
                expected_seq - 1,
                prev,
                event.seq,
                "its content does not match its signature (edited)",
            )
        prev = event.hash
        expected_seq += 1
    head_seq = expected_seq - 1
    if checkpoint is not None and head_seq < checkpoint.seq:
        return Verdict(
            False,
            count,
            head_seq,
            prev,
            head_seq + 1,
            f"the last checkpoint recorded events up to sequence {checkpoint.seq}; "
            f"the chain ends at {head_seq} (newest events removed)",
        )
    if checkpoint is not None and checkpoint.seq > 0 and not from_checkpoint:
        anchor_hash = session.scalar(
            select(AuditEvent.hash).where(AuditEvent.seq == checkpoint.seq)
        )
        if anchor_hash != checkpoint.hash:
            return Verdict(
                False,
                count,
                head_seq,
                prev,
                checkpoint.seq,
                "the checkpointed event differs from the one recorded outside "
                "the database (chain rewritten)",
            )
    stored_head = session.execute(
        select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(
            AuditChainHead.id == HEAD_ID
        )
    ).first()
    if stored_head is not None and int(stored_head.last_seq) > head_seq:
        return Verdict(
            False,
            count,
            head_seq,
            prev,
            head_seq + 1,
            f"the chain head says {stored_head.last_seq} events were recorded; "
            f"the chain ends at {head_seq} (newest events removed)",
        )
    total = head_seq if not from_checkpoint else count
    return Verdict(True, total, head_seq, prev)


def _checkpoint_mac(key: bytes, seq: int, head_hash: str, at: str) -> str:
    return hmac.new(key, f"checkpoint|{seq}|{head_hash}|{at}".encode(), hashlib.sha256).hexdigest()


def read_checkpoint(path: Path, key: str | bytes | None) -> Checkpoint | None:
    """The checkpoint in `path`, or None when there is none yet.

    A checkpoint file that cannot be read or whose MAC does not match is an error (someone
    changed it): DomainError, never a silent fresh start.
    """
    secret = key_bytes(key)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DomainError(
            f"cannot read the audit checkpoint {path}: {exc.strerror or exc}"
        ) from None
    try:
        data = json.loads(raw)
        seq, head_hash, at, mac = (
            int(data["seq"]),
            str(data["hash"]),
            str(data["at"]),
            str(data["mac"]),
        )
    except (ValueError, KeyError, TypeError):
        raise DomainError(f"the audit checkpoint {path} is not a checkpoint file") from None
    if not hmac.compare_digest(_checkpoint_mac(secret, seq, head_hash, at), mac):
        raise DomainError(f"the audit checkpoint {path} was changed or made with another key")
    return Checkpoint(seq=seq, hash=head_hash, at=at)


def write_checkpoint(path: Path, key: str | bytes | None, verdict: Verdict) -> Checkpoint:
    """Record an intact chain's head in `path` (atomically; never moves it backwards)."""
    if not verdict.intact:
        raise ValueError("only an intact chain is checkpointed")
    secret = key_bytes(key)
    current = read_checkpoint(path, secret)
    if current is not None and current.seq >= verdict.head_seq:
        return current
    at = utcnow().isoformat(timespec="seconds")
    body = {
        "seq": verdict.head_seq,
        "hash": verdict.head_hash,
        "at": at,
        "mac": _checkpoint_mac(secret, verdict.head_seq, verdict.head_hash, at),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".audit-checkpoint-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Checkpoint(seq=verdict.head_seq, hash=verdict.head_hash, at=at)


class ChainBroken(DomainError):
    """The chain does not verify: the checkpoint is not moved, and the verdict says where."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.describe())
        self.verdict = verdict


def checkpoint_now(db: Any, key: str | bytes | None, path: Path) -> Checkpoint:
    """Verify the events recorded since the last checkpoint and move the checkpoint to the head.

    Cheap enough to run every few minutes from the app: only new events are walked. The full
    walk is `care-plans verify-audit`.
    """
    current = read_checkpoint(path, key)
    with db.uow() as uow:
        verdict = verify(uow.session, key, current, from_checkpoint=True)
    if not verdict.intact:
        log.error("audit chain broken at sequence %s; checkpoint not moved", verdict.first_bad_seq)
        raise ChainBroken(verdict)
    if current is not None and verdict.head_seq <= current.seq:
        return current
    return write_checkpoint(path, key, verdict)
