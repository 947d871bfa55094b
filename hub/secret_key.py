"""The key that encrypts secrets at rest (webhook signing secrets): ``HUB_SECRET_KEY``.

The variable holds one or more Fernet keys (AES-128-CBC with HMAC-SHA256, from
``cryptography``), separated by commas: the first encrypts, every one decrypts, so a key is
rotated by putting the new key first, keeping the old one after it until ``hub webhook rekey``
has re-encrypted every secret, and then dropping the old one. An encrypted secret is stored as
``fernet:<token>``; a value without that prefix is a secret stored in clear by an older hub,
still readable and re-encrypted as soon as a key is there (``Webhooks.seal_clear_secrets``).

The key is never derived or defaulted here: a process that needs it and lacks it fails with
``SecretKeyError``, which says how to make one. Only ``hub demo`` makes a key of its own (in its
demo directory) when the variable is unset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hub.errors import HubError

ENV = "HUB_SECRET_KEY"
PREFIX = "fernet:"
GENERATE = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


class SecretKeyError(HubError, RuntimeError):
    """Raised when ``HUB_SECRET_KEY`` is missing, malformed, or not the key a stored secret was
    encrypted with; the message names the variable and the fix."""

    def __init__(self, problem: str, hint: str) -> None:
        self.problem = problem
        super().__init__(f"{ENV} {problem} (hint: {hint})")


def is_sealed(stored: str) -> bool:
    """True for a stored secret that is encrypted (not one stored in clear)."""
    return stored.startswith(PREFIX)


class SecretKey:
    """Encrypts (``seal``) and decrypts (``open``) secrets with the keys of ``HUB_SECRET_KEY``."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SecretKeyError(
                "is not set: secrets (webhook signing secrets) are stored encrypted with it",
                f"create a key with `{GENERATE}` and set {ENV} to it in the environment of "
                "every hub process (hub serve, hub worker, hub webhook)",
            )
        fernets = []
        for number, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key.strip().encode()))
            except ValueError:
                raise SecretKeyError(
                    f"key {number} of {len(keys)} is not a Fernet key "
                    "(32 random bytes in url-safe base64, 44 characters)",
                    f"create one with `{GENERATE}`",
                ) from None
        self._fernet = MultiFernet(fernets)
        self._primary = fernets[0]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SecretKey:
        value = (os.environ if environ is None else environ).get(ENV, "")
        return cls([k for k in value.split(",") if k.strip()])

    def seal(self, secret: str) -> str:
        return PREFIX + self._primary.encrypt(secret.encode()).decode()

    def open(self, stored: str, what: str = "a secret") -> str:
        """The secret in clear; one stored in clear by an older hub comes back as it is."""
        if not is_sealed(stored):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                f"cannot decrypt {what}: it was encrypted with another key",
                f"set {ENV} to the key it was encrypted with (after a rotation: "
                f"{ENV}=NEW,OLD, then run `hub webhook rekey`)",
            ) from None

    def reseal(self, stored: str, what: str = "a secret") -> str:
        """``stored`` encrypted with the first key (for rotation and clear-text secrets)."""
        return self.seal(self.open(stored, what))

    def is_current(self, stored: str) -> bool:
        """True when ``stored`` is encrypted with the first key already."""
        if not is_sealed(stored):
            return False
        try:
            self._primary.decrypt(stored[len(PREFIX) :].encode())
        except InvalidToken:
            return False
        return True


def demo_key(directory: Path) -> str:
    """The demo's own key, made once in ``directory/secret.key`` (readable by its owner
    only): ``hub demo`` uses it when ``HUB_SECRET_KEY`` is unset. Never for production."""
    path = directory / "secret.key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(Fernet.generate_key().decode() + "\n")
    return path.read_text().strip()
