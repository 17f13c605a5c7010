"""New loans (在贷): each with its responsible person, the figures of its latest import, the warnings it was given
(once per reason) and the case it became once over 90 days overdue

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CLASSIFICATIONS = ("正常", "关注", "次级", "可疑", "损失")
REASONS = (
    "maturity",
    "overdue",
    "overdue_30",
    "overdue_60",
    "overdue_90",
    "class_90",
    "class_270",
    "class_360",
    "large_overdue",
)


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_no", sa.String(length=40), nullable=False),
        sa.Column("borrower", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("matures_on", sa.Date(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(length=10), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"classification IN ({_listed(CLASSIFICATIONS)})", name=op.f("ck_loans_classification_valid")
        ),
        sa.CheckConstraint(
            "balance >= 0 AND amount > 0 AND days_overdue >= 0 AND matures_on >= disbursed_on",
            name=op.f("ck_loans_figures_valid"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_loans_unit_id_units")),
        sa.ForeignKeyConstraint(["officer_id"], ["people.id"], name=op.f("fk_loans_officer_id_people")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_loans_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
        sa.UniqueConstraint("loan_no", name=op.f("uq_loans_loan_no")),
    )
    op.create_index(op.f("ix_loans_unit_id"), "loans", ["unit_id"])
    op.create_index(op.f("ix_loans_officer_id"), "loans", ["officer_id"])
    op.create_table(
        "loan_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.CheckConstraint(f"reason IN ({_listed(REASONS)})", name=op.f("ck_loan_warnings_reason_valid")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_loan_warnings_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_warnings")),
        sa.UniqueConstraint("loan_id", "reason", name=op.f("uq_loan_warnings_loan_id")),
    )
    op.create_index(op.f("ix_loan_warnings_day"), "loan_warnings", ["day"])


def downgrade() -> None:
    op.drop_index(op.f("ix_loan_warnings_day"), table_name="loan_warnings")
    op.drop_table("loan_warnings")
    op.drop_index(op.f("ix_loans_officer_id"), table_name="loans")
    op.drop_index(op.f("ix_loans_unit_id"), table_name="loans")
    op.drop_table("loans")
