"""PKCE as RFC 7636 and RFC 9700 say: a challenge and a verifier of the RFC's
syntax, and no verifier for a code issued without a challenge (a downgrade)."""

import base64
import hashlib

import pytest

from tests.provider.conftest import REDIRECT_URI, authorize, code_from, exchange, pkce, tokens_given

pytestmark = pytest.mark.django_db


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def test_a_code_issued_without_a_challenge_is_refused_with_a_verifier(app, signed_in_browser):
    """RFC 9700 2.1.1: a verifier for a code that had no challenge is a downgrade."""
    code = code_from(authorize(signed_in_browser, app))
    refused = exchange(app, code, pkce()[0])
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert not tokens_given().exists()
    assert exchange(app, code).json()["error"] == "invalid_grant"  # used up


@pytest.mark.parametrize("length", [10, 42, 129, 203])
def test_a_verifier_of_the_wrong_length_is_refused_even_when_it_matches(app, signed_in_browser, length):
    """RFC 7636 4.1: 43 to 128 characters, even for a challenge made from it."""
    verifier = "a" * length
    code = code_from(authorize(signed_in_browser, app, s256(verifier)))
    refused = exchange(app, code, verifier)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert not tokens_given().exists()


def test_a_verifier_of_other_characters_is_refused(app, signed_in_browser):
    verifier = "a" * 42 + "+"
    code = code_from(authorize(signed_in_browser, app, s256(verifier)))
    assert exchange(app, code, verifier).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("challenge", ["a", "x" * 42, "x" * 44, "x" * 42 + "="])
def test_a_challenge_that_is_no_s256_digest_is_refused(app, signed_in_browser, challenge):
    """RFC 7636 4.2: an S256 challenge is 43 characters of base64url."""
    response = authorize(signed_in_browser, app, challenge)
    assert response.status_code == 302 and response["Location"].startswith(REDIRECT_URI)
    assert "error=invalid_request" in response["Location"] and "code=" not in response["Location"]


@pytest.mark.parametrize("length", [43, 128])
def test_verifiers_at_the_bounds_pass(app, signed_in_browser, length):
    verifier = "A-._~" * 26
    verifier = verifier[:length]
    code = code_from(authorize(signed_in_browser, app, s256(verifier)))
    assert exchange(app, code, verifier).status_code == 200
