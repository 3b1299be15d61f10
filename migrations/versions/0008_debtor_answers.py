"""debtor answers: disputes with evidence files, promises to pay, "already paid" reports, call-back requests

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = portal.models.base.UTCDateTime(timezone=True)
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _head(table: str) -> list:
    """The columns every answer table starts with."""
    return [
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f(f"fk_{table}_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("public_id", name=op.f(f"uq_{table}_public_id")),
    ]


def _case_index(table: str) -> None:
    """The index on case_id."""
    op.create_index(op.f(f"ix_{table}_case_id"), table, ["case_id"], unique=False)


def upgrade() -> None:
    """Apply the migration."""
    op.create_table(
        "dispute",
        *_head("dispute"),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("resolution_message", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=60), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
    )
    _case_index("dispute")
    open_only = sa.text("status = 'open'")
    op.create_index(
        "ix_dispute_one_open_per_case", "dispute", ["case_id"], unique=True,
        sqlite_where=open_only, postgresql_where=open_only,
    )  # fmt: skip
    op.create_table(
        "dispute_file",
        *_head("dispute_file"),
        sa.Column("dispute_id", BIGINT, nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"], name=op.f("fk_dispute_file_dispute_id_dispute")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_dispute_file_stored_name")),
    )
    _case_index("dispute_file")
    op.create_index(op.f("ix_dispute_file_dispute_id"), "dispute_file", ["dispute_id"], unique=False)
    op.create_table(
        "promise",
        *_head("promise"),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("deadline_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("settled_at", UTC, nullable=True),
    )
    _case_index("promise")
    active_only = sa.text("status = 'active'")
    op.create_index(
        "ix_promise_one_active_per_case", "promise", ["case_id"], unique=True,
        sqlite_where=active_only, postgresql_where=active_only,
    )  # fmt: skip
    op.create_index("ix_promise_status_deadline_at", "promise", ["status", "deadline_at"], unique=False)
    op.create_table(
        "paid_report",
        *_head("paid_report"),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("paused_until", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    _case_index("paid_report")
    op.create_table(
        "callback_request",
        *_head("callback_request"),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("window", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    _case_index("callback_request")


def downgrade() -> None:
    """Revert the migration."""
    for table in ("callback_request", "paid_report", "promise", "dispute_file", "dispute"):
        op.drop_table(table)
