"""The seller's and buyer's day (notifications for every kind, questions, pickup times,
one waiting request per organisation and listing) and Norwegian search relevance
(directed synonyms with admin edits, the zero-result log).

Data steps, each written and tested with its domain:
* notifications: the old match e-mail choice becomes a choice for both match kinds and
  old match entries get their link (``app.notifications.models.upgrade_data``), before
  ``notification_preferences.email_mode`` goes;
* pickup times: reservations that already have a pickup time get their calendar UID
  (``app.pickup.agreement.upgrade_data``);
* one waiting request: duplicates are cancelled, the oldest kept, before the partial
  unique index (``app.questions.upgrade.upgrade_data``);
* matching: stored request terms are recomputed with the new stemmer, compounds and
  synonyms (``app.matching.services.upgrade_data``; ``flask matching run`` does the same).

Revision ID: e5a1c0de2f16
Revises: a7c3e1f0b2d4
Create Date: 2026-12-04 11:05:00

"""
from alembic import op
import sqlalchemy as sa

import app.db


# revision identifiers, used by Alembic.
revision = 'e5a1c0de2f16'
down_revision = 'a7c3e1f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_synonym_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=80), nullable=False),
    sa.Column('finds', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym_edits')),
    sa.UniqueConstraint('word', 'finds', name='uq_search_synonym_edits_pair')
    )
    op.create_table('search_zero_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_seen', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_zero_results')),
    sa.UniqueConstraint('query', 'category', name='uq_search_zero_results_query')
    )
    with op.batch_alter_table('search_zero_results', schema=None) as batch_op:
        batch_op.create_index('ix_search_zero_results_rank', ['count', 'last_seen'], unique=False)

    op.create_table('notification_choices',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('email_mode', sa.String(length=10), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("email_mode IN ('immediate', 'daily', 'off')", name=op.f('ck_notification_choices_email_mode')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_choices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_choices'))
    )
    op.create_table('pickup_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=13), nullable=True),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.CheckConstraint('(weekdays IS NULL) <> (day IS NULL)', name=op.f('ck_pickup_windows_weekly_or_dated')),
    sa.CheckConstraint('ends > starts', name=op.f('ck_pickup_windows_ends_after_start')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_pickup_windows_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_windows'))
    )
    with op.batch_alter_table('pickup_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pickup_windows_listing_id'), ['listing_id'], unique=False)

    op.create_table('question_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('asker_org_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('asker_org_id <> seller_org_id', name=op.f('ck_question_threads_not_own_listing')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_question_threads_asked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asker_org_id'], ['organizations.id'], name=op.f('fk_question_threads_asker_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_question_threads_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organizations.id'], name=op.f('fk_question_threads_seller_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_threads')),
    sa.UniqueConstraint('listing_id', 'asker_org_id', name='uq_question_threads_pair')
    )
    with op.batch_alter_table('question_threads', schema=None) as batch_op:
        batch_op.create_index('ix_question_threads_asker_updated', ['asker_org_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_question_threads_seller_updated', ['seller_org_id', 'updated_at'], unique=False)

    op.create_table('question_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_org_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(body) <= 2000', name=op.f('ck_question_messages_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_question_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_org_id'], ['organizations.id'], name=op.f('fk_question_messages_author_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['question_threads.id'], name=op.f('fk_question_messages_thread_id_question_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_messages'))
    )
    with op.batch_alter_table('question_messages', schema=None) as batch_op:
        batch_op.create_index('ix_question_messages_org_created', ['author_org_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_messages_thread_id'), ['thread_id'], unique=False)

    # Notifications of every kind (the kind CHECK listed the two match kinds only).
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_kind'), type_='check')
        batch_op.add_column(sa.Column('path', sa.String(length=500), server_default='', nullable=False))
        batch_op.alter_column('kind',
               existing_type=sa.VARCHAR(length=30),
               type_=sa.String(length=40),
               existing_nullable=False)

    from app.notifications.models import upgrade_data as notifications_data
    notifications_data(op.get_bind())

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notification_preferences_email_mode'), type_='check')
        batch_op.drop_column('email_mode')

    # Pickup times, then one waiting request per organisation and listing.
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pickup_end_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pickup_agreed_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pickup_uid', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('pickup_sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('pickup_reminded_at', app.db.UTCDateTime(timezone=True), nullable=True))

    from app.pickup.agreement import upgrade_data as pickup_data
    from app.questions.upgrade import upgrade_data as waiting_requests_data
    pickup_data(op.get_bind())
    waiting_requests_data(op.get_bind())

    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('uq_reservations_one_open_request', ['listing_id', 'buyer_org_id'], unique=True, sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))
        batch_op.create_unique_constraint(batch_op.f('uq_reservations_pickup_uid'), ['pickup_uid'])

    # Matching's stored request terms (needs search_synonym_edits for the admins' edits).
    from app.matching.services import upgrade_data as matching_data
    matching_data(op.get_bind())



def downgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_reservations_pickup_uid'), type_='unique')
        batch_op.drop_index('uq_reservations_one_open_request', sqlite_where=sa.text("status = 'requested'"), postgresql_where=sa.text("status = 'requested'"))
        batch_op.drop_column('pickup_reminded_at')
        batch_op.drop_column('pickup_sequence')
        batch_op.drop_column('pickup_uid')
        batch_op.drop_column('pickup_agreed_at')
        batch_op.drop_column('pickup_end_at')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.String(length=40),
               type_=sa.VARCHAR(length=30),
               existing_nullable=False)
        batch_op.drop_column('path')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_kind'), "kind IN ('match_for_request', 'request_for_listing')")

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_mode', sa.VARCHAR(length=10), server_default='immediate', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_notification_preferences_email_mode'), "email_mode IN ('immediate', 'daily', 'off')")

    with op.batch_alter_table('question_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_messages_thread_id'))
        batch_op.drop_index('ix_question_messages_org_created')

    op.drop_table('question_messages')
    with op.batch_alter_table('question_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_question_threads_seller_updated')
        batch_op.drop_index('ix_question_threads_asker_updated')

    op.drop_table('question_threads')
    with op.batch_alter_table('pickup_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pickup_windows_listing_id'))

    op.drop_table('pickup_windows')
    op.drop_table('notification_choices')
    with op.batch_alter_table('search_zero_results', schema=None) as batch_op:
        batch_op.drop_index('ix_search_zero_results_rank')

    op.drop_table('search_zero_results')
    op.drop_table('search_synonym_edits')
