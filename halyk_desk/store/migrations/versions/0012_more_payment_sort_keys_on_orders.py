"""Every column of the payments list sorts on an index: the bank's status, captured and refunded
copied onto the order too (as state, card and RRN are since 0006), and the shop's status indexed.

Sorting by these walked every order for each page the window fetched (1.3 to 4 s for the first
page on a million orders, up to 12 s for a page in the middle). The triggers of 0006 are made
again to keep the six copies true whoever writes a payment (docs/architecture.md, "Where SQL
lives").

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: (copy on orders, column on payments): 0006's three, then this migration's.
COPIES = (("payment_state", "state"), ("payment_card_mask", "card_mask"),
          ("payment_reference", "reference"), ("payment_bank_status", "bank_status"),
          ("payment_captured", "captured_minor"), ("payment_refunded", "refunded_minor"))
NEW = COPIES[3:]
INDEXES = {f"ix_orders_profile_id_{copy}_id": copy for copy, _ in NEW}
SHOP_STATUS_INDEX = "ix_orders_profile_id_shop_status_id"
_SAME_PAYMENT = "profile_id = {row}.profile_id AND invoice_id = {row}.invoice_id"


def _set_from_new(copies: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{copy} = NEW.{column}" for copy, column in copies)


def _cleared(copies: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{copy} = " + ("'unknown'" if copy == "payment_state" else "NULL")
                     for copy, _ in copies)


def upgrade() -> None:
    op.add_column("orders", sa.Column("payment_bank_status", sa.String(32), nullable=True))
    op.add_column("orders", sa.Column("payment_captured", sa.BigInteger(), nullable=True))
    op.add_column("orders", sa.Column("payment_refunded", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE orders SET " + ", ".join(f"{copy} = p.{column}" for copy, column in NEW)
        + " FROM payments AS p WHERE p.profile_id = orders.profile_id"
        " AND p.invoice_id = orders.invoice_id"
    )
    for name, copy in INDEXES.items():
        op.create_index(name, "orders", ["profile_id", copy, "id"])
    op.create_index(SHOP_STATUS_INDEX, "orders", ["profile_id", "shop_status", "id"])
    _triggers(COPIES)


def _triggers(copies: tuple[tuple[str, str], ...]) -> None:
    """(Re)make 0006's triggers for `copies`."""
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_functions(copies)
        return
    for name in ("payments_sort_keys_insert", "payments_sort_keys_update",
                 "payments_sort_keys_delete", "orders_sort_keys_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    same = _SAME_PAYMENT.format(row="NEW")
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for _, column in copies)
    op.execute(f"CREATE TRIGGER payments_sort_keys_insert AFTER INSERT ON payments "
               f"BEGIN UPDATE orders SET {_set_from_new(copies)} WHERE {same}; END")
    op.execute(f"CREATE TRIGGER payments_sort_keys_update AFTER UPDATE ON payments "
               f"WHEN {changed} BEGIN UPDATE orders SET {_set_from_new(copies)} "
               f"WHERE {same}; END")
    op.execute(f"CREATE TRIGGER payments_sort_keys_delete AFTER DELETE ON payments "
               f"BEGIN UPDATE orders SET {_cleared(copies)} "
               f"WHERE {_SAME_PAYMENT.format(row='OLD')}; END")
    names = ", ".join(copy for copy, _ in copies)
    columns = ", ".join(column for _, column in copies)
    op.execute(
        f"CREATE TRIGGER orders_sort_keys_insert AFTER INSERT ON orders "
        f"WHEN EXISTS (SELECT 1 FROM payments WHERE {same}) "
        f"BEGIN UPDATE orders SET ({names}) = (SELECT {columns} FROM payments WHERE {same}) "
        f"WHERE id = NEW.id; END"
    )


def _postgresql_functions(copies: tuple[tuple[str, str], ...]) -> None:
    # The triggers of 0006 call these functions: replacing them is enough.
    changed = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for _, column in copies)
    op.execute(
        "CREATE OR REPLACE FUNCTION payments_sort_keys() RETURNS trigger LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path FROM CURRENT AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN UPDATE orders SET {_cleared(copies)} "
        f"WHERE {_SAME_PAYMENT.format(row='OLD')}; RETURN OLD; END IF; "
        f"IF TG_OP = 'UPDATE' AND NOT ({changed}) THEN RETURN NEW; END IF; "
        f"UPDATE orders SET {_set_from_new(copies)} WHERE {_SAME_PAYMENT.format(row='NEW')}; "
        "RETURN NEW; END $$"
    )
    taken = " ".join(f"NEW.{copy} := p.{column};" for copy, column in copies)
    op.execute(
        "CREATE OR REPLACE FUNCTION orders_sort_keys() RETURNS trigger LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path FROM CURRENT AS $$ "
        "DECLARE p record; BEGIN "
        f"SELECT {', '.join(column for _, column in copies)} INTO p FROM payments "
        f"WHERE {_SAME_PAYMENT.format(row='NEW')}; "
        f"IF FOUND THEN {taken} END IF; RETURN NEW; END $$"
    )


def downgrade() -> None:
    op.drop_index(SHOP_STATUS_INDEX, table_name="orders")
    for name in INDEXES:
        op.drop_index(name, table_name="orders")
    with op.batch_alter_table("orders") as batch:
        for copy, _ in NEW:
            batch.drop_column(copy)
    _triggers(COPIES[:3])
