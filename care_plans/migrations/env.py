"""Alembic environment: the engine comes from the caller (`care-plans init-db`) or the settings
(DATABASE_URL), never from the environment directly."""

from __future__ import annotations

from alembic import context

from care_plans.config import Settings
from care_plans.db import make_engine
from care_plans.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(Settings.from_env().database_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
