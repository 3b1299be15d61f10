"""messages: reminder flows, template overrides, case flow state, messages; outbox claim token

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply the migration."""
    op.create_table('message_flow',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('creditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.Column('sms_sender', sa.String(length=11), nullable=True),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditor.id'], name=op.f('fk_message_flow_creditor_id_creditor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_flow')),
    sa.UniqueConstraint('creditor_id', name=op.f('uq_message_flow_creditor_id'))
    )
    op.create_table('message_template',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('creditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditor.id'], name=op.f('fk_message_template_creditor_id_creditor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_template')),
    sa.UniqueConstraint('creditor_id', 'channel', 'locale', 'name', name=op.f('uq_message_template_creditor_id_channel_locale_name'))
    )
    with op.batch_alter_table('message_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_template_creditor_id'), ['creditor_id'], unique=False)

    op.create_table('case_flow',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('creditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('next_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('waiting_on', sa.String(length=20), nullable=True),
    sa.Column('sms_stopped', sa.String(length=40), nullable=True),
    sa.Column('email_stopped', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_case_flow_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditor.id'], name=op.f('fk_case_flow_creditor_id_creditor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_flow')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_flow_case_id'))
    )
    with op.batch_alter_table('case_flow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_flow_creditor_id'), ['creditor_id'], unique=False)
        batch_op.create_index('ix_case_flow_state_next_at', ['state', 'next_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_flow_waiting_on'), ['waiting_on'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('creditor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=True),
    sa.Column('variant', sa.String(length=1), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=True),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_message_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditor.id'], name=op.f('fk_message_creditor_id_creditor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
    sa.UniqueConstraint('case_id', 'step', name=op.f('uq_message_case_id_step')),
    sa.UniqueConstraint('public_id', name=op.f('uq_message_public_id'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_case_id_local_day', ['case_id', 'local_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_creditor_id'), ['creditor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_provider_ref'), ['provider_ref'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))



def downgrade() -> None:
    """Revert the migration."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claim_token')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_provider_ref'))
        batch_op.drop_index(batch_op.f('ix_message_creditor_id'))
        batch_op.drop_index('ix_message_case_id_local_day')

    op.drop_table('message')
    with op.batch_alter_table('case_flow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_flow_waiting_on'))
        batch_op.drop_index('ix_case_flow_state_next_at')
        batch_op.drop_index(batch_op.f('ix_case_flow_creditor_id'))

    op.drop_table('case_flow')
    with op.batch_alter_table('message_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_template_creditor_id'))

    op.drop_table('message_template')
    op.drop_table('message_flow')
