"""Addresses that deliver to one mailbox are one account (the contract's one
mailbox, one account): one function normalises them wherever they enter."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.documents import LOGIN, STRONG_PASSWORD
from tests.support import sign_in_to_admin
from users.addresses import InvalidAddress, canonical_email
from users.models import User

REGISTER = """mutation($email: String!) {
  register(email: $email, password: "correct horse battery staple") { success errors { field code message } } }"""

SAME_MAILBOX = [
    "ADA@EXAMPLE.COM",
    "  ada@example.com ",
    "ａｄａ@example.com",  # fullwidth local part
    "ada@ｅｘａｍｐｌｅ.com",  # fullwidth letters in the domain
    "ada@EXAMPLE.com",
]
REFUSED = [
    "ad\u00ada@example.com",  # soft hyphen
    "ad\u200ba@example.com",  # zero-width space
    "ada\u200d@example.com",  # zero-width joiner
    "ada@exam\u200cple.com",  # zero-width non-joiner in the domain
    "ada\u2060@example.com",  # word joiner
    "ada\ufeff@example.com",  # byte order mark
    "ad\u202ea@example.com",  # right-to-left override
    "ada\x07@example.com",  # control character
    "ada@exa\udfffmple.com",  # lone surrogate
    '"ada"@example.com',  # quoted local part
    '"ada@example.com"@example.com',
    "ada@[192.0.2.1]",  # domain literal
]


@pytest.mark.parametrize("variant", SAME_MAILBOX)
def test_variants_of_one_mailbox_normalise_alike(variant):
    assert canonical_email(variant) == "ada@example.com"


def test_international_domains_are_stored_in_their_ascii_form():
    assert canonical_email("Ada@Bücher.Example") == "ada@xn--bcher-kva.example"
    assert canonical_email("ada@xn--bcher-kva.example") == "ada@xn--bcher-kva.example"
    assert canonical_email("ada@BU\u0308CHER.example") == "ada@xn--bcher-kva.example"  # decomposed ü


@pytest.mark.parametrize("address", REFUSED)
def test_invisible_control_and_quoted_addresses_are_refused(address):
    with pytest.raises(InvalidAddress):
        canonical_email(address)


@hypothesis_settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(value):
    try:
        once = canonical_email(value)
    except InvalidAddress:
        return
    assert canonical_email(once) == once


@pytest.mark.usefixtures("mailoutbox")
def test_register_makes_one_account_for_every_spelling_of_a_mailbox(gql):
    for variant in ["ada@example.com", *SAME_MAILBOX[:4]]:
        assert gql(REGISTER, {"email": variant})["register"]["success"]
    assert list(User.objects.values_list("email", flat=True)) == ["ada@example.com"]


@pytest.mark.parametrize("address", REFUSED)
def test_register_refuses_invisible_and_quoted_addresses(gql, address):
    result = gql(REGISTER, {"email": address})["register"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("email", "INVALID_INPUT")]
    assert not User.objects.exists()


@pytest.mark.parametrize("mutation", ["requestPasswordReset", "resendVerificationEmail"])
def test_mail_flows_refuse_them_too(gql, mutation):
    document = f"mutation($e: String!) {{ r: {mutation}(email: $e) {{ success errors {{ field code }} }} }}"
    result = gql(document, {"e": "ad\u00ada@example.com"})["r"]
    assert result == {"success": False, "errors": [{"field": "email", "code": "INVALID_INPUT"}]}


def test_login_finds_the_account_by_any_spelling(gql, make_user):
    make_user("ada@example.com")
    for variant in SAME_MAILBOX:
        result = gql(LOGIN, {"email": variant, "password": STRONG_PASSWORD})["login"]
        assert result["success"], (variant, result["errors"])


@pytest.mark.usefixtures("db")
def test_the_manager_normalises_and_refuses():
    assert User.objects.create_user("ａｄａ@Example.com", STRONG_PASSWORD).email == "ada@example.com"
    with pytest.raises(ValueError):
        User.objects.create_user("ad\u00ada@example.com", STRONG_PASSWORD)


@pytest.mark.usefixtures("db")
def test_createsuperuser_refuses_an_invisible_character(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG_PASSWORD)
    with pytest.raises(CommandError, match="invisible"):
        call_command(
            "createsuperuser",
            "--noinput",
            "--email",
            "ro\u200bot@example.com",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not User.objects.exists()


def test_the_admin_refuses_and_normalises(client, make_user):
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    sign_in_to_admin(client, root)
    form = {
        "password1": STRONG_PASSWORD + "!",
        "password2": STRONG_PASSWORD + "!",
        "usable_password": "true",
        "auth_tokens-TOTAL_FORMS": "0",
        "auth_tokens-INITIAL_FORMS": "0",
    }
    for address in ("gr\u00adace@example.com", '"grace"@example.com'):
        refused = client.post("/admin/users/user/add/", {"email": address, **form})
        assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert "Quoted addresses are not accepted." in refused.content.decode()
    assert not User.objects.filter(email__contains="grace").exists()
    client.post("/admin/users/user/add/", {"email": "ＧＲＡＣＥ@example.com", **form})
    assert User.objects.filter(email="grace@example.com").exists()
    taken = client.post("/admin/users/user/add/", {"email": "Ｒoot@example.com", **form})
    assert taken.status_code == 200 and User.objects.filter(email="root@example.com").count() == 1
