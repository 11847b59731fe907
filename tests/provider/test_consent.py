"""Consent remembered per application and scope set (third-party clients,
`--consent`): asked once, again only for a scope beyond it or when the client
asks (`prompt=consent`), and taken back with revokeApplication."""

import pytest

from provider.models import Consent
from tests.provider.conftest import authorize, code_from, exchange

pytestmark = pytest.mark.django_db

APPLICATIONS = "{ me { applications { id name scopes grantedAt lastUsedAt } } }"
REVOKE = "mutation($id: ID!) { revokeApplication(id: $id) { success errors { field code message } } }"


@pytest.fixture
def third(register):
    return register(name="Third party", consent=True)


def answer_consent(browser, page, scopes, action="grant"):
    assert page.status_code == 200, page.content[:300]
    request_field = page.content.decode().split('name="request" value="')[1].split('"')[0]
    csrf = browser.cookies["csrftoken"].value
    return browser.post(
        "/identity/o/authorize",
        {"request": request_field, "scopes": scopes, "action": action, "csrfmiddlewaretoken": csrf},
    )


def test_the_page_is_not_shown_again_for_what_was_granted(third, signed_in_browser):
    code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid", "email"]))
    again = authorize(signed_in_browser, third)
    assert exchange(third, code_from(again)).status_code == 200
    fewer = authorize(signed_in_browser, third, scope="openid")
    assert code_from(fewer)


def test_a_scope_beyond_the_consent_is_asked_for_and_added(third, signed_in_browser):
    code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third, scope="openid"), ["openid"]))
    wider = authorize(signed_in_browser, third, scope="openid email")
    code_from(answer_consent(signed_in_browser, wider, ["openid", "email"]))
    assert Consent.objects.get().get_scopes() == {"openid", "email"}
    assert code_from(authorize(signed_in_browser, third, scope="openid email"))


def test_a_scope_left_unticked_is_not_remembered(third, signed_in_browser):
    code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid"]))
    assert authorize(signed_in_browser, third).status_code == 200  # email is asked for again


def test_prompt_consent_asks_again(third, signed_in_browser):
    code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid", "email"]))
    assert authorize(signed_in_browser, third, prompt="consent").status_code == 200


def test_a_denial_is_not_remembered(third, signed_in_browser):
    denied = answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid", "email"], "deny")
    assert "error=access_denied" in denied["Location"]
    assert not Consent.objects.exists()
    assert authorize(signed_in_browser, third).status_code == 200


def test_silent_sign_in_stands_on_the_consent_even_when_no_token_lives(third, signed_in_browser):
    from tests.provider.conftest import tokens_given

    exchange(third, code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid"])))
    tokens_given().delete()  # expired, or ended with a password change
    assert code_from(authorize(signed_in_browser, third, scope="openid", prompt="none"))


def test_a_consent_is_one_persons(third, signed_in_browser, make_user):
    from django.test import Client

    from tests.provider.conftest import sign_in

    code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid", "email"]))
    make_user("bob@example.com")
    bob = Client()
    sign_in(bob, "bob@example.com")
    assert authorize(bob, third).status_code == 200


def test_revoking_the_application_ends_its_consent(third, signed_in_browser, gql, login):
    from tests.provider.conftest import tokens_given

    exchange(third, code_from(answer_consent(signed_in_browser, authorize(signed_in_browser, third), ["openid"])))
    tokens_given().delete()
    token = login()
    listed = gql(APPLICATIONS, token=token)["me"]["applications"]
    assert [(a["name"], a["scopes"], a["lastUsedAt"]) for a in listed] == [("Third party", ["openid"], None)]
    assert gql(REVOKE, {"id": third.client_id}, token=token)["revokeApplication"]["success"]
    assert not Consent.objects.exists()
    assert authorize(signed_in_browser, third, scope="openid").status_code == 200
    assert gql(APPLICATIONS, token=token)["me"]["applications"] == []
