"""Search folds ё into е: the customers' search keys written before are folded the same way.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE orders SET customer_key = REPLACE(customer_key, 'ё', 'е') "
               "WHERE customer_key LIKE '%ё%'")


def downgrade() -> None:
    pass  # the folded keys find and sort what the old ones did, and more
