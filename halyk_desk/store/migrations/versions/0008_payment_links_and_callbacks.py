"""Taking payments: a profile's shop id and callback address, payment links, received callbacks.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def code(length: int) -> sa.types.TypeEngine[str]:
    """Binary-ordered text (COLLATE "C" on PostgreSQL), like the other identifier columns."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("shop_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("callback_url", sa.String(500), nullable=True))

    op.create_table(
        "payment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", code(15), nullable=False),
        sa.Column("link_id", sa.String(64), nullable=True),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("bank_status", sa.String(32), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_payment_links_profile_id_profiles"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_links"),
        sa.UniqueConstraint("profile_id", "invoice_id",
                            name="uq_payment_links_profile_id_invoice_id"),
    )
    op.create_index("ix_payment_links_link_id", "payment_links", ["link_id"])

    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("invoice_id", code(15), nullable=True),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.String(200), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_status", sa.String(32), nullable=True),
        sa.Column("check_error", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"],
                                name="fk_callbacks_profile_id_profiles"),
        sa.PrimaryKeyConstraint("id", name="pk_callbacks"),
        sa.UniqueConstraint("profile_id", "body_sha256",
                            name="uq_callbacks_profile_id_body_sha256"),
    )
    op.create_index("ix_callbacks_profile_id_invoice_id", "callbacks",
                    ["profile_id", "invoice_id"])
    op.create_index("ix_callbacks_profile_id_checked_at", "callbacks",
                    ["profile_id", "checked_at"])


def downgrade() -> None:
    op.drop_table("callbacks")
    op.drop_table("payment_links")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("callback_url")
        batch.drop_column("shop_id")
