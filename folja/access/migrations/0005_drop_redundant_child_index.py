"""Drop the audit log's single-column index on `child`: the composite index `audit_child_at`
(child, at DESC) leads with the same column and serves every lookup it served, while each staff
list page writes a record per child named on it (about twenty), each of which kept both up to date.

The database side only drops the index (by the name 0001 gave it, on PostgreSQL and SQLite alike):
a plain AlterField would also drop and re-add the foreign key, re-validating every record.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0004_alter_auditrecord_action"),
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql='DROP INDEX IF EXISTS "access_auditrecord_child_id_e102fd5e"',
                    reverse_sql='CREATE INDEX "access_auditrecord_child_id_e102fd5e" ON "access_auditrecord" ("child_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditrecord",
                    name="child",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_reads",
                        to="directory.person",
                    ),
                ),
            ],
        ),
    ]
