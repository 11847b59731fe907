import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from tests.documents import LOGIN, STRONG_PASSWORD
from users.models import User


def test_createsuperuser_can_log_in_at_once(gql, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG_PASSWORD)
    call_command("createsuperuser", "--noinput", "--email", "Root@Example.com", verbosity=0)
    root = User.objects.get()
    assert root.email == "root@example.com" and root.is_superuser and root.is_staff
    result = gql(LOGIN, {"email": "root@example.com", "password": STRONG_PASSWORD})["login"]
    assert result["success"], result["errors"]
    assert result["user"]["emailVerified"] is True


@pytest.mark.usefixtures("db")
def test_one_account_per_address_whatever_its_case():
    User.objects.create_user("ada@example.com", STRONG_PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ADA@example.com", STRONG_PASSWORD)


@pytest.mark.usefixtures("db")
def test_database_refuses_a_case_variant_written_around_save():
    User.objects.create_user("ada@example.com", STRONG_PASSWORD)
    other = User.objects.create_user("bob@example.com", STRONG_PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(email="Ada@Example.com")


@pytest.mark.usefixtures("db")
def test_passwords_are_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("ada@example.com", STRONG_PASSWORD)
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(STRONG_PASSWORD)


def test_the_verified_answer_follows_the_address(make_user, flow_request, django_assert_num_queries):
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    from users import signup

    ada = make_user(verified=False)
    assert ada.email_verified is False
    request = flow_request()
    request.user = ada
    signup.verify_email(request, EmailConfirmationHMAC(EmailAddress.objects.get(user=ada)).key)
    with django_assert_num_queries(0):
        assert ada.email_verified is True  # confirmed in this request: known at once
    ada.email = "ada@elsewhere.example"
    ada.save()
    assert ada.email_verified is False  # a new address is asked afresh
    EmailAddress.objects.create(user=ada, email=ada.email, verified=True)
    ada.refresh_from_db()
    assert ada.email_verified is True


@pytest.mark.django_db(transaction=True)  # foreign keys are checked at commit, as in a request
def test_an_account_deleted_meanwhile_is_refused_not_given_an_address_again(make_user):
    """A login racing deleteAccount reads the user, then needs its address row."""
    from allauth.account.models import EmailAddress

    from users.errors import InvalidCredentials
    from users.models import own_address

    user = make_user()
    stale = User.objects.get(pk=user.pk)
    user.delete()
    with pytest.raises(InvalidCredentials):
        own_address(stale)
    assert not EmailAddress.objects.exists()
