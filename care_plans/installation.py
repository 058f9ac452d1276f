"""This installation's identity, for everything it exports.

Why: record ids (client 1, goal 7) and refs (CP-0001) are only unique inside one database. A
receiving system that updates by id would merge two clinics' CP-0001, two different people.
So every FHIR id and identifier system is namespaced by an installation id: a random UUID made
once per database (migration 0005 makes it; `installation_id` makes it if a database lacks
it) and never changed. Exports from one installation keep their ids; two installations never
share one. A restored backup is the same installation, as it should be.
"""

from __future__ import annotations

import contextlib
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from care_plans.db import Database
from care_plans.models import Installation


def installation_id(db: Database) -> str:
    """The installation id; made and committed at once if the database has none yet (a
    read that rolled back must never leave a different id for the next export)."""
    with db.uow() as uow:
        found = uow.session.scalar(select(Installation.installation_id).where(Installation.id == 1))
        if found is not None:
            return found
        uow.session.add(Installation(id=1, installation_id=str(uuid.uuid4())))
        with contextlib.suppress(IntegrityError):  # another process made it first: theirs
            uow.commit()
    with db.uow() as uow:
        return uow.session.scalars(
            select(Installation.installation_id).where(Installation.id == 1)
        ).one()
