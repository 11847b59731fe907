"""Second factors in the admin: visible per account, never their secrets;
removable by staff, which is how an owner who lost every factor gets back in."""

from __future__ import annotations

import allauth.mfa.admin  # noqa: F401 (registers its Authenticator admin, replaced below)
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.db.models import QuerySet

from factors import manage

# allauth.mfa's own admin shows a factor's `data` (its secret) and deletes without
# removing the recovery codes left orphaned: replaced here. Imported first so that
# its registration happens now and can be undone.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Second factors across all accounts: which, when made and last used; never their secrets."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    # How an owner who lost every factor gets back in (docs/frontends.md, "Second
    # factors and passkeys"): staff delete the account's factors here; the owner is mailed.
    def delete_model(self, request, obj: Authenticator) -> None:
        manage.remove(request, obj)

    def delete_queryset(self, request, queryset: QuerySet[Authenticator]) -> None:
        # Second factors first: the last one takes the recovery codes with it, and its
        # owner is told so in one notice rather than two.
        chosen = queryset.select_related("user")
        for authenticator in sorted(chosen, key=lambda a: a.type == Authenticator.Type.RECOVERY_CODES):
            manage.remove(request, authenticator)
