"""The console's URLs plus the benchmark's baseline page (bench.settings only)."""

from django.urls import path

from bench import views
from console.urls import handler403, handler404
from console.urls import urlpatterns as console_urlpatterns

urlpatterns = [
    path("bench/baseline/", views.baseline, name="bench_baseline"),
    *console_urlpatterns,
]

__all__ = ["handler403", "handler404", "urlpatterns"]
