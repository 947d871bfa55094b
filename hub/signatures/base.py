"""The signature algorithm ABC: keys and signatures travel as text (hex or base64), so that a
department can put them in a database column or a TOML file."""

from __future__ import annotations

import abc
import base64
import binascii

from hub.errors import HubError


class SignatureFormatError(HubError, ValueError):
    """Raised when a key or signature is not well-formed for its algorithm (wrong length, not
    hex or base64, a point off the curve)."""

    def __init__(self, algorithm: str, what: str, problem: str) -> None:
        self.algorithm = algorithm
        self.what = what
        self.problem = problem
        super().__init__(f"{algorithm} {what}: {problem}")


def decode_bytes(text: str, algorithm: str, what: str) -> bytes:
    """Hex (even length, any case) or standard base64 text -> bytes."""
    value = text.strip()
    try:
        if len(value) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in value):
            return bytes.fromhex(value)
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise SignatureFormatError(algorithm, what, "neither hex nor base64") from None


class Algorithm(abc.ABC):
    """One signature algorithm. ``verify`` answers False for a well-formed signature that does
    not match, and raises ``SignatureFormatError`` for a malformed key or signature."""

    name: str

    @abc.abstractmethod
    def public_key(self, private_key: str) -> str:
        """The public key (as text) of ``private_key`` (as text)."""

    @abc.abstractmethod
    def sign(self, private_key: str, message: bytes) -> str:
        """The signature of ``message`` as text. Deterministic: the same key and message give
        the same signature (demo data and tests depend on it)."""

    @abc.abstractmethod
    def verify(self, public_key: str, message: bytes, signature: str) -> bool:
        """Whether ``signature`` is ``public_key``'s signature of ``message``."""

    @abc.abstractmethod
    def check_public_key(self, public_key: str) -> None:
        """Raise ``SignatureFormatError`` unless ``public_key`` is a well-formed key."""
