"""Every permission the service asks of staff, as one enum (Saleor's shape):
the API's permission classes (schema/permissions.py), the staff flows and the
admin all name them from here. Each is Django's "app_label.codename", so
`user.has_perm(Permission.CHANGE_USER)` asks Django's own check."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    # Read any account: its address, its sessions (the help desk's `users` query).
    VIEW_USER = "users.view_user"
    # Act on accounts: disable, enable, clear their login locks (users/staff.py).
    CHANGE_USER = "users.change_user"
    # Read every account's security history (`auditEvents`), addresses aside.
    VIEW_SECURITY_EVENT = "users.view_securityevent"
