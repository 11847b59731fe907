"""The operator's console: find an account, see and end its sessions, deactivate it."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet

from users.models import AuthToken, User

SESSION_FIELDS = ["created_at", "last_used_at", "expires_at", "user_agent", "ip_address"]


class SessionInline(admin.TabularInline):
    """The account's sessions; deleting one revokes it. The secret was never stored."""

    model = AuthToken
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS
    extra = 0
    verbose_name_plural = "sessions (tick Delete to revoke)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [SessionInline]
    actions = ["deactivate"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    @admin.action(description="Deactivate the selected accounts and end their sessions", permissions=["change"])
    def deactivate(self, request, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            user.is_active = False
            user.save(update_fields=["is_active"])  # User.save ends the sessions
        self.message_user(request, "The selected accounts are deactivated.", messages.SUCCESS)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Sessions across all accounts; revoking one deletes it."""

    list_display = ["user", "created_at", "last_used_at", "expires_at", "ip_address"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", *SESSION_FIELDS]
    readonly_fields = ["user", *SESSION_FIELDS]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected sessions", permissions=["delete"])
    def revoke(self, request, queryset: QuerySet[AuthToken]) -> None:
        count, _ = queryset.delete()
        self.message_user(request, f"{count} session(s) revoked.", messages.SUCCESS)
