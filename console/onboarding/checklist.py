"""What the Get started checklist says, per item and per segment.

Pure functions from facts (``selectors.ChecklistFacts``) to items, so the
words and the rules for "done" sit together and no query hides in here.
Recommendations are guidance only: every feature is available to everyone.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.accounts.models import Segment

SELF_HOSTING_GUIDE_URL = "https://docs.logto.io/logto-oss/get-started-with-oss"

# Under each answer to "What describes you best?" (lazy: read per request).
SEGMENT_DESCRIPTIONS = {
    Segment.OPEN_SOURCE: gettext_lazy("You run or contribute to the open-source edition."),
    Segment.INDIVIDUAL: gettext_lazy("You're building an app on your own or on a side project."),
    Segment.ENTERPRISE: gettext_lazy("You're setting things up for a company and its team."),
}


@dataclass(frozen=True)
class ChecklistFacts:
    """What the data says about one user in one tenant."""

    members: int
    admins: int
    invitation_sent: bool
    in_production_tenant: bool
    community_joined: bool
    self_hosting_guide_opened: bool
    hidden: bool


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    description: str
    done: bool
    url: str
    action_label: str
    # Opens another site (the follow is recorded on the way out).
    external: bool = False
    # Shown to members whose role cannot do it themselves.
    note: str = ""


@dataclass(frozen=True)
class Checklist:
    segment: str
    segment_label: str
    essentials: list[ChecklistItem]
    recommendations: list[ChecklistItem]
    hidden: bool

    @property
    def items(self) -> list[ChecklistItem]:
        return self.essentials + self.recommendations

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def next_key(self) -> str:
        """The first item not done yet: the page gives it the main button."""
        return next((item.key for item in self.items if not item.done), "")


def _follow_url(tenant_id: str, link: str) -> str:
    return reverse("onboarding:follow", kwargs={"tenant_id": tenant_id, "link": link})


def build_checklist(
    *, facts: ChecklistFacts, segment: str, tenant_id: str, permissions
) -> Checklist:
    members_url = reverse("members:list", kwargs={"tenant_id": tenant_id})
    can_invite = "invite_members" in permissions
    ask_admin = "" if can_invite else _("Only admins can invite; ask one of your tenant's admins.")

    essentials = [
        ChecklistItem(
            key="invite",
            title=_("Invite your team members"),
            description=_(
                "Bring your teammates in as Admins or Collaborators. Admins manage billing, "
                "members and the tenant itself; collaborators see the tenant and its members."
            ),
            done=facts.members > 1 or facts.invitation_sent,
            url=members_url,
            action_label=_("Invite members") if can_invite else _("See members"),
            note=ask_admin,
        ),
        ChecklistItem(
            key="community",
            title=_("Join our community"),
            description=_(
                "Ask questions, share feedback and hear about new features first "
                "on our community server."
            ),
            done=facts.community_joined,
            url=_follow_url(tenant_id, "community"),
            action_label=_("Join the community"),
            external=True,
        ),
    ]

    production = ChecklistItem(
        key="production",
        title=_("Create a production tenant"),
        description=_(
            "Keep this development tenant for building and testing. When you go live, "
            "create a production tenant for your real users."
        ),
        done=facts.in_production_tenant,
        url=reverse("tenants:create"),
        action_label=_("Create a tenant"),
    )
    recommendations_by_segment: dict[str, list[ChecklistItem]] = {
        Segment.OPEN_SOURCE: [
            ChecklistItem(
                key="self_host",
                title=_("Self-host with Docker"),
                description=_(
                    "Run the open-source edition on your own machine with Docker Compose "
                    "in a few minutes, then point your apps at it."
                ),
                done=facts.self_hosting_guide_opened,
                url=_follow_url(tenant_id, "self-hosting-guide"),
                action_label=_("Read the guide"),
                external=True,
            ),
        ],
        Segment.INDIVIDUAL: [production],
        Segment.ENTERPRISE: [
            ChecklistItem(
                key="second_admin",
                title=_("Add a second admin"),
                description=_(
                    "Share administration so your team is never locked out: give another "
                    "member the Admin role, or invite one as Admin."
                ),
                done=facts.admins >= 2,
                url=members_url,
                action_label=_("Manage members") if can_invite else _("See members"),
                note=""
                if can_invite
                else _("Only admins can change roles; ask one of your tenant's admins."),
            ),
            production,
        ],
    }
    return Checklist(
        segment=segment,
        segment_label=str(Segment(segment).label) if segment in Segment.values else "",
        essentials=essentials,
        recommendations=recommendations_by_segment.get(segment, []),
        hidden=facts.hidden,
    )


def followed_link_destination(link: str) -> str:
    """Where a recorded checklist link goes: a fixed table, never a URL from the request."""
    return {"community": settings.COMMUNITY_URL, "self-hosting-guide": SELF_HOSTING_GUIDE_URL}[link]
