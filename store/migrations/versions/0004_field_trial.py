"""Field trial: new contact outcomes and approaches, replaced promises, rejection notes, notices numbered
through the year, special reports on their case

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_OUTCOMES = ("reached", "promise", "refused", "unreachable", "dispute", "hardship", "paid")
OUTCOMES = (
    "reached",
    "promise",
    "refused",
    "no_answer",
    "absent",
    "unreachable",
    "dispute",
    "hardship",
    "acknowledged",
    "deceased",
    "paid",
)
APPROACHES = ("rapport", "accounting", "debt_help", "mediation")
OLD_PROMISE_STATUSES = ("open", "kept", "partial", "broken")
PROMISE_STATUSES = ("open", "kept", "partial", "broken", "replaced")


def _listed(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    # Contacts and promises have their CHECK constraints changed: SQLite copies those tables (batch mode),
    # with foreign keys off for the migration (store.schema.upgrade). Repayments only gain a column, in
    # place, so the append-only triggers on them stay.
    with op.batch_alter_table("contacts", recreate="auto") as batch:
        batch.add_column(sa.Column("approach", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("participants", sa.String(length=100), nullable=False, server_default=""))
        batch.drop_constraint(op.f("ck_contacts_outcome_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_contacts_outcome_valid"), _listed("outcome", OUTCOMES))
        batch.create_check_constraint(
            op.f("ck_contacts_approach_valid"), f"approach IS NULL OR {_listed('approach', APPROACHES)}"
        )
    with op.batch_alter_table("promises", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_promises_status_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_promises_status_valid"), _listed("status", PROMISE_STATUSES))
    op.add_column("repayments", sa.Column("decision_note", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rung", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_notices_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("unit_id", "day", name=op.f("uq_notices_unit_id")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_notices_year")),
    )
    op.create_index(op.f("ix_notices_day"), "notices", ["day"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reports_case_id_cases")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_reports_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_case_id"), "reports", ["case_id"])
    op.create_index(op.f("ix_reports_at"), "reports", ["at"])
    op.create_index("uq_reports_source_key", "reports", ["source_key"], unique=True)


def downgrade() -> None:
    op.drop_table("reports")
    op.drop_table("notices")
    with op.batch_alter_table("repayments") as batch:
        batch.drop_column("decision_note")
    with op.batch_alter_table("promises", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_promises_status_valid"), type_="check")
        batch.create_check_constraint(
            op.f("ck_promises_status_valid"), _listed("status", OLD_PROMISE_STATUSES)
        )
    with op.batch_alter_table("contacts", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_contacts_approach_valid"), type_="check")
        batch.drop_constraint(op.f("ck_contacts_outcome_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_contacts_outcome_valid"), _listed("outcome", OLD_OUTCOMES))
        batch.drop_column("participants")
        batch.drop_column("approach")
