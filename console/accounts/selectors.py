"""Read paths for accounts."""

from console.accounts.models import User, normalize_email


def user_email_taken(email: str) -> bool:
    """Whether an account already uses ``email``, compared case-insensitively."""
    return User.objects.filter(email__iexact=normalize_email(email)).exists()
