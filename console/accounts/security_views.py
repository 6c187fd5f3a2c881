"""``/accounts/security/``: the signed-in person's own security events."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from console.accounts.models import User
from console.pagination import DeferredJoinPaginator

SECURITY_EVENTS_PER_PAGE = 25


class SecurityView(LoginRequiredMixin, ListView):
    """Newest first, 25 a page; only ever the signed-in person's own events."""

    template_name = "accounts/security.html"
    context_object_name = "events"
    paginate_by = SECURITY_EVENTS_PER_PAGE
    paginator_class = DeferredJoinPaginator

    def get_queryset(self):
        user = self.request.user
        assert isinstance(user, User)  # LoginRequiredMixin
        return user.security_events.order_by("-id")

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context["page_range"] = page.paginator.get_elided_page_range(
            page.number, on_each_side=1, on_ends=1
        )
        return context
