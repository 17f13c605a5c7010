"""Lawsuit stages: a case's litigation from filing to enforcement, append-only

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STAGES = (
    "filed",
    "hearing",
    "judged",
    "mediated",
    "enforcement",
    "suspended",
    "resumed",
    "enforced",
    "settled",
    "withdrawn",
)


def upgrade() -> None:
    listed = ", ".join(f"'{stage}'" for stage in STAGES)
    op.create_table(
        "lawsuit_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.Column("court", sa.String(length=100), nullable=False),
        sa.Column("case_number", sa.String(length=60), nullable=False),
        sa.Column("proceeding", sa.String(length=30), nullable=True),
        sa.Column("claimed", sa.BigInteger(), nullable=True),
        sa.Column("costs", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(f"stage IN ({listed})", name=op.f("ck_lawsuit_stages_stage_valid")),
        sa.CheckConstraint("claimed IS NULL OR claimed > 0", name=op.f("ck_lawsuit_stages_claimed_positive")),
        sa.CheckConstraint("costs IS NULL OR costs >= 0", name=op.f("ck_lawsuit_stages_costs_not_negative")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_lawsuit_stages_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_lawsuit_stages_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["lawsuit_stages.id"], name=op.f("fk_lawsuit_stages_reverses_id_lawsuit_stages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lawsuit_stages")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_lawsuit_stages_reverses_id")),
    )
    op.create_index("ix_lawsuit_stages_case_reached_on", "lawsuit_stages", ["case_id", "reached_on"])
    op.create_index(op.f("ix_lawsuit_stages_person_id"), "lawsuit_stages", ["person_id"])
    op.create_index("uq_lawsuit_stages_source_key", "lawsuit_stages", ["source_key"], unique=True)
    # Append-only, as repayments and the audit log are (0001): an undo adds a reversal.
    if op.get_bind().dialect.name == "sqlite":
        for change in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER lawsuit_stages_no_{change.lower()} BEFORE {change} ON lawsuit_stages "
                "BEGIN SELECT RAISE(ABORT, 'lawsuit_stages are append-only'); END"
            )
        return
    for change in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER lawsuit_stages_no_{change.lower()} BEFORE {change} ON lawsuit_stages "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for change in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS lawsuit_stages_no_{change} ON lawsuit_stages")
    op.drop_index("uq_lawsuit_stages_source_key", table_name="lawsuit_stages")
    op.drop_index(op.f("ix_lawsuit_stages_person_id"), table_name="lawsuit_stages")
    op.drop_index("ix_lawsuit_stages_case_reached_on", table_name="lawsuit_stages")
    op.drop_table("lawsuit_stages")
