"""Reconciliation: each run's summary, and the discrepancies people marked resolved.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """Binary-ordered text (COLLATE "C" on PostgreSQL), like the other identifier columns."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_reconciliation_runs_profile_id_profiles"),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_runs"),
    )
    op.create_index("ix_reconciliation_runs_profile_id_at", "reconciliation_runs",
                    ["profile_id", "at"])

    op.create_table(
        "discrepancy_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("key", code(200), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_discrepancy_marks_profile_id_profiles"),
        sa.PrimaryKeyConstraint("id", name="pk_discrepancy_marks"),
        sa.UniqueConstraint("profile_id", "category", "key",
                            name="uq_discrepancy_marks_profile_id_category_key"),
    )


def downgrade() -> None:
    op.drop_table("discrepancy_marks")
    op.drop_index("ix_reconciliation_runs_profile_id_at", table_name="reconciliation_runs")
    op.drop_table("reconciliation_runs")
