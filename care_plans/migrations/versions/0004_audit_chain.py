"""audit chain: sequence, HMAC chain, chain head, append-only triggers

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-02 19:00:00

Events already in the table are chained in the order they were written (by id). That needs the
audit key: `care-plans init-db` passes it; without one, a database that already holds events
is not upgraded (an unkeyed chain would prove nothing).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def _chain_existing(bind: sa.engine.Connection) -> tuple[int, str]:
    events = sa.table(
        "audit_events", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
        sa.column("at", sa.DateTime(timezone=True)), sa.column("actor", sa.String),
        sa.column("actor_id", sa.Integer), sa.column("action", sa.String),
        sa.column("entity", sa.String), sa.column("entity_id", sa.Integer),
        sa.column("client_id", sa.Integer), sa.column("detail", sa.JSON),
        sa.column("source_address", sa.String),
    )
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    if not rows:
        return 0, GENESIS
    from care_plans import audit

    key = op.get_context().config.attributes.get("audit_key") if op.get_context().config \
        else None
    secret = audit.key_bytes(key)  # AuditKeyMissing explains what to set
    prev = GENESIS
    for seq, row in enumerate(rows, start=1):
        fields = {"seq": seq, "at": row.at, "actor": row.actor, "actor_id": row.actor_id,
                  "action": row.action, "entity": row.entity, "entity_id": row.entity_id,
                  "client_id": row.client_id, "detail": row.detail,
                  "source_address": row.source_address, "prev_hash": prev}
        event_hash = audit.digest(secret, **fields)
        bind.execute(sa.update(events).where(events.c.id == row.id)
                     .values(seq=seq, prev_hash=prev, hash=event_hash))
        prev = event_hash
    return len(rows), prev


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    last_seq, last_hash = _chain_existing(bind)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])

    head = op.create_table(
        'audit_chain_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')),
    )
    op.bulk_insert(head, [{"id": 1, "last_seq": last_seq, "last_hash": last_hash}])

    if bind.dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON "
                   "audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")
    elif bind.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, 'audit events are append-only: {verb} refused'); "
                "END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    elif bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
