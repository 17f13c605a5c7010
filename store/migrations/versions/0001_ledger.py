"""The ledger: units, people, cases, contacts, promises, repayments, audit and dispatch logs

Revision ID: 0001
Revises:
Create Date: 2026-11-29 14:27:15.380970
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Repayments and the audit log are append-only (SPEC §2): the database itself refuses edits and deletions,
# except the one move of a repayment's status from `reported` to `confirmed` or `rejected`.
REPAYMENT_FROZEN = (
    "NEW.case_id IS NOT OLD.case_id OR NEW.person_id IS NOT OLD.person_id OR NEW.amount IS NOT OLD.amount"
    " OR NEW.principal_part IS NOT OLD.principal_part OR NEW.interest_part IS NOT OLD.interest_part"
    " OR NEW.paid_on IS NOT OLD.paid_on OR NEW.method IS NOT OLD.method OR NEW.note IS NOT OLD.note"
    " OR NEW.evidence IS NOT OLD.evidence OR NEW.reverses_id IS NOT OLD.reverses_id"
    " OR NEW.created_at IS NOT OLD.created_at OR OLD.status <> 'reported'"
)


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, when in (("repayments", REPAYMENT_FROZEN), ("audit_log", "1")):
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN {when} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$"
    )
    for table, when in (
        ("repayments", REPAYMENT_FROZEN.replace("IS NOT", "IS DISTINCT FROM")),
        ("audit_log", "true"),
    ):
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW WHEN ({when}) "
            "EXECUTE FUNCTION refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION refuse_change()"
        )


def upgrade() -> None:
    op.create_table(
        "dispatch_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_log")),
        sa.UniqueConstraint("job", "day", "recipient", name=op.f("uq_dispatch_log_job")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader_name", sa.String(length=50), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column("target_is_default", sa.Boolean(), nullable=False),
        sa.Column("chat", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("name", name=op.f("uq_units_name")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("employee_no", sa.String(length=30), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("mobile", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('officer', 'unit_lead', 'leader', 'admin')", name=op.f("ck_people_role_valid")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_people_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("employee_no", name=op.f("uq_people_employee_no")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_audit_log_actor_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_no", sa.String(length=40), nullable=False),
        sa.Column("borrower", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("interest", sa.BigInteger(), nullable=False),
        sa.Column("principal_remaining", sa.BigInteger(), nullable=False),
        sa.Column("interest_remaining", sa.BigInteger(), nullable=False),
        sa.Column("classification", sa.String(length=4), nullable=False),
        sa.Column("difficulty", sa.String(length=2), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("statute_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "classification IN ('正常', '关注', '次级', '可疑', '损失')",
            name=op.f("ck_cases_classification_valid"),
        ),
        sa.CheckConstraint("difficulty IN ('易', '中', '难')", name=op.f("ck_cases_difficulty_valid")),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'promised', 'settled', 'litigation', 'asset_swap', 'paused')",
            name=op.f("ck_cases_status_valid"),
        ),
        sa.CheckConstraint(
            "principal_remaining >= 0 AND interest_remaining >= 0",
            name=op.f("ck_cases_remaining_not_negative"),
        ),
        sa.ForeignKeyConstraint(["officer_id"], ["people.id"], name=op.f("fk_cases_officer_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_cases_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("loan_no", name=op.f("uq_cases_loan_no")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_deadline"), ["deadline"], unique=False)
        batch_op.create_index("ix_cases_officer_priority", ["officer_id", "priority"], unique=False)
        batch_op.create_index("ix_cases_unit_status", ["unit_id", "status"], unique=False)

    op.create_table(
        "chat_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_chat_identities_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_identities")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_chat_identities_channel")),
    )
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_identities_person_id"), ["person_id"], unique=False)

    op.create_table(
        "bind_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_bind_codes_person_id_people")),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["chat_identities.id"], name=op.f("fk_bind_codes_used_by_id_chat_identities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bind_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_bind_codes_code")),
    )
    with op.batch_alter_table("bind_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bind_codes_person_id"), ["person_id"], unique=False)

    op.create_table(
        "case_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_status_history_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_case_status_history_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_history")),
    )
    with op.batch_alter_table("case_status_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_status_history_case_id"), ["case_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.String(length=20), nullable=True),
        sa.Column("longitude", sa.String(length=20), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('visit', 'phone', 'message', 'mediation', 'letter', 'court')",
            name=op.f("ck_contacts_channel_valid"),
        ),
        sa.CheckConstraint(
            "outcome IN ('reached', 'promise', 'refused', 'unreachable', 'dispute', 'hardship', 'paid')",
            name=op.f("ck_contacts_outcome_valid"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_contacts_case_id_cases")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_contacts_person_id_people")),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["contacts.id"], name=op.f("fk_contacts_reverses_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_contacts_reverses_id")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_case_at", ["case_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "repayments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("principal_part", sa.BigInteger(), nullable=False),
        sa.Column("interest_part", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('cash', 'transfer', 'asset', 'court', 'guarantor', 'other')",
            name=op.f("ck_repayments_method_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('reported', 'confirmed', 'rejected')", name=op.f("ck_repayments_status_valid")
        ),
        sa.CheckConstraint(
            "(reverses_id IS NULL AND amount > 0) OR (reverses_id IS NOT NULL AND amount < 0)",
            name=op.f("ck_repayments_sign_matches_kind"),
        ),
        sa.CheckConstraint(
            "amount = principal_part + interest_part", name=op.f("ck_repayments_parts_add_up")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_repayments_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["people.id"], name=op.f("fk_repayments_decided_by_id_people")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_repayments_person_id_people")),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["repayments.id"], name=op.f("fk_repayments_reverses_id_repayments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repayments")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_repayments_reverses_id")),
    )
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.create_index("ix_repayments_case_status", ["case_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_repayments_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_repayments_status_paid_on", ["status", "paid_on"], unique=False)

    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'kept', 'partial', 'broken')", name=op.f("ck_promises_status_valid")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_promises_amount_positive")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_promises_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_promises_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_promises_contact_id")),
    )
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promises_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_promises_status_due", ["status", "due_on"], unique=False)

    _append_only_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in ("repayments", "audit_log"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_change()")
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_index("ix_promises_status_due")
        batch_op.drop_index(batch_op.f("ix_promises_case_id"))

    op.drop_table("promises")
    with op.batch_alter_table("repayments", schema=None) as batch_op:
        batch_op.drop_index("ix_repayments_status_paid_on")
        batch_op.drop_index(batch_op.f("ix_repayments_person_id"))
        batch_op.drop_index("ix_repayments_case_status")

    op.drop_table("repayments")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_person_id"))
        batch_op.drop_index("ix_contacts_case_at")

    op.drop_table("contacts")
    with op.batch_alter_table("case_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status_history_case_id"))

    op.drop_table("case_status_history")
    with op.batch_alter_table("bind_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bind_codes_person_id"))

    op.drop_table("bind_codes")
    with op.batch_alter_table("chat_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_identities_person_id"))

    op.drop_table("chat_identities")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_unit_status")
        batch_op.drop_index("ix_cases_officer_priority")
        batch_op.drop_index(batch_op.f("ix_cases_deadline"))

    op.drop_table("cases")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_unit_id"))

    op.drop_table("people")
    op.drop_table("units")
    op.drop_table("dispatch_log")
