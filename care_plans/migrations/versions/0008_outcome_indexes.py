"""Indexes for service outcomes: scores read from the index alone, check-ins in error listed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:30:00

Why each one (see care_plans/read/outcomes.py):
- measure_responses (client_id, instrument, administered_at, id, total, is_partial,
  checkin_id) replaces (client_id, instrument, administered_at): the same ranges for the
  caseload's newest score, and the outcomes page reads every complete score in order from the
  index alone, without the wide rows (item answers) and without sorting them.
- checkins (id) where entered_in_error: the few check-ins entered in error, so a score is
  tested against that short list instead of looking up its check-in row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORE_COLUMNS = ["client_id", "instrument", "administered_at", "id", "total", "is_partial",
                 "checkin_id"]


def upgrade() -> None:
    op.create_index("ix_measure_scores", "measure_responses", SCORE_COLUMNS)
    op.drop_index("ix_measure_client_instrument_at", table_name="measure_responses")
    op.create_index("ix_checkins_in_error", "checkins", ["id"],
                    sqlite_where=sa.text("entered_in_error IS 1"),
                    postgresql_where=sa.text("entered_in_error IS true"))


def downgrade() -> None:
    op.drop_index("ix_checkins_in_error", table_name="checkins")
    op.create_index("ix_measure_client_instrument_at", "measure_responses",
                    ["client_id", "instrument", "administered_at"])
    op.drop_index("ix_measure_scores", table_name="measure_responses")
