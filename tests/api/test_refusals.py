"""One handler maps every service refusal to problem+json; the endpoints catch nothing."""

import ast
import pathlib

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from console import ratelimit
from console.api.problems import refusal_problem
from invitations.exceptions import InvitationActionNotAllowed, InvitationsRefused
from members.services import LastAdminError, MemberGoneError, MembershipError
from tenants.actors import TenantGone

ROUTERS = pathlib.Path(__file__).resolve().parents[2] / "console" / "api" / "routers"


def problem(refusal, body=b"{}"):
    request = RequestFactory().post("/api/v1/x", data=body, content_type="application/json")
    return refusal_problem(request, refusal)


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        (LastAdminError(), 409, "last-admin"),
        (MemberGoneError(), 404, "not-found"),
        (TenantGone(), 404, "not-found"),
        (
            MembershipError("Choose Admin or Collaborator.", code="invalid_role"),
            422,
            "invalid-input",
        ),
        (InvitationActionNotAllowed("This invitation is revoked."), 409, "not-allowed-in-status"),
        (InvitationsRefused(errors=["The member limit is reached."]), 409, "member-limit"),
        (ValidationError("Send at most 1,000 addresses."), 422, "invalid-input"),
    ],
    ids=["last admin", "member gone", "tenant gone", "invalid", "status", "limit", "plain"],
)
def test_each_refusal_has_its_status_and_type(refusal, status, code):
    mapped = problem(refusal)

    assert (mapped.status, mapped.code) == (status, code)


def test_the_refusals_words_are_the_detail():
    assert problem(ValidationError("Send at most 1,000 addresses.")).detail == (
        "Send at most 1,000 addresses."
    )


def test_a_rate_limit_says_its_window_in_retry_after():
    mapped = problem(ratelimit.RateLimited("Try later.", retry_after=3600))

    assert (mapped.status, mapped.headers["Retry-After"]) == (429, "3600")


def test_a_rate_limit_without_a_window_waits_at_most_a_day():
    assert problem(ratelimit.RateLimited("Try later.")).headers["Retry-After"] == str(ratelimit.DAY)


def test_wrong_addresses_point_into_the_request():
    refused = InvitationsRefused(address_errors={"nope": "“nope” is not an email address."})

    mapped = problem(refused, body=b'{"emails": ["ok@example.com", "nope"], "role": "admin"}')

    assert (mapped.status, mapped.code) == (422, "invalid-addresses")
    assert mapped.errors == [
        {"pointer": "#/emails/1", "address": "nope", "detail": "“nope” is not an email address."}
    ]


@pytest.mark.parametrize("path", sorted(ROUTERS.glob("*.py")), ids=lambda p: p.name)
def test_no_endpoint_maps_errors_itself(path):
    tree = ast.parse(path.read_text())

    assert [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Try)] == []
