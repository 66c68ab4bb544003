from django.apps import AppConfig


class TalksConfig(AppConfig):
    name = "folja.talks"
    label = "talks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from folja.talks import notices

        notices.register()  # who may see a talk notice (folja/notifications/rules.py)
