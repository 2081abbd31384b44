"""User session epoch: logout and a new password end every session of the user

Revision ID: 5e551e0e90c4
Revises: 5e7a1c0d9b42
Create Date: 2026-12-05 07:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e551e0e90c4"
down_revision = "5e7a1c0d9b42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
