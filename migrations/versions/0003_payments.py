"""payments: attempts, provider events, the outbox; payment and creditor columns for paying online

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNSETTLED = sa.text("status IN ('open', 'pending')")


def upgrade() -> None:
    """Apply the migration."""
    op.create_table(
        "payment_attempt",
        sa.Column("id", ID, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_account", sa.String(length=64), nullable=True),
        sa.Column("provider_session_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.String(length=2000), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_payment_attempt_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempt")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_attempt_idempotency_key")),
        sa.UniqueConstraint(
            "provider", "provider_session_id", name=op.f("uq_payment_attempt_provider_provider_session_id")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_payment_attempt_public_id")),
    )
    with op.batch_alter_table("payment_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_attempt_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_payment_attempt_one_unsettled_per_case",
            ["case_id"],
            unique=True,
            sqlite_where=UNSETTLED,
            postgresql_where=UNSETTLED,
        )

    op.create_table(
        "provider_event",
        sa.Column("id", ID, nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("received_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_event")),
        sa.UniqueConstraint("provider", "event_id", name=op.f("uq_provider_event_provider_event_id")),
    )

    op.create_table(
        "outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_outbox_case_id_case")),
        sa.ForeignKeyConstraint(["creditor_id"], ["creditor.id"], name=op.f("fk_outbox_creditor_id_creditor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("public_id", name=op.f("uq_outbox_public_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_creditor_id"), ["creditor_id"], unique=False)
        batch_op.create_index("ix_outbox_status_available_at", ["status", "available_at"], unique=False)

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt_id", ID, nullable=True))
        batch_op.add_column(sa.Column("overpaid", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("refunded", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("balance_after", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("disputed_at", portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_payment_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_attempt_id_payment_attempt"), "payment_attempt", ["attempt_id"], ["id"]
        )

    with op.batch_alter_table("creditor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_account", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert the migration."""
    with op.batch_alter_table("creditor", schema=None) as batch_op:
        batch_op.drop_column("stripe_account")

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payment_attempt_id_payment_attempt"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_payment_attempt_id"))
        batch_op.drop_column("disputed_at")
        batch_op.drop_column("balance_after")
        batch_op.drop_column("refunded")
        batch_op.drop_column("overpaid")
        batch_op.drop_column("attempt_id")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_available_at")
        batch_op.drop_index(batch_op.f("ix_outbox_creditor_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_case_id"))
    op.drop_table("outbox")
    op.drop_table("provider_event")
    with op.batch_alter_table("payment_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempt_one_unsettled_per_case")
        batch_op.drop_index(batch_op.f("ix_payment_attempt_case_id"))
    op.drop_table("payment_attempt")
