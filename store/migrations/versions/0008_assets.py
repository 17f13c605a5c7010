"""Foreclosed assets: the asset as it stands, and its steps, append-only

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS = ("real_estate", "equity", "movable", "other")
STATES = ("received", "appraised", "listed", "leased", "disposed")
METHODS = ("auction", "tender", "agreement", "package")
ACTIONS = ("register", "import", "appraise", "list", "unsold", "dispose", "lease", "confirm", "refuse")


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title_no", sa.String(length=100), nullable=False),
        sa.Column("offset_amount", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("custodian_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reserve", sa.BigInteger(), nullable=True),
        sa.Column("appraisal", sa.BigInteger(), nullable=True),
        sa.Column("proceeds", sa.BigInteger(), nullable=True),
        sa.Column("repayment_id", sa.Integer(), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(f"kind IN ({_listed(KINDS)})", name=op.f("ck_assets_kind_valid")),
        sa.CheckConstraint(f"state IN ({_listed(STATES)})", name=op.f("ck_assets_state_valid")),
        sa.CheckConstraint("offset_amount > 0", name=op.f("ck_assets_offset_positive")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_assets_case_id_cases")),
        sa.ForeignKeyConstraint(["custodian_id"], ["people.id"], name=op.f("fk_assets_custodian_id_people")),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["people.id"], name=op.f("fk_assets_registered_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["repayment_id"], ["repayments.id"], name=op.f("fk_assets_repayment_id_repayments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("number", name=op.f("uq_assets_number")),
        sa.UniqueConstraint("repayment_id", name=op.f("uq_assets_repayment_id")),
    )
    op.create_index(op.f("ix_assets_case_id"), "assets", ["case_id"])
    op.create_index(op.f("ix_assets_custodian_id"), "assets", ["custodian_id"])
    op.create_index("uq_assets_source_key", "assets", ["source_key"], unique=True)
    op.create_table(
        "asset_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("waits_for", sa.String(length=20), nullable=True),
        sa.Column("decides_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(f"action IN ({_listed(ACTIONS)})", name=op.f("ck_asset_steps_action_valid")),
        sa.CheckConstraint(
            f"method IS NULL OR method IN ({_listed(METHODS)})", name=op.f("ck_asset_steps_method_valid")
        ),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name=op.f("ck_asset_steps_amount_positive")),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name=op.f("fk_asset_steps_asset_id_assets")),
        sa.ForeignKeyConstraint(
            ["decides_id"], ["asset_steps.id"], name=op.f("fk_asset_steps_decides_id_asset_steps")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_asset_steps_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_steps")),
        sa.UniqueConstraint("decides_id", name=op.f("uq_asset_steps_decides_id")),
    )
    op.create_index("ix_asset_steps_asset_at", "asset_steps", ["asset_id", "at"])
    op.create_index(op.f("ix_asset_steps_person_id"), "asset_steps", ["person_id"])
    op.create_index("uq_asset_steps_source_key", "asset_steps", ["source_key"], unique=True)
    # Append-only, as lawsuit stages are (0007): a correction is a new step.
    if op.get_bind().dialect.name == "sqlite":
        for change in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER asset_steps_no_{change.lower()} BEFORE {change} ON asset_steps "
                "BEGIN SELECT RAISE(ABORT, 'asset_steps are append-only'); END"
            )
        return
    for change in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER asset_steps_no_{change.lower()} BEFORE {change} ON asset_steps "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for change in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS asset_steps_no_{change} ON asset_steps")
    op.drop_index("uq_asset_steps_source_key", table_name="asset_steps")
    op.drop_index(op.f("ix_asset_steps_person_id"), table_name="asset_steps")
    op.drop_index("ix_asset_steps_asset_at", table_name="asset_steps")
    op.drop_table("asset_steps")
    op.drop_index("uq_assets_source_key", table_name="assets")
    op.drop_index(op.f("ix_assets_custodian_id"), table_name="assets")
    op.drop_index(op.f("ix_assets_case_id"), table_name="assets")
    op.drop_table("assets")
