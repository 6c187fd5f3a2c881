"""Responses every app may return. Below every app: imports no app."""

from django.shortcuts import render


def too_many_requests(request, message: str):
    """The friendly 429 page used by every rate limit."""
    return render(request, "429.html", {"message": message}, status=429)
