"""Ed25519 (RFC 8032) with ``cryptography``: 32-byte keys and 64-byte signatures, as hex or
base64 text. Ed25519 signatures are deterministic by construction."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from hub.signatures.base import Algorithm, SignatureFormatError, decode_bytes


class Ed25519(Algorithm):
    name = "ED25519"

    def _private(self, private_key: str) -> Ed25519PrivateKey:
        seed = decode_bytes(private_key, self.name, "private key")
        if len(seed) != 32:
            raise SignatureFormatError(self.name, "private key", f"{len(seed)} bytes, not 32")
        return Ed25519PrivateKey.from_private_bytes(seed)

    def _public(self, public_key: str) -> Ed25519PublicKey:
        raw = decode_bytes(public_key, self.name, "public key")
        if len(raw) != 32:
            raise SignatureFormatError(self.name, "public key", f"{len(raw)} bytes, not 32")
        try:
            return Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as exc:
            raise SignatureFormatError(self.name, "public key", str(exc)) from None

    def public_key(self, private_key: str) -> str:
        key = self._private(private_key).public_key()
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, private_key: str, message: bytes) -> str:
        return self._private(private_key).sign(message).hex()

    def verify(self, public_key: str, message: bytes, signature: str) -> bool:
        key = self._public(public_key)
        raw = decode_bytes(signature, self.name, "signature")
        if len(raw) != 64:
            raise SignatureFormatError(self.name, "signature", f"{len(raw)} bytes, not 64")
        try:
            key.verify(raw, message)
        except InvalidSignature:
            return False
        return True

    def check_public_key(self, public_key: str) -> None:
        self._public(public_key)
