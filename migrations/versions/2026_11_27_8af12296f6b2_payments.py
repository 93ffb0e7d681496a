"""payments: connected Stripe accounts, payment attempts, processed webhook events

Revision ID: 8af12296f6b2
Revises: 201dffb8acc3
Create Date: 2026-11-27 10:41:20.689463

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = '8af12296f6b2'
down_revision = '201dffb8acc3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('processed_stripe_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('endpoint', sa.String(length=10), nullable=False),
    sa.Column('account', sa.String(length=255), nullable=True),
    sa.Column('object_id', sa.String(length=255), nullable=False),
    sa.Column('event_created', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('received_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processed_stripe_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_processed_stripe_events_event_id'))
    )
    with op.batch_alter_table('processed_stripe_events', schema=None) as batch_op:
        batch_op.create_index('ix_processed_stripe_events_object', ['object_id'], unique=False)

    op.create_table('connected_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=255), nullable=False),
    sa.Column('charges_enabled', sa.Boolean(), nullable=False),
    sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
    sa.Column('details_submitted', sa.Boolean(), nullable=False),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('status_event_created', sa.BigInteger(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_connected_accounts_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connected_accounts')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_connected_accounts_organization_id')),
    sa.UniqueConstraint('stripe_account_id', name=op.f('uq_connected_accounts_stripe_account_id'))
    )
    op.create_table('payment_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('destination_account_id', sa.String(length=255), nullable=True),
    sa.Column('application_fee_ore', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('intent_status', sa.String(length=30), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('refund_id', sa.String(length=255), nullable=True),
    sa.Column('refunded_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'succeeded', 'failed', 'canceled', 'refunded')", name=op.f('ck_payment_attempts_status')),
    sa.CheckConstraint('amount_ore > 0 AND application_fee_ore >= 0', name=op.f('ck_payment_attempts_money')),
    sa.CheckConstraint('attempt >= 1', name=op.f('ck_payment_attempts_attempt_positive')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_payment_attempts_reservation_id_reservations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempts')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_payment_attempts_payment_intent_id')),
    sa.UniqueConstraint('reservation_id', 'attempt', name=op.f('uq_payment_attempts_reservation_id_attempt'))
    )
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_attempts_reservation_id'), ['reservation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_attempts_reservation_id'))

    op.drop_table('payment_attempts')
    op.drop_table('connected_accounts')
    with op.batch_alter_table('processed_stripe_events', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_stripe_events_object')

    op.drop_table('processed_stripe_events')
