"""Reference data comes with the schema

The categories and emission factors are defined in code and ensured by ``flask db
upgrade`` itself (``migrations/env.py`` calls ``app.reference.ensure_reference_data``
whenever the database is at the newest revision), so later releases bring new
categories and factors with the next upgrade. This revision changes no table; its
downgrade flattens the category tree so that the listings revision can drop the
categories table on SQLite (a self-referencing row blocks DROP TABLE there). Upgrading
again restores the tree.

Revision ID: a7c3e1f0b2d4
Revises: df25950e1fd3
Create Date: 2026-12-04 07:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e1f0b2d4'
down_revision = 'df25950e1fd3'
branch_labels = None
depends_on = None


def upgrade():
    pass  # the data is ensured after every upgrade to head (migrations/env.py)


def downgrade():
    op.execute("UPDATE categories SET parent_id = NULL")
