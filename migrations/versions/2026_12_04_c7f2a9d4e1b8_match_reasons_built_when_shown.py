"""Match reasons are built when a match is shown (issue #19): ``matches.reasons`` becomes
nullable, and NULL means "build them from the listing and the request as they are now".

Reasons stored by earlier versions are cleared, so every match explains itself from the
current listing and request (the same code that scored it). A downgrade cannot bring
the old texts back: it stores an empty list where none is stored.

Revision ID: c7f2a9d4e1b8
Revises: b4d2c6e8f1a3
Create Date: 2026-12-04 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7f2a9d4e1b8'
down_revision = 'b4d2c6e8f1a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.alter_column('reasons', existing_type=sa.JSON(), nullable=True)
    op.execute("UPDATE matches SET reasons = NULL")


def downgrade():
    op.execute("UPDATE matches SET reasons = '[]' WHERE reasons IS NULL")
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.alter_column('reasons', existing_type=sa.JSON(), nullable=False)
