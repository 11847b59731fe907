"""Security events in the admin: a read-only list, filtered by type and date,
searched by the account's or the actor's address."""

from django.contrib import admin

from audit.models import SecurityEvent
from users.permissions import Permission


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Accounts appear by address to staff who may see addresses (users.view_user),
    by id to auditors who may only read events, as in GraphQL."""

    list_display = ("created_at", "type", "user", "actor", "ip_address", "user_agent")
    list_filter = ("type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("user__email", "actor__email", "ip_address")
    list_select_related = ("user", "actor")
    date_hierarchy = "created_at"
    show_full_result_count = False  # a count of a large table on every page is slow

    def get_list_display(self, request):
        if request.user.has_perm(Permission.VIEW_USER):
            return self.list_display
        return ("created_at", "type", "user_id", "actor_id", "ip_address", "user_agent")

    def get_search_fields(self, request):
        return self.search_fields if request.user.has_perm(Permission.VIEW_USER) else ("ip_address",)

    def get_readonly_fields(self, request, obj=None):
        return self.get_list_display(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the history is not the admin's to edit; retention removes it
