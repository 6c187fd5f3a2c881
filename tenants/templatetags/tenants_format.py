"""``{% load tenants_format %}``: prices in the current language (``{{ amount|usd }}``)."""

from django import template

from tenants.policies import format_usd

register = template.Library()


@register.filter
def usd(amount) -> str:
    """8 -> "$8.00" in English, "8,00 $" in German and French (tenants.policies.format_usd)."""
    if amount is None or amount == "":
        return ""
    return format_usd(amount)
