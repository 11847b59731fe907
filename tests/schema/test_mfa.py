"""Second factors through GraphQL, end to end: enrolling an authenticator app,
the login's second step, recovery codes, the mfaToken's rules, step-up
reauthentication, removal. TOTP codes are computed from the secret, as an
authenticator app computes them (allauth's own HOTP functions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.core import mail
from django.core.cache import cache

from factors import manage
from factors.models import MfaChallenge
from tests.documents import (
    CHANGE,
    CONFIRM_TOTP,
    FACTORS,
    LOGIN_MFA,
    ME,
    REAUTHENTICATE,
    REGENERATE_CODES,
    REGISTER_PASSKEY,
    REMOVE_FACTOR,
    SETUP_TOTP,
    STRONG_PASSWORD,
    VERIFY_MFA,
    WEBAUTHN_OPTIONS,
    failures,
)
from tests.support import totp
from users.models import AuthToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(ada):
    """Ada with an authenticator app and recovery codes: (user, secret, codes)."""
    secret = generate_totp_secret()
    TOTP.activate(ada, secret)
    codes = RecoveryCodes.activate(ada).generate_codes()
    return ada, secret, codes


def start_login(gql, email="ada@example.com", password=STRONG_PASSWORD) -> dict:
    return gql(LOGIN_MFA, {"email": email, "password": password})["login"]


def mfa_token(gql, **kwargs) -> str:
    result = start_login(gql, **kwargs)
    assert failures(result) == [(None, "MFA_REQUIRED")]
    return result["mfaToken"]


def verify(gql, token: str, **answer) -> dict:
    return gql(VERIFY_MFA, {"mfaToken": token, **answer})["verifyMfa"]


def subjects() -> list[str]:
    return [message.subject for message in mail.outbox]


# Enrolment.


@pytest.mark.usefixtures("clock")
def test_an_authenticator_app_is_enrolled_with_a_code_it_computes(gql, ada, login):
    token = login()
    setup = gql(SETUP_TOTP, token=token)["setupTotp"]
    assert setup["success"], setup
    assert setup["otpauthUri"].startswith("otpauth://totp/")
    assert f"secret={setup['secret']}" in setup["otpauthUri"] and "issuer=" in setup["otpauthUri"]
    assert "<svg" in setup["qrCodeSvg"]
    assert not Authenticator.objects.filter(user=ada).exists()  # nothing active yet

    wrong = gql(CONFIRM_TOTP, {"code": totp(setup["secret"], period_shift=2)}, token=token)["confirmTotp"]
    assert failures(wrong) == [("code", "INVALID_CODE")] and wrong["codes"] is None
    assert not Authenticator.objects.filter(user=ada).exists()

    mail.outbox.clear()
    right = gql(CONFIRM_TOTP, {"code": totp(setup["secret"])}, token=token)["confirmTotp"]
    assert right["success"], right
    assert len(right["codes"]) == 10 and all(len(code) == 8 for code in right["codes"])
    factors = gql(FACTORS, token=token)["me"]["authenticators"]
    assert [(f["type"], f["unusedCodes"], f["passkey"]) for f in factors] == [
        ("TOTP", None, False),
        ("RECOVERY_CODES", 10, False),
    ]
    assert subjects() == ["[gql-auth] Authenticator App Activated"]


@pytest.mark.usefixtures("clock")
def test_the_enrolment_code_cannot_also_log_in(gql, ada, login):
    token = login()
    secret = gql(SETUP_TOTP, token=token)["setupTotp"]["secret"]
    code = totp(secret)
    assert gql(CONFIRM_TOTP, {"code": code}, token=token)["confirmTotp"]["success"]
    assert failures(verify(gql, mfa_token(gql), code=code)) == [(None, "INVALID_CODE")]


def test_the_pending_secret_is_kept_encrypted(gql, ada, login):
    token = login()
    secret = gql(SETUP_TOTP, token=token)["setupTotp"]["secret"]
    session = AuthToken.objects.get()
    stored = cache.get(manage.pending_secret_key(session))
    assert stored and secret not in stored and decrypt(stored) == secret


def test_confirming_without_a_setup_is_refused(gql, ada, login):
    result = gql(CONFIRM_TOTP, {"code": "123456"}, token=login())["confirmTotp"]
    assert failures(result) == [("code", "INVALID_CODE")]
    assert "setupTotp" in result["errors"][0]["message"]


def test_a_second_authenticator_app_is_refused(gql, enrolled, clock):
    user, secret, _ = enrolled
    _, token = AuthToken.objects.issue(user)
    assert failures(gql(SETUP_TOTP, token=token)["setupTotp"]) == [(None, "INVALID_INPUT")]


def test_an_unverified_address_cannot_add_a_factor(gql, make_user):
    user = make_user("new@example.com", verified=False)
    _, token = AuthToken.objects.issue(user)
    assert failures(gql(SETUP_TOTP, token=token)["setupTotp"]) == [(None, "INVALID_INPUT")]


# The login's second step.


def test_the_right_password_of_an_enrolled_account_answers_mfa_required_and_no_token(gql, enrolled):
    result = start_login(gql)
    assert failures(result) == [(None, "MFA_REQUIRED")]
    assert result["token"] is None
    assert result["mfaToken"].startswith("gqm_")
    assert result["mfaMethods"] == ["TOTP", "RECOVERY_CODES"]
    assert not AuthToken.objects.exists()
    # Stored as a digest only.
    assert not MfaChallenge.objects.filter(digest=result["mfaToken"]).exists()


def test_a_wrong_password_says_nothing_about_mfa(gql, enrolled):
    result = start_login(gql, password="not the password at all")
    assert failures(result) == [(None, "INVALID_CREDENTIALS")]
    assert result["mfaToken"] is None and result["mfaMethods"] is None


def test_recovery_codes_alone_ask_for_no_second_step(gql, ada):
    RecoveryCodes.activate(ada)
    assert start_login(gql)["success"]


@pytest.mark.usefixtures("clock")
def test_a_current_code_completes_the_login_once(gql, enrolled):
    _, secret, _ = enrolled
    result = verify(gql, mfa_token(gql), code=totp(secret))
    assert result["success"] and result["user"]["email"] == "ada@example.com"
    assert gql(ME, token=result["token"])["me"]["email"] == "ada@example.com"
    # Replayed on a new login in the same period: refused.
    assert failures(verify(gql, mfa_token(gql), code=totp(secret))) == [(None, "INVALID_CODE")]


def test_the_next_periods_code_works_after_a_replay_was_refused(gql, enrolled, clock):
    _, secret, _ = enrolled
    assert verify(gql, mfa_token(gql), code=totp(secret))["success"]
    clock.shift(timedelta(seconds=30))
    assert verify(gql, mfa_token(gql), code=totp(secret))["success"]


def test_a_recovery_code_works_once_and_its_owner_is_told(gql, enrolled):
    _, _, codes = enrolled
    mail.outbox.clear()
    result = verify(gql, mfa_token(gql), code=codes[3])
    assert result["success"], result
    assert subjects() == ["[gql-auth] A recovery code was used"]
    assert "9 unused codes are left" in mail.outbox[0].body
    factors = gql(FACTORS, token=result["token"])["me"]["authenticators"]
    assert [f["unusedCodes"] for f in factors if f["type"] == "RECOVERY_CODES"] == [9]
    assert failures(verify(gql, mfa_token(gql), code=codes[3])) == [(None, "INVALID_CODE")]


def test_an_mfa_token_is_single_use(gql, enrolled, clock):
    _, secret, codes = enrolled
    token = mfa_token(gql)
    assert verify(gql, token, code=totp(secret))["success"]
    assert failures(verify(gql, token, code=codes[0])) == [("mfaToken", "INVALID_KEY")]


def test_an_mfa_token_expires_after_five_minutes(gql, enrolled, clock):
    _, secret, _ = enrolled
    token = mfa_token(gql)
    clock.shift(timedelta(minutes=5, seconds=1))
    assert failures(verify(gql, token, code=totp(secret))) == [("mfaToken", "EXPIRED_KEY")]
    assert not MfaChallenge.objects.exists()


def test_five_wrong_answers_void_the_mfa_token(gql, enrolled, clock):
    _, secret, _ = enrolled
    token = mfa_token(gql)
    wrong = totp(secret, period_shift=5)
    for _ in range(5):
        assert failures(verify(gql, token, code=wrong)) == [(None, "INVALID_CODE")]
    assert failures(verify(gql, token, code=totp(secret))) == [("mfaToken", "INVALID_KEY")]
    # The login starts again, and works.
    assert verify(gql, mfa_token(gql), code=totp(secret))["success"]


def test_wrong_codes_count_toward_the_accounts_brute_force_lock(gql, enrolled, clock):
    _, secret, _ = enrolled
    wrong = totp(secret, period_shift=5)
    for _ in range(2):  # 10 failures: the per-account-and-network lock
        token = mfa_token(gql)
        for _ in range(5):
            verify(gql, token, code=wrong)
    assert failures(start_login(gql)) == [(None, "RATE_LIMITED")]


def test_a_locked_account_checks_no_code(gql, enrolled, clock, settings):
    _, secret, _ = enrolled
    token = mfa_token(gql)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,1/15m/key"}
    assert failures(verify(gql, token, code="000000")) == [(None, "INVALID_CODE")]
    assert failures(verify(gql, token, code=totp(secret))) == [(None, "RATE_LIMITED")]


def test_a_code_of_another_account_is_refused(gql, enrolled, make_user, clock):
    bob = make_user("bob@example.com")
    bob_secret = generate_totp_secret()
    TOTP.activate(bob, bob_secret)
    assert failures(verify(gql, mfa_token(gql), code=totp(bob_secret))) == [(None, "INVALID_CODE")]


def test_a_new_password_voids_a_pending_login(gql, enrolled, clock):
    user, secret, _ = enrolled
    token = mfa_token(gql)
    user.set_password("another long passphrase 42")
    user.save()
    assert failures(verify(gql, token, code=totp(secret))) == [("mfaToken", "INVALID_KEY")]


def test_an_account_disabled_between_the_steps_gets_no_session(gql, enrolled, clock):
    user, secret, _ = enrolled
    token = mfa_token(gql)
    user.is_active = False
    user.save()
    assert failures(verify(gql, token, code=totp(secret))) == [(None, "ACCOUNT_DISABLED")]
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("answer", [{}, {"code": "123456", "credential": {}}])
def test_verify_takes_exactly_one_answer(gql, enrolled, answer):
    assert failures(verify(gql, mfa_token(gql), **answer)) == [("code", "INVALID_INPUT")]


def test_two_answers_in_one_request_are_refused(gql, enrolled, clock):
    _, secret, codes = enrolled
    document = """mutation($t: String!, $a: String!, $b: String!) {
      a: verifyMfa(mfaToken: $t, code: $a) { success }
      b: verifyMfa(mfaToken: $t, code: $b) { success } }"""
    answer = gql.post(document, {"t": mfa_token(gql), "a": "000000", "b": codes[0]}).json()
    assert answer["data"] is None
    assert answer["errors"][0]["message"].startswith("Only one of verifyMfa, ")
    assert MfaChallenge.objects.get().failures == 0  # neither ran


# Recovery codes and removal.


def test_regenerated_codes_replace_the_old_ones(gql, enrolled):
    user, _, old = enrolled
    _, token = AuthToken.objects.issue(user)
    mail.outbox.clear()
    result = gql(REGENERATE_CODES, token=token)["regenerateRecoveryCodes"]
    assert result["success"] and set(result["codes"]).isdisjoint(old)
    assert subjects() == ["[gql-auth] New Recovery Codes Generated"]
    assert failures(verify(gql, mfa_token(gql), code=old[0])) == [(None, "INVALID_CODE")]
    assert verify(gql, mfa_token(gql), code=result["codes"][0])["success"]


def test_no_recovery_codes_without_a_second_factor(gql, ada):
    _, token = AuthToken.objects.issue(ada)
    assert failures(gql(REGENERATE_CODES, token=token)["regenerateRecoveryCodes"]) == [(None, "INVALID_INPUT")]


def test_removing_the_last_second_factor_removes_the_recovery_codes(gql, enrolled):
    user, _, _ = enrolled
    _, token = AuthToken.objects.issue(user, with_factor=True)  # as verifyMfa issues it
    totp_id = Authenticator.objects.get(user=user, type="totp").pk
    mail.outbox.clear()
    assert gql(REMOVE_FACTOR, {"id": totp_id}, token=token)["removeAuthenticator"]["success"]
    assert not Authenticator.objects.filter(user=user).exists()
    assert subjects() == ["[gql-auth] Authenticator App Deactivated"]
    assert "recovery codes were removed too" in mail.outbox[0].body
    assert start_login(gql)["success"]  # the password alone again


def test_a_factor_of_another_account_cannot_be_removed(gql, enrolled, make_user):
    _, bob_token = AuthToken.objects.issue(make_user("bob@example.com"))
    totp_id = Authenticator.objects.get(type="totp").pk
    for factor_id in (totp_id, "nope", "99999999999999999999"):
        result = gql(REMOVE_FACTOR, {"id": factor_id}, token=bob_token)["removeAuthenticator"]
        assert failures(result) == [("id", "NOT_FOUND")]
    assert Authenticator.objects.filter(pk=totp_id).exists()


# Step-up reauthentication.

SENSITIVE = [
    (SETUP_TOTP, {}, "setupTotp"),
    (CONFIRM_TOTP, {"code": "123456"}, "confirmTotp"),
    (REGENERATE_CODES, {}, "regenerateRecoveryCodes"),
    (REMOVE_FACTOR, {"id": "1"}, "removeAuthenticator"),
    (WEBAUTHN_OPTIONS, {"purpose": "REGISTER"}, "webauthnOptions"),
    (REGISTER_PASSKEY, {"name": "key", "credential": {}}, "registerPasskey"),
]


@pytest.mark.parametrize(("document", "variables", "name"), SENSITIVE, ids=[s[2] for s in SENSITIVE])
def test_sensitive_mutations_need_a_recent_login(gql, ada, login, clock, document, variables, name):
    token = login()
    clock.shift(timedelta(seconds=301))
    assert failures(gql(document, variables, token=token)[name]) == [(None, "REAUTHENTICATION_REQUIRED")]
    assert gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]["success"]
    assert gql(document, variables, token=token)[name]["errors"] != [
        {"field": None, "code": "REAUTHENTICATION_REQUIRED", "message": pytest.approx(str)}
    ]
    assert (None, "REAUTHENTICATION_REQUIRED") not in [
        (e["field"], e["code"]) for e in gql(document, variables, token=token)[name]["errors"]
    ]
    clock.shift(timedelta(seconds=301))
    assert failures(gql(document, variables, token=token)[name]) == [(None, "REAUTHENTICATION_REQUIRED")]


@pytest.mark.parametrize(("document", "variables", "name"), SENSITIVE, ids=[s[2] for s in SENSITIVE])
def test_sensitive_mutations_refuse_anonymous_callers(gql, document, variables, name):
    assert failures(gql(document, variables)[name]) == [(None, "NOT_AUTHENTICATED")]


def test_reauthenticate_with_a_second_factor(gql, enrolled, clock):
    user, secret, _ = enrolled
    _, token = AuthToken.objects.issue(user)
    clock.shift(timedelta(seconds=301))
    assert gql(REAUTHENTICATE, {"code": totp(secret)}, token=token)["reauthenticate"]["success"]
    assert gql(REGENERATE_CODES, token=token)["regenerateRecoveryCodes"]["success"]


def test_a_session_records_how_its_owner_last_proved_it(gql, enrolled, clock):
    """RFC 8176 values, which applications read as amr (provider/assurance.py)."""
    user, secret, codes = enrolled
    verified = gql(VERIFY_MFA, {"mfaToken": mfa_token(gql), "code": codes[0]})["verifyMfa"]
    session = AuthToken.objects.get()
    assert session.methods == "pwd otp mfa" and session.authenticated_with_factor
    token = verified["token"]
    assert gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]["success"]
    session.refresh_from_db()
    assert session.methods == "pwd" and not session.authenticated_with_factor
    clock.shift(timedelta(seconds=31))  # a new code
    assert gql(REAUTHENTICATE, {"code": totp(secret)}, token=token)["reauthenticate"]["success"]
    session.refresh_from_db()
    assert session.methods == "pwd otp mfa"  # the login's password and this code


def test_reauthenticate_refuses_wrong_answers_and_counts_them(gql, enrolled, clock, settings):
    user, secret, _ = enrolled
    _, token = AuthToken.objects.issue(user)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,2/15m/key"}
    clock.shift(timedelta(seconds=301))
    wrong_password = gql(REAUTHENTICATE, {"password": "not the password"}, token=token)["reauthenticate"]
    assert failures(wrong_password) == [(None, "INVALID_CREDENTIALS")]
    assert failures(gql(REAUTHENTICATE, {"code": "000000"}, token=token)["reauthenticate"]) == [(None, "INVALID_CODE")]
    both = gql(REAUTHENTICATE, {"password": STRONG_PASSWORD, "code": totp(secret)}, token=token)["reauthenticate"]
    assert failures(both) == [("password", "INVALID_INPUT")]
    assert failures(gql(REGENERATE_CODES, token=token)["regenerateRecoveryCodes"]) == [
        (None, "REAUTHENTICATION_REQUIRED")
    ]
    # Like login: two failures lock the account (at this test's rate), the right password too.
    locked = gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]
    assert failures(locked) == [(None, "RATE_LIMITED")]


def test_reauthenticate_is_rate_limited_like_login(gql, ada, settings):
    _, token = AuthToken.objects.issue(ada)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(2):
        assert gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]["success"]
    limited = gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]
    assert failures(limited) == [(None, "RATE_LIMITED")]


def test_reauthenticate_needs_a_session(gql):
    assert failures(gql(REAUTHENTICATE, {"password": STRONG_PASSWORD})["reauthenticate"]) == [
        (None, "NOT_AUTHENTICATED")
    ]


def test_a_password_change_does_not_count_as_reauthentication_for_other_sessions(gql, ada, login, clock):
    kept = login()
    clock.shift(timedelta(seconds=301))
    assert gql(CHANGE, {"old": STRONG_PASSWORD, "new": "another long passphrase 42"}, token=kept)["changePassword"][
        "success"
    ]
    assert failures(gql(SETUP_TOTP, token=kept)["setupTotp"]) == [(None, "REAUTHENTICATION_REQUIRED")]


def test_managing_factors_is_rate_limited_per_account(gql, ada, login, settings):
    token = login()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "manage_factors": "2/m/user"}
    for _ in range(2):
        assert gql(SETUP_TOTP, token=token)["setupTotp"]["success"]
    assert failures(gql(SETUP_TOTP, token=token)["setupTotp"]) == [(None, "RATE_LIMITED")]


def test_the_password_alone_does_not_remove_the_last_second_factor(gql, enrolled, clock):
    """A stolen session and a phished password must not take away the factor
    they cannot pass: the session's latest proof must have been a factor."""
    user, secret, _ = enrolled
    token = verify(gql, mfa_token(gql), code=totp(secret))["token"]
    totp_id = Authenticator.objects.get(user=user, type="totp").pk
    clock.shift(timedelta(seconds=31))
    assert gql(REAUTHENTICATE, {"password": STRONG_PASSWORD}, token=token)["reauthenticate"]["success"]
    refused = gql(REMOVE_FACTOR, {"id": totp_id}, token=token)["removeAuthenticator"]
    assert failures(refused) == [(None, "REAUTHENTICATION_REQUIRED")]
    assert "code or security key" in refused["errors"][0]["message"]
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert gql(REAUTHENTICATE, {"code": totp(secret)}, token=token)["reauthenticate"]["success"]
    assert gql(REMOVE_FACTOR, {"id": totp_id}, token=token)["removeAuthenticator"]["success"]


def test_a_login_through_the_second_factor_may_remove_it(gql, enrolled):
    user, secret, _ = enrolled
    token = verify(gql, mfa_token(gql), code=totp(secret))["token"]
    totp_id = Authenticator.objects.get(user=user, type="totp").pk
    assert gql(REMOVE_FACTOR, {"id": totp_id}, token=token)["removeAuthenticator"]["success"]
