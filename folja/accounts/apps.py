from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "folja.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the sign-in system checks."""
        from folja.accounts import checks  # noqa: F401
