"""The GraphQL documents the tests send, and helpers to read their results:
one place, so a change of the contract's shape is made once."""

STRONG_PASSWORD = "correct horse battery staple"

REGISTER = """
mutation Register($email: String!, $password: String!) {
  register(email: $email, password: $password) { success errors { field code message } }
}"""
VERIFY = """
mutation Verify($key: String!) { verifyEmail(key: $key) { success errors { field code message } } }
"""
RESEND = """
mutation Resend($email: String!) {
  resendVerificationEmail(email: $email) { success errors { field code message } }
}"""
LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    success token expiresAt errors { field code message } user { id email emailVerified }
  }
}"""
ME = "query { me { id email emailVerified dateJoined lastLogin } }"
LOGOUT = "mutation { logout { success errors { code } } }"
LOGOUT_ALL = "mutation { logoutAll { success errors { code } } }"
REVOKE = "mutation($id: ID!) { revokeSession(id: $id) { success errors { field code message } } }"
REQUEST_RESET = """mutation($email: String!) {
  requestPasswordReset(email: $email) { success errors { field code message } } }"""
RESET = """mutation($key: String!, $password: String!) {
  resetPassword(key: $key, newPassword: $password) { success errors { field code message } } }"""
CHANGE = """mutation($old: String!, $new: String!) {
  changePassword(oldPassword: $old, newPassword: $new) { success errors { field code message } } }"""
UNLOCK = "mutation($key: String!) { unlockAccount(key: $key) { success errors { field code message } } }"


def field_codes(result: dict) -> list[tuple[str | None, str]]:
    """A payload's errors as (field, code) pairs."""
    return [(error["field"], error["code"]) for error in result["errors"]]


def failures(result: dict) -> list[tuple[str | None, str]]:
    """The (field, code) pairs of a payload that must have failed."""
    assert result["success"] is False, result
    return field_codes(result)


def first_code(result: dict, *, ok=None):
    """The first error's code, or `ok` when the payload has none."""
    return result["errors"][0]["code"] if result["errors"] else ok


# Second factors and passkeys.
LOGIN_MFA = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    success token errors { field code message } mfaToken mfaMethods
  }
}"""
VERIFY_MFA = """
mutation VerifyMfa($mfaToken: String!, $code: String, $credential: JSON) {
  verifyMfa(mfaToken: $mfaToken, code: $code, credential: $credential) {
    success token errors { field code message } user { email }
  }
}"""
SETUP_TOTP = "mutation { setupTotp { success errors { field code message } secret otpauthUri qrCodeSvg } }"
CONFIRM_TOTP = """mutation($code: String!) {
  confirmTotp(code: $code) { success errors { field code message } codes } }"""
REGENERATE_CODES = "mutation { regenerateRecoveryCodes { success errors { field code message } codes } }"
REMOVE_FACTOR = "mutation($id: ID!) { removeAuthenticator(id: $id) { success errors { field code message } } }"
REAUTHENTICATE = """mutation($password: String, $code: String, $credential: JSON) {
  reauthenticate(password: $password, code: $code, credential: $credential) {
    success errors { field code message } } }"""
WEBAUTHN_OPTIONS = """mutation($purpose: WebauthnPurpose!, $mfaToken: String) {
  webauthnOptions(purpose: $purpose, mfaToken: $mfaToken) { success errors { field code message } options } }"""
LOGIN_WITH_PASSKEY = """mutation($credential: JSON!) {
  loginWithPasskey(credential: $credential) { success token errors { field code message } user { email } } }"""
REGISTER_PASSKEY = """mutation($name: String!, $credential: JSON!) {
  registerPasskey(name: $name, credential: $credential) { success errors { field code message } } }"""
FACTORS = "query { me { authenticators { id type name passkey createdAt lastUsedAt unusedCodes } } }"
