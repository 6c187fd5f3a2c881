"""console/jinja.py's URL helpers give what reverse() gives; numbers are localized by
default; makemessages reads .jinja files."""

from io import BytesIO

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.urls import reverse
from django.utils import translation

from console.accounts.management.commands.makemessages import python_calls
from console.jinja import row_url, url


def test_url_is_reverse():
    assert url("members:list", tenant_id="abc123def456") == reverse(
        "members:list", kwargs={"tenant_id": "abc123def456"}
    )


@pytest.mark.parametrize("pk", [1, 42, 987654321])
def test_row_url_splices_each_rows_pk_into_one_reversed_pattern(pk):
    assert row_url("members:remove", pk, tenant_id="abc123def456") == reverse(
        "members:remove", kwargs={"tenant_id": "abc123def456", "pk": pk}
    )


def test_row_url_reverses_a_pk_it_cannot_splice():
    assert row_url("members:remove", "7", tenant_id="abc123def456") == reverse(
        "members:remove", kwargs={"tenant_id": "abc123def456", "pk": "7"}
    )


def test_makemessages_reads_the_messages_of_a_jinja_fragment():
    source = (
        b"<p>{{ _('Members') }}</p>\n"
        b"{% trans count=n %}{{ count }} member{% pluralize %}{{ count }} members{% endtrans %}\n"
    )
    assert python_calls(BytesIO(source)).splitlines() == [
        "gettext('Members')",
        "ngettext('%(count)s member', '%(count)s members', 1)",
    ]


def jinja(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


@pytest.mark.parametrize("language, shown", [("en", "12,345"), ("de", "12.345")])
def test_a_number_is_localized_by_default_as_in_django_templates(language, shown):
    with translation.override(language):
        assert jinja("{{ n }}", n=12345) == shown
        assert engines["django"].from_string("{{ n }}").render({"n": 12345}) == shown


def test_unlocalize_writes_a_number_as_data():
    assert jinja("{{ n|unlocalize }} {{ yes }}", n=12345, yes=True) == "12345 True"


def test_page_links_show_localized_numbers_and_link_plain_ones():
    page_obj = Paginator(range(25 * 1200), 25).page(1001)
    html = jinja(
        '{% include "partials/pagination.jinja" %}', page_obj=page_obj, page_range=[1000, 1001]
    )
    assert 'href="?page=1000"' in html and ">1,000</a>" in html
    assert 'aria-current="page">1,001<' in html
