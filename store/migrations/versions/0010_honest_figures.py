"""Honest figures and lawful collection: the flags a repayment or a contact was recorded with, borrowers'
complaints about how a case is collected, and the history of a case's hand-overs (append-only)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# 0002's frozen columns, and now the flags: a repayment keeps the flags it was reported with.
REPAYMENT_FROZEN = (
    "NEW.case_id IS NOT OLD.case_id OR NEW.person_id IS NOT OLD.person_id OR NEW.amount IS NOT OLD.amount"
    " OR NEW.principal_part IS NOT OLD.principal_part OR NEW.interest_part IS NOT OLD.interest_part"
    " OR NEW.paid_on IS NOT OLD.paid_on OR NEW.method IS NOT OLD.method OR NEW.note IS NOT OLD.note"
    " OR NEW.evidence IS NOT OLD.evidence OR NEW.reverses_id IS NOT OLD.reverses_id"
    " OR NEW.created_at IS NOT OLD.created_at OR NEW.source_key IS NOT OLD.source_key"
    " OR NEW.flags IS NOT OLD.flags OR OLD.status <> 'reported'"
)
ASSIGNMENT_REASONS = ("assign", "rebalance")


def _refreeze(frozen: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER repayments_no_update")
        op.execute(
            f"CREATE TRIGGER repayments_no_update BEFORE UPDATE ON repayments WHEN {frozen} "
            "BEGIN SELECT RAISE(ABORT, 'repayments are append-only'); END"
        )
        return
    op.execute("DROP TRIGGER repayments_no_update ON repayments")
    op.execute(
        "CREATE TRIGGER repayments_no_update BEFORE UPDATE ON repayments FOR EACH ROW "
        f"WHEN ({frozen.replace('IS NOT', 'IS DISTINCT FROM')}) EXECUTE FUNCTION refuse_change()"
    )


def upgrade() -> None:
    # Plain ADD COLUMN: no table copy on SQLite, so the repayments' triggers stay in place.
    for table in ("repayments", "contacts"):
        op.add_column(table, sa.Column("flags", sa.String(length=60), nullable=False, server_default=""))
    _refreeze(REPAYMENT_FROZEN)
    # A borrower's contacts of the day are counted over all their cases.
    op.create_index("ix_cases_id_number", "cases", ["id_number"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_complaints_case_id_cases")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_complaints_person_id_people")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["people.id"], name=op.f("fk_complaints_closed_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index(op.f("ix_complaints_case_id"), "complaints", ["case_id"])
    op.create_index(op.f("ix_complaints_at"), "complaints", ["at"])
    op.create_index("uq_complaints_source_key", "complaints", ["source_key"], unique=True)
    listed = ", ".join(f"'{reason}'" for reason in ASSIGNMENT_REASONS)
    op.create_table(
        "case_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(f"reason IN ({listed})", name=op.f("ck_case_assignments_reason_valid")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_assignments_case_id_cases")),
        sa.ForeignKeyConstraint(["from_id"], ["people.id"], name=op.f("fk_case_assignments_from_id_people")),
        sa.ForeignKeyConstraint(["to_id"], ["people.id"], name=op.f("fk_case_assignments_to_id_people")),
        sa.ForeignKeyConstraint(["by_id"], ["people.id"], name=op.f("fk_case_assignments_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_assignments")),
    )
    op.create_index(op.f("ix_case_assignments_case_id"), "case_assignments", ["case_id"])
    op.create_index("uq_case_assignments_source_key", "case_assignments", ["source_key"], unique=True)
    # A hand-over is history: never changed, a case handed back is a new row.
    if op.get_bind().dialect.name == "sqlite":
        for change in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_assignments_no_{change.lower()} BEFORE {change} ON case_assignments "
                "BEGIN SELECT RAISE(ABORT, 'case_assignments is append-only'); END"
            )
        return
    for change in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER case_assignments_no_{change.lower()} BEFORE {change} ON case_assignments "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for change in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS case_assignments_no_{change} ON case_assignments")
    op.drop_index("uq_case_assignments_source_key", table_name="case_assignments")
    op.drop_index(op.f("ix_case_assignments_case_id"), table_name="case_assignments")
    op.drop_table("case_assignments")
    op.drop_index("uq_complaints_source_key", table_name="complaints")
    op.drop_index(op.f("ix_complaints_at"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_case_id"), table_name="complaints")
    op.drop_table("complaints")
    op.drop_index("ix_cases_id_number", table_name="cases")
    _refreeze(REPAYMENT_FROZEN.replace(" OR NEW.flags IS NOT OLD.flags", ""))
    for table in ("repayments", "contacts"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("flags")
