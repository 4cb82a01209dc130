"""Bank profiles learn the merchant cabinet's user and how their bank pages the operations list.

The bank documents its operations list (and invoice links) under the cabinet user's login; the
user's name is kept with the profile (its password, like the client secret, stays in each
computer's keyring). The bank's pages disagree about what `paging.page` means: the convention
found on first use is kept per profile, so that every later sync pages it the same way.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("cabinet_user", sa.String(200), nullable=True))
        batch.add_column(sa.Column("operations_paging", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("operations_paging")
        batch.drop_column("cabinet_user")
