from django.apps import AppConfig


class LearninglogConfig(AppConfig):
    name = "folja.learninglog"
    label = "learninglog"
    default_auto_field = "django.db.models.BigAutoField"
