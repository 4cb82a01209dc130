"""Money movement: operators, the journal of money operations, and the hash-chained audit log.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: At most one unresolved operation per payment: the database refuses a second one.
UNRESOLVED = sa.text("status IN ('pending_approval', 'intent', 'sent', 'unknown')")
APPEND_ONLY = "the audit log is append-only"


def code(length: int) -> sa.types.TypeEngine[str]:
    """Binary-ordered text (COLLATE "C" on PostgreSQL) so that prefix search can use an index."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.CheckConstraint("role IN ('accountant', 'manager', 'admin')",
                           name="ck_operators_role"),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("name", name="uq_operators_name"),
    )

    op.create_table(
        "money_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", code(15), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason_code", sa.String(100), nullable=False),
        sa.Column("reason_text", sa.String(500), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("bank_message", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approval_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_by", sa.String(64), nullable=True),
        sa.Column("rejected_reason", sa.String(500), nullable=True),
        sa.Column("before_status", sa.String(32), nullable=True),
        sa.Column("before_held_minor", sa.BigInteger(), nullable=True),
        sa.Column("before_captured_minor", sa.BigInteger(), nullable=True),
        sa.Column("before_refunded_minor", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("action IN ('confirm', 'cancel', 'refund')",
                           name="ck_money_operations_action"),
        sa.CheckConstraint(
            "status IN ('pending_approval', 'intent', 'sent', 'unknown', 'done', 'refused', "
            "'rejected')",
            name="ck_money_operations_status",
        ),
        sa.CheckConstraint("amount_minor > 0", name="ck_money_operations_amount_positive"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_money_operations_profile_id_profiles"),
        sa.PrimaryKeyConstraint("id", name="pk_money_operations"),
        sa.UniqueConstraint("external_id", name="uq_money_operations_external_id"),
    )
    op.create_index("ix_money_operations_profile_id_created_at", "money_operations",
                    ["profile_id", "created_at"])
    op.create_index("ix_money_operations_profile_id_status", "money_operations",
                    ["profile_id", "status"])
    op.create_index("uq_money_operations_one_unresolved", "money_operations",
                    ["profile_id", "invoice_id"], unique=True,
                    sqlite_where=UNRESOLVED, postgresql_where=UNRESOLVED)

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", code(200), nullable=False),
        sa.Column("profile", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
        sa.UniqueConstraint("hash", name="uq_audit_log_hash"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    for column in ("action", "at", "operator", "subject"):
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])

    # Refuse edits and deletions outright; the hash chain then catches whoever drops these first.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_table("audit_log")
    op.drop_table("money_operations")
    op.drop_table("operators")
