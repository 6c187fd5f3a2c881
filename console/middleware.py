from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: no inline script, same-origin assets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The admin ships inline script; it is staff-only and keeps Django's own policy.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
