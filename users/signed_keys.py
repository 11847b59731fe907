"""Keys that are signed, timestamped values (django.core.signing): verification
links (allauth's HMAC keys) and unlock links. Signing's `loads` raises
SignatureExpired for a genuine key past its age and BadSignature for anything
else; a person with a merely old link is told to ask for a new one."""

from django.core import signing

from users.errors import ExpiredKey, InvalidKey


def loads(key: str, *, salt: str, max_age: int):
    """The value a key carries, or raise ExpiredKey / InvalidKey."""
    try:
        return signing.loads(key, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredKey(field="key") from None
    except signing.BadSignature:
        raise InvalidKey(field="key") from None
