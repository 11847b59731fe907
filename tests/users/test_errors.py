"""One error vocabulary: every account error carries its code, and the GraphQL
enum is the domain's."""

import pytest

from schema.errors import ErrorCode as GraphQLErrorCode
from schema.errors import user_errors
from users import errors


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


ACCOUNT_ERRORS = sorted(subclasses(errors.AccountError), key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", ACCOUNT_ERRORS, ids=lambda cls: cls.__name__)
def test_every_account_error_has_a_code_and_maps_to_a_payload_error(cls):
    assert isinstance(cls.code, errors.ErrorCode)
    (payload,) = user_errors(cls(field="email"))
    assert payload.code is cls.code and payload.field == "email" and payload.message == cls.default_message


def test_an_account_error_without_a_code_is_refused_where_it_is_defined():
    with pytest.raises(TypeError, match="must set `code`"):
        type("Forgotten", (errors.AccountError,), {"default_message": "No code."})


def test_every_code_is_in_the_graphql_enum_and_used():
    assert GraphQLErrorCode is errors.ErrorCode  # derived, not retyped
    assert {cls.code for cls in ACCOUNT_ERRORS} == set(errors.ErrorCode)


def test_several_errors_map_in_order():
    failure = errors.AccountErrors([errors.InvalidInput(field="email"), errors.PasswordTooWeak(field="password")])
    assert [(e.field, e.code) for e in user_errors(failure)] == [
        ("email", errors.ErrorCode.INVALID_INPUT),
        ("password", errors.ErrorCode.PASSWORD_TOO_WEAK),
    ]
