"""Pagination for the console's long tables (members, invitations)."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Subquery


class DeferredJoinPaginator(Paginator):
    """A ``Paginator`` over a queryset that fetches each page through its primary keys.

    ``... ORDER BY created_at DESC LIMIT 25 OFFSET 9975`` over whole rows (with
    their inviter joined) makes PostgreSQL build and sort every row before the
    page, so late pages get slower as the table grows. Selecting only the
    page's primary keys in a subquery lets it walk a narrow index instead (an
    index-only scan), then fetch just those 25 rows. Same rows, same order,
    still one query; the README's Performance section has the figures.

    ``count``, when the caller has already counted the rows, saves the COUNT query.
    """

    object_list: QuerySet  # a queryset, not any sequence: a page is fetched by its keys

    def __init__(self, object_list, per_page, *args, count: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # replaces the cached COUNT(*) property

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        return Page(self.object_list.filter(pk__in=Subquery(keys)), number, self)
