"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit log (R11).

TRUNCATE stays possible: it is an operator's act outside the application (and Django's test
flush uses it).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION folja_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_auditrecord_append_only
    BEFORE UPDATE OR DELETE ON access_auditrecord
    FOR EACH ROW EXECUTE FUNCTION folja_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS access_auditrecord_append_only ON access_auditrecord;
DROP FUNCTION IF EXISTS folja_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
