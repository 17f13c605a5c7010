"""Hardening: people deactivated rather than deleted, buttons offered per chat (forged presses refused)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "offered_buttons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("data", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offered_buttons")),
        sa.UniqueConstraint("channel", "chat_id", "data", name=op.f("uq_offered_buttons_channel")),
    )
    op.create_index(op.f("ix_offered_buttons_at"), "offered_buttons", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_offered_buttons_at"), table_name="offered_buttons")
    op.drop_table("offered_buttons")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("active")
