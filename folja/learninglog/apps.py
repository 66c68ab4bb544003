from django.apps import AppConfig


class LearninglogConfig(AppConfig):
    name = "folja.learninglog"
    label = "learninglog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from folja.learninglog import attention, notices

        notices.register()  # who may see a learning-log notice (folja/notifications/rules.py)
        attention.register()  # the weekly "Barn att uppmärksamma" to staff
