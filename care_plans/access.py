"""Who may read and write which client's record: the one place access is decided.

A clinician reads and writes the clients assigned to them; a supervisor reads every client and
writes those assigned to them; an admin manages accounts and assignments and reads no clinical
content. The command line acts as the system user `cli`, with full access, and is audited as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from care_plans.errors import AccessDenied, NotFound
from care_plans.models import Client, ClientAssignment, Role, User

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """The acting user of one request: ids and names only, never an ORM object."""

    user_id: int | None
    username: str
    role: str
    full_name: str = ""

    @classmethod
    def cli(cls) -> Actor:
        return cls(user_id=None, username="cli", role=SYSTEM_ROLE, full_name="Command line")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(
            user_id=user.id, username=user.username, role=user.role.value, full_name=user.full_name
        )

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.ADMIN.value, SYSTEM_ROLE)

    @property
    def is_clinical(self) -> bool:
        return self.role in (Role.CLINICIAN.value, Role.SUPERVISOR.value, SYSTEM_ROLE)


def _is_assigned(session: Session, actor: Actor, client_id: int) -> bool:
    return (
        session.scalar(
            select(ClientAssignment.id).where(
                ClientAssignment.client_id == client_id,
                ClientAssignment.user_id == actor.user_id,
            )
        )
        is not None
    )


def _active_user(session: Session, actor: Actor) -> None:
    """Refuse an actor whose account was deactivated after the request began."""
    if actor.is_system:
        return
    active = session.scalar(select(User.is_active).where(User.id == actor.user_id))
    if not active:
        raise AccessDenied("Your account is not active. Ask an administrator.")


def can_read(session: Session, actor: Actor, client_id: int) -> bool:
    if actor.is_system or actor.role == Role.SUPERVISOR.value:
        return True
    if actor.role == Role.CLINICIAN.value:
        return _is_assigned(session, actor, client_id)
    return False


def can_write(session: Session, actor: Actor, client_id: int) -> bool:
    if actor.is_system:
        return True
    if actor.role in (Role.CLINICIAN.value, Role.SUPERVISOR.value):
        return _is_assigned(session, actor, client_id)
    return False


def client_for_read(session: Session, actor: Actor, client_id: int) -> Client:
    """The client, if `actor` may read its clinical record; AccessDenied otherwise."""
    _active_user(session, actor)
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound("No such client.")
    if not can_read(session, actor, client_id):
        raise AccessDenied("You do not have access to this client's record.")
    return client


def client_for_write(session: Session, actor: Actor, client_id: int) -> Client:
    """The client, if `actor` may change its clinical record; AccessDenied otherwise."""
    if actor.role == Role.ADMIN.value:
        raise AccessDenied("Administrators manage accounts and do not edit clinical records.")
    client = client_for_read(session, actor, client_id)
    if not can_write(session, actor, client_id):
        raise AccessDenied(
            "You can read this client's record, but only their assigned clinicians can change it."
        )
    return client


def client_by_ref(session: Session, ref: str) -> Client:
    client = session.scalar(select(Client).where(Client.ref == ref.strip()))
    if client is None:
        raise NotFound(f"No client with ref {ref.strip()!r}.")
    return client


def readable_client_ids(session: Session, actor: Actor) -> Select[int] | None:
    """For a read over many clients at once (service outcomes): refuses an inactive account and
    administrators, then gives the ids the actor may read, or None for every client."""
    _active_user(session, actor)
    return visible_client_ids(actor)


def require_admin(session: Session, actor: Actor) -> None:
    _active_user(session, actor)
    if not actor.is_admin:
        raise AccessDenied("Only an administrator can manage accounts and assignments.")


def require_clinical(actor: Actor) -> None:
    if not actor.is_clinical:
        raise AccessDenied("Administrators do not read clinical records.")


def visible_client_ids(actor: Actor) -> Select[int] | None:
    """A subquery of client ids the actor may read, or None for 'all clients'."""
    require_clinical(actor)
    if actor.is_system or actor.role == Role.SUPERVISOR.value:
        return None
    return select(ClientAssignment.client_id).where(ClientAssignment.user_id == actor.user_id)
