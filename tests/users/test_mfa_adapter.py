"""allauth.mfa as the service configures it (users/mfa_adapter.py, the admin),
apart from any GraphQL face."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from tests.documents import STRONG_PASSWORD
from tests.support import sign_in_to_admin, totp
from users.mfa_adapter import MFAAdapter

pytestmark = pytest.mark.django_db


def test_a_totp_secret_is_stored_encrypted_and_still_checks_codes(make_user):
    secret = generate_totp_secret()
    app = TOTP.activate(make_user(), secret)
    stored = Authenticator.objects.get(pk=app.instance.pk).data["secret"]
    assert secret not in stored
    assert TOTP(Authenticator.objects.get(pk=app.instance.pk)).validate_code(totp(secret))


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
    assert TOTP(Authenticator.objects.get(pk=pk)).validate_code(totp(secret))
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
        TOTP(Authenticator.objects.get(pk=pk)).validate_code(totp(secret))


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
    sign_in_to_admin(client, root)
    secret = generate_totp_secret()
    app = TOTP.activate(make_user("ada@example.com"), secret)
    RecoveryCodes.activate(app.instance.user)
    page = client.get(f"/admin/mfa/authenticator/{app.instance.pk}/change/").content.decode()
    assert "ada@example.com" in page and secret not in page
    assert Authenticator.objects.get(pk=app.instance.pk).data["secret"] not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/mfa/authenticator/{app.instance.pk}/delete/", {"post": "yes"})
    assert not Authenticator.objects.filter(user__email="ada@example.com").exists()
    # The owner learns of it, as of their own removals.
    (notice,) = mail.outbox
    assert notice.to == ["ada@example.com"] and notice.subject.endswith("Authenticator App Deactivated")
    assert "recovery codes were removed too" in notice.body


@pytest.fixture
def staff_with_totp(make_user):
    staff = make_user("root@example.com", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    codes = RecoveryCodes.activate(staff).generate_codes()
    return staff, secret, codes


def admin_login(client, **fields):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "root@example.com", "password": STRONG_PASSWORD, **fields}
    )


def test_the_admin_asks_an_account_with_a_second_factor_for_its_code(client, staff_with_totp):
    _, secret, codes = staff_with_totp
    page = client.get("/admin/login/").content.decode()
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    answer = admin_login(client)
    assert answer.status_code == 200 and "enter a code from your authenticator app" in answer.content.decode()
    assert client.get("/admin/mfa/authenticator/").status_code == 302  # still signed out
    assert "enter a code" not in admin_login(client, code="000000").content.decode()  # wrong: INVALID_CODE's words
    answer = admin_login(client, code=codes[0])
    assert answer.status_code == 302 and client.get("/admin/mfa/authenticator/").status_code == 200
    assert len(RecoveryCodes(Authenticator.objects.get(type="recovery_codes")).get_unused_codes()) == 9


def test_wrong_admin_codes_count_toward_the_accounts_lock(client, staff_with_totp, settings):
    _, secret, _ = staff_with_totp
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,1/15m/key"}
    admin_login(client, code="000000")
    answer = admin_login(client, code=format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    assert "Too many attempts" in answer.content.decode()
    assert client.get("/admin/mfa/authenticator/").status_code == 302


def test_removing_a_users_factors_in_bulk_tells_them_once_per_factor(
    client, make_user, django_capture_on_commit_callbacks
):
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    sign_in_to_admin(client, root)
    ada = make_user("ada@example.com")
    app = TOTP.activate(ada, generate_totp_secret()).instance
    codes = RecoveryCodes.activate(ada).instance
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/mfa/authenticator/",
            {"action": "delete_selected", "_selected_action": [app.pk, codes.pk], "post": "yes"},
        )
    assert not Authenticator.objects.filter(user=ada).exists()
    (notice,) = mail.outbox  # one, not a second about codes already gone
    assert notice.subject == "[gql-auth] Authenticator App Deactivated"
    assert "recovery codes were removed too" in notice.body
