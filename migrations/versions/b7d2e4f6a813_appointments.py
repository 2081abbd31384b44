"""Appointments: bookings, slot seat counters, capacities; the ticket's booked time

Revision ID: b7d2e4f6a813
Revises: 4b8e2d6f1c39
Create Date: 2026-12-05 12:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

from onestop.dbtypes import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b7d2e4f6a813"
down_revision = "4b8e2d6f1c39"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("booked_for", UTCDateTime(), nullable=True))
    op.create_table(
        "slot_capacity",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name="fk_slot_capacity_service_id_service"
        ),
        sa.PrimaryKeyConstraint("service_id", name="pk_slot_capacity"),
    )
    op.create_table(
        "slot_count",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name="fk_slot_count_service_id_service"
        ),
        sa.PrimaryKeyConstraint("service_id", "starts_at", name="pk_slot_count"),
    )
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"], name="fk_booking_office_id_office"),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name="fk_booking_service_id_service"
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name="fk_booking_ticket_id_ticket"),
        sa.PrimaryKeyConstraint("id", name="pk_booking"),
        sa.UniqueConstraint("code", name="uq_booking_code"),
        sa.UniqueConstraint("token", name="uq_booking_token"),
    )
    op.create_index("ix_booking_office_start", "booking", ["office_id", "starts_at"])
    op.create_index("ix_booking_phone_status", "booking", ["phone", "status"])


def downgrade():
    op.drop_index("ix_booking_phone_status", table_name="booking")
    op.drop_index("ix_booking_office_start", table_name="booking")
    op.drop_table("booking")
    op.drop_table("slot_count")
    op.drop_table("slot_capacity")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("booked_for")
