"""The outbox of messages to citizens and the admin's message texts

Revision ID: 9a1f3c5e7b20
Revises: 8d4f2b7e1a63
Create Date: 2026-12-05 12:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

from onestop.dbtypes import UTCDateTime

# revision identifiers, used by Alembic.
revision = "9a1f3c5e7b20"
down_revision = "8d4f2b7e1a63"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("to", sa.String(length=20), nullable=True),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "next_attempt_at"])
    op.create_table(
        "message_template",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )


def downgrade():
    op.drop_table("message_template")
    op.drop_index("ix_outbox_message_due", table_name="outbox_message")
    op.drop_table("outbox_message")
