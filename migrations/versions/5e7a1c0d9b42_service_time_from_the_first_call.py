"""Service time from the first call: drop rollups summed with the old definition

Revision ID: 5e7a1c0d9b42
Revises: 24bc2f720e0e
Create Date: 2026-12-05 07:40:00.000000

Rollups are a cache of reports.measures: those built before service time was counted from
the first call hold the old sums. Emptying them makes every report count those days live
until they are rolled up again with the current definition. No schema change.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e7a1c0d9b42"
down_revision = "24bc2f720e0e"
branch_labels = None
depends_on = None

ROLLUP_TABLES = ("report_rollup_state", "report_day", "report_month", "report_wait_month")


def upgrade():
    for table in ROLLUP_TABLES:
        op.execute(f"DELETE FROM {table}")


def downgrade():
    # The older code rebuilds the emptied rollups with its own definition when it needs them.
    pass
