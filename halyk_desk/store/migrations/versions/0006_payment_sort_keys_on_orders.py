"""The payments list sorted by state, card or RRN: those keys copied onto the order, on indexes.

The list pages over orders (a never-read order has no payment row, and its state is unknown), so
a sort on the payment's own columns sorted every order for each page the window fetched (1.4 s
for the first page on a million orders, 2 to 4 s for a page in the middle). The order now keeps
a copy of its payment's state, card mask and RRN, indexed with the order's id as the list's tie
breaker, so such a page is a walk along an index like a sort by amount.

The database keeps the copies true, whoever writes: triggers on payments (insert, a change of
one of the three, delete) and on orders (an order imported after its payment was read). On
PostgreSQL the trigger functions run with their owner's rights (SECURITY DEFINER, search_path
fixed at creation), so a role that may write payments need not be granted UPDATE on orders.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: (copy on orders, column on payments)
COPIES = (("payment_state", "state"), ("payment_card_mask", "card_mask"),
          ("payment_reference", "reference"))
INDEXES = {f"ix_orders_profile_id_{copy}_id": copy for copy, _ in COPIES}
_SET_FROM_NEW = ", ".join(f"{copy} = NEW.{column}" for copy, column in COPIES)
_CLEARED = "payment_state = 'unknown', payment_card_mask = NULL, payment_reference = NULL"
_SAME_PAYMENT = "profile_id = {row}.profile_id AND invoice_id = {row}.invoice_id"
_CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for _, column in COPIES)


def code(length: int) -> sa.types.TypeEngine[str]:
    """Binary-ordered text (COLLATE "C" on PostgreSQL), like the columns they copy."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("orders", sa.Column("payment_state", sa.String(24), nullable=False,
                                      server_default="unknown"))
    op.add_column("orders", sa.Column("payment_card_mask", code(32), nullable=True))
    op.add_column("orders", sa.Column("payment_reference", code(32), nullable=True))
    op.execute(
        "UPDATE orders SET " + ", ".join(f"{copy} = p.{column}" for copy, column in COPIES)
        + " FROM payments AS p WHERE p.profile_id = orders.profile_id"
        " AND p.invoice_id = orders.invoice_id"
    )
    for name, copy in INDEXES.items():
        op.create_index(name, "orders", ["profile_id", copy, "id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    same = _SAME_PAYMENT.format(row="NEW")
    op.execute(f"CREATE TRIGGER payments_sort_keys_insert AFTER INSERT ON payments "
               f"BEGIN UPDATE orders SET {_SET_FROM_NEW} WHERE {same}; END")
    op.execute(f"CREATE TRIGGER payments_sort_keys_update AFTER UPDATE ON payments "
               f"WHEN {_CHANGED} BEGIN UPDATE orders SET {_SET_FROM_NEW} WHERE {same}; END")
    op.execute(f"CREATE TRIGGER payments_sort_keys_delete AFTER DELETE ON payments "
               f"BEGIN UPDATE orders SET {_CLEARED} "
               f"WHERE {_SAME_PAYMENT.format(row='OLD')}; END")
    copies = ", ".join(copy for copy, _ in COPIES)
    columns = ", ".join(column for _, column in COPIES)
    op.execute(
        f"CREATE TRIGGER orders_sort_keys_insert AFTER INSERT ON orders "
        f"WHEN EXISTS (SELECT 1 FROM payments WHERE {same}) "
        f"BEGIN UPDATE orders SET ({copies}) = (SELECT {columns} FROM payments WHERE {same}) "
        f"WHERE id = NEW.id; END"
    )


def _postgresql_triggers() -> None:
    changed = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for _, column in COPIES)
    op.execute(
        "CREATE FUNCTION payments_sort_keys() RETURNS trigger LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path FROM CURRENT AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN UPDATE orders SET {_CLEARED} "
        f"WHERE {_SAME_PAYMENT.format(row='OLD')}; RETURN OLD; END IF; "
        f"IF TG_OP = 'UPDATE' AND NOT ({changed}) THEN RETURN NEW; END IF; "
        f"UPDATE orders SET {_SET_FROM_NEW} WHERE {_SAME_PAYMENT.format(row='NEW')}; "
        "RETURN NEW; END $$"
    )
    op.execute("CREATE TRIGGER payments_sort_keys AFTER INSERT OR UPDATE OR DELETE ON payments "
               "FOR EACH ROW EXECUTE FUNCTION payments_sort_keys()")
    # Before the insert: the new row itself takes the copies, no second write.
    op.execute(
        "CREATE FUNCTION orders_sort_keys() RETURNS trigger LANGUAGE plpgsql "
        "SECURITY DEFINER SET search_path FROM CURRENT AS $$ "
        "DECLARE p record; BEGIN "
        "SELECT state, card_mask, reference INTO p FROM payments "
        f"WHERE {_SAME_PAYMENT.format(row='NEW')}; "
        "IF FOUND THEN NEW.payment_state := p.state; NEW.payment_card_mask := p.card_mask; "
        "NEW.payment_reference := p.reference; END IF; RETURN NEW; END $$"
    )
    op.execute("CREATE TRIGGER orders_sort_keys BEFORE INSERT ON orders "
               "FOR EACH ROW EXECUTE FUNCTION orders_sort_keys()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER orders_sort_keys ON orders")
        op.execute("DROP FUNCTION orders_sort_keys()")
        op.execute("DROP TRIGGER payments_sort_keys ON payments")
        op.execute("DROP FUNCTION payments_sort_keys()")
    else:
        for name in ("orders_sort_keys_insert", "payments_sort_keys_insert",
                     "payments_sort_keys_update", "payments_sort_keys_delete"):
            op.execute(f"DROP TRIGGER {name}")
    for name in INDEXES:
        op.drop_index(name, table_name="orders")
    with op.batch_alter_table("orders") as batch:
        for copy, _ in COPIES:
            batch.drop_column(copy)
