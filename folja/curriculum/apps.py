from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "folja.curriculum"
    label = "curriculum"
    default_auto_field = "django.db.models.BigAutoField"
