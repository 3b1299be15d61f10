"""nudge pause: why and until when a case's reminder nudges are paused

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply the migration."""
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nudges_paused_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("nudges_paused_until", portal.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Revert the migration."""
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("nudges_paused_until")
        batch_op.drop_column("nudges_paused_reason")
