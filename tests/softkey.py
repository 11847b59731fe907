"""A software WebAuthn authenticator for tests short of a browser: a P-256 key
that makes real attestations ("none") and real signed assertions, which the
service checks with fido2 as it checks a browser's. The browser tests use
Chromium's virtual authenticator instead."""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData

Flag = AuthenticatorData.FLAG


class SoftKey:
    def __init__(self, rp_id: str = "localhost", origin: str = "http://localhost:8000", *, verifies: bool = True):
        self.rp_id, self.origin, self.verifies = rp_id, origin, verifies
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.user_handle: bytes | None = None

    def material(self) -> dict:
        """All of the key, as JSON, for another process to go on with it (`make bench`
        registers keys in one process and signs with them in another)."""
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return {
            "private_pem": pem.decode(),
            "credential_id": websafe_encode(self.credential_id),
            "rp_id": self.rp_id,
            "origin": self.origin,
            "verifies": self.verifies,
            "user_handle": self.user_handle.decode() if self.user_handle else None,
        }

    @classmethod
    def from_material(cls, material: dict) -> SoftKey:
        key = cls(material["rp_id"], material["origin"], verifies=material["verifies"])
        key.private_key = serialization.load_pem_private_key(material["private_pem"].encode(), None)
        key.credential_id = websafe_decode(material["credential_id"])
        key.user_handle = material["user_handle"].encode() if material["user_handle"] else None
        return key

    def flags(self) -> Flag:
        return Flag.UP | (Flag.UV if self.verifies else 0)

    def client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin}).encode()

    def create(self, public_key_options: dict) -> dict:
        """navigator.credentials.create's answer, as toJSON() gives it."""
        self.user_handle = public_key_options["user"]["id"].encode()  # kept base64url, as browsers return it
        credential_data = AttestedCredentialData.create(
            b"\0" * 16, self.credential_id, ES256.from_cryptography_key(self.private_key.public_key())
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(), self.flags() | Flag.AT, 0, credential_data
        )
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(self.client_data("webauthn.create", public_key_options["challenge"])),
                "attestationObject": websafe_encode(AttestationObject.create("none", auth_data, {})),
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, public_key_options: dict, *, counter: int = 1) -> dict:
        """navigator.credentials.get's answer, as toJSON() gives it."""
        client_data = self.client_data("webauthn.get", public_key_options["challenge"])
        auth_data = AuthenticatorData.create(hashlib.sha256(self.rp_id.encode()).digest(), self.flags(), counter)
        signature = self.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": self.user_handle.decode() if self.user_handle else None,
            },
            "clientExtensionResults": {},
        }
