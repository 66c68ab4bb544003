from django.apps import AppConfig


class ExportConfig(AppConfig):
    name = "folja.export"
    label = "export"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from folja.export import notices

        notices.register()  # who may see a notice about a child's portfolio (folja/notifications/rules.py)
