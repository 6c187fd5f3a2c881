"""console/jinja.py's URL helpers give what reverse() gives; makemessages reads .jinja files."""

from io import BytesIO

import pytest
from django.urls import reverse

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
