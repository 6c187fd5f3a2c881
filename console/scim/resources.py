"""The SCIM resources the console serves, as scim2-models classes.

Only what the console keeps is published (the Schemas endpoint is built from
these classes), so an identity provider and a compliance checker see exactly
what round-trips. ``userName`` is the account's email: set at creation and
immutable afterwards (one tenant's provider does not rename a person's
account). ``displayName`` and ``emails`` mirror the account (read-only);
``name`` keeps the given and family names the provider sends.
"""

from typing import Annotated, ClassVar

from scim2_models import (
    URN,
    ComplexAttribute,
    GroupMember,
    GroupMembership,
    Mutability,
    Required,
    Resource,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


class Name(ComplexAttribute):
    family_name: str | None = None
    given_name: str | None = None


class Email(ComplexAttribute):
    value: Annotated[str | None, Mutability.read_only] = None
    type: Annotated[str | None, Mutability.read_only] = None
    primary: Annotated[bool | None, Mutability.read_only] = None


class User(Resource):
    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true, Mutability.immutable] = None
    name: Name | None = None
    Name: ClassVar[type[ComplexAttribute]] = Name
    display_name: Annotated[str | None, Mutability.read_only] = None
    # Required: a User is active exactly when the person is a member, so it
    # always has a value (Okta and Entra ID always send it).
    active: Annotated[bool | None, Required.true] = None
    emails: Annotated[list[Email] | None, Mutability.read_only] = None
    Emails: ClassVar[type[ComplexAttribute]] = Email
    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    Groups: ClassVar[type[ComplexAttribute]] = GroupMembership


class Group(Resource):
    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true, Mutability.read_only] = None
    members: list[GroupMember] | None = None
    Members: ClassVar[type[ComplexAttribute]] = GroupMember
