"""The migrations build the schema the models describe, on SQLite and PostgreSQL.

Why: the models are what the code queries (and what its query-plan guards assume); the
migrations are what a clinic's database really has. An index named in the models but dropped by
a migration, or added by a migration and missing from the models, means the plans tested are
not the plans run. Alembic's autogenerate comparison lists every difference.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from care_plans.db import Database
from care_plans.models import Base


def test_the_migrated_schema_has_every_index_and_table_of_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
