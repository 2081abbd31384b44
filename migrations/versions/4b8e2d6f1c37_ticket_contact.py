"""The phone number a citizen gives to be told by message when their ticket's turn comes

Revision ID: 4b8e2d6f1c37
Revises: b7d2e4f6a813
Create Date: 2026-12-05 12:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

from onestop.dbtypes import UTCDateTime

# revision identifiers, used by Alembic.
revision = "4b8e2d6f1c37"
down_revision = "b7d2e4f6a813"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )


def downgrade():
    op.drop_table("ticket_contact")
