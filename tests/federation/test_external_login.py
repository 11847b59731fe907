"""Signing in through another identity provider (federation/flows.py), against
the stand-in upstream of tests/federation/stand_in.py: accounts made and
linked without takeover, every check of the answer, the one-use login code,
the second factor after it, unlinking, and the hosted page's routing."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from audit.models import SecurityEvent
from federation.models import ExternalLoginState, IdentityProvider
from tests.documents import STRONG_PASSWORD, VERIFY_MFA
from tests.federation.stand_in import CLIENT_ID, CLIENT_SECRET, StandIn, new_key
from tests.support import totp
from users.models import AuthToken, User

pytestmark = pytest.mark.django_db

APP = "http://app.example/signed-in"
SUBJECT = "[gql-auth] "
COMPLETE = """
mutation($code: String!) {
  completeExternalLogin(code: $code) { success token mfaToken errors { field code message } user { email emailVerified } }
}"""
IDENTITIES = "{ me { identities { id email provider { id name } createdAt lastUsedAt } } }"
UNLINK = "mutation($id: ID!) { unlinkIdentity(id: $id) { success errors { field code message } } }"


@pytest.fixture
def stand_in(settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://app.example"]
    upstream = StandIn()
    yield upstream
    upstream.close()


def register(stand_in: StandIn, slug: str = "corp", *, trust_email: bool = True, domains=()) -> IdentityProvider:
    provider = IdentityProvider(
        slug=slug,
        name=slug.title(),
        issuer=stand_in.url,
        client_id=CLIENT_ID,
        domains=list(domains),
        trust_email=trust_email,
        discovery=stand_in.document,
    )
    provider.client_secret = CLIENT_SECRET
    provider.save()
    return provider


@pytest.fixture
def corp(stand_in) -> IdentityProvider:
    return register(stand_in, domains=["corp.example"])


def start(client, next_url: str = APP, slug: str = "corp") -> dict:
    response = client.get(f"/login/external/{slug}", {"next": next_url})
    assert response.status_code == 302, response.content
    return {key: values[0] for key, values in parse_qs(urlsplit(response.url).query).items()}


def callback(client, params: dict, code: str, slug: str = "corp", capture=None):
    return client.get(f"/login/external/{slug}/callback", {"code": code, "state": params["state"]})


def login_code(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url.startswith(APP + "?"), response.url
    return parse_qs(urlsplit(response.url).query)["login_code"][0]


def sign_in(gql, stand_in, django_capture_on_commit_callbacks, **claims) -> str:
    """A whole external sign-in of the test's browser: the code it comes back with."""
    params = start(gql.client)
    with django_capture_on_commit_callbacks(execute=True):
        response = callback(gql.client, params, stand_in.grant(params, **claims))
    return login_code(response)


def refusal(response) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    return response.content.decode()


@pytest.mark.usefixtures("corp")
def test_the_first_sign_in_makes_a_verified_account_and_the_code_signs_it_in_once(
    gql, stand_in, django_capture_on_commit_callbacks
):
    params = start(gql.client)
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    assert params["redirect_uri"] == "http://127.0.0.1:8000/login/external/corp/callback"
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks, email="Grace@Example.com")
    result = gql(COMPLETE, {"code": code})["completeExternalLogin"]
    assert result["success"], result
    assert result["user"] == {"email": "grace@example.com", "emailVerified": True}
    token = AuthToken.objects.get()
    assert token.methods == "fed"
    identities = gql(IDENTITIES, token=result["token"])["me"]["identities"]
    assert [(i["provider"]["id"], i["email"]) for i in identities] == [("corp", "Grace@Example.com")]
    assert not User.objects.get().has_usable_password()
    types = list(SecurityEvent.objects.order_by("pk").values_list("type", flat=True))
    assert {"USER_REGISTERED", "IDENTITY_LINKED", "EXTERNAL_LOGIN", "LOGIN"} <= set(types)
    again = gql(COMPLETE, {"code": code})["completeExternalLogin"]
    assert again["errors"][0]["code"] == "INVALID_KEY"


@pytest.mark.usefixtures("corp")
def test_a_login_code_is_refused_after_60_seconds(gql, stand_in, django_capture_on_commit_callbacks):
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    with time_machine.travel(time.time() + 61):
        late = gql(COMPLETE, {"code": code})["completeExternalLogin"]
    assert late["errors"][0]["code"] == "EXPIRED_KEY"
    assert not AuthToken.objects.exists()


def test_an_untrusted_provider_makes_an_unverified_account_that_must_verify(
    gql, stand_in, django_capture_on_commit_callbacks
):
    register(stand_in, trust_email=False)
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    result = gql(COMPLETE, {"code": code})["completeExternalLogin"]
    assert result["errors"][0]["code"] == "EMAIL_NOT_VERIFIED"
    assert not EmailAddress.objects.get().verified
    assert any("verify-email" in message.body for message in mail.outbox)


@pytest.mark.usefixtures("corp")
def test_an_existing_account_is_linked_at_once_by_a_trusted_verified_address(
    gql, ada, stand_in, django_capture_on_commit_callbacks
):
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    assert gql(COMPLETE, {"code": code})["completeExternalLogin"]["user"]["email"] == ada.email
    assert SocialAccount.objects.get().user == ada
    assert [message.subject for message in mail.outbox] == [
        f"{SUBJECT}A sign-in through Corp was linked to your account"
    ]
    assert ada.email in mail.outbox[0].to


@pytest.mark.parametrize("trust_email, email_verified", [(False, True), (True, False)])
def test_an_existing_account_is_linked_only_after_its_owner_signs_in_here(
    gql, ada, stand_in, django_capture_on_commit_callbacks, trust_email, email_verified
):
    register(stand_in, trust_email=trust_email)
    browser = gql.client
    params = start(browser)
    with django_capture_on_commit_callbacks(execute=True):
        response = callback(browser, params, stand_in.grant(params, email_verified=email_verified))
    assert response.status_code == 302 and response.url.startswith("/login?"), response.url
    assert "login_code" not in response.url and not SocialAccount.objects.exists()
    page = browser.get(response.url)
    assert "Sign in to it once to link your Corp sign-in" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in = browser.post(
            "/login", {"step": "password", "email": ada.email, "password": STRONG_PASSWORD, "next": APP}
        )
    # Linked now, and back to the application with a code, as a direct sign-in would be.
    assert SocialAccount.objects.get().user == ada
    assert gql(COMPLETE, {"code": login_code(signed_in)})["completeExternalLogin"]["success"]
    assert f"{SUBJECT}A sign-in through Corp was linked to your account" in [message.subject for message in mail.outbox]
    # From now on the provider alone signs in.
    assert gql(COMPLETE, {"code": sign_in(gql, stand_in, django_capture_on_commit_callbacks, email_verified=False)})[
        "completeExternalLogin"
    ]["success"]


def test_a_pending_link_is_not_made_by_a_sign_in_to_another_account(
    gql, ada, make_user, stand_in, django_capture_on_commit_callbacks
):
    register(stand_in, trust_email=False)
    make_user("mallory@example.com")
    params = start(gql.client)
    response = callback(gql.client, params, stand_in.grant(params))
    gql.client.post(
        "/login", {"step": "password", "email": "mallory@example.com", "password": STRONG_PASSWORD, "next": "/login"}
    )
    assert not SocialAccount.objects.exists()
    assert response.cookies["gqa_external"].value  # the link lived in that browser only


@pytest.mark.usefixtures("corp")
def test_a_pending_link_is_held_by_the_browser_not_by_a_url(gql, ada, stand_in, client):
    """Someone who signs in upstream with the owner's address cannot hand the
    owner a link that, once the owner signs in, links the stranger's identity."""
    IdentityProvider.objects.update(trust_email=False)
    params = start(gql.client)
    response = callback(gql.client, params, stand_in.grant(params, sub="stranger"))
    victim = client  # another browser, sent the same URL
    victim.get(response.url)
    victim.post("/login", {"step": "password", "email": ada.email, "password": STRONG_PASSWORD, "next": "/login"})
    assert not SocialAccount.objects.exists()


@pytest.mark.usefixtures("corp")
@pytest.mark.parametrize(
    "answer, why",
    [
        ({"nonce": "another sign-in's"}, "nonce"),
        ({"key": new_key()}, "Signature verification failed"),
        ({"kid": "unknown"}, "no key the provider publishes"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-client"}, "Audience"),
        ({"iss": "http://127.0.0.1:1"}, "issuer"),
        ({"aud": [CLIENT_ID, "another-client"]}, "azp"),
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused(gql, stand_in, answer, why):
    params = start(gql.client)
    page = refusal(callback(gql.client, params, stand_in.grant(params, **answer)))
    assert why in page
    assert not User.objects.exists() and not AuthToken.objects.exists()


@pytest.mark.usefixtures("corp")
def test_the_address_may_come_from_userinfo_when_the_id_token_has_none(
    gql, stand_in, django_capture_on_commit_callbacks
):
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks, without_email=True, email="grace@example.com")
    assert gql(COMPLETE, {"code": code})["completeExternalLogin"]["user"]["email"] == "grace@example.com"


@pytest.mark.usefixtures("corp")
def test_a_forged_replayed_or_foreign_state_is_refused(gql, stand_in, client):
    params = start(gql.client)
    code = stand_in.grant(params)
    forged = gql.client.get("/login/external/corp/callback", {"code": code, "state": "gqs_" + "x" * 43})
    assert "started in another browser" in refusal(forged)
    # The state of a sign-in another browser started (a login CSRF): refused.
    assert "started in another browser" in refusal(callback(client, params, code))
    assert ExternalLoginState.objects.count() == 1
    login_code(callback(gql.client, params, code))
    replayed = callback(gql.client, params, stand_in.grant(params))
    assert refusal(replayed)
    assert stand_in.token_requests == 1  # refused before the provider is asked


@pytest.mark.usefixtures("corp")
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_an_off_site_next_is_refused(gql, next_url):
    response = gql.client.get("/login/external/corp", {"next": next_url} if next_url else {})
    if not next_url:  # none given: the hosted login page
        assert response.status_code == 302
        assert ExternalLoginState.objects.get().next_url == "/login"
        return
    assert "next" in refusal(response)
    assert not ExternalLoginState.objects.exists()


def test_an_unknown_provider_is_a_404(gql):
    assert gql.client.get("/login/external/nobody", {"next": APP}).status_code == 404


@pytest.mark.usefixtures("corp")
def test_an_account_with_a_second_factor_is_asked_for_it_after_the_provider(
    gql, ada, stand_in, django_capture_on_commit_callbacks
):
    secret = generate_totp_secret()
    TOTP.activate(ada, secret)
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    asked = gql(COMPLETE, {"code": code})["completeExternalLogin"]
    assert asked["errors"][0]["code"] == "MFA_REQUIRED" and asked["token"] is None
    done = gql(VERIFY_MFA, {"mfaToken": asked["mfaToken"], "code": totp(secret)})["verifyMfa"]
    assert done["success"], done
    assert AuthToken.objects.get().methods == "fed otp mfa"


@pytest.mark.usefixtures("corp")
def test_a_disabled_account_is_refused(gql, make_user, stand_in, django_capture_on_commit_callbacks):
    make_user(is_active=False)
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    assert gql(COMPLETE, {"code": code})["completeExternalLogin"]["errors"][0]["code"] == "ACCOUNT_DISABLED"


@pytest.mark.usefixtures("corp")
def test_a_locked_account_is_refused_as_its_password_would_be(
    gql, ada, settings, stand_in, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,2/15m/key"}
    for _ in range(2):
        gql(
            'mutation { login(email: "ada@example.com", password: "wrong password here") { success } }',
        )
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    assert gql(COMPLETE, {"code": code})["completeExternalLogin"]["errors"][0]["code"] == "RATE_LIMITED"


@pytest.mark.usefixtures("corp")
def test_the_last_way_to_sign_in_cannot_be_unlinked(gql, stand_in, django_capture_on_commit_callbacks):
    token = gql(COMPLETE, {"code": sign_in(gql, stand_in, django_capture_on_commit_callbacks)})[
        "completeExternalLogin"
    ]["token"]
    identity = gql(IDENTITIES, token=token)["me"]["identities"][0]["id"]
    refused = gql(UNLINK, {"id": identity}, token=token)["unlinkIdentity"]
    assert refused["errors"][0]["field"] == "id" and "last way" in refused["errors"][0]["message"]
    assert SocialAccount.objects.exists()


@pytest.mark.usefixtures("corp")
def test_unlinking_needs_a_recent_sign_in_and_tells_the_owner(gql, ada, stand_in, django_capture_on_commit_callbacks):
    token = gql(COMPLETE, {"code": sign_in(gql, stand_in, django_capture_on_commit_callbacks)})[
        "completeExternalLogin"
    ]["token"]
    identity = gql(IDENTITIES, token=token)["me"]["identities"][0]["id"]
    with time_machine.travel(time.time() + 3600):
        stale = gql(UNLINK, {"id": identity}, token=token)["unlinkIdentity"]
    assert stale["errors"][0]["code"] == "REAUTHENTICATION_REQUIRED"
    mail.outbox.clear()
    assert gql(UNLINK, {"id": identity}, token=token)["unlinkIdentity"]["success"]
    assert not SocialAccount.objects.exists()
    assert [message.subject for message in mail.outbox] == [
        f"{SUBJECT}A sign-in through Corp was removed from your account"
    ]
    assert SecurityEvent.objects.filter(type="IDENTITY_UNLINKED", user=ada).exists()
    other = gql(UNLINK, {"id": identity}, token=token)["unlinkIdentity"]
    assert other["errors"][0]["code"] == "NOT_FOUND"


def test_identity_providers_are_public(gql, stand_in):
    register(stand_in, "corp")
    register(stand_in, "partner")
    assert gql("{ identityProviders { id name } }")["identityProviders"] == [
        {"id": "corp", "name": "Corp"},
        {"id": "partner", "name": "Partner"},
    ]


@pytest.mark.usefixtures("corp")
@pytest.mark.parametrize("known", [True, False])
def test_an_address_at_a_routed_domain_goes_to_its_provider_known_or_not(gql, make_user, known):
    if known:
        make_user("grace@corp.example")
    authorization = "/identity/o/authorize?client_id=x"
    form = {"step": "password", "email": "Grace@CORP.example", "password": "", "next": authorization}
    response = gql.client.post("/login", form)
    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path == "/login/external/corp"
    assert parse_qs(target.query) == {"next": [authorization], "login_hint": ["Grace@CORP.example"]}


@pytest.mark.usefixtures("corp")
def test_the_hosted_page_has_a_button_per_provider(gql):
    page = gql.client.get("/login", {"next": "/identity/o/authorize?client_id=x"}).content.decode()
    assert 'id="external-corp"' in page
    assert "/login/external/corp?next=/identity/o/authorize%3Fclient_id%3Dx" in page


@pytest.mark.usefixtures("corp")
def test_a_sign_in_for_the_service_own_pages_signs_the_browser_in_without_a_code_in_any_url(
    gql, stand_in, django_capture_on_commit_callbacks
):
    browser = gql.client
    params = start(browser, next_url="/login?next=/")
    with django_capture_on_commit_callbacks(execute=True):
        response = callback(browser, params, stand_in.grant(params))
    assert response.status_code == 302 and "login_code" not in response.url and "gqx_" not in response.url
    # As a browser sends it: the redirects began at the provider, another site.
    navigation = {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_SEC_FETCH_MODE": "navigate"}
    with django_capture_on_commit_callbacks(execute=True):
        signed_in = browser.get(response.url, **navigation)
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    assert AuthToken.objects.get().user.email == "ada@example.com"
    assert browser.get("/login").status_code == 200  # the cookie spent: an ordinary page again


def test_deleting_a_provider_deletes_its_links(gql, ada, stand_in, django_capture_on_commit_callbacks):
    register(stand_in, "corp")
    partner = register(stand_in, "partner")
    SocialAccount.objects.create(user=ada, provider="corp", uid="a")
    SocialAccount.objects.create(user=ada, provider="partner", uid="b")
    partner.delete()
    assert list(SocialAccount.objects.values_list("provider", flat=True)) == ["corp"]


@pytest.mark.usefixtures("corp")
def test_inside_an_oidc_authorization_the_external_sign_in_continues_it(
    gql, stand_in, django_capture_on_commit_callbacks
):
    from provider import clients
    from tests.provider.conftest import REDIRECT_URI, Registered, authorize, code_from, exchange, pkce

    client, secret = clients.create(name="Example app", redirect_uris=[REDIRECT_URI], grants=["authorization_code"])
    app = Registered(client.id, secret)
    browser = gql.client
    verifier, challenge = pkce()
    to_login = authorize(browser, app, challenge)
    assert to_login.status_code == 302 and to_login.url.startswith("/login?next=")
    resumed = parse_qs(urlsplit(to_login.url).query)["next"][0]  # the authorization, to continue
    page = browser.get(to_login.url).content.decode()
    assert 'id="external-corp"' in page
    params = start(browser, next_url=resumed)
    with django_capture_on_commit_callbacks(execute=True):
        back = callback(browser, params, stand_in.grant(params))
        signed_in = browser.get(back.url)
    assert signed_in.status_code == 302 and signed_in.url == resumed
    code = code_from(browser.get(signed_in.url))
    tokens = exchange(app, code, verifier).json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["email"] == "ada@example.com" and claims["amr"] == ["fed"]


@pytest.mark.usefixtures("corp")
def test_refused_answers_count_as_failed_sign_ins_of_the_network(gql, settings, stand_in):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "2/h/ip"}
    statuses = []
    for _ in range(3):
        params = start(gql.client)
        statuses.append(callback(gql.client, params, stand_in.grant(params, nonce="forged")).status_code)
    assert statuses == [400, 400, 429]


@pytest.mark.usefixtures("corp")
def test_a_locked_account_is_refused_on_the_hosted_page_too(gql, ada, settings, stand_in):
    """The way back to the service's own pages is a GET: the lock counts it all the same."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_failed": "100/h/ip,2/15m/key"}
    for _ in range(2):
        gql('mutation { login(email: "ada@example.com", password: "wrong password here") { success } }')
    params = start(gql.client, next_url="/login?next=/")
    back = callback(gql.client, params, stand_in.grant(params))
    refused = gql.client.get(back.url)
    assert refused.status_code == 429 and not AuthToken.objects.exists()


def test_a_password_reset_takes_away_a_link_an_unproven_address_made(gql, stand_in, django_capture_on_commit_callbacks):
    """Pre-hijacking: a stranger signs in at a provider not trusted for addresses
    with the owner's address, before the owner has an account here. When the owner
    takes the address back by a password reset, the stranger's link goes."""
    from users import passwords
    from users.reset_keys import ResetKeyGenerator

    register(stand_in, trust_email=False)
    sign_in(gql, stand_in, django_capture_on_commit_callbacks, sub="stranger")
    owner = User.objects.get()
    assert SocialAccount.objects.filter(user=owner).exists()
    key = ResetKeyGenerator().make_key(owner)
    from django.test import RequestFactory

    from tests.conftest import GraphQL  # noqa: F401 (the reset flow needs a request)

    request = RequestFactory().post("/graphql/")
    with django_capture_on_commit_callbacks(execute=True):
        passwords.reset_password(request, key, "a new and different passphrase")
    assert not SocialAccount.objects.exists()


@pytest.mark.usefixtures("corp")
def test_a_trusted_directory_takes_an_address_nobody_proved_and_its_password_goes(
    gql, make_user, stand_in, django_capture_on_commit_callbacks
):
    """Someone registered the directory person's address here, with a password, and
    never proved it: the directory's verified sign-in makes the address its person's,
    and that password no longer opens the account."""
    squatted = make_user("ada@example.com", verified=False)
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    assert gql(COMPLETE, {"code": code})["completeExternalLogin"]["success"]
    squatted.refresh_from_db()
    assert not squatted.has_usable_password()
    assert EmailAddress.objects.get(user=squatted).verified


@pytest.mark.usefixtures("corp")
def test_an_address_the_service_cannot_keep_is_refused_not_a_crash(gql, stand_in):
    params = start(gql.client)
    page = refusal(callback(gql.client, params, stand_in.grant(params, email="a" * 300 + "@example.com")))
    assert "could not be used" in page
    assert not User.objects.exists()


@pytest.mark.usefixtures("corp")
def test_a_key_set_that_is_none_is_refused_and_not_kept(gql, stand_in, django_capture_on_commit_callbacks):
    stand_in.served_jwks = ["not", "a", "key", "set"]
    params = start(gql.client)
    assert "key set" in refusal(callback(gql.client, params, stand_in.grant(params)))
    stand_in.served_jwks = None
    login_code(callback(gql.client, (params := start(gql.client)), stand_in.grant(params)))


@pytest.mark.usefixtures("corp")
def test_a_token_without_a_key_id_is_checked_against_the_key_of_its_algorithm(
    gql, stand_in, django_capture_on_commit_callbacks
):
    from cryptography.hazmat.primitives.asymmetric import ec

    other = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key()))
    stand_in.other_keys = [{**other, "kid": "ec-1", "use": "sig", "alg": "ES256"}]
    params = start(gql.client)
    with django_capture_on_commit_callbacks(execute=True):
        login_code(callback(gql.client, params, stand_in.grant(params, kid=None)))


@pytest.mark.usefixtures("corp")
def test_a_refused_sign_in_records_no_external_login(gql, make_user, stand_in, django_capture_on_commit_callbacks):
    make_user(is_active=False)
    code = sign_in(gql, stand_in, django_capture_on_commit_callbacks)
    gql(COMPLETE, {"code": code})
    assert not SecurityEvent.objects.filter(type="EXTERNAL_LOGIN").exists()


@pytest.mark.usefixtures("corp")
def test_a_page_of_this_service_given_whole_is_kept_as_its_path(gql):
    start(gql.client, next_url="http://127.0.0.1:8000/identity/o/authorize?client_id=x")
    assert ExternalLoginState.objects.get().next_url == "/identity/o/authorize?client_id=x"


def test_a_pending_link_toward_an_application_may_end_there(gql, ada, stand_in):
    """The hosted page's form, once the account is proved, ends at the
    application's page: its CSP form-action names that origin."""
    register(stand_in, trust_email=False)
    params = start(gql.client)
    response = callback(gql.client, params, stand_in.grant(params))
    page = gql.client.get(response.url)
    assert "http://app.example" in page["Content-Security-Policy"].split("form-action")[1].split(";")[0]


def test_a_nul_in_a_resumed_authorization_names_no_client(django_assert_num_queries):
    """Decoded from %00 after the NUL middleware looked: PostgreSQL would refuse the query (a 500)."""
    from provider.pages import resumed_redirect_uri

    with django_assert_num_queries(0):
        assert resumed_redirect_uri("/identity/o/authorize?client_id=%00&redirect_uri=https://a.example/") is None


def test_changing_a_providers_issuer_in_the_admin_removes_its_links(client, admin_user, ada, stand_in, settings):
    from tests.support import sign_in_to_admin

    settings.DEBUG = True
    provider = register(stand_in)
    SocialAccount.objects.create(user=ada, provider="corp", uid="1")
    other = StandIn()
    try:
        sign_in_to_admin(client, admin_user)
        form = {"slug": "corp", "name": "Corp", "issuer": other.url, "client_id": CLIENT_ID, "client_secret": ""}
        changed = client.post(f"/admin/federation/identityprovider/{provider.pk}/change/", {**form, "domains": ""})
        assert changed.status_code == 302, changed.content.decode()[:2000]
    finally:
        other.close()
    assert not SocialAccount.objects.exists()
