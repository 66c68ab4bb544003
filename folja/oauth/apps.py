from django.apps import AppConfig


class OAuthConfig(AppConfig):
    name = "folja.oauth"
    label = "oauth"
    verbose_name = "Appar (OAuth)"
    default_auto_field = "django.db.models.BigAutoField"
