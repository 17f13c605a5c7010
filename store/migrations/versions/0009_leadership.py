"""The leader's half: officers' own targets, accountability records (append-only), who was told of an
officer's silence, and the targets reached

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

REASONS = (
    "not_deployed",
    "inadequate",
    "weak_measures",
    "poor_results",
    "obstruction",
    "passive",
    "falsification",
)
ACTIONS = ("criticism", "talk", "admonition", "reassignment", "discipline")
RUNGS = ("nudge", "lead", "leaders")


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("target", sa.BigInteger(), nullable=True))
    op.create_table(
        "accountability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(f"reason IN ({_listed(REASONS)})", name=op.f("ck_accountability_reason_valid")),
        sa.CheckConstraint(f"action IN ({_listed(ACTIONS)})", name=op.f("ck_accountability_action_valid")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_accountability_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_accountability_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["accountability.id"], name=op.f("fk_accountability_corrects_id_accountability")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["people.id"], name=op.f("fk_accountability_recorded_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability")),
    )
    op.create_index(op.f("ix_accountability_unit_id"), "accountability", ["unit_id"])
    op.create_index(op.f("ix_accountability_person_id"), "accountability", ["person_id"])
    op.create_index(op.f("ix_accountability_at"), "accountability", ["at"])
    op.create_index("uq_accountability_source_key", "accountability", ["source_key"], unique=True)
    op.create_table(
        "inactivity_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rung", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.CheckConstraint(f"rung IN ({_listed(RUNGS)})", name=op.f("ck_inactivity_alerts_rung_valid")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_inactivity_alerts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inactivity_alerts")),
        sa.UniqueConstraint("person_id", "rung", "since", name=op.f("uq_inactivity_alerts_person_id")),
    )
    op.create_index(op.f("ix_inactivity_alerts_day"), "inactivity_alerts", ["day"])
    op.create_table(
        "completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.CheckConstraint("kind IN ('unit', 'officer')", name=op.f("ck_completions_kind_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_completions")),
        sa.UniqueConstraint("kind", "subject_id", name=op.f("uq_completions_kind")),
    )
    op.create_index(op.f("ix_completions_day"), "completions", ["day"])
    # Accountability is a record of what leaders decided: never changed, a correction is a new record.
    if op.get_bind().dialect.name == "sqlite":
        for change in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER accountability_no_{change.lower()} BEFORE {change} ON accountability "
                "BEGIN SELECT RAISE(ABORT, 'accountability is append-only'); END"
            )
        return
    for change in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER accountability_no_{change.lower()} BEFORE {change} ON accountability "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for change in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS accountability_no_{change} ON accountability")
    op.drop_index(op.f("ix_completions_day"), table_name="completions")
    op.drop_table("completions")
    op.drop_index(op.f("ix_inactivity_alerts_day"), table_name="inactivity_alerts")
    op.drop_table("inactivity_alerts")
    op.drop_index("uq_accountability_source_key", table_name="accountability")
    op.drop_index(op.f("ix_accountability_at"), table_name="accountability")
    op.drop_index(op.f("ix_accountability_person_id"), table_name="accountability")
    op.drop_index(op.f("ix_accountability_unit_id"), table_name="accountability")
    op.drop_table("accountability")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("target")
