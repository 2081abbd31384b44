"""The applicant's opt-in to messages about their dossier

Revision ID: 4b8e2d6f1c39
Revises: 9a1f3c5e7b20
Create Date: 2026-12-05 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4b8e2d6f1c39"
down_revision = "9a1f3c5e7b20"
branch_labels = None
depends_on = None


def upgrade():
    # Dossiers taken in before: nobody was asked, so nobody gets messages.
    with op.batch_alter_table("dossier") as batch_op:
        batch_op.add_column(
            sa.Column("notify_opt_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("dossier") as batch_op:
        batch_op.drop_column("notify_opt_in")
