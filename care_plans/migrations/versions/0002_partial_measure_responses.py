"""partial measure responses and the PHQ-9's difficulty question

A part-answered PHQ-9 or GAD-7 is kept (its risk item matters) as a partial response: no total,
no severity. The unscored 10th PHQ-9 question is stored beside the items.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = (
    "(is_partial AND total IS NULL AND severity IS NULL) OR "
    "(NOT is_partial AND total IS NOT NULL AND severity IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table('measure_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_partial', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('difficulty', sa.Integer(), nullable=True))
        batch_op.alter_column('total', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('severity', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_check_constraint(op.f('ck_measure_responses_partial_has_no_total'), CHECK)


def downgrade() -> None:
    # A partial response has no total to keep in the old schema; refuse rather than lose it.
    bind = op.get_bind()
    partial = bind.execute(
        sa.text("SELECT COUNT(*) FROM measure_responses WHERE is_partial")
    ).scalar()
    if partial:
        raise RuntimeError(
            f"{partial} partial measure responses would be lost; downgrade refused"
        )
    with op.batch_alter_table('measure_responses', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_measure_responses_partial_has_no_total'), type_='check')
        batch_op.alter_column('severity', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('total', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('difficulty')
        batch_op.drop_column('is_partial')
