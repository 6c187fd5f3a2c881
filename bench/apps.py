from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark's own app (``seed_scale``), installed by bench.settings only."""

    name = "bench"
    verbose_name = "Benchmark"
