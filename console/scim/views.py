"""SCIM 2.0 endpoints under ``/scim/v2/<tenant>/`` (RFC 7643/7644), on scim2-models.

Each request: the Bearer key must have the SCIM scope (no or bad key: 401;
another scope: 403), and acts on its own tenant only (another tenant's URL:
404). Bodies are read by scim2-models in the request's SCIM context
(read-only attributes ignored, attributes the console does not keep
ignored), then the services in ``console.scim.services`` make the change.
Every answer is ``application/scim+json``; every refusal a SCIM Error with
its ``status`` and ``scimType``, and nothing changed.
"""

import hashlib
import json
import re
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Error,
    ETag,
    Filter,
    GroupMember,
    GroupMembership,
    ListResponse,
    Meta,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
)

from console.api import selectors as api_selectors
from console.api import services as api_services
from console.client_ip import client_ip
from console.scim import services
from console.scim.models import ProvisionedUser
from console.scim.resources import Email, Group, Name, User
from members import services as member_services
from members.models import Membership, Role
from tenants.actors import Actor
from tenants.selectors import two_step_missing

CONTENT_TYPE = "application/scim+json"
MAX_BODY_BYTES = 64 * 1024
TOO_LARGE = f"The body is larger than {MAX_BODY_BYTES} bytes."
DEFAULT_COUNT = 100
MAX_COUNT = 200
# Attributes the console does not keep (Entra and Okta send many) are ignored, not refused.
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore)
GROUPS = {"admins": (Role.ADMIN, "Admins"), "collaborators": (Role.COLLABORATOR, "Collaborators")}
FILTER = re.compile(r'^\s*(userName|displayName)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type
        self.headers = headers or {}


def scim_response(payload: dict | None, status: int = 200, headers=None) -> HttpResponse:
    body = b"" if payload is None else json.dumps(payload).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status: int, detail: str, scim_type: str | None = None, headers=None):
    error = Error(status=status, detail=detail, scim_type=scim_type)
    return scim_response(
        error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE), status, headers
    )


def service_provider_config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="An API key with the SCIM scope, from the tenant's API keys tab.",
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=f"{base}ServiceProviderConfig"),
    )


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Authenticates the key, scopes to its tenant, turns refusals into SCIM errors."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        try:
            self.holder = self._authenticate(request, kwargs.pop("tenant_id"))
            self.base = request.build_absolute_uri(f"/scim/v2/{self.holder.tenant.public_id}/")
            method = (request.method or "").lower()
            if method not in self.http_method_names or not hasattr(self, method):
                raise ScimError(405, f"{request.method} is not supported here.")
            return super().dispatch(request, *args, **kwargs)
        except ScimError as error:
            return error_response(error.status, error.detail, error.scim_type, error.headers)
        except SCIMException as error:
            return error_response(error.status, error.detail, error.scim_type or None)
        except ValidationError as error:
            first = Error.from_validation_errors(error)[0]
            return error_response(400, first.detail or "Invalid request.", first.scim_type)
        except services.AlreadyProvisioned:
            return error_response(409, "A User with this userName already exists.", "uniqueness")
        except member_services.LastAdminError as error:
            return error_response(409, str(error.message), None)
        except member_services.MemberLimitError as error:
            return error_response(409, str(error.message), None)
        except member_services.MemberGoneError:
            return error_response(400, "That User is not an active member.", "invalidValue")
        except member_services.MembershipError as error:
            return error_response(400, str(error.message), "invalidValue")
        except PermissionDenied as error:
            return error_response(403, str(error) or "Not allowed.")

    def _authenticate(self, request: HttpRequest, tenant_id: str):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        holder = None
        if scheme.lower() == "bearer" and token.strip():
            holder = api_selectors.key_holder_for_token(token.strip(), now=timezone.now())
        if holder is None:
            raise ScimError(
                401, "A valid SCIM key is required.", headers={"WWW-Authenticate": "Bearer"}
            )
        if not holder.api_key.is_scim:
            raise ScimError(403, "This key does not have the SCIM scope.")
        if holder.tenant.public_id != tenant_id:
            raise ScimError(404, "No such tenant for this key.")
        if two_step_missing(tenant=holder.tenant, user=holder.membership.user):
            # As in /api/v1: a key never reaches what its creator's browser cannot.
            raise ScimError(
                401,
                "The tenant requires two-step verification and the admin who created this key "
                "has not turned it on.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        api_services.api_key_mark_used(api_key=holder.api_key)
        self.actor = Actor.scim(holder.api_key, creator=holder.membership.user)
        return holder

    @property
    def ip(self) -> str | None:
        return client_ip(self.request)

    def body(self) -> dict:
        """The JSON object in the body, or 400 (too large, not JSON, not an object)."""
        try:
            declared = int(self.request.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        if declared > MAX_BODY_BYTES:
            raise ScimError(
                400, f"The body is larger than {MAX_BODY_BYTES} bytes.", "invalidSyntax"
            )
        try:
            raw = self.request.body
        except RequestDataTooBig:
            raise ScimError(400, "The body is too large.", "invalidSyntax") from None
        if len(raw) > MAX_BODY_BYTES:
            raise ScimError(
                400, f"The body is larger than {MAX_BODY_BYTES} bytes.", "invalidSyntax"
            )
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ScimError(400, "The body is not JSON.", "invalidSyntax") from None
        if not isinstance(data, dict):
            raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
        return data

    def params(self, model) -> ResponseParameters:
        return ResponseParameters[model].model_validate(
            {
                "attributes": self.request.GET.get("attributes") or None,
                "excluded_attributes": self.request.GET.get("excludedAttributes") or None,
            }
        )

    def dump(self, resource, model, context=Context.RESOURCE_QUERY_RESPONSE) -> dict:
        return resource.model_dump(
            scim_ctx=context, response_parameters=self.params(model), scim_policy=POLICY
        )

    def page(self) -> tuple[int, int]:
        try:
            start = max(int(self.request.GET.get("startIndex", 1)), 1)
            count = min(max(int(self.request.GET.get("count", DEFAULT_COUNT)), 0), MAX_COUNT)
        except ValueError:
            raise ScimError(400, "startIndex and count are integers.", "invalidValue") from None
        return start, count

    def filter_value(self, attribute: str) -> str | None:
        raw = self.request.GET.get("filter")
        if not raw:
            return None
        match = FILTER.match(raw)
        if match is None or match.group(1).lower() != attribute.lower():
            raise ScimError(
                400, f'Only the filter {attribute} eq "…" is supported.', "invalidFilter"
            )
        return match.group(2).replace('\\"', '"').replace("\\\\", "\\")

    def list_response(self, resources: list, total: int, start: int, model) -> HttpResponse:
        response = ListResponse[model](
            total_results=total,
            start_index=start,
            items_per_page=len(resources),
            resources=resources,
        )
        return scim_response(
            response.model_dump(
                scim_ctx=Context.SEARCH_RESPONSE,
                response_parameters=self.params(model),
                scim_policy=POLICY,
            )
        )


def _version(*parts: Any) -> str:
    return 'W/"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:16] + '"'


def _users(tenant) -> QuerySet[ProvisionedUser]:
    role = Membership.objects.filter(tenant_id=OuterRef("tenant_id"), user_id=OuterRef("user_id"))
    return (
        ProvisionedUser.objects.filter(tenant=tenant)
        .select_related("user", "tenant")
        .annotate(role=Subquery(role.values("role")[:1]))
        .order_by("pk")
    )


def user_resource(provisioned: ProvisionedUser, base: str) -> User:
    role = getattr(provisioned, "role", None)
    account = provisioned.user
    group_id = "admins" if role == Role.ADMIN else "collaborators"
    return User(
        id=str(provisioned.pk),
        external_id=provisioned.external_id or None,
        user_name=account.email,
        name=Name(
            given_name=provisioned.given_name or None,
            family_name=provisioned.family_name or None,
        ),
        display_name=account.name or account.email,
        active=role is not None,
        emails=[Email(value=account.email, type="work", primary=True)],
        groups=(
            [
                GroupMembership(
                    value=group_id,
                    display=GROUPS[group_id][1],
                    type="direct",
                    ref=f"{base}Groups/{group_id}",  # type: ignore[arg-type]
                )
            ]
            if role
            else None
        ),
        meta=Meta(
            resource_type="User",
            created=provisioned.created_at,
            last_modified=provisioned.updated_at,
            location=f"{base}Users/{provisioned.pk}",
            version=_version(
                provisioned.updated_at, role, account.email, account.name, provisioned.external_id
            ),
        ),
    )


def _fields(resource: User, *, default_active: bool = True) -> services.UserFields:
    name = resource.name or Name()
    return services.UserFields(
        given_name=name.given_name or "",
        family_name=name.family_name or "",
        external_id=resource.external_id or "",
        active=default_active if resource.active is None else resource.active,
    )


class ServiceProviderConfigView(ScimView):
    def get(self, request, *args, **kwargs):
        config = service_provider_config(self.base)
        return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _resource_types(base: str) -> list[ResourceType]:
    types = []
    for model in (User, Group):
        resource_type = ResourceType.from_resource(model)
        resource_type.meta = Meta(
            resource_type="ResourceType", location=f"{base}ResourceTypes/{resource_type.id}"
        )
        types.append(resource_type)
    return types


def _schemas(base: str):
    schemas = []
    for model in (User, Group):
        schema = model.to_schema()
        schema.meta = Meta(resource_type="Schema", location=f"{base}Schemas/{schema.id}")
        schemas.append(schema)
    return schemas


class ResourceTypesView(ScimView):
    def get(self, request, *args, pk: str | None = None, **kwargs):
        types = _resource_types(self.base)
        if pk is not None:
            found = [t for t in types if t.id == pk]
            if not found:
                raise ScimError(404, "No such resource type.")
            return scim_response(found[0].model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        if request.GET.get("filter"):
            raise ScimError(403, "Filtering resource types is not supported.")
        response = ListResponse[ResourceType](
            total_results=len(types), start_index=1, items_per_page=len(types), resources=types
        )
        return scim_response(response.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


class SchemasView(ScimView):
    def get(self, request, *args, pk: str | None = None, **kwargs):
        schemas = _schemas(self.base)
        if pk is not None:
            found = [s for s in schemas if s.id == pk]
            if not found:
                raise ScimError(404, "No such schema.")
            return scim_response(found[0].model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        if request.GET.get("filter"):
            raise ScimError(403, "Filtering schemas is not supported.")
        response = ListResponse[Schema](
            total_results=len(schemas),
            start_index=1,
            items_per_page=len(schemas),
            resources=schemas,
        )
        return scim_response(response.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


class UsersView(ScimView):
    def get(self, request, *args, **kwargs):
        start, count = self.page()
        users = _users(self.holder.tenant)
        user_name = self.filter_value("userName")
        if user_name is not None:
            users = users.filter(user__email__iexact=user_name)
        total = users.count()
        rows = list(users[start - 1 : start - 1 + count]) if count else []
        return self.list_response([user_resource(p, self.base) for p in rows], total, start, User)

    def post(self, request, *args, **kwargs):
        resource = User.model_validate(
            self.body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
        )
        provisioned = services.scim_user_create(
            tenant=self.holder.tenant,
            user_name=resource.user_name or "",
            fields=_fields(resource),
            actor=self.actor,
            ip=self.ip,
        )
        created = _users(self.holder.tenant).get(pk=provisioned.pk)
        out = user_resource(created, self.base)
        assert out.meta is not None
        return scim_response(
            self.dump(out, User, Context.RESOURCE_CREATION_RESPONSE),
            201,
            {"Location": out.meta.location, "ETag": out.meta.version},
        )


class UserView(ScimView):
    def _get(self, pk: str) -> ProvisionedUser:
        if not pk.isdigit() or len(pk) > 18:
            raise ScimError(404, "No such User.")
        provisioned = _users(self.holder.tenant).filter(pk=int(pk)).first()
        if provisioned is None:
            raise ScimError(404, "No such User.")
        return provisioned

    def _answer(self, provisioned: ProvisionedUser, context: Context) -> HttpResponse:
        out = user_resource(provisioned, self.base)
        assert out.meta is not None
        return scim_response(self.dump(out, User, context), headers={"ETag": out.meta.version})

    def get(self, request, *args, pk: str, **kwargs):
        return self._answer(self._get(pk), Context.RESOURCE_QUERY_RESPONSE)

    def put(self, request, *args, pk: str, **kwargs):
        provisioned = self._get(pk)
        resource = User.model_validate(
            self.body(),
            scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST,
            scim_policy=POLICY,
        )
        resource.replace(user_resource(provisioned, self.base))
        services.scim_user_update(
            provisioned=provisioned,
            fields=_fields(resource),
            actor=self.actor,
            ip=self.ip,
        )
        return self._answer(self._get(pk), Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request, *args, pk: str, **kwargs):
        provisioned = self._get(pk)
        patch = PatchOp[User].model_validate(
            self.body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
        )
        resource = user_resource(provisioned, self.base)
        patch.patch(resource, scim_policy=POLICY)
        services.scim_user_update(
            provisioned=provisioned,
            fields=_fields(resource),
            actor=self.actor,
            ip=self.ip,
        )
        return self._answer(self._get(pk), Context.RESOURCE_PATCH_RESPONSE)

    def delete(self, request, *args, pk: str, **kwargs):
        services.scim_user_delete(provisioned=self._get(pk), actor=self.actor, ip=self.ip)
        return HttpResponse(status=204)


def group_resource(group_id: str, members: list[ProvisionedUser], base: str) -> Group:
    display = GROUPS[group_id][1]
    return Group(
        id=group_id,
        display_name=display,
        members=[
            GroupMember(
                value=str(p.pk),
                display=p.user.email,
                type="User",
                ref=f"{base}Users/{p.pk}",  # type: ignore[arg-type]
            )
            for p in members
        ],
        meta=Meta(
            resource_type="Group",
            location=f"{base}Groups/{group_id}",
            version=_version(group_id, [p.pk for p in members]),
        ),
    )


def _group_members(tenant, role: str) -> list[ProvisionedUser]:
    return [p for p in _users(tenant) if getattr(p, "role", None) == role]


class GroupsView(ScimView):
    def get(self, request, *args, **kwargs):
        start, count = self.page()
        wanted = self.filter_value("displayName")
        ids = [
            g
            for g, (_r, name) in GROUPS.items()
            if wanted is None or name.lower() == wanted.lower()
        ]
        users = list(_users(self.holder.tenant))
        groups = [
            group_resource(
                g, [p for p in users if getattr(p, "role", None) == GROUPS[g][0]], self.base
            )
            for g in ids
        ]
        return self.list_response(groups[start - 1 : start - 1 + count], len(groups), start, Group)


class GroupView(ScimView):
    http_method_names = ["get", "patch"]

    def _group(self, pk: str) -> str:
        if pk not in GROUPS:
            raise ScimError(404, "No such Group: the groups are admins and collaborators.")
        return pk

    def _answer(self, group_id: str, context: Context) -> HttpResponse:
        members = _group_members(self.holder.tenant, GROUPS[group_id][0])
        out = group_resource(group_id, members, self.base)
        assert out.meta is not None
        return scim_response(self.dump(out, Group, context), headers={"ETag": out.meta.version})

    def get(self, request, *args, pk: str, **kwargs):
        return self._answer(self._group(pk), Context.RESOURCE_QUERY_RESPONSE)

    def patch(self, request, *args, pk: str, **kwargs):
        group_id = self._group(pk)
        role = GROUPS[group_id][0]
        patch = PatchOp[Group].model_validate(
            self.body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
        )
        before = _group_members(self.holder.tenant, role)
        resource = group_resource(group_id, before, self.base)
        patch.patch(resource, scim_policy=POLICY)
        after_ids = {m.value or "" for m in resource.members or []}
        before_ids = {str(p.pk) for p in before}
        added_ids = after_ids - before_ids
        if any(not (i or "").isdigit() or len(i) > 18 for i in added_ids):
            raise ScimError(400, "A member's value must be the id of a User.", "invalidValue")
        added = list(_users(self.holder.tenant).filter(pk__in=[int(i) for i in added_ids]))
        if len(added) != len(added_ids):
            raise ScimError(400, "A member's value must be the id of a User.", "invalidValue")
        services.scim_group_change(
            tenant=self.holder.tenant,
            role=role,
            add=added,
            remove=[p for p in before if str(p.pk) not in after_ids],
            actor=self.actor,
            ip=self.ip,
        )
        return self._answer(group_id, Context.RESOURCE_PATCH_RESPONSE)


class SearchView(ScimView):
    """``POST /.search`` (RFC 7644 §3.4.3): not offered; list with ``GET`` and ``filter``."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        raise ScimError(501, "POST /.search is not supported: use GET with filter.")


class NotFoundView(ScimView):
    http_method_names = ["get", "post", "put", "patch", "delete"]

    def _missing(self, request, *args, **kwargs):
        raise ScimError(404, "No such SCIM endpoint.")

    get = post = put = patch = delete = _missing
