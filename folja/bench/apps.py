from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The reference page R of the benchmarks (bench/README.md); installed only with FOLJA_BENCH_PAGES=1."""

    name = "folja.bench"
    label = "bench"
    default_auto_field = "django.db.models.BigAutoField"
