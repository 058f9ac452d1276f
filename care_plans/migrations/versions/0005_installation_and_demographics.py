"""installation identity; client demographics (name parts, administrative gender, national id)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:00:00

The installation id is made here, once per database: every FHIR export namespaces its ids and
identifier systems with it. Existing clients get gender "unknown" and empty name parts.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENDERS = ('male', 'female', 'other', 'unknown')


def upgrade() -> None:
    installation = op.create_table(
        'installation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('installation_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_installation')),
        sa.UniqueConstraint('installation_id', name=op.f('uq_installation_installation_id')),
    )
    # SQLite keeps UTC timestamps without a zone (see models.UTCDateTime).
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)
    op.bulk_insert(installation, [
        {'id': 1, 'installation_id': str(uuid.uuid4()), 'created_at': now}])

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_name', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('family_name', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column(
            'administrative_gender',
            sa.Enum(*GENDERS, name='administrativegender', native_enum=False,
                    create_constraint=True, length=32),
            server_default='unknown', nullable=False))
        batch_op.add_column(sa.Column('national_id_kind', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('national_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('national_id')
        batch_op.drop_column('national_id_kind')
        batch_op.drop_column('administrative_gender')
        batch_op.drop_column('family_name')
        batch_op.drop_column('given_name')
    op.drop_table('installation')
