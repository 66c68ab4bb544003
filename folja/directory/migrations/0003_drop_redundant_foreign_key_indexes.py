"""Drop the single-column foreign-key indexes that are the leading column of another index.

Each of these columns stays indexed as the first column of a composite index or unique constraint
on the same table (see the comments in models.py), which serves every lookup the single-column
index served; the duplicate only cost index maintenance on every insert (the SIS import writes
about two million directory rows on its first run).

The database side only drops the indexes (by the names 0001 gave them, on PostgreSQL and SQLite
alike): a plain AlterField would also drop and re-add each foreign key, re-validating every row
while holding ACCESS EXCLUSIVE locks on persons, organisations and groups.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("directory_duty", "directory_duty_person_id_1803ab50", "person_id"),
    ("directory_dutyassignment", "directory_dutyassignment_group_id_37f1eac7", "group_id"),
    ("directory_groupmembership", "directory_groupmembership_group_id_cb78c144", "group_id"),
    ("directory_groupmembership", "directory_groupmembership_person_id_6158f805", "person_id"),
    ("directory_guardianship", "directory_guardianship_organisation_id_d730f7d5", "organisation_id"),
    ("directory_guardianship", "directory_guardianship_responsible_id_30b602cc", "responsible_id"),
    ("directory_personsisid", "directory_personsisid_organisation_id_190ed2e9", "organisation_id"),
    ("directory_placement", "directory_placement_child_id_a457cb99", "child_id"),
    ("directory_placement", "directory_placement_school_unit_id_d187b7ea", "school_unit_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0002_organisation_transition_consent_rule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, index, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='duty',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='duties', to='directory.person'),
                ),
                migrations.AlterField(
                    model_name='dutyassignment',
                    name='group',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='directory.group'),
                ),
                migrations.AlterField(
                    model_name='groupmembership',
                    name='group',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='directory.group'),
                ),
                migrations.AlterField(
                    model_name='groupmembership',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='group_memberships', to='directory.person'),
                ),
                migrations.AlterField(
                    model_name='guardianship',
                    name='organisation',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='directory.organisation'),
                ),
                migrations.AlterField(
                    model_name='guardianship',
                    name='responsible',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='responsible_for', to='directory.person'),
                ),
                migrations.AlterField(
                    model_name='personsisid',
                    name='organisation',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='directory.organisation'),
                ),
                migrations.AlterField(
                    model_name='placement',
                    name='child',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='placements', to='directory.person'),
                ),
                migrations.AlterField(
                    model_name='placement',
                    name='school_unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='placements', to='directory.organisation'),
                ),
            ],
        ),
    ]
