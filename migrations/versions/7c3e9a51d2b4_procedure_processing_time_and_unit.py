"""Procedure processing time as a number and a unit

Existing whole numbers of working days keep their value, in working days.

Revision ID: 7c3e9a51d2b4
Revises: 5e551e0e90c4
Create Date: 2026-12-05 07:40:00.000000

"""

from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3e9a51d2b4"
down_revision = "5e551e0e90c4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "processing_time",
                sa.Numeric(precision=6, scale=2, asdecimal=False),
                nullable=False,
                server_default="0",
            )
        )
        batch_op.add_column(
            sa.Column(
                "processing_unit",
                sa.String(length=16),
                nullable=False,
                server_default="working_days",
            )
        )
    op.execute("UPDATE procedure SET processing_time = processing_days")
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.drop_column("processing_days")
        # The model sets both on every insert; no server default is kept.
        batch_op.alter_column("processing_time", server_default=None)
        batch_op.alter_column("processing_unit", server_default=None)


def downgrade():
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("processing_days", sa.Integer(), nullable=False, server_default="0")
        )
    # Whole working days come back as they were; other units become their nearest whole
    # number of days (working hours as 8-hour days), rounded up so no due date gets earlier.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, processing_time, processing_unit FROM procedure")
    ).all()
    for row_id, value, unit in rows:
        days = Decimal(str(value)) / (8 if unit == "working_hours" else 1)
        connection.execute(
            sa.text("UPDATE procedure SET processing_days = :days WHERE id = :id"),
            {"days": int(days.to_integral_value(rounding=ROUND_CEILING)), "id": row_id},
        )
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.alter_column("processing_days", server_default=None)
        batch_op.drop_column("processing_unit")
        batch_op.drop_column("processing_time")
