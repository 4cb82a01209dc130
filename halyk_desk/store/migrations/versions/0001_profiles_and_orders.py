"""Profiles and the shop's orders.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """Binary-ordered text (COLLATE "C" on PostgreSQL) so that prefix search can use an index."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("oauth_url", sa.String(500), nullable=True),
        sa.Column("api_url", sa.String(500), nullable=True),
        sa.Column("client_id", sa.String(200), nullable=True),
        sa.Column("terminal_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_profiles"),
        sa.UniqueConstraint("name", name="uq_profiles_name"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", code(15), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer", sa.String(255), nullable=True),
        sa.Column("customer_key", code(255), nullable=True),
        sa.Column("shop_status", sa.String(100), nullable=True),
        sa.Column("shop_paid", sa.Boolean(), nullable=True),
        sa.Column("source_file", sa.String(1000), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_orders_profile_id_profiles"),
        sa.UniqueConstraint("profile_id", "invoice_id", name="uq_orders_profile_id_invoice_id"),
    )
    op.create_index("ix_orders_profile_id_created_at", "orders", ["profile_id", "created_at"])
    op.create_index("ix_orders_profile_id_customer_key", "orders", ["profile_id", "customer_key"])


def downgrade() -> None:
    op.drop_table("orders")
    op.drop_table("profiles")
