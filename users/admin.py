"""The operator's console: find an account, see and end its sessions, disable or
enable it, lift its login locks (through users/staff.py, as the API does).
Who may change whom is users/staff.py's rule here too: a help desk account
changes no account above its own, grants nothing and sets no password."""

from allauth.account.signals import password_changed
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from users import staff
from users.errors import AccountError
from users.events import EventType, announce
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
    # `is_active` changes through the actions (users/staff.py: sessions end, the
    # change is recorded with its actor), not by a tick in the form.
    readonly_fields = ["last_login", "date_joined", "is_active"]
    inlines = [SessionInline]
    actions = ["disable", "enable", "clear_login_locks"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if staff.may_grant(request.user) else [*fields, *staff.GRANTING_FIELDS]

    def has_change_permission(self, request, obj=None) -> bool:
        # Also bars the "set password" form and Django's change form's POST.
        return super().has_change_permission(request, obj) and (obj is None or staff.may_change(request.user, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        # Django's "delete selected" asks this of every account it would delete.
        return super().has_delete_permission(request, obj) and (obj is None or staff.may_change(request.user, obj))

    def user_change_password(self, request, id, form_url=""):  # noqa: A002 (Django's name)
        user = self.get_object(request, unquote(id))
        if user is not None and not staff.may_set_password(request.user, user):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # set: the form redirects
            user = self.get_object(request, unquote(id))
            password_changed.send(sender=User, request=request, user=user)  # recorded with staff as actor
        return response

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        for session in getattr(formset, "deleted_objects", []):
            if isinstance(session, AuthToken):
                announce(EventType.SESSION_REVOKED, user=session.user, request=request, actor=request.user)

    @admin.action(description="Disable the selected accounts and end their sessions", permissions=["change"])
    def disable(self, request, queryset: QuerySet[User]) -> None:
        self.each(request, queryset, staff.disable_user, "disabled")

    @admin.action(description="Enable the selected accounts", permissions=["change"])
    def enable(self, request, queryset: QuerySet[User]) -> None:
        self.each(request, queryset, staff.enable_user, "enabled")

    @admin.action(description="Lift the selected accounts' login locks", permissions=["change"])
    def clear_login_locks(self, request, queryset: QuerySet[User]) -> None:
        self.each(request, queryset, staff.clear_login_locks, "unlocked")

    def each(self, request, queryset: QuerySet[User], operation, done: str) -> None:
        """The staff operation on each account, recorded with the admin as its actor."""
        count = 0
        for user in queryset:
            try:
                operation(request, str(user.pk))
                count += 1
            except AccountError as refusal:
                self.message_user(request, f"{user.email}: {refusal.message}", messages.ERROR)
        self.message_user(request, f"{count} account(s) {done}.", messages.SUCCESS)


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
        count = self.revoke_sessions(request, queryset)
        self.message_user(request, f"{count} session(s) revoked.", messages.SUCCESS)

    # Every way the admin deletes a session records it: the revoke action, Django's
    # "delete selected" action (delete_queryset) and a session's own delete page.
    def delete_model(self, request, obj: AuthToken) -> None:
        self.revoke_sessions(request, AuthToken.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset: QuerySet[AuthToken]) -> None:
        self.revoke_sessions(request, queryset)

    def revoke_sessions(self, request, queryset: QuerySet[AuthToken]) -> int:
        sessions = list(queryset.select_related("user"))
        count, _ = AuthToken.objects.filter(pk__in=[session.pk for session in sessions]).delete()
        for session in sessions:
            announce(EventType.SESSION_REVOKED, user=session.user, request=request, actor=request.user)
        return count


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's, but a group's permissions are granted by a superuser only: a
    help desk account that may edit groups would otherwise grant itself any."""

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if staff.may_grant(request.user) else [*fields, "permissions"]


# The queue (users/jobs.py) in place of django-tasks-db's own page, which shows
# every row's arguments: a queued mail's link key, a registration's password hash.
import django_tasks_db.admin  # noqa: E402, F401  (registers its page, replaced here)
from django_tasks_db.models import DBTaskResult  # noqa: E402

from users import jobs  # noqa: E402

admin.site.unregister(DBTaskResult)
RETRY_PERMISSION = f"{DBTaskResult._meta.app_label}.change_dbtaskresult"


@admin.register(DBTaskResult)
class QueuedJobAdmin(admin.ModelAdmin):
    """Mails, deliveries and jobs waiting, running or failed, with their last
    error and never their arguments; staff who may change them retry failed ones."""

    list_display = ("id", "task", "status", "attempts", "enqueued_at", "run_after", "last_error")
    list_filter = ("status", "task_path")
    fields = list_display
    readonly_fields = list_display
    actions = ["retry"]
    show_full_result_count = False

    @admin.display(description="job")
    def task(self, row: DBTaskResult) -> str:
        return row.task_path

    @admin.display(description="attempts")
    def attempts(self, row: DBTaskResult) -> int:
        return len(row.worker_ids)

    @admin.display(description="last error")
    def last_error(self, row: DBTaskResult) -> str:
        # The exception's own line (a receiver's answer, the mail server's refusal).
        lines = [line for line in row.traceback.strip().splitlines() if line and not line.startswith(" ")]
        return lines[-1] if lines else ""

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the rows are the queue's; retrying is the one change, below

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(RETRY_PERMISSION):
            actions.pop("retry", None)
        return actions

    @admin.action(description="Retry the selected failed jobs now")
    def retry(self, request, queryset) -> None:
        if not request.user.has_perm(RETRY_PERMISSION):
            raise PermissionDenied
        self.message_user(request, f"{jobs.retry_now(queryset)} failed jobs will run again.", messages.SUCCESS)
