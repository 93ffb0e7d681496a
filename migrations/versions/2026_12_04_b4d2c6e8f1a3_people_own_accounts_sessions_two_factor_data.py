"""People's own accounts (issue #18): a row per sign-in (user_sessions), two-factor
(two_factor, hashed recovery codes, organisations that require it), where an API token was
last used, personal-data exports, warnings before unused accounts are deleted, and erased
accounts (users.erased_at).

Existing browser sessions end with this revision (a login id now names its session row):
people sign in again once.

Revision ID: b4d2c6e8f1a3
Revises: e5a1c0de2f16
Create Date: 2026-12-04 14:45:00

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'b4d2c6e8f1a3'
down_revision = 'e5a1c0de2f16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('filename', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'ready', 'failed', 'expired')", name=op.f('ck_data_exports_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index('ix_data_exports_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_data_exports_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('inactivity_warnings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('warned_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inactivity_warnings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_inactivity_warnings'))
    )
    op.create_table('two_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_step', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor')),
    sa.UniqueConstraint('user_id', name=op.f('uq_two_factor_user_id'))
    )
    op.create_table('two_factor_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factor_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_recovery_codes'))
    )
    with op.batch_alter_table('two_factor_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_two_factor_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device', sa.String(length=100), server_default='', nullable=False),
    sa.Column('place', sa.String(length=64), server_default='', nullable=False),
    sa.Column('ended_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('two_factor_passed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_sessions_secret_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_place', sa.String(length=64), server_default='', nullable=False))

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_two_factor', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', app.db.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('require_two_factor')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_place')

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('two_factor_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_two_factor_recovery_codes_user_id'))

    op.drop_table('two_factor_recovery_codes')
    op.drop_table('two_factor')
    op.drop_table('inactivity_warnings')
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index('ix_data_exports_user_created')
        batch_op.drop_index('ix_data_exports_status_expires')

    op.drop_table('data_exports')
