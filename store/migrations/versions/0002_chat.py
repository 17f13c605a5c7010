"""Chat: replies to handled messages, bind attempts, drafts, and the message that recorded each entry

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The repayment trigger of 0001, now also freezing source_key.
REPAYMENT_FROZEN = (
    "NEW.case_id IS NOT OLD.case_id OR NEW.person_id IS NOT OLD.person_id OR NEW.amount IS NOT OLD.amount"
    " OR NEW.principal_part IS NOT OLD.principal_part OR NEW.interest_part IS NOT OLD.interest_part"
    " OR NEW.paid_on IS NOT OLD.paid_on OR NEW.method IS NOT OLD.method OR NEW.note IS NOT OLD.note"
    " OR NEW.evidence IS NOT OLD.evidence OR NEW.reverses_id IS NOT OLD.reverses_id"
    " OR NEW.created_at IS NOT OLD.created_at OR NEW.source_key IS NOT OLD.source_key"
    " OR OLD.status <> 'reported'"
)


def upgrade() -> None:
    op.create_table(
        "handled_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("replies", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handled_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_handled_messages_key")),
    )
    op.create_index(op.f("ix_handled_messages_at"), "handled_messages", ["at"])
    op.create_table(
        "bind_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bind_attempts")),
    )
    op.create_index("ix_bind_attempts_identity_at", "bind_attempts", ["channel", "external_id", "at"])
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_drafts_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("token", name=op.f("uq_drafts_token")),
    )
    # Plain ADD COLUMN plus a unique index: no table copy on SQLite, so 0001's triggers stay in place.
    for table in ("repayments", "contacts"):
        op.add_column(table, sa.Column("source_key", sa.String(length=200), nullable=True))
        op.create_index(f"uq_{table}_source_key", table, ["source_key"], unique=True)
    _freeze_source_key()


def _freeze_source_key() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER repayments_no_update")
        op.execute(
            f"CREATE TRIGGER repayments_no_update BEFORE UPDATE ON repayments WHEN {REPAYMENT_FROZEN} "
            "BEGIN SELECT RAISE(ABORT, 'repayments are append-only'); END"
        )
        return
    op.execute("DROP TRIGGER repayments_no_update ON repayments")
    op.execute(
        "CREATE TRIGGER repayments_no_update BEFORE UPDATE ON repayments FOR EACH ROW "
        f"WHEN ({REPAYMENT_FROZEN.replace('IS NOT', 'IS DISTINCT FROM')}) EXECUTE FUNCTION refuse_change()"
    )


def downgrade() -> None:
    for table in ("repayments", "contacts"):
        op.drop_index(f"uq_{table}_source_key", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("source_key")
    op.drop_table("drafts")
    op.drop_index("ix_bind_attempts_identity_at", table_name="bind_attempts")
    op.drop_table("bind_attempts")
    op.drop_index(op.f("ix_handled_messages_at"), table_name="handled_messages")
    op.drop_table("handled_messages")
