"""Versions per service and per counter, for the phone's and the tablet's polls

Revision ID: 6a2d9c4e8f15
Revises: 4b8e2d6f1c37
Create Date: 2026-12-06 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6a2d9c4e8f15"
down_revision = "4b8e2d6f1c37"
branch_labels = None
depends_on = None


def upgrade():
    for owner in ("service", "counter"):
        table = op.create_table(
            f"{owner}_version",
            sa.Column(f"{owner}_id", sa.Integer(), nullable=False),
            sa.Column("office_id", sa.Integer(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                [f"{owner}_id"],
                [f"{owner}.id"],
                name=op.f(f"fk_{owner}_version_{owner}_id_{owner}"),
            ),
            sa.ForeignKeyConstraint(
                ["office_id"], ["office.id"], name=op.f(f"fk_{owner}_version_office_id_office")
            ),
            sa.PrimaryKeyConstraint(f"{owner}_id", name=op.f(f"pk_{owner}_version")),
        )
        # A row for each: a poll keyed on a missing row renders until the first change.
        op.execute(
            table.insert().from_select(
                [f"{owner}_id", "office_id", "version"],
                sa.select(sa.column("id"), sa.column("office_id"), sa.literal(1)).select_from(
                    sa.table(owner)
                ),
            )
        )


def downgrade():
    op.drop_table("counter_version")
    op.drop_table("service_version")
