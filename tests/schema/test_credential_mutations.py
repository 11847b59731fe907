"""The one-credential-mutation-per-request rule covers exactly the mutations that
check a secret or send mail, whoever adds them: the rule reads the marks
(`schema.mutations.credential_mutation`), and this test finds, by running every
mutation of the schema, which ones do such work."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import signing
from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLScalarType

from factors import manage, stage, webauthn
from federation import flows as federation
from schema.extensions import credential_mutations
from schema.schema import schema
from tests.documents import STRONG_PASSWORD
from tests.support import AtCommitBackend, FastArgon2PasswordHasher
from users import credentials
from users.models import AuthToken
from users.reset_keys import ResetKeyGenerator

GRAPHQL_SCHEMA = schema._schema
MUTATIONS = sorted(GRAPHQL_SCHEMA.mutation_type.fields)


def argument_value(name: str, graphql_type, email: str, factor_id: str):
    """A plausible value for an argument: the caller's own address, its right
    password, its factor's id, a key to read."""
    named = getattr(graphql_type, "of_type", graphql_type)
    lowered = name.lower()
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    assert isinstance(named, GraphQLScalarType), f"teach this test to make a {named} ({name})"
    if named.name == "Boolean":
        return False
    if named.name == "JSON":
        return {}
    if "email" in lowered:
        return email
    if "password" in lowered:
        return "a new and different passphrase" if lowered.startswith("new") else STRONG_PASSWORD
    return factor_id if named.name == "ID" else "not-a-key"


def selection_of(name: str, email: str, suffix: str = "", factor_id: str = "1") -> tuple[list[str], str, dict]:
    """The mutation with its required arguments as variables, and the first optional
    one that carries a credential (`reauthenticate`'s password, `verifyMfa`'s code):
    (declarations, selection, values)."""
    field = GRAPHQL_SCHEMA.mutation_type.fields[name]
    passed = {arg: f.type for arg, f in field.args.items() if isinstance(f.type, GraphQLNonNull)}
    answer = next((arg for arg in ("password", "code") if arg in field.args and arg not in passed), None)
    if answer is not None:
        passed[answer] = field.args[answer].type
    declarations = [f"${arg}{suffix}: {t}" for arg, t in passed.items()]
    arguments = ", ".join(f"{arg}: ${arg}{suffix}" for arg in passed)
    selection = f"{name}({arguments}) {{ __typename }}" if arguments else f"{name} {{ __typename }}"
    values = {f"{arg}{suffix}": argument_value(arg, t, email, factor_id) for arg, t in passed.items()}
    return declarations, selection, values


def mutation(*selections: tuple[list[str], str, dict]) -> tuple[str, dict]:
    declarations = [d for each in selections for d in each[0]]
    head = f"mutation({', '.join(declarations)})" if declarations else "mutation"
    body = " ".join(f"m{n}: {each[1]}" for n, each in enumerate(selections))
    return f"{head} {{ {body} }}", {k: v for each in selections for k, v in each[2].items()}


@pytest.fixture
def secret_work(monkeypatch) -> list[str]:
    """What the service does only for credential flows, recorded as it happens."""
    seen: list[str] = []

    def record(what: str, original):
        def wrapper(*args, **kwargs):
            seen.append(what)
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(FastArgon2PasswordHasher, "verify", record("password checked", FastArgon2PasswordHasher.verify))
    monkeypatch.setattr(FastArgon2PasswordHasher, "encode", record("password hashed", FastArgon2PasswordHasher.encode))
    monkeypatch.setattr(signing.TimestampSigner, "unsign", record("signed key read", signing.TimestampSigner.unsign))
    monkeypatch.setattr(ResetKeyGenerator, "user_id", record("reset key read", ResetKeyGenerator.user_id))
    monkeypatch.setattr(AtCommitBackend, "enqueue", record("job queued (mail)", AtCommitBackend.enqueue))
    monkeypatch.setattr(credentials, "count_failure", record("credential checked", credentials.count_failure))
    monkeypatch.setattr(stage, "pending_login", record("mfa token read", stage.pending_login))
    monkeypatch.setattr(federation, "take_code", record("login code read", federation.take_code))
    monkeypatch.setattr(webauthn, "client_data", record("WebAuthn answer read", webauthn.client_data))
    monkeypatch.setattr(manage, "pending_totp_secret", record("TOTP secret read", manage.pending_totp_secret))
    return seen


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_mutation_that_checks_a_secret_or_sends_mail_is_marked(gql, make_user, secret_work, settings, name):
    settings.RATE_LIMITS = {}  # no limit or mail cooldown hides the work
    user = make_user(f"{name.lower()}@example.com")
    # A second factor, so that the mutations on factors have one to work on.
    factor = TOTP.activate(user, generate_totp_secret()).instance
    # No password hashed to get it; signed in with the factor, which may then be removed.
    _, token = AuthToken.objects.issue(user, with_factor=True)
    document, variables = mutation(selection_of(name, user.email, factor_id=str(factor.pk)))
    secret_work.clear()  # making the user hashed its password
    gql.post(document, variables, token=token)
    marked = name in credential_mutations(GRAPHQL_SCHEMA)
    if secret_work:
        assert marked, f"{name} did {sorted(set(secret_work))}: mark it with credential_mutation"
    else:
        assert not marked, f"{name} is marked but checked no secret and sent no mail"


def test_the_rule_names_the_marked_mutations():
    names = credential_mutations(GRAPHQL_SCHEMA)
    assert {"login", "register", "changePassword", "resetPassword", "unlockAccount"} <= set(names)
    assert "logout" not in names and "revokeSession" not in names


@pytest.mark.parametrize("pair", [(0, 1), (-1, -2)])
def test_any_two_marked_mutations_are_refused_together(gql, secret_work, pair):
    names = credential_mutations(GRAPHQL_SCHEMA)
    first, second = names[pair[0]], names[pair[1]]
    document, variables = mutation(
        selection_of(first, "a@example.com", "_1"), selection_of(second, "a@example.com", "_2")
    )
    answer = gql.post(document, variables).json()
    assert answer.get("data") is None
    assert f"Only one of {first}, {second}" in answer["errors"][0]["message"]
    assert secret_work == []  # refused before either ran
