"""What the core asks of a source adapter, as protocols: ``connectors.base.Connector`` satisfies
them, so the core can name a source without importing ``connectors`` (imports point from the
adapters to the core, never back)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from hub.config import ConnectorConfig, StreamConfig


class ColumnTypes(Protocol):
    """A stream's columns as the source describes them (``connectors.base.SourceColumns``)."""

    @property
    def types(self) -> Mapping[str, str]: ...


class Source(Protocol):
    """One department's source: what its mapping is checked against and its lag measured on."""

    @property
    def name(self) -> str: ...

    @property
    def config(self) -> ConnectorConfig: ...

    async def columns(self, stream: StreamConfig) -> ColumnTypes: ...

    async def pending(self, stream: StreamConfig, cursor: Any) -> int | None: ...
