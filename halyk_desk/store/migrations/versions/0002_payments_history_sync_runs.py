"""The bank's picture: payments, their status history, and sync runs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """Binary-ordered text (COLLATE "C" on PostgreSQL) so that prefix search can use an index."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", code(15), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("bank_status", sa.String(32), nullable=True),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("original_minor", sa.BigInteger(), nullable=False),
        sa.Column("held_minor", sa.BigInteger(), nullable=False),
        sa.Column("captured_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("remaining_minor", sa.BigInteger(), nullable=False),
        sa.Column("card_mask", code(32), nullable=True),
        sa.Column("card_last4", sa.String(4), nullable=True),
        sa.Column("card_type", sa.String(32), nullable=True),
        sa.Column("reference", code(32), nullable=True),
        sa.Column("approval_code", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_error", sa.String(500), nullable=True),
        sa.Column("raw_reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_payments_profile_id_profiles"),
        sa.UniqueConstraint("profile_id", "invoice_id", name="uq_payments_profile_id_invoice_id"),
    )
    for columns in (("profile_id", "state"), ("profile_id", "reference"),
                    ("profile_id", "card_mask"), ("profile_id", "card_last4"),
                    ("transaction_id",)):
        op.create_index(f"ix_payments_{'_'.join(columns)}", "payments", list(columns))

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("date_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("include_final", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("read_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.Column("not_found_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_sync_runs_profile_id_profiles"),
    )
    op.create_index("ix_sync_runs_profile_id_started_at", "sync_runs",
                    ["profile_id", "started_at"])

    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_state", sa.String(24), nullable=True),
        sa.Column("new_state", sa.String(24), nullable=False),
        sa.Column("old_bank_status", sa.String(32), nullable=True),
        sa.Column("new_bank_status", sa.String(32), nullable=True),
        sa.Column("sync_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], ondelete="CASCADE",
                                name="fk_status_history_payment_id_payments"),
        sa.ForeignKeyConstraint(["sync_run_id"], ["sync_runs.id"], ondelete="SET NULL",
                                name="fk_status_history_sync_run_id_sync_runs"),
    )
    op.create_index("ix_status_history_payment_id_at", "status_history", ["payment_id", "at"])


def downgrade() -> None:
    op.drop_table("status_history")
    op.drop_table("sync_runs")
    op.drop_table("payments")
