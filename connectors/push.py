"""Departments that push: they POST their records to ``/ingest/{connector}/{stream}``.

A push connector reads nothing: its streams only say how a pushed record's keys map to canonical
fields, and the endpoint (``hub.http.ingest``) applies the records through the sync engine like
a pulled batch. Since nothing is pulled, a push connector has no schedule and no code tables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import Connector, RawRow, ReadRequest, SourceColumns
from hub.config import CodeTable, StreamConfig
from hub.errors import ConfigError


class PushOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_records: int = Field(default=10_000, ge=1)


class PushConnector(Connector[PushOptions]):
    kind = "push"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        file = self.hub_config.path or "<config>"
        if self.config.schedule is not None:
            raise ConfigError(
                file,
                f"connectors.{self.name}.schedule",
                "a push connector is not pulled on a schedule; departments POST to "
                f"/ingest/{self.name}/<stream>",
            )
        for name, spec in self.config.value_maps.items():
            if isinstance(spec, CodeTable):
                raise ConfigError(
                    file,
                    f"connectors.{self.name}.value_maps.{name}",
                    "a push connector has no tables to read a code table from; "
                    "give the codes inline",
                )

    async def check(self) -> str:
        streams = ", ".join(s.stream_name for s in self.config.streams) or "(no streams)"
        return f"push: POST /ingest/{self.name}/<stream> for {streams}"

    async def columns(self, stream: StreamConfig) -> SourceColumns:
        return SourceColumns.named_by(stream)

    async def read(self, request: ReadRequest) -> AsyncIterator[list[RawRow]]:
        # Pushed records arrive through /ingest; pulling a push connector finds nothing.
        empty: tuple[list[RawRow], ...] = ()
        for batch in empty:
            yield batch
