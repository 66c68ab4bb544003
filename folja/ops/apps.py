from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health probes and Prometheus metrics for the people who run Följa (docs/operations.md)."""

    name = "folja.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Counts sign-in attempts by outcome as they are recorded (folja.ops.metrics).
        from folja.ops import metrics

        metrics.connect_signals()
