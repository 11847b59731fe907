from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from users.models import AuthToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Sessions; deleting one revokes it. The secret was never stored, so none is shown."""

    list_display = ["user", "created_at", "last_used_at", "expires_at", "ip_address"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address"]
    exclude = ["digest"]

    def has_add_permission(self, request) -> bool:
        return False
