"""Drop the relationship generation and its triggers (0007): nothing about who may see what is
held between requests any more, so nothing needs to know when relationships change."""

from django.db import migrations

TABLES = (
    "directory_person",
    "directory_guardianship",
    "directory_placement",
    "directory_duty",
    "directory_dutyassignment",
    "directory_group",
    "directory_groupmembership",
    "directory_organisation",
    "transitions_transitionconsent",
    "transitions_termsofuse",
    "transitions_termsdecision",
)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS folja_relationships_changed ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS folja_relationships_changed()")
        schema_editor.execute("DROP SEQUENCE IF EXISTS folja_relationship_generation")
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS folja_relationships_changed_{table}_{operation}")


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0007_relationship_generation"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        migrations.DeleteModel(name="RelationshipGeneration"),
    ]
