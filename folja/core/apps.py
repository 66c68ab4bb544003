from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "folja.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the `__any` lookup (folja.core.db.AnyOf) on every field.
        from folja.core import db  # noqa: F401
