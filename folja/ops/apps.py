from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backup, restore and its verification (docs/operations.md, "Backup and restore")."""

    name = "folja.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"
