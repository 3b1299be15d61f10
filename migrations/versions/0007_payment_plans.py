"""payment plans: a debtor's plan request and agreement, with its schedule and progress

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CURRENT = sa.text("status IN ('requested', 'approved')")


def upgrade() -> None:
    """Apply the migration."""
    op.create_table(
        "payment_plan",
        sa.Column("id", ID, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("installment_count", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("grace_ends_on", sa.Date(), nullable=True),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("creditor_message", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("requested_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_payment_plan_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plan")),
        sa.UniqueConstraint("public_id", name=op.f("uq_payment_plan_public_id")),
    )
    with op.batch_alter_table("payment_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_plan_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_payment_plan_status_grace_ends_on", ["status", "grace_ends_on"], unique=False)
        batch_op.create_index(
            "ix_payment_plan_one_current_per_case",
            ["case_id"],
            unique=True,
            sqlite_where=CURRENT,
            postgresql_where=CURRENT,
        )


def downgrade() -> None:
    """Revert the migration."""
    op.drop_table("payment_plan")
