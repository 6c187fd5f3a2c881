"""A Django admin page operators may read but never change. Imports no app.

For records whose writes go through services (activity entries, API keys,
webhook endpoints and their deliveries): no add, change or delete, for
superusers too, so the admin can never bypass a rule or rewrite evidence.
"""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
