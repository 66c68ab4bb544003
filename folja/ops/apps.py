from django.apps import AppConfig


class OpsConfig(AppConfig):
    """For the people who run Följa: health probes, Prometheus metrics, backup and restore (docs/operations.md)."""

    name = "folja.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Counts sign-in attempts by outcome as they are recorded (folja.ops.metrics).
        from folja.ops import metrics

        metrics.connect_signals()
