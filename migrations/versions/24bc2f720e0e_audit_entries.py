"""The audit trail: administrative changes and views of personal data

Revision ID: 24bc2f720e0e
Revises: 18007040b535
Create Date: 2026-12-05 07:18:54.205441

"""

import sqlalchemy as sa
from alembic import op

import onestop.dbtypes

# revision identifiers, used by Alembic.
revision = "24bc2f720e0e"
down_revision = "18007040b535"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", onestop.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_audit_entry_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_audit_entry_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_entry_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index("ix_audit_entry_office_at", ["office_id", "at"], unique=False)
        batch_op.create_index("ix_audit_entry_user_at", ["user_id", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_user_at")
        batch_op.drop_index("ix_audit_entry_office_at")
        batch_op.drop_index("ix_audit_entry_object")
        batch_op.drop_index("ix_audit_entry_at")

    op.drop_table("audit_entry")
