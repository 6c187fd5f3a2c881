from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The versions table of the page cache (console/page_cache.py); no views, no rules."""

    name = "console.pages"
    label = "pages"
    verbose_name = "Page versions"
