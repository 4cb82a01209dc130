"""The payments list sorted by amount: an index in that order, ties broken by the order's id.

Without it, a sort by amount sorted every order for each page the window fetched (seconds on a
million orders, tens of seconds for a page deep in the list); with it, a page is a walk along the
index, and a page deep in the list is skipped to on the index alone.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_profile_id_amount_minor_id", "orders",
                    ["profile_id", "amount_minor", "id"])


def downgrade() -> None:
    op.drop_index("ix_orders_profile_id_amount_minor_id", table_name="orders")
