"""Signature algorithms for signed outcomes and the change log's signed heads: one ABC
(``hub.signatures.base.Algorithm``), one module per algorithm, looked up by name here."""

from __future__ import annotations

from collections.abc import Mapping

from hub.errors import UnknownNameError
from hub.signatures.base import Algorithm, SignatureFormatError
from hub.signatures.ed25519 import Ed25519
from hub.signatures.sm2 import SM2

ALGORITHMS: Mapping[str, Algorithm] = {a.name: a for a in (SM2(), Ed25519())}


def algorithm(name: str) -> Algorithm:
    """The algorithm called ``name`` (``SM2`` or ``ED25519``, any case); an unknown name lists
    the known ones."""
    try:
        return ALGORITHMS[name.strip().upper()]
    except KeyError:
        raise UnknownNameError("signature algorithm", name, ALGORITHMS) from None


__all__ = ["ALGORITHMS", "Algorithm", "SignatureFormatError", "algorithm"]
