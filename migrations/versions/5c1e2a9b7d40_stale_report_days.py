"""Stale report days: past days whose precomputed report totals a write has changed

Revision ID: 5c1e2a9b7d40
Revises: cb863d235b16
Create Date: 2026-12-05 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import onestop.dbtypes

# revision identifiers, used by Alembic.
revision = "5c1e2a9b7d40"
down_revision = "cb863d235b16"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stale_report_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", onestop.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stale_report_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stale_report_days_office_id"), ["office_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("stale_report_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stale_report_days_office_id"))
    op.drop_table("stale_report_days")
