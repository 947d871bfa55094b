"""SM2 with SM3 (GB/T 32918, GM/T 0009), the national standard of 电子证照, with ``gmssl``.

Keys are hex: the private key 32 bytes, the public key the point's 64 bytes x||y (an ``04``
prefix is accepted). Signatures are r||s, 64 bytes as hex or base64, or DER (``SEQUENCE {r, s}``)
as hex or base64. The signer's ID in the SM3 digest Z is GM/T 0009's default,
``1234567812345678``: the one ``gmssl`` uses. ``sign`` derives its nonce from the key and the
digest (HMAC-SHA256, in the manner of RFC 6979), so a key signs a message the same way each time.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import cast

from Cryptodome.Util.asn1 import DerSequence
from gmssl import sm2

from hub.signatures.base import Algorithm, SignatureFormatError, decode_bytes

_TABLE = sm2.default_ecc_table
_N = int(_TABLE["n"], 16)
_P = int(_TABLE["p"], 16)
_A = int(_TABLE["a"], 16)
_B = int(_TABLE["b"], 16)
_G = _TABLE["g"]


def _crypt(private_key: str, public_key: str) -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=private_key, public_key="")
    # Set directly: CryptSM2's constructor lstrip()s "04", which also eats a leading "04" of x.
    crypt.public_key = public_key
    return crypt


class SM2(Algorithm):
    name = "SM2"

    def _private(self, private_key: str) -> int:
        raw = decode_bytes(private_key, self.name, "private key")
        d = int.from_bytes(raw, "big")
        if len(raw) != 32 or not 0 < d < _N - 1:
            raise SignatureFormatError(self.name, "private key", "not a 32-byte scalar below n-1")
        return d

    def _public(self, public_key: str) -> str:
        raw = decode_bytes(public_key, self.name, "public key")
        if len(raw) == 65 and raw[0] == 4:
            raw = raw[1:]
        if len(raw) != 64:
            raise SignatureFormatError(self.name, "public key", f"{len(raw)} bytes, not 64 (x||y)")
        x, y = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        if x >= _P or y >= _P or (y * y - (x * x * x + _A * x + _B)) % _P:
            raise SignatureFormatError(self.name, "public key", "the point is not on the curve")
        return raw.hex()

    def public_key(self, private_key: str) -> str:
        d = self._private(private_key)
        return str(_crypt(f"{d:064x}", "")._kg(d, _G))

    def sign(self, private_key: str, message: bytes) -> str:
        d = self._private(private_key)
        crypt = _crypt(f"{d:064x}", self.public_key(private_key))
        seed = d.to_bytes(32, "big")
        counter = 0
        while True:  # a nonce giving r = 0 or s = 0 is skipped (probability ~2^-256)
            nonce = hmac.new(seed, message + bytes([counter]), hashlib.sha256).digest()
            k = int.from_bytes(nonce, "big") % (_N - 1) + 1
            signature = crypt.sign_with_sm3(message, f"{k:064x}")
            if signature is not None:
                return str(signature)
            counter += 1

    def verify(self, public_key: str, message: bytes, signature: str) -> bool:
        key = self._public(public_key)
        raw = decode_bytes(signature, self.name, "signature")
        if len(raw) == 64:
            r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        else:
            try:
                sequence = DerSequence().decode(raw, nr_elements=2, only_ints_expected=True)
                r, s = cast(int, sequence[0]), cast(int, sequence[1])
            except (ValueError, IndexError, TypeError):
                raise SignatureFormatError(
                    self.name, "signature", f"{len(raw)} bytes: neither r||s (64) nor DER"
                ) from None
        if not (0 < r < _N and 0 < s < _N):
            return False
        return bool(_crypt("", key).verify_with_sm3(f"{r:064x}{s:064x}", message))

    def check_public_key(self, public_key: str) -> None:
        self._public(public_key)
