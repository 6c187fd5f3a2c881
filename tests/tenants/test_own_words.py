"""``tenants`` holds no other app's words: roles, statuses and actions live in their app.

Each app registers its activity actions (``tenants.activity_actions``) from its
``AppConfig.ready()``; ``tenants`` reaches roles and statuses through the
reverse relations' manager methods (``create_owner``, ``holding_seats``).
"""

import pathlib
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from console.api.activity import ApiKeyAction
from console.sso.activity import SsoAction
from console.webhooks.activity import WebhookAction
from invitations.activity import InvitationAction
from invitations.models import EmailStatus, InvitationStatus
from members.activity import MemberAction
from members.permissions import Role
from tenants.activity_actions import ActivityActions, activity_actions
from tenants.models import TenantAction

TENANTS = pathlib.Path(__file__).resolve().parents[2] / "tenants"
OTHER_APPS_ACTIONS = (MemberAction, InvitationAction, ApiKeyAction, WebhookAction, SsoAction)
FOREIGN_WORDS = sorted(
    {*Role.values, *InvitationStatus.values, *EmailStatus.values}
    | {value for actions in OTHER_APPS_ACTIONS for value in actions.values}
)
FOREIGN_NAMES = [
    "OWNER_ROLE",
    "PENDING",
    "Role",
    "InvitationStatus",
    *[actions.__name__ for actions in OTHER_APPS_ACTIONS],
]


def _sources():
    return [path for path in sorted(TENANTS.rglob("*.py")) if "migrations" not in path.parts]


def _grep(pattern: str) -> list[str]:
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(TENANTS.parent)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("word", FOREIGN_WORDS)
def test_tenants_quotes_no_role_status_or_other_apps_action(word):
    assert _grep(rf"""["']{re.escape(word)}["']""") == []


@pytest.mark.parametrize("name", FOREIGN_NAMES)
def test_tenants_names_no_other_apps_word(name):
    assert _grep(rf"\b{name}\b") == []


def test_the_grep_finds_a_quoted_role(tmp_path):
    """Not vacuous: the pattern above matches a role written as a string."""
    assert re.search(r"""["']admin["']""", 'OWNER_ROLE = "admin"')


def test_every_app_registers_its_actions():
    for actions in (TenantAction, *OTHER_APPS_ACTIONS):
        assert set(actions.values) <= set(activity_actions.values), actions


def test_stored_action_values_are_unchanged():
    """The CSV, the API and webhooks carry these: moving them between apps kept each value."""
    assert sorted(activity_actions.values) == sorted(
        [
            "member.joined",
            "member.role_changed",
            "member.removed",
            "member.left",
            "member.ownership_transferred",
            "invitation.sent",
            "invitation.resent",
            "invitation.revoked",
            "invitation.deleted",
            "invitation.accepted",
            "invitation.expired",
            "invitation.email_failed",
            "tenant.created",
            "tenant.renamed",
            "tenant.plan_changed",
            "tenant.member_limit_changed",
            "tenant.two_step_requirement_changed",
            "api_key.created",
            "api_key.revoked",
            "webhook.created",
            "webhook.changed",
            "webhook.deleted",
            "domain.added",
            "domain.verified",
            "domain.removed",
            "domain.enrollment_changed",
            "join.requested",
            "join.approved",
            "join.declined",
            "invitation.requested",
            "invitation.request_approved",
            "invitation.request_declined",
            "sso.connection_created",
            "sso.connection_changed",
            "sso.connection_enabled",
            "sso.connection_disabled",
            "sso.connection_deleted",
            "sso.requirement_changed",
        ]
    )


class _Clash(models.TextChoices):
    JOINED = "member.joined", "Someone else's label"


def test_an_action_value_has_one_owner():
    registry = ActivityActions()
    registry.register(MemberAction)

    with pytest.raises(ImproperlyConfigured):
        registry.register(_Clash)


def test_registering_the_same_actions_again_is_harmless():
    registry = ActivityActions()
    registry.register(MemberAction)
    registry.register(MemberAction)

    assert registry.values == MemberAction.values


def test_a_summary_of_an_unexpected_shape_is_empty():
    assert activity_actions.summary(MemberAction.ROLE_CHANGED, {"old_role": "admin"}) == ""


def test_each_app_says_its_details():
    assert activity_actions.summary(
        MemberAction.ROLE_CHANGED, {"old_role": "collaborator", "new_role": "admin"}
    ) == ("Collaborator → Admin")
    assert activity_actions.summary(ApiKeyAction.CREATED, {"name": "HR"}) == "“HR”"
