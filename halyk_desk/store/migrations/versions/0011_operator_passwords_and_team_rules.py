"""Who is acting: operators' passwords (a slow salted hash) and the sign-in slow-down; on
PostgreSQL, triggers that hold every login of a team group (services.team) to its own name.

For a login in one of the groups halyk_accountant, halyk_manager, halyk_admin:
- a money operation is asked for in the login's own name, and not already approved;
- its asker never changes; an approval or a rejection is made in the login's own name, and an
  approval never by the login that asked;
- an audit entry is written in the login's own name.
The schema owner (and a superuser) is no such login: the program's own tests and a migration run
as the owner, who can drop these triggers anyway.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_IN_A_GROUP = """
    SELECT EXISTS (
        SELECT 1 FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE u.rolname = current_user
          AND g.rolname IN ('halyk_accountant', 'halyk_manager', 'halyk_admin'))
"""

MONEY_RULES = f"""
CREATE FUNCTION halyk_team_login() RETURNS boolean LANGUAGE sql STABLE AS $$ {_IN_A_GROUP} $$;

CREATE FUNCTION money_operations_own_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT halyk_team_login() THEN RETURN NEW; END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.operator <> current_user THEN
            RAISE EXCEPTION 'login % may not ask for a money operation in the name of %',
                current_user, NEW.operator;
        END IF;
        IF NEW.approved_by IS NOT NULL THEN
            RAISE EXCEPTION 'a money operation is approved after it is asked for, not with it';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.operator <> OLD.operator THEN
        RAISE EXCEPTION 'who asked for money operation % cannot be changed', OLD.id;
    END IF;
    IF NEW.approved_by IS DISTINCT FROM OLD.approved_by THEN
        IF OLD.approved_by IS NOT NULL OR NEW.approved_by IS DISTINCT FROM current_user THEN
            RAISE EXCEPTION 'login % may approve money operation % only in its own name',
                current_user, OLD.id;
        END IF;
        IF NEW.approved_by = OLD.operator THEN
            RAISE EXCEPTION 'money operation % was asked for by %: another login must approve it',
                OLD.id, OLD.operator;
        END IF;
    END IF;
    IF NEW.rejected_by IS DISTINCT FROM OLD.rejected_by
            AND NEW.rejected_by IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'login % may reject money operation % only in its own name',
            current_user, OLD.id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER money_operations_own_name BEFORE INSERT OR UPDATE ON money_operations
    FOR EACH ROW EXECUTE FUNCTION money_operations_own_name();

CREATE FUNCTION audit_log_own_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF halyk_team_login() AND NEW.operator <> current_user THEN
        RAISE EXCEPTION 'login % may not write audit entries in the name of %',
            current_user, NEW.operator;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_own_name BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_own_name();
"""


def upgrade() -> None:
    op.add_column("operators", sa.Column("password_hash", sa.String(200), nullable=True))
    op.add_column("operators", sa.Column("failed_signins", sa.Integer(), nullable=False,
                                         server_default="0"))
    op.add_column("operators", sa.Column("signin_wait_until", sa.DateTime(timezone=True),
                                         nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(MONEY_RULES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_own_name ON audit_log")
        op.execute("DROP FUNCTION audit_log_own_name()")
        op.execute("DROP TRIGGER money_operations_own_name ON money_operations")
        op.execute("DROP FUNCTION money_operations_own_name()")
        op.execute("DROP FUNCTION halyk_team_login()")
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("signin_wait_until")
        batch.drop_column("failed_signins")
        batch.drop_column("password_hash")
