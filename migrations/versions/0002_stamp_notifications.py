"""PostgreSQL tells every app process when a case's or creditor's stamp changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Each app process keeps a small cache of case stamps (portal.stampcache) and listens on the
channel below; these triggers notify it of every UPDATE or DELETE of a case or creditor row,
whichever code made the change (ORM, Core, bulk, psql). SQLite has no notifications, so there
the cache is off and nothing is created.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHANNEL = "betal_stamp"


def upgrade() -> None:
    """Create the notifying function and its triggers (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION betal_notify_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'case' THEN
                PERFORM pg_notify('{CHANNEL}', 'case:' || OLD.public_id);
            ELSE
                PERFORM pg_notify('{CHANNEL}', 'creditor:' || OLD.id);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    for table in ("case", "creditor"):
        op.execute(
            f'CREATE TRIGGER {table}_notify_stamp AFTER UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION betal_notify_stamp()"
        )


def downgrade() -> None:
    """Drop the triggers and the function."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("case", "creditor"):
        op.execute(f'DROP TRIGGER IF EXISTS {table}_notify_stamp ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS betal_notify_stamp()")
