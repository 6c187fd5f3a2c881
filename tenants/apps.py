from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self):
        # The log's own actions; every other app registers its own the same way.
        from tenants.activity_actions import activity_actions
        from tenants.models import SUMMARIES, TenantAction

        activity_actions.register(TenantAction, summaries=SUMMARIES)

        # The page cache: a verified domain (added, verified, switched, removed)
        # changes the tenant's pages and the header of everyone with an address
        # at it (their **Request to join** offers); a tenant's name shows in
        # those offers too.
        from django.db.models import Q

        from console import page_cache
        from console.accounts.models import User
        from tenants.models import Domain, Enrollment, Tenant

        def people_at(names):
            # Addresses are stored as typed: an IDN domain may be in either form.
            at = Q(pk__in=[])
            for name in names:
                at |= Q(email__iendswith="@" + name)
            return User.objects.filter(at).values_list("pk", flat=True)

        page_cache.register(
            Domain,
            tenants=lambda domain: [domain.tenant_id],
            users=lambda domain: people_at({domain.name, domain.display_name}),
        )
        page_cache.register(
            Tenant,
            users=lambda tenant: people_at(
                {
                    form
                    for domain in tenant.domains.filter(
                        verified_at__isnull=False, enrollment=Enrollment.ASK
                    )
                    for form in (domain.name, domain.display_name)
                }
            ),
        )
