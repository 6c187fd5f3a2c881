"""The API's input and output shapes (they make the OpenAPI document)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from invitations.models import Invitation
from members.models import Membership

RoleName = Literal["admin", "collaborator"]
EmailLanguage = Literal["en", "de", "fr"]  # settings.LANGUAGES


class MemberOut(Schema):
    id: int
    email: str
    name: str
    role: RoleName
    joined_at: datetime

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.name

    @staticmethod
    def resolve_joined_at(obj: Membership) -> datetime:
        return obj.created_at


class MemberPage(Schema):
    items: list[MemberOut]
    next: str | None = Field(description="The cursor of the next page; null on the last page.")


class RoleIn(Schema):
    role: RoleName


class InvitationOut(Schema):
    id: int
    email: str
    role: RoleName
    status: Literal["pending", "accepted", "expired", "revoked"]
    email_status: str
    invited_by: str | None
    created_at: datetime
    sent_at: datetime
    expires_at: datetime

    @staticmethod
    def resolve_status(obj: Invitation) -> str:
        # A Pending invitation past its expiry is Expired, as the tab shows it.
        return obj.effective_status

    @staticmethod
    def resolve_invited_by(obj: Invitation) -> str | None:
        return obj.invited_by.email if obj.invited_by is not None else None


class InvitationPage(Schema):
    items: list[InvitationOut]
    next: str | None


class InviteIn(Schema):
    emails: list[str] = Field(description="The addresses to invite: all are invited, or none.")
    role: RoleName
    language: EmailLanguage | None = Field(
        default=None,
        description="The invitation emails' language; default: the key creator's, else en.",
    )


class InvitationsCreated(Schema):
    items: list[InvitationOut]


class ActivityOut(Schema):
    id: int
    action: str
    actor_kind: str
    actor_email: str
    target_email: str
    details: dict
    ip: str | None
    created_at: datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next: str | None


class ProblemOut(Schema):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None
