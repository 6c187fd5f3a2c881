from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def baseline(request):
    """The cheapest authenticated page: same middleware and session, no work.

    Every page's throughput is reported as a ratio to this one (../shared/BENCH.md).
    """
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")
