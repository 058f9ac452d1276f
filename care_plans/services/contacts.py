"""Support contacts: the client's network, who to reach out to and when, and consent to share.

"Seeking support" and "staying connected" are two of the five pillars, and in a crisis the
crisis contacts are what someone looks for first, so lists put them first. Contacts belong to the
client rather than to one plan, but each save is kept as a revision of the client's current plan
(the active one, else the newest), whose snapshot holds the contacts. A contact is archived,
never deleted: steps may name it as their helper and revisions refer to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from care_plans.access import Actor, client_for_read, client_for_write
from care_plans.db import Database
from care_plans.errors import NotFound, ValidationError
from care_plans.models import CarePlan, ContactKind, SupportContact
from care_plans.read.plan_views import ContactView, contact_display_order, contact_view
from care_plans.read.plans import current_plan
from care_plans.read.snapshots import contact_record
from care_plans.services.plans import (
    MAX_NAME_TEXT,
    MAX_NOTE_TEXT,
    Direction,
    choice_value,
    date_value,
    lock_plan,
    move_in_order,
    next_position,
    refuse_archived,
    refuse_unknown,
    text_value,
)
from care_plans.services.revisions import (
    Saved,
    check_record,
    ensure_initial_revision,
    finish_save,
    save_values,
)

CONTACT_FIELDS = (
    "name",
    "kind",
    "role",
    "phone",
    "email",
    "when_to_contact",
    "is_crisis_contact",
    "consent_to_share",
    "consent_date",
)
PHONE_RE = re.compile(r"^[0-9+()\-.\s]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


def contact_values(
    changes: Mapping[str, object], current: SupportContact | None, today: date
) -> dict[str, object]:
    """The cleaned values of the fields in `changes`; ValidationError naming each bad one.

    Consent is checked on the contact as it will be after the save: saying yes needs the date
    it was given. Saying no clears that date, so it cannot be read as consent later.
    """
    problems: dict[str, str] = {}
    refuse_unknown(changes, CONTACT_FIELDS, "support contact", problems)
    values: dict[str, object] = {}
    if "name" in changes:
        values["name"] = text_value(
            changes["name"], "name", MAX_NAME_TEXT, problems, required="Enter the contact's name."
        )
    if "kind" in changes:
        values["kind"] = choice_value(
            ContactKind, changes["kind"], "kind", "kind of contact", problems
        )
    if "role" in changes:
        values["role"] = text_value(changes["role"], "role", MAX_NAME_TEXT, problems)
    if "when_to_contact" in changes:
        values["when_to_contact"] = text_value(
            changes["when_to_contact"], "when_to_contact", MAX_NOTE_TEXT, problems
        )
    if "phone" in changes:
        phone = values["phone"] = text_value(changes["phone"], "phone", 64, problems)
        if "phone" not in problems and phone:
            if any(ch.isalpha() for ch in phone):
                problems["phone"] = (
                    "A phone number has no letters in it. Use digits, spaces and + ( ) - only."
                )
            elif not PHONE_RE.match(phone) or not any(ch.isdigit() for ch in phone):
                problems["phone"] = "Use digits, spaces and + ( ) - only."
    if "email" in changes:
        email = values["email"] = text_value(changes["email"], "email", 200, problems)
        if "email" not in problems and email:
            if "@" not in email:
                problems["email"] = "An email address needs an @, like name@example.org."
            elif not EMAIL_RE.match(email):
                problems["email"] = "This does not look like an email address."
    for flag in ("is_crisis_contact", "consent_to_share"):
        if flag in changes:
            if not isinstance(changes[flag], bool):
                problems[flag] = "Answer yes or no."
            values[flag] = changes[flag]
    if "consent_date" in changes:
        values["consent_date"] = date_value(changes["consent_date"], "consent_date", problems)
    consent = values.get("consent_to_share", current.consent_to_share if current else False)
    if consent is False:
        values["consent_date"] = None
    elif "consent_date" not in problems:
        given = values.get("consent_date", current.consent_date if current else None)
        if given is None:
            problems["consent_date"] = "Enter the date the client gave consent to share."
        elif isinstance(given, date) and given > today:
            problems["consent_date"] = "The consent date is in the future."
    if problems:
        raise ValidationError(problems)
    return values


def _plan_of_client(s: Session, client_id: int) -> CarePlan | None:
    plan = current_plan(s, client_id)
    return lock_plan(s, plan.id) if plan is not None else None


def _contact_for_write(
    s: Session, actor: Actor, contact_id: int
) -> tuple[CarePlan | None, SupportContact]:
    client_id = s.scalar(select(SupportContact.client_id).where(SupportContact.id == contact_id))
    if client_id is None:
        raise NotFound("No such support contact.")
    client_for_write(s, actor, client_id)
    plan = _plan_of_client(s, client_id)
    contact = s.get(SupportContact, contact_id, populate_existing=True)
    assert contact is not None
    return plan, contact


def add_contact(
    db: Database,
    actor: Actor,
    client_id: int,
    *,
    name: str,
    kind: ContactKind | str,
    role: str = "",
    phone: str = "",
    email: str = "",
    when_to_contact: str = "",
    is_crisis_contact: bool = False,
    consent_to_share: bool = False,
    consent_date: date | None = None,
    today: date,
) -> Saved:
    """A new contact in the client's support network, placed after the others."""
    fields = {
        "name": name,
        "kind": kind,
        "role": role,
        "phone": phone,
        "email": email,
        "when_to_contact": when_to_contact,
        "is_crisis_contact": is_crisis_contact,
        "consent_to_share": consent_to_share,
        "consent_date": consent_date,
    }
    with db.uow() as uow:
        s = uow.session
        client_for_write(s, actor, client_id)
        plan = _plan_of_client(s, client_id)
        values = contact_values(fields, None, today)
        ensure_initial_revision(s, actor, plan)
        position = next_position(s, SupportContact.position, SupportContact.client_id == client_id)
        contact = SupportContact(client_id=client_id, position=position, **values)
        s.add(contact)
        return finish_save(
            uow,
            actor,
            plan,
            contact,
            reason="contact added",
            what="contact",
            action="contact.create",
            entity="support_contact",
        )


def update_contact(
    db: Database,
    actor: Actor,
    contact_id: int,
    *,
    expected_version: int,
    changes: Mapping[str, object],
    today: date,
    tz: tzinfo | None = None,
) -> Saved:
    """Change the fields of a contact named in `changes` (keys of CONTACT_FIELDS)."""
    with db.uow() as uow:
        s = uow.session
        plan, contact = _contact_for_write(s, actor, contact_id)
        check_record(
            s,
            actor,
            plan,
            "contact",
            contact,
            expected_version=expected_version,
            fields=changes,
            tz=tz,
        )
        refuse_archived(contact, "contact")
        values = contact_values(changes, contact, today)
        return save_values(
            uow,
            actor,
            plan,
            contact,
            values,
            reason="contact edited",
            what="contact",
            action="contact.update",
            entity="support_contact",
        )


def archive_contact(
    db: Database, actor: Actor, contact_id: int, *, expected_version: int, tz: tzinfo | None = None
) -> Saved:
    """Take a contact out of the network, keeping the record (steps and revisions name it)."""
    with db.uow() as uow:
        s = uow.session
        plan, contact = _contact_for_write(s, actor, contact_id)
        check_record(
            s,
            actor,
            plan,
            "contact",
            contact,
            expected_version=expected_version,
            fields=["is_archived"],
            tz=tz,
        )
        if contact.is_archived:
            return Saved.unchanged(contact)
        ensure_initial_revision(s, actor, plan)
        contact.is_archived = True
        return finish_save(
            uow,
            actor,
            plan,
            contact,
            reason="contact archived",
            what="contact",
            action="contact.archive",
            entity="support_contact",
        )


def move_contact(
    db: Database,
    actor: Actor,
    contact_id: int,
    *,
    direction: Direction,
    expected_version: int,
    tz: tzinfo | None = None,
) -> Saved:
    """Move a contact one place up or down among the crisis contacts, or among the others."""
    with db.uow() as uow:
        s = uow.session
        plan, contact = _contact_for_write(s, actor, contact_id)
        check_record(
            s,
            actor,
            plan,
            "contact",
            contact,
            expected_version=expected_version,
            fields=["position"],
            tz=tz,
        )
        refuse_archived(contact, "contact")
        # Within its group only: crisis contacts are shown first whatever their position.
        shown = sorted(
            s.scalars(
                select(SupportContact).where(
                    SupportContact.client_id == contact.client_id,
                    SupportContact.is_archived.is_(False),
                    SupportContact.is_crisis_contact.is_(contact.is_crisis_contact),
                )
            ).all(),
            key=lambda c: contact_display_order(contact_record(c)),
        )
        ensure_initial_revision(s, actor, plan)
        if not move_in_order(shown, contact, direction):
            return Saved.unchanged(contact)
        return finish_save(
            uow,
            actor,
            plan,
            contact,
            reason=f"contact moved {direction}",
            what="contact",
            action="contact.move",
            entity="support_contact",
        )


def list_contacts(db: Database, actor: Actor, client_id: int) -> list[ContactView]:
    """The client's contacts as shown: crisis contacts first, then in the chosen order."""
    with db.uow() as uow:
        s = uow.session
        client_for_read(s, actor, client_id)
        records = [
            contact_record(c)
            for c in s.scalars(
                select(SupportContact).where(
                    SupportContact.client_id == client_id, SupportContact.is_archived.is_(False)
                )
            )
        ]
        return [contact_view(r) for r in sorted(records, key=contact_display_order)]
