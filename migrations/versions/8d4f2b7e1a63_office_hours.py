"""Office hours: weekly sessions per office, a last-ticket time per service, and the count of
tickets closed as not served in the report totals

Revision ID: 8d4f2b7e1a63
Revises: 5c1e2a9b7d40
Create Date: 2026-12-05 08:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d4f2b7e1a63"
down_revision = "5c1e2a9b7d40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "office_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office_id", "weekday", "opens"),
    )
    with op.batch_alter_table("office_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_office_session_office_id"), ["office_id"], unique=False
        )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_ticket", sa.Time(), nullable=True))
    for table in ("report_day", "report_month"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("unserved", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade():
    for table in ("report_day", "report_month"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("unserved")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("last_ticket")
    with op.batch_alter_table("office_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_session_office_id"))
    op.drop_table("office_session")
