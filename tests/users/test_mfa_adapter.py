"""allauth.mfa as the service configures it (users/mfa_adapter.py, the admin):
groundwork of issue #13, before any GraphQL face exists."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from users.mfa_adapter import MFAAdapter

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_totp_secret_is_stored_encrypted_and_still_checks_codes(make_user):
    secret = generate_totp_secret()
    totp = TOTP.activate(make_user(), secret)
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert secret not in stored
    assert TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(current_code(secret))


def test_recovery_codes_are_derived_from_an_encrypted_seed(make_user):
    codes = RecoveryCodes.activate(make_user())
    seed = Authenticator.objects.get(pk=codes.instance.pk).data["seed"]
    unused = codes.get_unused_codes()
    assert len(unused) == 10 and not any(code in seed for code in unused)
    assert codes.validate_code(unused[0]) and not codes.validate_code(unused[0])  # once


def test_a_rotated_secret_key_keeps_factors_working_while_the_old_one_is_a_fallback(make_user, settings):
    secret = generate_totp_secret()
    pk = TOTP.activate(make_user(), secret).instance.pk
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-and-long-secret-key-" + "n" * 30, [old_key]
    assert TOTP(Authenticator.objects.get(pk=pk)).validate_code(current_code(secret))
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
        TOTP(Authenticator.objects.get(pk=pk)).validate_code(current_code(secret))


@pytest.mark.parametrize(
    "public_url, rp_id", [("http://localhost:8000", "localhost"), ("https://Auth.Example.org", "auth.example.org")]
)
def test_passkeys_belong_to_the_published_host_not_the_requests(settings, public_url, rp_id):
    settings.PUBLIC_URL = public_url
    assert MFAAdapter().get_public_key_credential_rp_entity() == {"id": rp_id, "name": settings.SITE_NAME}


def test_the_admin_shows_no_secret_and_deleting_a_factor_leaves_no_orphan_codes(
    client, make_user, django_capture_on_commit_callbacks
):
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    client.force_login(root)
    secret = generate_totp_secret()
    totp = TOTP.activate(make_user("ada@example.com"), secret)
    RecoveryCodes.activate(totp.instance.user)
    page = client.get(f"/admin/mfa/authenticator/{totp.instance.pk}/change/").content.decode()
    assert "ada@example.com" in page and secret not in page
    assert Authenticator.objects.get(pk=totp.instance.pk).data["secret"] not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/mfa/authenticator/{totp.instance.pk}/delete/", {"post": "yes"})
    assert not Authenticator.objects.filter(user__email="ada@example.com").exists()
    # The owner learns of it, as of their own removals.
    (notice,) = mail.outbox
    assert notice.to == ["ada@example.com"] and notice.subject.endswith("Authenticator App Deactivated")
    assert "recovery codes were removed too" in notice.body
