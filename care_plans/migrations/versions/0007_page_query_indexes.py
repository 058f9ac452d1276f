"""Indexes for the page queries: valid check-ins, scores by time, pending self-harm, versions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:30:00

Why each one (see care_plans/caseload.py and care_plans/versions.py):
- checkins (client_id, entered_in_error, submitted_at): a client's last valid check-in is one
  index seek; without entered_in_error in the index each check-in row was read to test it.
- measure_responses (client_id, instrument, administered_at) replaces (client_id, instrument):
  the newest score and the first since the plan's start are the first entry of a range.
- measure_responses (client_id) where a self-harm answer awaits follow-up: the few rows the
  caseload's most urgent flag and the pinned alerts look for, without scanning every response.
- audit_events (client_id, id): the data version of a client is the largest id of a range.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_RISK = "risk_flag IS {true} AND risk_followed_up_at IS NULL"


def upgrade() -> None:
    op.create_index("ix_checkins_client_valid_submitted", "checkins",
                    ["client_id", "entered_in_error", "submitted_at"])
    op.drop_index("ix_measure_client_instrument", table_name="measure_responses")
    op.create_index("ix_measure_client_instrument_at", "measure_responses",
                    ["client_id", "instrument", "administered_at"])
    op.create_index("ix_measure_pending_risk", "measure_responses", ["client_id"],
                    sqlite_where=sa.text(PENDING_RISK.format(true="1")),
                    postgresql_where=sa.text(PENDING_RISK.format(true="true")))
    op.create_index("ix_audit_client_id", "audit_events", ["client_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_client_id", table_name="audit_events")
    op.drop_index("ix_measure_pending_risk", table_name="measure_responses")
    op.drop_index("ix_measure_client_instrument_at", table_name="measure_responses")
    op.create_index("ix_measure_client_instrument", "measure_responses",
                    ["client_id", "instrument"])
    op.drop_index("ix_checkins_client_valid_submitted", table_name="checkins")
