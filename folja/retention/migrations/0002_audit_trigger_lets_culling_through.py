"""On PostgreSQL the audit log's trigger (access.0002) lets one path delete: the culling, which
sets `folja.culling` for its own transaction only (SET LOCAL). UPDATE stays refused always, and
every other DELETE too (R11: the application never changes or deletes a record otherwise)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION folja_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('folja.culling', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit records cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION folja_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial"), ("access", "0002_audit_append_only")]
    operations = [migrations.RunPython(forward, backward)]
