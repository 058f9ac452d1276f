"""Alembic environment: the engine comes from the caller (`care-plans init-db`) or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from care_plans.db import make_engine
from care_plans.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = os.environ.get("DATABASE_URL", "sqlite:///data/care-plans.db")
        engine = make_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
