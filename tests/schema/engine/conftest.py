"""The engine's own tests measure and compare its accelerations: they run accelerated only."""

from __future__ import annotations

import pytest

from schema.engine.accelerated import ACCELERATE_ENV


@pytest.fixture(autouse=True)
def accelerated(monkeypatch: pytest.MonkeyPatch) -> bool:
    """Accelerated, whatever the environment says."""
    monkeypatch.setenv(ACCELERATE_ENV, "1")
    return True
