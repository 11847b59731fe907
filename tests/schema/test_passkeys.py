"""WebAuthn through GraphQL, short of a browser (tests/browser/test_passkeys.py
makes real keys): the options the service asks for, and the answers it refuses
before any signature is checked. Also: the second step in cookie mode, and the
cost of listing factors."""

from __future__ import annotations

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fido2.utils import websafe_encode

from factors import webauthn
from factors.webauthn import Purpose
from tests.documents import (
    FACTORS,
    LOGIN_WITH_PASSKEY,
    REAUTHENTICATE,
    REGISTER_PASSKEY,
    REMOVE_FACTOR,
    STRONG_PASSWORD,
    VERIFY_MFA,
    WEBAUTHN_OPTIONS,
    failures,
)
from tests.schema.test_mfa import mfa_token
from tests.softkey import SoftKey
from tests.support import totp
from users.errors import InvalidCode
from users.models import AuthToken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def published_on_localhost(settings):
    settings.PUBLIC_URL = "http://localhost:8000"


def options(gql, purpose, token=None, **variables) -> dict:
    return gql(WEBAUTHN_OPTIONS, {"purpose": purpose, **variables}, token=token)["webauthnOptions"]


def answer(challenge: str, *, user=None, origin="http://localhost:8000", kind="webauthn.get") -> dict:
    """A browser's answer as JSON, with a made-up signature: enough for every check
    that comes before the signature's."""
    client_data = {"type": kind, "challenge": challenge, "origin": origin}
    response = {
        "clientDataJSON": websafe_encode(json.dumps(client_data).encode()),
        "authenticatorData": websafe_encode(b"\0" * 37),
        "signature": websafe_encode(b"\1" * 64),
    }
    if user is not None:
        response["userHandle"] = websafe_encode(str(user.pk).encode())
    return {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": response, "clientExtensionResults": {}}


def test_registration_asks_for_a_passkey_of_the_published_host(gql, ada):
    _, token = AuthToken.objects.issue(ada)
    result = options(gql, "REGISTER", token)
    assert result["success"], result
    public_key = result["options"]["publicKey"]
    assert public_key["rp"] == {"id": "localhost", "name": "gql-auth"}
    assert public_key["authenticatorSelection"]["residentKey"] == "required"
    assert public_key["authenticatorSelection"]["userVerification"] == "required"
    assert public_key["user"]["name"] == "ada@example.com"


def test_a_passkey_login_asks_any_key_of_the_site_with_user_verification(gql):
    public_key = options(gql, "LOGIN")["options"]["publicKey"]
    assert public_key["rpId"] == "localhost"
    assert public_key["userVerification"] == "required"
    assert not public_key.get("allowCredentials")


def test_mfa_options_need_the_logins_mfa_token_and_a_key(gql, ada):
    assert failures(options(gql, "MFA")) == [("mfaToken", "INVALID_INPUT")]
    assert failures(options(gql, "MFA", mfaToken="gqm_forged")) == [("mfaToken", "INVALID_KEY")]
    TOTP.activate(ada, generate_totp_secret())
    # An account with an authenticator app and no key: nothing to ask the browser for.
    assert failures(options(gql, "MFA", mfaToken=mfa_token(gql))) == [("purpose", "INVALID_INPUT")]


def test_options_for_a_session_refuse_anonymous_callers(gql):
    assert failures(options(gql, "REGISTER")) == [(None, "NOT_AUTHENTICATED")]
    assert failures(options(gql, "REAUTHENTICATE")) == [(None, "NOT_AUTHENTICATED")]


def test_asking_for_options_is_rate_limited(gql, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webauthn_options": "2/m/ip"}
    assert options(gql, "LOGIN")["success"] and options(gql, "LOGIN")["success"]
    assert failures(options(gql, "LOGIN")) == [(None, "RATE_LIMITED")]


def login_with(gql, credential) -> dict:
    return gql(LOGIN_WITH_PASSKEY, {"credential": credential})["loginWithPasskey"]


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"response": "x"},
        {"response": {"clientDataJSON": "!!"}},
        {"response": {"clientDataJSON": "e30"}},  # {}
        {"response": {"clientDataJSON": websafe_encode(b'{"challenge": "x", "origin": ["http://localhost:8000"]}')}},
        {"response": {"clientDataJSON": websafe_encode(b'{"challenge": "x", "origin": {"a": 1}}')}},
        "x",
    ],
)
def test_a_malformed_answer_is_an_invalid_code(gql, credential):
    assert failures(login_with(gql, credential)) == [(None, "INVALID_CODE")]


def test_an_oversized_answer_is_refused_unread(gql, ada):
    challenge = options(gql, "LOGIN")["options"]["publicKey"]["challenge"]
    credential = answer(challenge, user=ada)
    assert webauthn.client_data(credential)["challenge"] == challenge
    credential["padding"] = "x" * 20_000
    with pytest.raises(InvalidCode):
        webauthn.client_data(credential)


def test_an_answer_from_a_page_the_service_does_not_list_is_refused(gql, ada, settings):
    challenge = options(gql, "LOGIN")["options"]["publicKey"]["challenge"]
    # fido2 would accept any port of the host and its subdomains: the service
    # accepts its own origin and listed ones, and such an answer spends nothing.
    for origin in ("https://evil.example", "http://localhost:9999", "http://sub.localhost:8000"):
        assert failures(login_with(gql, answer(challenge, user=ada, origin=origin))) == [(None, "INVALID_CODE")]
        with pytest.raises(InvalidCode):
            webauthn.take_state(answer(challenge, origin=origin), Purpose.LOGIN, "")
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:9999"]
    assert webauthn.take_state(answer(challenge, origin="http://localhost:9999"), Purpose.LOGIN, "")["challenge"] == (
        challenge
    )


def test_an_unknown_or_spent_challenge_is_refused(gql, ada):
    assert failures(login_with(gql, answer("bm90LWFza2Vk", user=ada))) == [(None, "INVALID_CODE")]
    challenge = options(gql, "LOGIN")["options"]["publicKey"]["challenge"]
    assert webauthn.take_state(answer(challenge), Purpose.LOGIN, "")["challenge"] == challenge
    with pytest.raises(InvalidCode):
        webauthn.take_state(answer(challenge), Purpose.LOGIN, "")  # spent


@pytest.mark.parametrize(("purpose", "bound_to"), [(Purpose.REGISTER, "bob"), (Purpose.LOGIN, "nobody")])
def test_a_challenge_answers_only_the_purpose_and_session_that_asked(gql, make_user, ada, purpose, bound_to):
    ada_session, ada_token = AuthToken.objects.issue(ada)
    bob_session, _ = AuthToken.objects.issue(make_user("bob@example.com"))
    asked = options(gql, "REGISTER", ada_token)["options"]["publicKey"]["challenge"]
    binding = {"bob": webauthn.session_binding(bob_session), "nobody": ""}[bound_to]
    with pytest.raises(InvalidCode):
        webauthn.take_state(answer(asked, kind="webauthn.create"), purpose, binding)
    # Spent by the failed attempt: not even the session that asked can use it now.
    with pytest.raises(InvalidCode):
        webauthn.take_state(answer(asked), Purpose.REGISTER, webauthn.session_binding(ada_session))


def register(gql, token: str, key: SoftKey, name: str = "laptop") -> dict:
    public_key = options(gql, "REGISTER", token)["options"]["publicKey"]
    return gql(REGISTER_PASSKEY, {"name": name, "credential": key.create(public_key)}, token=token)["registerPasskey"]


def sign_in(gql, key: SoftKey, **answer_changes) -> dict:
    credential = key.get(options(gql, "LOGIN")["options"]["publicKey"])
    credential["response"].update(answer_changes)
    return login_with(gql, credential)


@pytest.fixture
def ada_key(gql, ada) -> SoftKey:
    """Ada with a passkey, registered through the API (a software key: real signatures)."""
    _, token = AuthToken.objects.issue(ada)
    key = SoftKey()
    assert register(gql, token, key)["success"]
    AuthToken.objects.all().delete()
    return key


def test_a_passkey_signs_in_alone_and_is_listed_as_one(gql, ada_key):
    result = sign_in(gql, ada_key)
    assert result["success"] and result["user"]["email"] == "ada@example.com"
    factors = gql(FACTORS, token=result["token"])["me"]["authenticators"]
    assert [(f["type"], f["name"], f["passkey"]) for f in factors] == [("WEBAUTHN", "laptop", True)]
    assert factors[0]["lastUsedAt"] is not None
    assert AuthToken.objects.filter(user__email="ada@example.com").latest("created_at").methods == "hwk mfa"


def test_a_passkey_answers_a_password_logins_second_step_and_reauthenticates(gql, ada_key):
    token = mfa_token(gql)
    public_key = options(gql, "MFA", mfaToken=token)["options"]["publicKey"]
    assert [c["id"] for c in public_key["allowCredentials"]] == [websafe_encode(ada_key.credential_id)]
    result = gql(VERIFY_MFA, {"mfaToken": token, "credential": ada_key.get(public_key)})["verifyMfa"]
    assert result["success"], result
    assert AuthToken.objects.latest("created_at").methods == "pwd hwk mfa"
    asked = options(gql, "REAUTHENTICATE", result["token"])["options"]["publicKey"]
    answer_ = gql(REAUTHENTICATE, {"credential": ada_key.get(asked, counter=2)}, token=result["token"])
    assert answer_["reauthenticate"]["success"]


def test_a_deactivated_account_gets_no_session_from_its_passkey(gql, ada, ada_key):
    ada.is_active = False
    ada.save()
    assert failures(sign_in(gql, ada_key)) == [(None, "ACCOUNT_DISABLED")]
    assert not AuthToken.objects.exists()


def test_a_key_that_does_not_verify_its_user_is_no_passkey(gql, ada):
    _, token = AuthToken.objects.issue(ada)
    assert failures(register(gql, token, SoftKey(verifies=False))) == [(None, "INVALID_CODE")]
    assert not Authenticator.objects.exists()


def test_what_the_client_says_of_its_key_is_kept_as_a_boolean(gql, ada):
    _, token = AuthToken.objects.issue(ada)
    key = SoftKey()
    public_key = options(gql, "REGISTER", token)["options"]["publicKey"]
    credential = key.create(public_key)
    credential["clientExtensionResults"] = {"credProps": "yes", "other": {"big": "x" * 100}}
    assert gql(REGISTER_PASSKEY, {"name": "k", "credential": credential}, token=token)["registerPasskey"]["success"]
    stored = Authenticator.objects.get().data["credential"]
    assert stored["clientExtensionResults"] == {"credProps": {"rk": False}}
    assert gql(FACTORS, token=token)["me"]["authenticators"][0]["passkey"] is False


def test_a_key_answers_for_its_own_account_only(gql, ada_key, make_user):
    bob = make_user("bob@example.com")
    bob_handle = websafe_encode(str(bob.pk).encode())
    assert failures(sign_in(gql, ada_key, userHandle=bob_handle)) == [(None, "INVALID_CODE")]
    assert not AuthToken.objects.exists()


def test_wrong_answers_with_an_accounts_key_count_toward_its_lock(gql, ada, ada_key, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,1/15m/key"}
    impostor = SoftKey()
    impostor.credential_id, impostor.user_handle = ada_key.credential_id, ada_key.user_handle
    assert failures(sign_in(gql, impostor)) == [(None, "INVALID_CODE")]  # ada's key id, another key's signature
    assert failures(sign_in(gql, ada_key)) == [(None, "RATE_LIMITED")]
    assert failures(gql(LOGIN_MFA_FREE, {"email": ada.email, "password": STRONG_PASSWORD})["login"]) == [
        (None, "RATE_LIMITED")
    ]


def test_nobody_can_lock_an_account_by_naming_its_id(gql, ada, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,1/15m/key"}
    junk = SoftKey()
    junk.user_handle = websafe_encode(str(ada.pk).encode()).encode()
    assert failures(sign_in(gql, junk)) == [(None, "INVALID_CODE")]
    # The client that sent it is held; the account it named is not.
    assert failures(sign_in(gql, junk)) == [(None, "RATE_LIMITED")]
    assert gql(LOGIN_MFA_FREE, {"email": ada.email, "password": STRONG_PASSWORD})["login"]["success"]


LOGIN_MFA_FREE = "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { success errors { field code } } }"


def test_the_second_step_can_keep_its_session_in_a_cookie(ada):
    secret = generate_totp_secret()
    TOTP.activate(ada, secret)
    client = Client()

    def post(query, variables):
        return client.post("/graphql/", {"query": query, "variables": variables}, content_type="application/json")

    first = post(
        LOGIN_MFA_FREE.replace("success", "success mfaToken"), {"email": ada.email, "password": STRONG_PASSWORD}
    )
    token = first.json()["data"]["login"]["mfaToken"]
    assert "gqlauth_session" not in first.cookies
    second = post(
        "mutation($t: String!, $c: String!) { verifyMfa(mfaToken: $t, code: $c, cookie: true) { success token } }",
        {"t": token, "c": totp(secret)},
    )
    assert second.json()["data"]["verifyMfa"] == {"success": True, "token": None}
    assert second.cookies["gqlauth_session"]["httponly"]
    me = post("query { me { email } }", {})
    assert me.json()["data"]["me"] == {"email": ada.email}


def test_listing_factors_costs_the_same_whatever_their_number(gql, ada):
    _, token = AuthToken.objects.issue(ada)
    TOTP.activate(ada, generate_totp_secret())

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            gql(FACTORS, token=token)
        return len(queries)

    few = cost()
    RecoveryCodes.activate(ada)
    for n in range(3):
        Authenticator.objects.create(
            user=ada,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": f"key {n}", "credential": {"clientExtensionResults": {"credProps": {"rk": True}}}},
        )
    assert cost() == few == 2  # the session with its user, then the factors
    factors = gql(FACTORS, token=token)["me"]["authenticators"]
    assert [(f["type"], f["name"], f["passkey"]) for f in factors][-1] == ("WEBAUTHN", "key 2", True)


def test_nobody_else_reads_a_users_factors(gql, ada, make_user):
    staff = make_user("staff@example.com", is_superuser=True, is_staff=True)
    _, token = AuthToken.objects.issue(staff)
    TOTP.activate(ada, generate_totp_secret())
    answer_ = gql.post("query { users { email authenticators { id } } }", token=token).json()
    rows = {row["email"]: row["authenticators"] for row in answer_["data"]["users"]}
    assert rows["ada@example.com"] is None
    assert {e["extensions"]["code"] for e in answer_["errors"]} == {"PERMISSION_DENIED"}


@pytest.mark.parametrize("missing", ["signature", "authenticatorData", "clientDataJSON", "id", "rawId", "type"])
def test_an_answer_to_a_live_challenge_missing_a_part_is_an_invalid_code(gql, ada, missing):
    _, token = AuthToken.objects.issue(ada)
    for purpose, document, name, extra in [
        ("LOGIN", LOGIN_WITH_PASSKEY, "loginWithPasskey", {}),
        ("REGISTER", REGISTER_PASSKEY, "registerPasskey", {"name": "key"}),
    ]:
        challenge = options(gql, purpose, token if purpose == "REGISTER" else None)["options"]["publicKey"]["challenge"]
        credential = answer(challenge, user=ada, kind="webauthn.create" if purpose == "REGISTER" else "webauthn.get")
        credential.pop(missing, None)
        credential["response"].pop(missing, None)
        result = gql(document, {"credential": credential, **extra}, token=token)[name]
        assert failures(result) == [(None, "INVALID_CODE")], (purpose, result)


@pytest.mark.parametrize("origin", [["http://localhost:8000"], {"a": 1}, 7])
def test_an_origin_that_is_not_text_is_an_invalid_code(gql, ada, origin):
    challenge = options(gql, "LOGIN")["options"]["publicKey"]["challenge"]
    credential = answer(challenge, user=ada)
    client_data = {"type": "webauthn.get", "challenge": challenge, "origin": origin}
    credential["response"]["clientDataJSON"] = websafe_encode(json.dumps(client_data).encode())
    assert failures(login_with(gql, credential)) == [(None, "INVALID_CODE")]


def test_adding_and_removing_a_passkey_tells_its_owner(gql, ada):
    _, token = AuthToken.objects.issue(ada, with_factor=True)  # removing the last key asks for a factor's proof
    assert register(gql, token, SoftKey())["success"]
    key_id = Authenticator.objects.get().pk
    assert gql(REMOVE_FACTOR, {"id": key_id}, token=token)["removeAuthenticator"]["success"]
    assert [m.subject for m in mail.outbox] == ["[gql-auth] Security Key Added", "[gql-auth] Security Key Removed"]
